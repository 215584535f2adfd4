/**
 * `npm run soak -- [--profile standard|hostile] [--minutes N] [--collectors M]`: the long soak of issue 7, and
 * its hostile profile (issue 11). scripts/soak-lib.ts says what runs, which faults each profile injects and
 * how each figure is measured. Prints a row per report period (RSS among them), then a table and one JSON
 * line per figure, and exits 1 when a target is missed. Needs the built background process: run
 * `npm run build` first.
 *
 * Profiles (defaults; every flag overrides its profile's value):
 *   standard  60 min, 500 collectors, heartbeat 45 s, tick 15 s; targets: RSS growth after warm-up < 10 %,
 *             heartbeats on time >= 99.9 %, nothing left registered, no series left open.
 *   hostile   10 min, 200 collectors, heartbeat 45 s, tick 5 s; the standard faults, and once the fleet is
 *             ready endless bodies, Retry-After: 999999, GetConfig hashes of 3 MiB and 30 s hangs; targets:
 *             RSS peak < 300 MB, nothing left registered, no series left open.
 *
 * Flags: --profile standard --minutes 60 --collectors 500 --heartbeat-interval 45s --interval 15s
 *        --report-every 60s --max-rss-growth 0.10 --min-on-time 0.999 --max-rss-mb 300
 *        --max-left-registered 0 --max-left-open 0 --no-faults --seed 7 --daemon dist/daemon/index.js
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDuration } from "../src/core/duration.js";
import { lineLogger } from "../src/core/logger.js";
import { BUILT_DAEMON } from "./fleet-under-test.js";
import {
  formatFigureTable,
  formatRow,
  runSoak,
  soakFigures,
  SOAK_PROFILES,
  type SoakProfile,
  type SoakTargets,
} from "./soak-lib.js";

const { values } = parseArgs({
  options: {
    profile: { type: "string", default: "standard" },
    minutes: { type: "string" },
    collectors: { type: "string" },
    "heartbeat-interval": { type: "string" },
    interval: { type: "string" },
    "report-every": { type: "string", default: "60s" },
    "max-rss-growth": { type: "string" },
    "min-on-time": { type: "string" },
    "max-rss-mb": { type: "string" },
    "max-left-registered": { type: "string" },
    "max-left-open": { type: "string" },
    "no-faults": { type: "boolean", default: false },
    seed: { type: "string", default: "7" },
    daemon: { type: "string", default: BUILT_DAEMON },
  },
  strict: true,
});

type Flag = keyof typeof values;

function number(name: Flag, fallback: number): number;
function number(name: Flag, fallback: number | undefined): number | undefined;
function number(name: Flag, fallback: number | undefined): number | undefined {
  const given = values[name];
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, found "${String(given)}"`);
  return n;
}

function duration(name: Flag, fallback: string): number {
  const text = String(values[name] ?? fallback);
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000)
    throw new Error(`--${name} must be a duration of 1s or more, found "${text}"`);
  return ms;
}

function profileOf(name: string): SoakProfile {
  if (name === "standard" || name === "hostile") return SOAK_PROFILES[name];
  throw new Error(`--profile must be standard or hostile, found "${name}"`);
}

async function main(): Promise<number> {
  const profile = profileOf(values.profile);
  const daemonScript = values.daemon;
  if (!existsSync(daemonScript)) {
    console.error(`no background process at ${daemonScript}: run 'npm run build' first`);
    return 2;
  }
  const maxRssMb = number("max-rss-mb", undefined);
  const targets: SoakTargets = {
    ...profile.targets,
    ...(values["max-rss-growth"] !== undefined ? { maxRssGrowth: number("max-rss-growth", 0) } : {}),
    ...(values["min-on-time"] !== undefined ? { minOnTimeRatio: number("min-on-time", 0) } : {}),
    ...(maxRssMb !== undefined ? { maxRssPeakBytes: maxRssMb * 1e6 } : {}),
    maxLeftRegistered: number("max-left-registered", profile.targets.maxLeftRegistered),
    maxLeftOpen: number("max-left-open", profile.targets.maxLeftOpen),
  };
  const collectors = number("collectors", profile.collectors);
  const heartbeatIntervalMs = duration("heartbeat-interval", profile.heartbeatInterval);
  const intervalMs = duration("interval", profile.interval);
  const durationMs = number("minutes", profile.minutes) * 60_000;
  const noFaults = values["no-faults"];
  console.log(
    `soak (${profile.name}): ${collectors} collectors, heartbeat ${heartbeatIntervalMs / 1000} s, ` +
      `tick ${intervalMs / 1000} s, ${durationMs / 60_000} min, faults ${noFaults ? "off" : `on (${profile.faultSummary})`}`,
  );
  const report = await runSoak({
    collectors,
    durationMs,
    heartbeatIntervalMs,
    intervalMs,
    reportEveryMs: duration("report-every", "60s"),
    faults: noFaults ? false : profile.faults,
    seed: number("seed", 7),
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
  for (const f of figures) console.log(JSON.stringify({ soak: "fm-fleet", profile: profile.name, ...f }));
  return figures.some((f) => f.ok === false) ? 1 : 0;
}

process.exitCode = await main();
