/**
 * `npm run soak -- --minutes N --collectors M`: the long soak of issue 7 (scripts/soak-lib.ts says what
 * runs and how each figure is measured). Prints a row per report period, then a table and one JSON line per
 * figure, and exits 1 when a target is missed. Needs the built background process: run `npm run build` first.
 *
 * Flags: --minutes 60 --collectors 500 --heartbeat-interval 45s --interval 15s --report-every 60s
 *        --max-rss-growth 0.10 --min-on-time 0.999 --max-left-registered 0 --max-left-open 0
 *        --no-faults --seed 7 --daemon dist/daemon/index.js
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDuration } from "../src/core/duration.js";
import { lineLogger } from "../src/core/logger.js";
import { BUILT_DAEMON } from "./fleet-under-test.js";
import {
  DEFAULT_SOAK_TARGETS,
  formatFigureTable,
  formatRow,
  runSoak,
  soakFigures,
  type SoakTargets,
} from "./soak-lib.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "60" },
    collectors: { type: "string", default: "500" },
    "heartbeat-interval": { type: "string", default: "45s" },
    interval: { type: "string", default: "15s" },
    "report-every": { type: "string", default: "60s" },
    "max-rss-growth": { type: "string", default: String(DEFAULT_SOAK_TARGETS.maxRssGrowth) },
    "min-on-time": { type: "string", default: String(DEFAULT_SOAK_TARGETS.minOnTimeRatio) },
    "max-left-registered": { type: "string", default: String(DEFAULT_SOAK_TARGETS.maxLeftRegistered) },
    "max-left-open": { type: "string", default: String(DEFAULT_SOAK_TARGETS.maxLeftOpen) },
    "no-faults": { type: "boolean", default: false },
    seed: { type: "string", default: "7" },
    daemon: { type: "string", default: BUILT_DAEMON },
  },
  strict: true,
});

function number(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--${name} must be a number, found "${String(values[name])}"`);
  return n;
}

function duration(name: keyof typeof values): number {
  const ms = parseDuration(String(values[name]));
  if (ms === undefined || ms < 1000)
    throw new Error(`--${name} must be a duration of 1s or more, found "${String(values[name])}"`);
  return ms;
}

async function main(): Promise<number> {
  const daemonScript = values.daemon;
  if (!existsSync(daemonScript)) {
    console.error(`no background process at ${daemonScript}: run 'npm run build' first`);
    return 2;
  }
  const targets: SoakTargets = {
    maxRssGrowth: number("max-rss-growth"),
    minOnTimeRatio: number("min-on-time"),
    maxLeftRegistered: number("max-left-registered"),
    maxLeftOpen: number("max-left-open"),
  };
  const collectors = number("collectors");
  const heartbeatIntervalMs = duration("heartbeat-interval");
  const intervalMs = duration("interval");
  const durationMs = number("minutes") * 60_000;
  console.log(
    `soak: ${collectors} collectors, heartbeat ${heartbeatIntervalMs / 1000} s, tick ${intervalMs / 1000} s, ` +
      `${durationMs / 60_000} min, faults ${values["no-faults"] ? "off" : "on"} (FM 10 % 503, 5 % 429, 2 % reset, 50–300 ms; remote write 10 % 503)`,
  );
  const report = await runSoak({
    collectors,
    durationMs,
    heartbeatIntervalMs,
    intervalMs,
    reportEveryMs: duration("report-every"),
    faults: !values["no-faults"],
    seed: number("seed"),
    daemonScript,
    logger: lineLogger(
      (line) => process.stderr.write(line),
      (s) => s,
      "info",
    ),
    onRow: (row) => console.log(formatRow(row)),
  });
  const figures = soakFigures(report, targets);
  console.log(`\nbackground process PID ${report.pid}; log ${report.log}; cleanup by ${report.cleanedBy}`);
  console.log(`rows recorded in ${report.workDir}/rows.jsonl`);
  for (const problem of report.problems) console.log(`  cleanup problem: ${problem}`);
  if (report.aborted) console.log(`  ENDED EARLY: ${report.aborted}`);
  if (report.punctuality.examples.length > 0)
    console.log(`  collectors with a missed slot: ${report.punctuality.examples.join(", ")}`);
  console.log(`\n${formatFigureTable(figures)}\n`);
  for (const f of figures) console.log(JSON.stringify({ soak: "fm-fleet", ...f }));
  return figures.some((f) => f.ok === false) ? 1 : 0;
}

process.exitCode = await main();
