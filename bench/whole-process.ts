/**
 * Whole-process cost of writing a fleet's metrics, measured from outside the processes, side by side in
 * one run: the bundled `fm-fleet run` (metrics only) and the `prometheus-remote-write`
 * package (scripts/peer-fleet.mjs) pushing the same series to the same local receiver
 * (src/emulator/rw-receiver.ts, in this process) at the same interval for the same time.
 *
 * - CPU per delivered sample: the child's user + system CPU over its whole life (node start, bundle load,
 *   roster, frames, every push, cleanup, exit) divided by the samples the receiver stored from it. Stale
 *   markers are left out of the count (the peer sends none), so the project's figure carries their cost.
 * - Peak RSS: the child's maximum resident set size.
 * Both come from GNU time (`/usr/bin/time -f`, the figures `time -v` prints as "User time", "System time"
 * and "Maximum resident set size") where it exists, else from an exit hook preloaded into the child that
 * reads process.cpuUsage() and process.resourceUsage().maxRSS.
 *
 * The CLI is bundled from the working tree into a temporary folder first, as `npm run build` bundles it
 * (scripts/build.mjs), so the figures are the sources' and dist/ stays as it is; `--cli FILE` uses a built one.
 *
 * Run: npx tsx bench/whole-process.ts [--collectors 2000] [--interval-s 2] [--durations 12,60]
 *      [--rss-collectors 10000] [--repeat 3,1] [--rss-repeat 3] [--cli dist/cli/index.js]
 *      (prints a table, then JSON lines)
 *
 * `--repeat` gives the runs per side for each duration (the last number for any further ones): the 12 s
 * figure is mostly start-up, a few hundred ms that the machine's other work moves by ±15 % from run to
 * run on either side, so one run each decides nothing; it takes the median of three alternating pairs.
 * At 60 s the ratio sits far from its target and one pair is enough.
 */
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadBlueprint } from "../src/blueprint/load.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../src/emulator/rw-receiver.js";
import { buildRoster } from "../src/fleet/roster.js";
import { createCollectorSignals } from "../src/signals/model.js";
import { blueprintYaml, REPO_ROOT, splitPerOs } from "../scripts/fleet-under-test.js";
import { figureLog } from "./lib/figures.js";

const { values: args } = parseArgs({
  options: {
    collectors: { type: "string", default: "2000" },
    "interval-s": { type: "string", default: "2" },
    durations: { type: "string", default: "12,60" },
    "rss-collectors": { type: "string", default: "10000" },
    repeat: { type: "string", default: "3,1" },
    "rss-repeat": { type: "string", default: "3" },
    cli: { type: "string" },
  },
});
const COLLECTORS = Number(args.collectors);
const INTERVAL_S = Number(args["interval-s"]);
const DURATIONS_S = args.durations.split(",").map(Number);
const RSS_COLLECTORS = Number(args["rss-collectors"]);
const REPEATS = args.repeat.split(",").map((n) => Math.max(1, Number(n)));
const repeatFor = (durationIndex: number) => REPEATS[Math.min(durationIndex, REPEATS.length - 1)]!;
const RSS_REPEAT = Math.max(1, Number(args["rss-repeat"]));
const PEER = join(REPO_ROOT, "scripts", "peer-fleet.mjs");
const USER = "bench";
const TOKEN = "bench-token";
/** Issue 15's targets. */
const TARGET_RATIO = new Map([
  [12, 5],
  [60, 10],
]);
const TARGET_RSS_MB = new Map([
  [2000, 180],
  [10000, 200],
]);

const log = figureLog("whole-process");
const record = (name: string, value: number, unit: string, target?: string) =>
  log.record(name, value, unit, { target });

