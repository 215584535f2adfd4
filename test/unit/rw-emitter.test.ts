import { describe, expect, it } from "vitest";
import { RemoteWriteError } from "../../src/core/errors.js";
import { memoryLogger } from "../../src/core/logger.js";
import { decodeBody, uncompressBody, type DecodedWriteRequest } from "../../src/emulator/rw-decode.js";
import { createEmitter, type EmitterOptions } from "../../src/remote-write/emitter.js";
import { createPusher, type Pusher, type PushInfo, type PushResult } from "../../src/remote-write/push.js";
import type { Collector } from "../../src/fleet/types.js";
import { createCollectorSignals, createSignalModel } from "../../src/signals/model.js";
import type { SignalModel } from "../../src/signals/types.js";
import type { HttpTransport } from "../../src/transport/types.js";
import { mixedFleet, standaloneFleet } from "../helpers/collectors.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";

const INTERVAL = 15_000;
const FLEET_START = Date.UTC(2026, 0, 1);

interface Sent {
  request: DecodedWriteRequest;
  /** A copy of the compressed body. */
  body: Uint8Array;
  bytes: number;
  info: PushInfo;
  at: number;
}

/** A pusher that decodes what it is given; `hold()` makes the next pushes wait until released. */
function recordingPusher(clock: FakeClock, fail?: (n: number) => boolean) {
  const sent: Sent[] = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const pusher: Pusher = {
    async push(body, info): Promise<PushResult> {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const n = calls++;
      sent.push({
        request: decodeBody(body),
        body: body.slice(),
        bytes: body.length,
        info,
        at: clock.now(),
      });
      if (gate) await gate;
      inFlight--;
      if (fail?.(n))
        return {
          ok: false,
          maybeDelivered: false,
          status: 400,
          attempts: 1,
          error: new RemoteWriteError(400, false, "no"),
        };
      return { ok: true, maybeDelivered: true, status: 204, attempts: 1 };
    },
  };
  return {
    pusher,
    sent,
    maxInFlight: () => maxInFlight,
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release: () => {
      gate = undefined;
      open();
    },
  };
}

const SIGNALS = { fleetStartMs: FLEET_START, intervalMs: INTERVAL };

/** The emitter options a signal model gives: its families, its collectors, and signals for newcomers. */
function fromModel(model: SignalModel) {
  return {
    families: model.families,
    collectors: model.collectors.map((s) => s.collector),
    signalsFor: (c: Collector) => createCollectorSignals(c, SIGNALS),
  };
}

function setup(
  options: Partial<EmitterOptions> & {
    nowMs?: number;
    fail?: (n: number) => boolean;
    model?: SignalModel;
  } = {},
) {
  const { nowMs = FLEET_START + 7_000, fail, model: given, ...emitterOptions } = options;
  const clock = createFakeClock(nowMs);
  const recorder = recordingPusher(clock, fail);
  const model = given ?? createSignalModel(mixedFleet(), SIGNALS);
  const emitter = createEmitter({
    pusher: recorder.pusher,
    ...fromModel(model),
    intervalMs: INTERVAL,
    fleetStartMs: FLEET_START,
    clock,
    ...emitterOptions,
  });
  return { clock, emitter, model, ...recorder };
}

const timestampsOf = (sent: readonly Sent[]) => [
  ...new Set(sent.flatMap((s) => s.request.timeseries.map((ts) => ts.samples[0]!.timestampMs))),
];

