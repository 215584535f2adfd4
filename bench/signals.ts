/**
 * How long the signal model takes for a 10,000-collector fleet: building it once, and filling every value of
 * one tick (the per-tick hot path the pusher runs). Run: npx tsx bench/signals.ts
 */
import { createSignalModel } from "../src/signals/model.js";
import { k8sCollector, standaloneFleet } from "../test/helpers/collectors.js";
import type { Collector } from "../src/fleet/types.js";

const COLLECTORS = 10_000;
const TICKS = 200;
const INTERVAL_MS = 15_000;

function fleet(): Collector[] {
  const k8s = Array.from({ length: 2_000 }, (_, i) =>
    k8sCollector({ workload: i % 2 ? "alloy-logs" : "alloy-profiles", index: i, healthy: i % 50 !== 0 }),
  );
  return [
    ...standaloneFleet(6_000, { os: "linux" }),
    ...standaloneFleet(1_500, { os: "windows" }),
    ...standaloneFleet(COLLECTORS - 6_000 - 1_500 - k8s.length, { os: "darwin" }),
    ...k8s,
  ];
}

const collectors = fleet();
const start = Date.now();
let t0 = performance.now();
const model = createSignalModel(collectors, { fleetStartMs: start, intervalMs: INTERVAL_MS });
const buildMs = performance.now() - t0;

const out = new Float64Array(model.seriesPerTick);
const perTick: number[] = [];
for (let k = 0; k < TICKS; k++) {
  const tMs = start + k * INTERVAL_MS;
  t0 = performance.now();
  let offset = 0;
  for (const signals of model.collectors) {
    signals.valuesAt(tMs, out, offset);
    offset += signals.series.length;
  }
  perTick.push(performance.now() - t0);
}
perTick.sort((a, b) => a - b);
const pct = (p: number) => perTick[Math.min(perTick.length - 1, Math.floor(p * perTick.length))]!.toFixed(2);

console.log(`collectors ${collectors.length}, series per tick ${model.seriesPerTick}`);
console.log(
  `createSignalModel: ${buildMs.toFixed(0)} ms, heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
);
console.log(
  `valuesAt for the whole fleet, ${TICKS} ticks: median ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`,
);