interface ProcessCost {
  cpuSeconds: number;
  maxRssMB: number;
  wallSeconds: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = "/usr/bin/time";
const useGnuTime = process.platform === "linux" && existsSync(GNU_TIME);

/** Runs `node <args>` and measures its whole life from outside (see the header). */
async function measured(nodeArgs: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ProcessCost> {
  const out = join(cwd, `usage-${log.figures.length}-${Date.now()}.txt`);
  let command: string;
  let argv: string[];
  if (useGnuTime) {
    command = GNU_TIME;
    argv = ["-f", "%e %U %S %M", "-o", out, process.execPath, ...nodeArgs];
  } else {
    const hook = join(cwd, "usage-hook.mjs");
    writeFileSync(
      hook,
      [
        'import { writeFileSync } from "node:fs";',
        "const t0 = performance.now();",
        'process.on("exit", () => {',
        "  const cpu = process.cpuUsage();",
        "  const wall = (performance.now() - t0) / 1000;",
        `  writeFileSync(${JSON.stringify(out)}, \`\${wall} \${cpu.user / 1e6} \${cpu.system / 1e6} \${process.resourceUsage().maxRSS}\`);`,
        "});",
      ].join("\n"),
    );
    command = process.execPath;
    argv = ["--import", pathToFileURL(hook).href, ...nodeArgs];
  }
  const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`${nodeArgs.join(" ")} exited ${code}:\n${stderr.slice(-2000)}`);
  const [wall, user, system, maxRssKiB] = readFileSync(out, "utf8").trim().split(/\s+/).map(Number);
  return {
    cpuSeconds: user! + system!,
    maxRssMB: maxRssKiB! / 1024,
    wallSeconds: wall!,
    stdout,
    stderr,
  };
}

/** Samples the receiver stored, stale markers left out. */
function deliveredSamples(receiver: RemoteWriteReceiver): number {
  return receiver.series().reduce((n, s) => n + s.samples - (s.stale ? 1 : 0), 0);
}

interface Run extends ProcessCost {
  samples: number;
}

async function withReceiver(run: (receiver: RemoteWriteReceiver) => Promise<ProcessCost>): Promise<Run> {
  const receiver = await createRemoteWriteReceiver({ user: USER, token: TOKEN });
  try {
    const cost = await run(receiver);
    return { ...cost, samples: deliveredSamples(receiver) };
  } finally {
    await receiver.close();
  }
}

/**
 * A receiver that drains each request and answers 204 without decoding it: for the memory figure, where
 * nothing is counted, so a 10,000-collector tick is never held up by decoding in this process.
 */
async function withSink(run: (url: string) => Promise<ProcessCost>): Promise<ProcessCost> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function fleetFolder(collectors: number): { dir: string; blueprint: string } {
  const dir = mkdtempSync(join(tmpdir(), "fm-whole-process-"));
  const blueprint = join(dir, "blueprint.yaml");
  writeFileSync(blueprint, blueprintYaml("bench", splitPerOs(collectors)));
  return { dir, blueprint };
}

/** `fm-fleet run`, metrics only, from a folder without a .env, with nothing but the receiver's credentials. */
function runProject(
  folder: { dir: string; blueprint: string },
  intervalS: number,
  durationS: number,
): Promise<Run> {
  return withReceiver((receiver) =>
    measured(
      [CLI, "run", folder.blueprint, "--interval", `${intervalS}s`, "--duration", `${durationS}s`],
      { PATH: process.env.PATH, GC_PROM_URL: receiver.url, GC_PROM_USER: USER, GC_PROM_TOKEN: TOKEN },
      folder.dir,
    ),
  );
}

/** The same collectors' series as label objects, for the peer (written once per fleet). */
function peerSeries(folder: { dir: string; blueprint: string }): string {
  const file = join(folder.dir, "series.json");
  const { collectors } = buildRoster(loadBlueprint(folder.blueprint).blueprint);
  const options = { fleetStartMs: Date.now(), intervalMs: INTERVAL_S * 1000 };
  const all = collectors.map((c) =>
    createCollectorSignals(c, options).series.map((s) => Object.fromEntries(s.labels)),
  );
  writeFileSync(file, JSON.stringify(all));
  return file;
}

function runPeer(
  folder: { dir: string },
  series: string,
  intervalS: number,
  durationS: number,
): Promise<Run> {
  return withReceiver((receiver) =>
    measured(
      [PEER, series, receiver.url, USER, TOKEN, String(intervalS * 1000), String(durationS * 1000)],
      { PATH: process.env.PATH },
      folder.dir,
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const us = (run: Run) => (run.cpuSeconds / run.samples) * 1e6;

/** The CLI bundled from src/bin/cli.ts with the options scripts/build.mjs gives ncc, in `dir`. */
function bundleCli(dir: string): string {
  const ncc = join(REPO_ROOT, "node_modules", "@vercel", "ncc", "dist", "ncc", "cli.js");
  const src = join(REPO_ROOT, "src", "bin", "cli.ts");
  execFileSync(
    process.execPath,
    [ncc, "build", src, "-o", dir, "--no-source-map-register", "--transpile-only", "-q"],
    {
      stdio: "inherit",
    },
  );
  const mjs = join(dir, "index.mjs");
  return existsSync(mjs) ? mjs : join(dir, "index.js");
}

let CLI = "";

async function main(): Promise<void> {
  const bundleDir = args.cli ? undefined : mkdtempSync(join(tmpdir(), "fm-whole-process-cli-"));
  try {
    CLI = args.cli ?? bundleCli(bundleDir!);
    await compare();
  } finally {
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  }
}

async function compare(): Promise<void> {
  if (!existsSync(CLI)) {
    console.error(`no CLI at ${CLI}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `fm-fleet run vs prometheus-remote-write: ${COLLECTORS} collectors, metrics only, interval ${INTERVAL_S} s, ` +
      `same receiver; CPU from ${useGnuTime ? "GNU time" : "an exit hook"}; ` +
      `${DURATIONS_S.map((d, i) => `${repeatFor(i)} run(s) each at ${d} s`).join(", ")}, medians`,
  );
  const folder = fleetFolder(COLLECTORS);
  const rss2k: number[] = [];
  try {
    const series = peerSeries(folder);
    const rows: string[] = [];
    for (const [durationIndex, durationS] of DURATIONS_S.entries()) {
      const ours: Run[] = [];
      const peer: Run[] = [];
      // Alternating, so load from other work on the machine falls on both alike.
      for (let r = 0; r < repeatFor(durationIndex); r++) {
        ours.push(await runProject(folder, INTERVAL_S, durationS));
        peer.push(await runPeer(folder, series, INTERVAL_S, durationS));
      }
      const oursUs = median(ours.map(us));
      const peerUs = median(peer.map(us));
      const ratio = median(ours.map((o, i) => us(peer[i]!) / us(o)));
      rss2k.push(...ours.map((o) => o.maxRssMB));
      const target = TARGET_RATIO.get(durationS);
      for (const [who, runs, perSample] of [
        ["fm-fleet run", ours, oursUs],
        ["prometheus-remote-write", peer, peerUs],
      ] as const) {
        const m = runs[Math.floor(runs.length / 2)]!;
        rows.push(
          `${`${durationS} s`.padEnd(6)} ${who.padEnd(24)} ${median(runs.map((r) => r.cpuSeconds))
            .toFixed(2)
            .padStart(7)} ` +
            `${String(m.samples).padStart(9)} ${perSample.toFixed(3).padStart(9)} ${median(
              runs.map((r) => r.maxRssMB),
            )
              .toFixed(0)
              .padStart(9)}`,
        );
        record(`${durationS} s: ${who}: CPU`, median(runs.map((r) => r.cpuSeconds)), "s");
        record(`${durationS} s: ${who}: CPU per delivered sample`, perSample, "µs");
        record(`${durationS} s: ${who}: peak RSS`, median(runs.map((r) => r.maxRssMB)), "MB");
      }
      rows.push(
        `${"".padEnd(6)} peer / fm-fleet run: ${ratio.toFixed(1)}×${target ? ` (target ≥ ${target}×)` : ""}`,
      );
      record(
        `${durationS} s: CPU per delivered sample, peer / fm-fleet run`,
        ratio,
        "×",
        target ? `≥ ${target}` : undefined,
      );
    }
    console.log(
      `\n${"run".padEnd(6)} ${"process".padEnd(24)} ${"CPU s".padStart(7)} ${"samples".padStart(9)} ${"µs/sample".padStart(9)} ${"peak RSS MB".padStart(9)}`,
    );
    for (const row of rows) console.log(row);
  } finally {
    rmSync(folder.dir, { recursive: true, force: true });
  }

  const rssRows: [number, number][] = [[COLLECTORS, Math.max(...rss2k)]];
  if (RSS_COLLECTORS > 0) {
    const big = fleetFolder(RSS_COLLECTORS);
    try {
      // Memory does not depend on the interval: 5 s gives three ticks within 15 s.
      const runs: ProcessCost[] = [];
      for (let r = 0; r < RSS_REPEAT; r++)
        runs.push(
          await withSink((url) =>
            measured(
              [CLI, "run", big.blueprint, "--interval", "5s", "--duration", "15s"],
              { PATH: process.env.PATH, GC_PROM_URL: url, GC_PROM_USER: USER, GC_PROM_TOKEN: TOKEN },
              big.dir,
            ),
          ),
        );
      rssRows.push([RSS_COLLECTORS, median(runs.map((r) => r.maxRssMB))]);
    } finally {
      rmSync(big.dir, { recursive: true, force: true });
    }
  }
  console.log("\npeak RSS of fm-fleet run, metrics only:");
  for (const [collectors, mb] of rssRows) {
    const target = TARGET_RSS_MB.get(collectors);
    console.log(
      `  ${String(collectors).padStart(6)} collectors: ${mb.toFixed(0)} MB${target ? ` (target < ${target} MB)` : ""}`,
    );
    record(`${collectors} collectors: fm-fleet run peak RSS`, mb, "MB", target ? `< ${target}` : undefined);
  }
  console.log("");
  log.print();
}

await main();
