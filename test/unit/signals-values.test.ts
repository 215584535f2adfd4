import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EVALUATION_BUCKETS, SERIES_OFFSET } from "../../src/signals/catalog.js";
import { createCollectorSignals, createSignalModel } from "../../src/signals/model.js";
import type { CollectorSignals } from "../../src/signals/types.js";
import { WORKLOAD_PROFILES, workloadNameOf } from "../../src/signals/values.js";
import type { Collector } from "../../src/fleet/types.js";
import { mixedFleet, standaloneFleet } from "../helpers/collectors.js";

const START = Date.UTC(2026, 7, 21, 12);
const INTERVAL = 15_000;
const OPTIONS = { fleetStartMs: START, intervalMs: INTERVAL };
const TICKS = 1_000;

const AT = {
  up: SERIES_OFFSET.up,
  components: SERIES_OFFSET.alloy_component_controller_running_components,
  buckets: SERIES_OFFSET.alloy_component_evaluation_seconds,
  sum: SERIES_OFFSET.alloy_component_evaluation_seconds + 13,
  count: SERIES_OFFSET.alloy_component_evaluation_seconds + 14,
  cpu: SERIES_OFFSET.alloy_resources_process_cpu_seconds_total,
  rss: SERIES_OFFSET.alloy_resources_process_resident_memory_bytes,
  rx: SERIES_OFFSET.alloy_resources_machine_rx_bytes_total,
  tx: SERIES_OFFSET.alloy_resources_machine_tx_bytes_total,
  hash: SERIES_OFFSET.alloy_config_hash,
  build: SERIES_OFFSET.alloy_build_info,
  goroutines: SERIES_OFFSET.go_goroutines,
  heap: SERIES_OFFSET.go_memstats_heap_inuse_bytes,
  scrape: SERIES_OFFSET.scrape_duration_seconds,
};

/**
 * Every series that docs/signals.md#values-by-collector-kind says never decreases: the counters and the whole
 * histogram.
 */
const MONOTONE = [AT.cpu, AT.rx, AT.tx, ...Array.from({ length: 15 }, (_, i) => AT.buckets + i)];

function valuesAt(signals: CollectorSignals, tMs: number): Float64Array {
  const out = new Float64Array(29);
  signals.valuesAt(tMs, out);
  return out;
}

function tick(k: number): number {
  return START + k * INTERVAL;
}

/** The values of every tick 0..TICKS-1 of each collector. */
function run(fleet: readonly Collector[], ticks = TICKS): Float64Array[][] {
  const model = createSignalModel(fleet, OPTIONS);
  return model.collectors.map((signals) =>
    Array.from({ length: ticks }, (_, k) => valuesAt(signals, tick(k))),
  );
}

