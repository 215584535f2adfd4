/**
 * The real emitter writing a real roster into a real Prometheus (2.42, remote-write receiver on), checked
 * with PromQL the way a user would check a dashboard (docs/signals.md).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock, type Clock } from "../../src/core/clock.js";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { buildRoster } from "../../src/fleet/roster.js";
import type { Collector } from "../../src/fleet/types.js";
import { createEmitter, type Emitter } from "../../src/remote-write/emitter.js";
import { createPusher } from "../../src/remote-write/push.js";
import { createCollectorSignals, createSignalModel } from "../../src/signals/model.js";
import { createHttpTransport } from "../../src/transport/http.js";
import { startPrometheus, type PrometheusServer } from "../helpers/prometheus.js";

const INTERVAL = 15_000;
const TICKS = 10;
const BLUEPRINT = `
name: e2e
environments:
  - name: ci
    cluster:
      name: e2e-{env}
      nodes: 2
      k8s_monitoring: {enabled: true, fleet_management: true}
features:
  fleet_management:
    collectors_per_os: {linux: 4, windows: 2, darwin: 1}
    unhealthy_per_os: {linux: 1, windows: 1}
`;
const JOB = 'job="integrations/alloy"';

/** Time that moves only when the test sets it: the emitter backfills the last few minutes, tick by tick. */
function steppedClock(startMs: number): Clock & { set(ms: number): void } {
  let now = startMs;
  return {
    now: () => now,
    monotonic: () => systemClock.monotonic(),
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    set: (ms) => (now = ms),
  };
}

describe("remote write into a real Prometheus", () => {
  const transport = createHttpTransport();
  const roster = buildRoster(parseBlueprint(BLUEPRINT, "e2e.yaml").blueprint).collectors;
  const unhealthy = roster.filter((c) => !c.healthy).map((c) => c.id);
  let prom: PrometheusServer;
  let emitter: Emitter;
  let lastTickMs = 0;
  let seriesPerTick = 0;

  beforeAll(async () => {
    prom = await startPrometheus();
    const endMs = Date.now();
    // TICKS samples 15 s apart ending now: within the TSDB's accepted window and long enough for rate().
    const startMs = endMs - (TICKS - 1) * INTERVAL;
    const fleetStartMs = startMs - INTERVAL;
    const clock = steppedClock(startMs);
    const model = createSignalModel(roster, { fleetStartMs, intervalMs: INTERVAL });
    seriesPerTick = model.seriesPerTick;
    emitter = createEmitter({
      pusher: createPusher({ url: prom.writeUrl, transport, clock }),
      families: model.families,
      collectors: model.collectors.map((s) => s.collector),
      signalsFor: (c) => createCollectorSignals(c, { fleetStartMs, intervalMs: INTERVAL }),
      intervalMs: INTERVAL,
      fleetStartMs,
      clock,
    });
    for (let i = 0; i < TICKS; i++) {
      clock.set(startMs + i * INTERVAL);
      const tick = await emitter.pushNow();
      if (!tick.ok) throw new Error(`tick ${i} was refused: ${tick.error}`);
      lastTickMs = tick.timestampMs;
    }
    clock.set(Date.now());
  });

  afterAll(async () => {
    await prom?.stop();
    await transport.close();
  });

  const ids = (samples: readonly { metric: Readonly<Record<string, string>> }[]) =>
    samples.map((s) => s.metric.collector_id).sort();

  it("has an up series for every collector of the roster", async () => {
    const [count] = await prom.query(`count(up{${JOB}})`, lastTickMs);
    expect(count?.value).toBe(roster.length);
  });

  it("reports up == 0 for exactly the unhealthy collectors", async () => {
    expect(unhealthy.length).toBeGreaterThan(0);
    expect(ids(await prom.query(`up{${JOB}} == 0`, lastTickMs))).toEqual([...unhealthy].sort());
  });

  it("has a CPU counter rising for every collector", async () => {
    const rates = await prom.query(`rate(alloy_resources_process_cpu_seconds_total{${JOB}}[2m])`, lastTickMs);
    expect(rates).toHaveLength(roster.length);
    expect(rates.every((r) => r.value > 0)).toBe(true);
  });

  it("gives finite evaluation-time quantiles from the histogram buckets", async () => {
    const quantiles = await prom.query(
      `histogram_quantile(0.9, sum by (collector_id, le) (rate(alloy_component_evaluation_seconds_bucket{${JOB}}[2m])))`,
      lastTickMs,
    );
    expect(quantiles).toHaveLength(roster.length);
    expect(quantiles.every((q) => Number.isFinite(q.value) && q.value > 0)).toBe(true);
  });

  it("holds the 14 metric names of docs/signals.md", async () => {
    const names = (await prom.query(`count by (__name__) ({${JOB}})`, lastTickMs)).map(
      (s) => s.metric.__name__,
    );
    expect(names).toHaveLength(14);
    expect(names).toEqual(
      expect.arrayContaining([
        "up",
        "alloy_build_info",
        "alloy_component_evaluation_seconds_bucket",
        "alloy_component_evaluation_seconds_sum",
        "alloy_component_evaluation_seconds_count",
      ]),
    );
  });

  it("stored every sample sent: none dropped silently, none out of order", async () => {
    // Prometheus 2.42 drops in-request out-of-order samples yet answers 204 (docs/fm-protocol.md#remote-write),
    // so the answers alone prove nothing; the TSDB's own counters do.
    expect(await prom.selfMetric("prometheus_tsdb_head_samples_appended_total")).toBe(
      emitter.counters().samples,
    );
    expect(emitter.counters().samples).toBe(TICKS * seriesPerTick);
    expect(await prom.selfMetric("prometheus_tsdb_out_of_order_samples_total")).toBe(0);
  });

  it("after closeSeries, up is gone from instant queries at once", async () => {
    const leaving: Collector[] = roster.slice(0, 2);
    const partial = await emitter.closeSeries(leaving.map((c) => c.id));
    expect(partial.ok).toBe(true);
    const remaining = await prom.query(`up{${JOB}}`, partial.timestampMs);
    expect(ids(remaining)).toEqual(
      roster
        .slice(2)
        .map((c) => c.id)
        .sort(),
    );

    const closed = await emitter.closeSeries();
    expect(closed).toMatchObject({ ok: true, seriesOpen: 0 });
    expect(await prom.query(`up{${JOB}}`, closed.timestampMs)).toEqual([]);
    expect(await prom.query(`up{${JOB}}`)).toEqual([]);
    // Still there just before the markers: they hide the series from now on, they do not delete history.
    expect(await prom.query(`count(up{${JOB}})`, lastTickMs)).toEqual([{ metric: {}, value: roster.length }]);
  });
});