describe("emitter", () => {
  it("pushes every series once now, then one tick per grid point, stamped with the grid time", async () => {
    const { clock, emitter, sent, model } = setup();
    const first = await emitter.pushNow();
    expect(first).toMatchObject({ ok: true, samples: model.seriesPerTick, timestampMs: FLEET_START + 7_000 });
    emitter.start();
    await clock.advance(3 * INTERVAL);
    await emitter.stop();
    expect(timestampsOf(sent)).toEqual([
      FLEET_START + 7_000,
      FLEET_START + INTERVAL,
      FLEET_START + 2 * INTERVAL,
      FLEET_START + 3 * INTERVAL,
    ]);
    for (const s of sent) expect(s.request.timeseries).toHaveLength(model.seriesPerTick);
    expect(emitter.counters()).toMatchObject({ ticks: 4, samples: 4 * model.seriesPerTick, lateTicks: 0 });
  });

  it("sends type and HELP metadata for every family with each samples request", async () => {
    const { emitter, sent, model } = setup();
    await emitter.pushNow();
    expect(sent[0]!.request.metadata.map((m) => m.family)).toEqual(model.families.map((f) => f.name));
    expect(sent[0]!.request.metadata.every((m) => m.help.length > 0)).toBe(true);
  });

  it("starts after notBeforeMs when a previous process wrote later samples", async () => {
    const notBeforeMs = FLEET_START + 20_000; // a previous process' stale markers, after our clock's now
    const { clock, emitter, sent } = setup({ notBeforeMs });
    const first = await emitter.pushNow();
    expect(first.timestampMs).toBe(notBeforeMs + 1);
    emitter.start();
    await clock.advance(2 * INTERVAL);
    await emitter.stop();
    expect(timestampsOf(sent)).toEqual([notBeforeMs + 1, FLEET_START + 2 * INTERVAL]);
    expect(emitter.lastTimestampMs()).toBe(FLEET_START + 2 * INTERVAL);
  });

  it("a restart at the very ms of the last sample still moves forward", async () => {
    const { emitter } = setup({ nowMs: FLEET_START + 30_000, notBeforeMs: FLEET_START + 30_000 });
    expect((await emitter.pushNow()).timestampMs).toBe(FLEET_START + 30_001);
  });

  it("counts a tick late when the previous push is still running, and never stacks pushes", async () => {
    const { clock, emitter, sent, hold, release } = setup();
    emitter.start();
    hold();
    await clock.advance(INTERVAL - 7_000); // first tick starts and hangs
    const requestsOfFirstTick = sent.length;
    await clock.advance(2 * INTERVAL); // two grid points pass while it hangs
    expect(sent.length).toBe(requestsOfFirstTick);
    expect(emitter.counters().lateTicks).toBe(2);
    release();
    await clock.advance(INTERVAL);
    await emitter.stop();
    expect(timestampsOf(sent)).toEqual([FLEET_START + INTERVAL, FLEET_START + 4 * INTERVAL]);
    expect(emitter.counters()).toMatchObject({ ticks: 2, lateTicks: 2 });
  });

  it("stop() waits for the push in flight and ends the loop", async () => {
    const { clock, emitter, sent, hold, release } = setup();
    emitter.start();
    hold();
    await clock.advance(INTERVAL);
    let stopped = false;
    const stopping = emitter.stop().then(() => (stopped = true));
    await clock.settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    const count = sent.length;
    await clock.advance(5 * INTERVAL);
    expect(sent.length).toBe(count);
    expect(clock.pendingSleeps()).toBe(0);
  });

  it("leaves a failed first push to its caller, and warns of a failed tick on the grid", async () => {
    const logger = memoryLogger();
    const { clock, emitter } = setup({ logger, fail: () => true });
    const first = await emitter.pushNow();
    expect(first.ok).toBe(false);
    // The start reports it, with what to check: a warning here would say it twice.
    expect(logger.lines.filter((l) => l.level === "warn")).toEqual([]);
    emitter.start();
    await clock.advance(INTERVAL);
    await emitter.stop();
    expect(logger.lines.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      expect.stringMatching(/samples not accepted: remote write failed with HTTP 400/),
    ]);
  });

  it("stop() ends the retries of a failing tick at once, without waiting out the retry window", async () => {
    const clock = createFakeClock(FLEET_START + 7_000);
    let attempts = 0;
    const transport: HttpTransport = {
      request: () => {
        attempts++;
        return Promise.resolve({ status: 503, headers: {}, body: new Uint8Array() });
      },
      close: () => Promise.resolve(),
    };
    const model = createSignalModel(mixedFleet(), { fleetStartMs: FLEET_START, intervalMs: INTERVAL });
    const pusher = createPusher({ url: "https://prom.example/push", transport, clock, random: () => 0.5 });
    const emitter = createEmitter({
      pusher,
      ...fromModel(model),
      intervalMs: INTERVAL,
      fleetStartMs: FLEET_START,
      clock,
    });
    emitter.start();
    await clock.advance(INTERVAL - 7_000 + 100); // the first tick has failed a few times and is backing off
    expect(attempts).toBeGreaterThan(1);
    await emitter.stop();
    const after = attempts;
    await clock.advance(10 * INTERVAL);
    expect(attempts).toBe(after);
    expect(emitter.counters()).toMatchObject({ ticks: 1, droppedSamples: model.seriesPerTick });
  });

  it("closes series with stale markers after their last sample, once, and leaves them out of later ticks", async () => {
    const { clock, emitter, sent, model } = setup();
    emitter.start();
    await clock.advance(INTERVAL);
    const leaving = model.collectors.slice(0, 2).map((c) => c.collector);
    const leavingIds = leaving.map((c) => c.id);
    const leavingSeries = model.collectors[0]!.series.length + model.collectors[1]!.series.length;
    const before = sent.length;
    await clock.advance(1_000);
    const report = await emitter.closeSeries(leavingIds);
    expect(report).toMatchObject({ ok: true, collectors: 2, seriesClosed: leavingSeries, seriesOpen: 0 });
    expect(report.timestampMs).toBeGreaterThan(FLEET_START + INTERVAL);

    const staleRequests = sent.slice(before);
    const staleSeries = staleRequests.flatMap((s) => s.request.timeseries);
    expect(staleSeries).toHaveLength(leavingSeries);
    expect(
      staleSeries.every((ts) => ts.samples[0]!.stale && ts.samples[0]!.timestampMs === report.timestampMs),
    ).toBe(true);
    expect(new Set(staleSeries.map((ts) => Object.fromEntries(ts.labels).collector_id))).toEqual(
      new Set(leaving.map((c) => c.id)),
    );

    // Idempotent: closing them again sends nothing.
    expect(await emitter.closeSeries(leavingIds)).toMatchObject({ collectors: 0, seriesClosed: 0 });
    expect(sent.length).toBe(before + staleRequests.length);

    await clock.advance(INTERVAL);
    await emitter.stop();
    const lastTick = sent.at(-1)!.request.timeseries;
    const ids = new Set(lastTick.map((ts) => Object.fromEntries(ts.labels).collector_id));
    for (const c of leaving) expect(ids.has(c.id)).toBe(false);
    expect(lastTick).toHaveLength(model.seriesPerTick - leavingSeries);
    expect(emitter.counters().staleMarkers).toBe(leavingSeries);
  });

  it("closeSeries() waits for the tick in flight, so the markers land after the last samples", async () => {
    const { clock, emitter, sent, hold, release, model } = setup();
    emitter.start();
    hold();
    await clock.advance(INTERVAL - 7_000);
    const closing = emitter.closeSeries();
    await clock.settle();
    expect(sent.every((s) => !s.request.timeseries[0]!.samples[0]!.stale)).toBe(true);
    release();
    const report = await closing;
    expect(report).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick, seriesOpen: 0 });
    expect(report.timestampMs).toBeGreaterThan(FLEET_START + INTERVAL);
    expect(emitter.lastTimestampMs()).toBe(report.timestampMs);
    await emitter.stop();
  });

  it("keeps series whose markers failed open, and closes them on the next call", async () => {
    const { emitter, model } = setup({ fail: (n) => n === 1 });
    await emitter.pushNow();
    const failed = await emitter.closeSeries();
    expect(failed.ok).toBe(false);
    expect(failed.seriesOpen).toBe(model.seriesPerTick);
    expect(failed.error).toContain("400");
    const retried = await emitter.closeSeries();
    expect(retried).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick, seriesOpen: 0 });
  });

  it("splits a tick by collector so every request stays under the compressed limit", async () => {
    const model = createSignalModel(standaloneFleet(40), { fleetStartMs: FLEET_START, intervalMs: INTERVAL });
    const maxBatchBytes = 12_000;
    const { emitter, sent, maxInFlight } = setup({ model, maxBatchBytes });
    const report = await emitter.pushNow();
    expect(report.ok).toBe(true);
    expect(sent.length).toBeGreaterThan(3);
    expect(report.requests).toBe(sent.length);
    for (const s of sent) {
      expect(s.bytes).toBeLessThanOrEqual(maxBatchBytes);
      // Whole collectors per request: each collector's 29 series travel together.
      const perCollector = new Map<string, number>();
      for (const ts of s.request.timeseries) {
        const id = Object.fromEntries(ts.labels).collector_id!;
        perCollector.set(id, (perCollector.get(id) ?? 0) + 1);
      }
      expect([...perCollector.values()].every((n) => n === model.collectors[0]!.series.length)).toBe(true);
    }
    expect(sent.reduce((n, s) => n + s.request.timeseries.length, 0)).toBe(model.seriesPerTick);
    expect(maxInFlight()).toBeLessThanOrEqual(2);
  });

  it("sizes requests by their compressed bytes, so each carries more than the limit uncompressed", async () => {
    const model = createSignalModel(standaloneFleet(40), { fleetStartMs: FLEET_START, intervalMs: INTERVAL });
    const maxBatchBytes = 12_000;
    const { emitter, sent } = setup({ model, maxBatchBytes });
    await emitter.pushNow();
    // Planned on the uncompressed size (or snappy's worst case), a request would hold under 12 kB of
    // protobuf; filled by the real compressed size, all but the last two hold more.
    const raw = sent.map((s) => uncompressBody(s.body).length);
    expect(raw.slice(0, -2).every((n) => n > maxBatchBytes)).toBe(true);
    const total = sent.reduce((n, s) => n + s.bytes, 0);
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(total / (maxBatchBytes / 2)));
  });

  it("sends nothing at close for collectors that never ticked", async () => {
    const { emitter, sent } = setup();
    expect(await emitter.closeSeries()).toMatchObject({ ok: true, seriesClosed: 0, seriesOpen: 0 });
    expect(sent).toHaveLength(0);
  });

  it("closes an adopted fleet it never ticked (cleanup after a dead process)", async () => {
    const { emitter, sent, model } = setup({ adopted: true });
    expect(await emitter.closeSeries()).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick });
    expect(sent.flatMap((s) => s.request.timeseries).every((ts) => ts.samples[0]!.stale)).toBe(true);
  });

  it("reports a failed tick's samples as dropped", async () => {
    const { emitter, model } = setup({ fail: () => true });
    const report = await emitter.pushNow();
    expect(report).toMatchObject({ ok: false, samples: 0 });
    expect(emitter.counters()).toMatchObject({ droppedSamples: model.seriesPerTick });
    expect(emitter.lastError()).toContain("400");
  });
});