describe("signal values", () => {
  const fleet = mixedFleet();
  const history = run(fleet);

  it("never decreases a counter or a histogram series over 1,000 ticks", () => {
    history.forEach((ticks, c) => {
      const decreases: string[] = [];
      for (let k = 1; k < ticks.length; k++)
        for (const i of MONOTONE)
          if (ticks[k]![i]! < ticks[k - 1]![i]!) decreases.push(`series ${i} at tick ${k}`);
      expect(decreases, fleet[c]!.id).toEqual([]);
      // CPU, traffic and observations keep flowing: a counter stuck flat would pass the check above.
      const [first, last] = [ticks[0]!, ticks[ticks.length - 1]!];
      for (const i of [AT.cpu, AT.rx, AT.tx, AT.sum, AT.count]) expect(last[i]!).toBeGreaterThan(first[i]!);
    });
  });

  it("continues every value exactly after a restart with the same fleet start", () => {
    // A fresh model, built later from the roster in another order, picks up mid-run.
    const restarted = [...createSignalModel([...fleet].reverse(), OPTIONS).collectors].reverse();
    restarted.forEach((signals, c) => {
      for (const k of [500, 501, 777, TICKS - 1]) expect(valuesAt(signals, tick(k))).toEqual(history[c]![k]);
    });
  });

  it("never decreases counters between any two instants, on any schedule", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fleet.length - 1 }),
        fc.integer({ min: 1_000, max: 300_000 }),
        fc.integer({ min: -3_600_000, max: 30 * 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        (c, intervalMs, from, gap) => {
          const signals = createSignalModel([fleet[c]!], { fleetStartMs: START, intervalMs }).collectors[0]!;
          const [a, b] = [valuesAt(signals, START + from), valuesAt(signals, START + from + gap)];
          return MONOTONE.every((i) => b[i]! >= a[i]!);
        },
      ),
    );
  });

  it("counts 24 evaluations per tick in cumulative buckets whose bounds hold the sum", () => {
    const bounds = [...EVALUATION_BUCKETS, Infinity];
    const problems: string[] = [];
    history.forEach((ticks, c) =>
      ticks.forEach((values, k) => {
        const where = `${fleet[c]!.id} tick ${k}`;
        const cumulative = Array.from({ length: 13 }, (_, i) => values[AT.buckets + i]!);
        if (values[AT.count] !== 24 * (k + 1)) problems.push(`${where}: _count ${values[AT.count]}`);
        if (cumulative[12] !== values[AT.count]) problems.push(`${where}: +Inf ${cumulative[12]} != _count`);
        for (let i = 1; i < 13; i++)
          if (cumulative[i]! < cumulative[i - 1]!)
            problems.push(`${where}: bucket ${i} below bucket ${i - 1}`);
        // Each observation in bucket i lies in (bounds[i-1], bounds[i]].
        let low = 0;
        let high = 0;
        cumulative.forEach((n, i) => {
          const inBucket = n - (i === 0 ? 0 : cumulative[i - 1]!);
          if (inBucket === 0) return; // 0 × +Inf would make the bound NaN
          low += inBucket * (i === 0 ? 0 : bounds[i - 1]!);
          high += inBucket * bounds[i]!;
        });
        const sum = values[AT.sum]!;
        if (!(sum > low && sum <= high)) problems.push(`${where}: _sum ${sum} outside (${low}, ${high}]`);
      }),
    );
    expect(problems).toEqual([]);
  });

  it("counts no tick before the fleet starts and the first one at the start", () => {
    const signals = createSignalModel(fleet, OPTIONS).collectors[0]!;
    expect(valuesAt(signals, START - 1)[AT.count]).toBe(0);
    expect(valuesAt(signals, START)[AT.count]).toBe(24);
    expect(valuesAt(signals, START + INTERVAL - 1)[AT.count]).toBe(24);
  });

  it("reports up=0 and unhealthy components for unhealthy collectors only", () => {
    history.forEach((ticks, c) => {
      const collector = fleet[c]!;
      const [healthy, unhealthy, unknown, exited] = [0, 1, 2, 3].map((i) => ticks[0]![AT.components + i]!);
      const { min, max } = WORKLOAD_PROFILES[workloadNameOf(collector)].components;
      expect(healthy! + unhealthy! + unknown! + exited!).toBeGreaterThanOrEqual(min);
      expect(healthy! + unhealthy! + unknown! + exited!).toBeLessThanOrEqual(max);
      expect(unknown).toBe(0);
      if (collector.healthy) {
        expect(ticks[0]![AT.up]).toBe(1);
        expect([unhealthy, exited]).toEqual([0, 0]);
      } else {
        expect(ticks[0]![AT.up]).toBe(0);
        expect(unhealthy).toBeGreaterThanOrEqual(1);
        expect(healthy).toBeGreaterThan(0);
      }
    });
    expect(fleet.filter((c) => !c.healthy).length).toBeGreaterThan(0);
  });

  it("writes 1 for alloy_build_info and alloy_config_hash", () => {
    for (const ticks of history)
      for (const values of ticks) expect([values[AT.build], values[AT.hash]]).toEqual([1, 1]);
  });

  it("keeps gauges within the magnitudes of docs/signals.md, over 1,000 ticks and over a week", () => {
    const week = createSignalModel(fleet, OPTIONS).collectors.map((signals) =>
      Array.from({ length: 2_016 }, (_, k) => valuesAt(signals, START + k * 300_000)),
    );
    const problems: string[] = [];
    const within = (what: string, value: number, min: number, max: number) => {
      if (!(value >= min && value <= max)) problems.push(`${what} ${value} outside [${min}, ${max}]`);
    };
    for (const ticks of [...history, ...week])
      for (const values of ticks) {
        const rss = values[AT.rss]!;
        within("RSS", rss, 80e6, 150e6);
        if (rss % 4096 !== 0) problems.push(`RSS ${rss} is not whole pages`);
        within("heap share", values[AT.heap]! / rss, 0.3, 0.6);
        within("goroutines", values[AT.goroutines]!, 60, 400);
        if (!Number.isInteger(values[AT.goroutines])) problems.push(`goroutines ${values[AT.goroutines]}`);
        within("scrape seconds", values[AT.scrape]!, 0.005, 0.05);
      }
    expect(problems).toEqual([]);
  });

  it("grows counters at the collector kind's rates", () => {
    const hour = 3_600_000 / INTERVAL; // ticks per hour
    history.forEach((ticks, c) => {
      const profile = WORKLOAD_PROFILES[workloadNameOf(fleet[c]!)];
      const [a, b] = [ticks[0]!, ticks[hour]!];
      const perSecond = (i: number) => (b[i]! - a[i]!) / 3600;
      // The rate swings ±50 % around its mean; over an hour the average stays within that swing.
      expect(perSecond(AT.cpu)).toBeGreaterThanOrEqual(profile.cpuCores.min * 0.5);
      expect(perSecond(AT.cpu)).toBeLessThanOrEqual(profile.cpuCores.max * 1.5);
      expect(perSecond(AT.rx)).toBeGreaterThanOrEqual(profile.rxBytesPerSecond.min * 0.5);
      expect(perSecond(AT.rx)).toBeLessThanOrEqual(profile.rxBytesPerSecond.max * 1.5);
      expect(perSecond(AT.tx)).toBeGreaterThanOrEqual(profile.txBytesPerSecond.min * 0.5);
      expect(perSecond(AT.tx)).toBeLessThanOrEqual(profile.txBytesPerSecond.max * 1.5);
    });
  });

  it("drifts gauges slowly: they move over hours but barely between ticks", () => {
    history.forEach((ticks, c) => {
      const { min, max } = WORKLOAD_PROFILES[workloadNameOf(fleet[c]!)].residentBytes;
      const rss = ticks.map((values) => values[AT.rss]!);
      expect(Math.max(...rss) - Math.min(...rss)).toBeGreaterThan(0.1 * (max - min));
      for (let k = 1; k < rss.length; k++)
        expect(Math.abs(rss[k]! - rss[k - 1]!)).toBeLessThan(0.05 * (max - min));
    });
  });

  it("gives peers that differ only in their ID different numbers", () => {
    const peers = standaloneFleet(50);
    const values = createSignalModel(peers, OPTIONS).collectors.map((signals) =>
      valuesAt(signals, tick(240)),
    );
    // Byte counters and the evaluation sum have room for no ties at all among 50 peers.
    for (const i of [AT.rx, AT.tx, AT.sum]) expect(new Set(values.map((v) => v[i])).size).toBe(50);
    // RSS is in whole pages and goroutines are whole numbers, so a chance tie or two is fine.
    expect(new Set(values.map((v) => v[AT.rss])).size).toBeGreaterThanOrEqual(45);
    expect(new Set(values.map((v) => v[AT.goroutines])).size).toBeGreaterThan(25);
    expect(new Set(values.map((v) => v[AT.components])).size).toBeGreaterThan(10);
  });

  it("is deterministic: same input, same numbers, whatever was asked before", () => {
    const other = createSignalModel(fleet, OPTIONS).collectors;
    other.forEach((signals, c) => {
      for (const k of [999, 3, 0, 640]) expect(valuesAt(signals, tick(k))).toEqual(history[c]![k]);
    });
  });
});

