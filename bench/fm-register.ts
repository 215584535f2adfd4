/**
 * FM start-up and heartbeat timing against the local emulator (README.md#limits-worth-knowing).
 *
 * 1. Registers 1,000 collectors with the emulator at FM's default stack limit (20 req/s) and the client at
 *    its default 15 req/s. Each collector makes two calls that count against that limit, RegisterCollector
 *    and its first GetConfig, through the same token bucket, so the bound is 2 × 1000 / 15 ≈ 133.3 s, not
 *    1000 / 15 ≈ 66.7 s.
 * 2. Heartbeats the same fleet for a few intervals, with an interval short enough to finish in a couple of
 *    minutes yet long enough to stay under the client's rate (1000 / 70 s ≈ 14.3 req/s of 15), and reports
 *    how many heartbeats were on time: controller-side (sent within 5 s of the slot) and emulator-side (the
 *    gap between a collector's consecutive heartbeats within ±1 s of the interval).
 * 3. Unregisters the fleet through the same bucket (bound 1000 / 15 ≈ 66.7 s).
 *
 * Run: npx tsx bench/fm-register.ts [--collectors 1000] [--heartbeat-interval-s 70] [--rounds 2]
 * (prints a table, then one JSON line per figure)
 */
import { parseArgs } from "node:util";
import { createFmEmulator } from "../src/emulator/fm-server.js";
import { type Collector } from "../src/fleet/types.js";
import { OS_ORDER } from "../src/blueprint/os.js";
import { standaloneCollector } from "../test/helpers/collectors.js";
import { createFmClient } from "../src/fm/client.js";
import { createFmController } from "../src/fm/controller.js";
import { heartbeatCapacityWarning } from "../src/fm/schedule.js";
import { createHttpTransport } from "../src/transport/http.js";
import { createTokenBucket } from "../src/transport/rate-limit.js";
import { figureLog } from "./lib/figures.js";

const { values } = parseArgs({
  options: {
    collectors: { type: "string", default: "1000" },
    "heartbeat-interval-s": { type: "string", default: "70" },
    rounds: { type: "string", default: "2" },
  },
});
const COLLECTORS = Number(values.collectors);
const INTERVAL_MS = Number(values["heartbeat-interval-s"]) * 1000;
const ROUNDS = Number(values.rounds);
const CLIENT_RATE = 15;
const SERVER_RATE = 20;

const log = figureLog("fm-register");
const { figures } = log;
const record = (name: string, value: number, unit: string, bound?: number) =>
  log.record(name, value, unit, { bound });

function fleet(n: number): Collector[] {
  return Array.from({ length: n }, (_, i) =>
    standaloneCollector({
      blueprint: "bench",
      env: "prod",
      os: OS_ORDER[i % 3]!,
      index: Math.floor(i / 3) + 1,
    }),
  );
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main() {
  const emulator = await createFmEmulator({ rateLimitPerSecond: SERVER_RATE });
  const transport = createHttpTransport();
  const collectors = fleet(COLLECTORS);
  const controller = createFmController({
    client: createFmClient({
      baseUrl: emulator.url,
      stackId: emulator.stackId,
      token: emulator.token,
      transport,
    }),
    heartbeatIntervalMs: INTERVAL_MS,
    rateLimiter: createTokenBucket({ ratePerSecond: CLIENT_RATE }),
  });
  const warning = heartbeatCapacityWarning(COLLECTORS, INTERVAL_MS, CLIENT_RATE);
  if (warning) console.log(`capacity warning: ${warning}`);

  // 1. Start-up.
  const registerBoundS = (2 * COLLECTORS) / CLIENT_RATE;
  let t = performance.now();
  const report = await controller.register(collectors);
  const registerS = (performance.now() - t) / 1000;
  record("register_all_seconds", registerS, "s", registerBoundS);
  record("register_all_vs_bound", registerS / registerBoundS, "ratio");
  record("registered", report.registered, "collectors", COLLECTORS);
  const refusedAtStart = emulator.requests().filter((r) => r.fault === "rate_limited").length;
  record("server_refusals_during_register", refusedAtStart, "requests");

  // 2. Heartbeats.
  const before = controller.counters();
  const heartbeatsFrom = emulator.requests().length;
  controller.startHeartbeats();
  await new Promise((resolve) => setTimeout(resolve, ROUNDS * INTERVAL_MS));
  await controller.stopHeartbeats();
  const after = controller.counters();
  const beats = after.heartbeatsOk + after.heartbeatsFailed - (before.heartbeatsOk + before.heartbeatsFailed);
  const late = after.heartbeatsLate - before.heartbeatsLate;
  record("heartbeats", beats, "calls", COLLECTORS * ROUNDS);
  record("heartbeat_on_time_ratio", beats === 0 ? 0 : 1 - late / beats, "ratio");
  record("heartbeats_failed", after.heartbeatsFailed - before.heartbeatsFailed, "calls");

  const byCollector = new Map<string, number[]>();
  for (const r of emulator.requests().slice(heartbeatsFrom))
    if (r.method === "GetConfig" && r.status === 200 && r.collectorId)
      byCollector.set(r.collectorId, [...(byCollector.get(r.collectorId) ?? []), r.time]);
  const deviations = [...byCollector.values()]
    .flatMap((times) => times.slice(1).map((at, i) => Math.abs(at - times[i]! - INTERVAL_MS)))
    .sort((a, b) => a - b);
  const within1s = deviations.filter((d) => d <= 1000).length;
  record("heartbeat_gaps_within_1s_ratio", deviations.length ? within1s / deviations.length : 0, "ratio");
  record("heartbeat_gap_deviation_p50", quantile(deviations, 0.5), "ms");
  record("heartbeat_gap_deviation_p99", quantile(deviations, 0.99), "ms");
  record("heartbeat_gap_deviation_max", deviations.at(-1) ?? NaN, "ms");
  const window = emulator
    .requests()
    .slice(heartbeatsFrom)
    .filter((r) => r.method === "GetConfig");
  const spanS = window.length > 1 ? (window.at(-1)!.time - window[0]!.time) / 1000 : 1;
  record("heartbeat_rate_at_emulator", (window.length - 1) / spanS, "req/s", CLIENT_RATE);

  // 3. Cleanup.
  t = performance.now();
  const cleanup = await controller.unregisterAll();
  const unregisterS = (performance.now() - t) / 1000;
  record("unregister_all_seconds", unregisterS, "s", COLLECTORS / CLIENT_RATE);
  record("unregistered", cleanup.unregistered.length, "collectors", COLLECTORS);
  record(
    "server_refusals_total",
    emulator.requests().filter((r) => r.fault === "rate_limited").length,
    "requests",
  );

  await transport.close();
  await emulator.close();

  console.log(
    `\nFM start-up and heartbeats: ${COLLECTORS} collectors, client ${CLIENT_RATE} req/s, emulator ${SERVER_RATE} req/s, ` +
      `heartbeat every ${INTERVAL_MS / 1000} s for ${ROUNDS} intervals\n`,
  );
  console.log(`${"figure".padEnd(36)} ${"value".padStart(12)}  ${"unit".padEnd(10)} bound`);
  for (const f of figures)
    console.log(
      `${f.name.padEnd(36)} ${String(f.value).padStart(12)}  ${f.unit.padEnd(10)} ${f.bound ?? ""}`,
    );
  console.log("");
  log.print();
}

await main();
