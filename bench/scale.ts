/**
 * Scale figures of the real background process (issue 7), measured from outside it (scripts/process-stats.ts).
 *
 * (a) 10,000 collectors, metrics only (no FM), one tick per 15 s, through the built dist/daemon/index.js
 *     against the local remote-write receiver: the process's CPU share of one core (utime + stime over wall
 *     time, from ready to the end of the window) and its RSS (largest sampled in the window, and the peak
 *     over its life, VmHWM, which includes start-up).
 * (b) The largest roster that heartbeats on time within the default FM rate limit, against the emulator
 *     (20 req/s per stack; the client's bucket 15 req/s). The bound is client rate × heartbeat interval:
 *     15 × 45 s = 675 collectors. To keep the run short everything time-like is scaled by 9/45: heartbeat
 *     9 s (bound 15 × 9 = 135) and the on-time tolerance 5 s × 9/45 = 1 s, so a roster over the bound,
 *     whose heartbeats slip a little further every round, shows as late within a few rounds just as it
 *     would within a few 45 s rounds. Rosters are tried from the bound in 5 % steps (up while on time,
 *     down while late); a roster is on time when the emulator saw ≥ 99.9 % of its slots within the
 *     tolerance (scripts/heartbeat-punctuality.ts). No faults here: this is the rate limit's ceiling.
 *
 * Run: npx tsx bench/scale.ts [--collectors 10000] [--seconds 90] [--heartbeat-interval-s 9] [--rounds 5]
 *      [--skip-metrics] [--skip-roster]   (needs `npm run build`; prints a table, then one JSON line per figure)
 */
import { existsSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { createFmEmulator } from "../src/emulator/fm-server.js";
import { createRemoteWriteReceiver } from "../src/emulator/rw-receiver.js";
import { readStatus } from "../src/runtime/status.js";
import { BUILT_DAEMON, startFleetUnderTest } from "../scripts/fleet-under-test.js";
import { heartbeatPunctuality } from "../scripts/heartbeat-punctuality.js";
import { cpuShare, sampleProcess, type ProcessSample } from "../scripts/process-stats.js";
import { figureLog } from "./lib/figures.js";

const { values } = parseArgs({
  options: {
    collectors: { type: "string", default: "10000" },
    seconds: { type: "string", default: "90" },
    "heartbeat-interval-s": { type: "string", default: "9" },
    rounds: { type: "string", default: "5" },
    "skip-metrics": { type: "boolean", default: false },
    "skip-roster": { type: "boolean", default: false },
  },
});
const METRICS_COLLECTORS = Number(values.collectors);
const WINDOW_MS = Number(values.seconds) * 1000;
const TICK_MS = 15_000;
const HEARTBEAT_MS = Number(values["heartbeat-interval-s"]) * 1000;
const ROUNDS = Number(values.rounds);
const CLIENT_RATE = 15;
const SERVER_RATE = 20;
const FULL_HEARTBEAT_MS = 45_000;
const TOLERANCE_MS = Math.round(5_000 * (HEARTBEAT_MS / FULL_HEARTBEAT_MS));
const ON_TIME_TARGET = 0.999;
const STEP = 0.05;

const log = figureLog("scale");
const { figures } = log;
const record = (name: string, value: number, unit: string, bound?: number) =>
  log.record(name, value, unit, bound === undefined ? {} : { bound, ratio_to_bound: value / bound });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const mib = (bytes: number) => bytes / (1024 * 1024);

async function metricsOnly(): Promise<void> {
  const receiver = await createRemoteWriteReceiver({ user: "bench", token: "bench-token" });
  try {
    const startedMs = Date.now();
    const fleet = await startFleetUnderTest({
      name: "scale",
      collectors: METRICS_COLLECTORS,
      intervalMs: TICK_MS,
      heartbeatIntervalMs: FULL_HEARTBEAT_MS,
      maxLifetimeMs: 60 * 60_000,
      credentials: { prom: { url: receiver.url, user: "bench", token: "bench-token" } },
    });
    record("metrics_start_to_ready", (fleet.readyAtMs - startedMs) / 1000, "s");
    const first = sampleProcess(fleet.pid);
    let last: ProcessSample = first;
    let rssMax = first.rssBytes;
    const endMs = Date.now() + WINDOW_MS;
    while (Date.now() < endMs) {
      await sleep(Math.min(1_000, endMs - Date.now()));
      last = sampleProcess(fleet.pid);
      rssMax = Math.max(rssMax, last.rssBytes);
    }
    const counters = readStatus(fleet.paths.status)?.counters;
    const stopStartMs = Date.now();
    const teardown = await fleet.stop();
    const stopS = (Date.now() - stopStartMs) / 1000;

    const share = cpuShare(first, last);
    record("metrics_collectors", METRICS_COLLECTORS, "collectors");
    record("metrics_series_per_tick", receiver.series().length, "series");
    record("metrics_ticks", counters?.remoteWrite?.ticks ?? NaN, "ticks");
    record("metrics_ticks_late", counters?.remoteWrite?.lateTicks ?? NaN, "ticks");
    record("metrics_samples_dropped", counters?.remoteWrite?.droppedSamples ?? NaN, "samples");
    // The bound of a CPU share is one core: 1.0 means the process would need a whole core to itself.
    record("metrics_cpu_share_of_one_core", share, "cores", 1);
    record("metrics_rss_max_in_window", mib(rssMax), "MiB");
    record("metrics_rss_peak_lifetime", mib(last.peakRssBytes ?? rssMax), "MiB");
    record("metrics_stop_seconds", stopS, "s");
    record("metrics_series_left_open", receiver.openSeries(), "series");
    if (teardown.problems.length > 0)
      console.log(`metrics-only cleanup problems: ${teardown.problems.join("; ")}`);
    rmSync(fleet.workDir, { recursive: true, force: true });
  } finally {
    await receiver.close();
  }
}

/** One roster size, heartbeating ROUNDS intervals: its emulator-side on-time ratio. */
async function tryRoster(collectors: number): Promise<{ ratio: number; slots: number; delayP99Ms: number }> {
  const emulator = await createFmEmulator({ rateLimitPerSecond: SERVER_RATE });
  try {
    const fleet = await startFleetUnderTest({
      name: "roster",
      collectors,
      intervalMs: TICK_MS,
      heartbeatIntervalMs: HEARTBEAT_MS,
      fmRatePerSecond: CLIENT_RATE,
      maxLifetimeMs: 60 * 60_000,
      credentials: { fm: { url: emulator.url, stackId: emulator.stackId, token: emulator.token } },
    });
    // A little over ROUNDS intervals, so the last round's slots are all past their tolerance.
    await sleep(ROUNDS * HEARTBEAT_MS + TOLERANCE_MS + 500);
    const toMs = Date.now();
    const p = heartbeatPunctuality(emulator.requests(), {
      collectorIds: fleet.roster.collectors.map((c) => c.id),
      intervalMs: HEARTBEAT_MS,
      toleranceMs: TOLERANCE_MS,
      fromMs: fleet.readyAtMs,
      toMs,
    });
    await fleet.stop();
    rmSync(fleet.workDir, { recursive: true, force: true });
    return { ratio: p.ratio, slots: p.slots, delayP99Ms: p.delayP99Ms };
  } finally {
    await emulator.close();
  }
}

async function largestOnTimeRoster(): Promise<void> {
  const bound = Math.floor(CLIENT_RATE * (HEARTBEAT_MS / 1000));
  const sizeAt = (step: number) => Math.round(bound * (1 + step * STEP));
  const tried = new Map<number, boolean>();
  const attempt = async (n: number) => {
    const result = await tryRoster(n);
    const onTime = result.ratio >= ON_TIME_TARGET;
    tried.set(n, onTime);
    console.log(
      `roster ${n} (${Math.round((n / bound) * 100)} % of the bound): ${(result.ratio * 100).toFixed(2)} % of ` +
        `${result.slots} slots within ${TOLERANCE_MS} ms, p99 delay ${result.delayP99Ms} ms → ${onTime ? "on time" : "LATE"}`,
    );
    return onTime;
  };
  // Up from the bound while on time (at most +20 %), or down while late (at most −50 %), then one bisection
  // of the last step, so the answer is within about 2.5 % of the bound.
  if (await attempt(sizeAt(0))) {
    for (let step = 1; step <= 4 && (await attempt(sizeAt(step))); step++);
  } else {
    for (let step = -1; step >= -10 && !(await attempt(sizeAt(step))); step--);
  }
  const largestOk = () => Math.max(0, ...[...tried].filter(([, ok]) => ok).map(([n]) => n));
  const smallestLate = () => Math.min(...[...tried].filter(([, ok]) => !ok).map(([n]) => n));
  if (Number.isFinite(smallestLate()) && smallestLate() - largestOk() > 2)
    await attempt(Math.round((largestOk() + smallestLate()) / 2));
  const largest = largestOk();
  record("roster_heartbeat_interval", HEARTBEAT_MS / 1000, "s");
  record("roster_on_time_tolerance", TOLERANCE_MS, "ms");
  record("roster_largest_on_time", largest, "collectors", bound);
  if (Number.isFinite(smallestLate())) record("roster_smallest_late", smallestLate(), "collectors", bound);
  // The same ratio at the real 45 s heartbeat: the bound scales with the interval.
  const fullBound = CLIENT_RATE * (FULL_HEARTBEAT_MS / 1000);
  record(
    "roster_largest_on_time_at_45s",
    largest * (FULL_HEARTBEAT_MS / HEARTBEAT_MS),
    "collectors",
    fullBound,
  );
}

async function main() {
  if (!existsSync(BUILT_DAEMON)) {
    console.error(`no background process at ${BUILT_DAEMON}: run 'npm run build' first`);
    process.exitCode = 1;
    return;
  }
  if (!values["skip-metrics"]) await metricsOnly();
  if (!values["skip-roster"]) await largestOnTimeRoster();

  console.log(
    `\nScale of the background process: (a) ${METRICS_COLLECTORS} collectors metrics-only, tick ${TICK_MS / 1000} s, ` +
      `${WINDOW_MS / 1000} s window; (b) heartbeat ${HEARTBEAT_MS / 1000} s (45 s scaled by ${HEARTBEAT_MS / FULL_HEARTBEAT_MS}), ` +
      `client ${CLIENT_RATE} req/s, emulator ${SERVER_RATE} req/s, ${ROUNDS} rounds per roster\n`,
  );
  console.log(
    `${"figure".padEnd(34)} ${"value".padStart(10)}  ${"unit".padEnd(11)} ${"bound".padStart(8)}  ratio`,
  );
  for (const f of figures)
    console.log(
      `${f.name.padEnd(34)} ${String(f.value).padStart(10)}  ${f.unit.padEnd(11)} ${String(f.bound ?? "").padStart(8)}  ${f.ratio_to_bound ?? ""}`,
    );
  console.log("");
  log.print();
}

await main();