/**
 * The numbers the signal model drew when this fixture was recorded (test/fixtures/golden/signal-values.json):
 * a background process restarted by a newer version continues the same series, and its counters only stay
 * monotone if every draw and formula is unchanged. A change of draw order, of a range or of a formula
 * turns this red; the properties above would still hold.
 */
describe("recorded values", () => {
  it("draws exactly the numbers recorded for a mixed fleet, at every recorded tick", () => {
    const recorded = JSON.parse(
      readFileSync(new URL("../fixtures/golden/signal-values.json", import.meta.url), "utf8"),
    ) as {
      fleetStartMs: number;
      intervalMs: number;
      offsetMs: number;
      ticks: number[];
      collectors: { id: string; values: number[][] }[];
    };
    const model = createSignalModel(mixedFleet(), {
      fleetStartMs: recorded.fleetStartMs,
      intervalMs: recorded.intervalMs,
    });
    expect(model.collectors.map((s) => s.collector.id)).toEqual(recorded.collectors.map((c) => c.id));
    model.collectors.forEach((signals, c) => {
      const got = recorded.ticks.map((k) => [
        ...valuesAt(signals, recorded.fleetStartMs + k * recorded.intervalMs + recorded.offsetMs),
      ]);
      expect(got, signals.collector.id).toEqual(recorded.collectors[c]!.values);
    });
  });
});

describe("running components follow the received config", () => {
  it("adds one healthy component per received component block, and changes nothing else", () => {
    for (const collector of mixedFleet()) {
      const [plain] = createSignalModel([collector], OPTIONS).collectors;
      const withConfig = createCollectorSignals(collector, { ...OPTIONS, receivedComponents: 7 });
      for (const k of [0, 1, 500]) {
        const before = valuesAt(plain!, tick(k));
        const after = valuesAt(withConfig, tick(k));
        expect(after[AT.components], collector.id).toBe(before[AT.components]! + 7);
        const others = (v: Float64Array) => [...v].filter((_, i) => i !== AT.components);
        expect(others(after), collector.id).toEqual(others(before));
      }
    }
  });

  it("refuses a count that is not a whole number from 0", () => {
    const [collector] = standaloneFleet(1);
    for (const bad of [-1, 1.5, Number.NaN])
      expect(() => createCollectorSignals(collector!, { ...OPTIONS, receivedComponents: bad })).toThrow(
        RangeError,
      );
  });
});