const idOf = (ts: { labels: readonly (readonly [string, string])[] }) =>
  Object.fromEntries(ts.labels).collector_id;
const nameOf = (ts: { labels: readonly (readonly [string, string])[] }) =>
  Object.fromEntries(ts.labels).__name__;

describe("emitter with a changing fleet", () => {
  it("starts a joined collector's series with the next tick", async () => {
    const { clock, emitter, sent, model } = setup({ model: createSignalModel(standaloneFleet(2), SIGNALS) });
    emitter.start();
    await clock.advance(INTERVAL - 7_000);
    const newcomer = standaloneFleet(3)[2]!;
    emitter.add([newcomer]);
    const before = sent.length;
    await clock.advance(INTERVAL);
    await emitter.stop();
    const tick = sent.slice(before).flatMap((s) => s.request.timeseries);
    expect(tick).toHaveLength(model.seriesPerTick + model.collectors[0]!.series.length);
    expect(tick.filter((ts) => idOf(ts) === newcomer.id)).toHaveLength(model.collectors[0]!.series.length);
    expect(emitter.openSeries()).toBe(tick.length);
  });

  it("drops a crashed collector without stale markers, and closes it at final cleanup", async () => {
    const { clock, emitter, sent, model } = setup({ model: createSignalModel(standaloneFleet(2), SIGNALS) });
    const crashed = model.collectors[0]!.collector.id;
    await emitter.pushNow();
    emitter.drop([crashed]);
    emitter.start();
    const before = sent.length;
    await clock.advance(2 * INTERVAL);
    await emitter.stop();
    const later = sent.slice(before).flatMap((s) => s.request.timeseries);
    expect(later.length).toBeGreaterThan(0);
    expect(later.some((ts) => idOf(ts) === crashed)).toBe(false);
    const closed = await emitter.closeSeries();
    expect(closed).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick, seriesOpen: 0 });
  });

  it("on an upgrade, marks the old alloy_build_info stale and starts the new one in the same tick", async () => {
    const { clock, emitter, sent, model } = setup({ model: createSignalModel(standaloneFleet(1), SIGNALS) });
    const before = model.collectors[0]!.collector;
    await emitter.pushNow();
    const upgraded = {
      ...before,
      version: "v1.19.0",
      attributes: { ...before.attributes, "collector.version": "v1.19.0" },
    };
    emitter.update(upgraded);
    emitter.start();
    const start = sent.length;
    await clock.advance(INTERVAL);
    await emitter.stop();
    const tick = sent.slice(start).flatMap((s) => s.request.timeseries);
    const buildInfo = tick.filter((ts) => nameOf(ts) === "alloy_build_info");
    expect(buildInfo).toHaveLength(2);
    const stale = buildInfo.filter((ts) => ts.samples[0]!.stale);
    const live = buildInfo.filter((ts) => !ts.samples[0]!.stale);
    expect(stale.map((ts) => Object.fromEntries(ts.labels).version)).toEqual([before.version]);
    expect(live.map((ts) => Object.fromEntries(ts.labels).version)).toEqual(["v1.19.0"]);
    // Every other series goes on as it was: one sample each, none stale.
    expect(tick.filter((ts) => nameOf(ts) !== "alloy_build_info").every((ts) => !ts.samples[0]!.stale)).toBe(
      true,
    );
    expect(tick).toHaveLength(model.seriesPerTick + 1);
    // The old series is closed for good: the next tick does not mark it again.
    expect(emitter.openSeries()).toBe(model.seriesPerTick);
  });

  it("after a backward step of the wall clock, keeps stamping later and later on the grid", async () => {
    const { clock, emitter, sent } = setup();
    emitter.start();
    await clock.advance(INTERVAL - 7_000);
    clock.stepWall(-120_000);
    await clock.advance(3 * INTERVAL);
    await emitter.stop();
    const closed = await emitter.closeSeries();
    const stamps = timestampsOf(sent);
    expect(stamps.slice(0, 4)).toEqual([
      FLEET_START + INTERVAL,
      FLEET_START + 2 * INTERVAL,
      FLEET_START + 3 * INTERVAL,
      FLEET_START + 4 * INTERVAL,
    ]);
    expect(closed.timestampMs).toBeGreaterThan(FLEET_START + 4 * INTERVAL);
  });

  it("on stop with a deadline, lets the failing tick in flight keep retrying before the markers", async () => {
    const clock = createFakeClock(FLEET_START + 7_000);
    let failing = true;
    let attempts = 0;
    const transport: HttpTransport = {
      request: () => {
        attempts++;
        return Promise.resolve({ status: failing ? 503 : 204, headers: {}, body: new Uint8Array() });
      },
      close: () => Promise.resolve(),
    };
    const model = createSignalModel(standaloneFleet(1), SIGNALS);
    const pusher = createPusher({ url: "https://prom.example/push", transport, clock, random: () => 0.5 });
    const emitter = createEmitter({
      pusher,
      ...fromModel(model),
      intervalMs: INTERVAL,
      fleetStartMs: FLEET_START,
      clock,
    });
    emitter.start();
    await clock.advance(INTERVAL - 7_000 + 100); // the tick is failing and backing off
    const stopping = emitter.stop({ deadlineMs: clock.monotonic() + 30_000 });
    await clock.advance(2_000);
    failing = false; // the receiver recovers within the grace
    await clock.advance(5_000);
    await stopping;
    expect(attempts).toBeGreaterThan(2);
    expect(emitter.counters()).toMatchObject({ ticks: 1, droppedSamples: 0, samples: model.seriesPerTick });
  });

  it("owes no stale marker for series every push of which was refused (a wrong token)", async () => {
    const { emitter, sent } = setup({ fail: () => true });
    await emitter.pushNow();
    await emitter.pushNow();
    const before = sent.length;
    expect(await emitter.closeSeries()).toMatchObject({ ok: true, seriesClosed: 0, seriesOpen: 0 });
    expect(sent.length).toBe(before);
    expect(emitter.openSeries()).toBe(0);
  });

  it("post's inline cleanup after a backward clock step stamps its markers after the last real sample", async () => {
    // The background process wrote samples up to 120 s after this process's wall clock (it stepped back).
    const notBeforeMs = FLEET_START + 7_000 + 120_000;
    const { emitter, sent } = setup({ adopted: true, notBeforeMs });
    const closed = await emitter.closeSeries();
    expect(closed.timestampMs).toBe(notBeforeMs + 1);
    expect(timestampsOf(sent)).toEqual([notBeforeMs + 1]);
  });
});
