/**
 * Emitter → pusher → real HTTP → local receiver, with the receiver injecting the failures a remote-write
 * endpoint produces. Waits (backoff, Retry-After) run on a clock that skips them, so nothing here sleeps.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import {
  createRemoteWriteReceiver,
  type RemoteWriteReceiver,
  type RemoteWriteReceiverOptions,
} from "../../src/emulator/rw-receiver.js";
import { createEmitter } from "../../src/remote-write/emitter.js";
import { createPusher } from "../../src/remote-write/push.js";
import { zeroRemoteWriteCounters } from "../../src/remote-write/counters.js";
import { createCollectorSignals, createSignalModel } from "../../src/signals/model.js";
import { createHttpTransport } from "../../src/transport/http.js";
import { mixedFleet } from "../helpers/collectors.js";

const INTERVAL = 15_000;
const USER = "200002";
const TOKEN = "glc_test_token_0123456789";

/** Real time, plus every wait it was asked for, skipped at once and recorded. */
function skippingClock(offsetMs = 0): Clock & { slept: number[] } {
  let skipped = offsetMs;
  const slept: number[] = [];
  return {
    slept,
    now: () => Date.now() + skipped,
    monotonic: () => performance.now() + skipped,
    sleep: async (ms) => {
      slept.push(ms);
      skipped += Math.max(0, ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const transport = createHttpTransport();
let receiver: RemoteWriteReceiver | undefined;
afterAll(() => transport.close());
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function setup(
  receiverOptions: RemoteWriteReceiverOptions = {},
  options: { clockOffsetMs?: number; notBeforeMs?: number } = {},
) {
  receiver ??= await createRemoteWriteReceiver({ user: USER, token: TOKEN, ...receiverOptions });
  const clock = skippingClock(options.clockOffsetMs);
  const logger = memoryLogger();
  const fleetStartMs = clock.now() - 10 * INTERVAL;
  const model = createSignalModel(mixedFleet(), { fleetStartMs, intervalMs: INTERVAL });
  const counters = zeroRemoteWriteCounters();
  const pusher = createPusher({
    url: receiver.url,
    user: USER,
    token: TOKEN,
    transport,
    counters,
    clock,
    logger,
  });
  const emitter = createEmitter({
    pusher,
    counters,
    families: model.families,
    collectors: model.collectors.map((s) => s.collector),
    signalsFor: (c) => createCollectorSignals(c, { fleetStartMs, intervalMs: INTERVAL }),
    intervalMs: INTERVAL,
    fleetStartMs,
    clock,
    logger,
    ...(options.notBeforeMs !== undefined ? { notBeforeMs: options.notBeforeMs } : {}),
  });
  return { rx: receiver, clock, logger, model, pusher, emitter, counters };
}

describe("remote-write pipeline against the local receiver", () => {
  it("delivers every series of the fleet, then closes them all with stale markers", async () => {
    const { rx, model, emitter } = await setup();
    const tick = await emitter.pushNow();
    expect(tick).toMatchObject({ ok: true, samples: model.seriesPerTick });
    expect(rx.series()).toHaveLength(model.seriesPerTick);
    expect(rx.openSeries()).toBe(model.seriesPerTick);
    expect(rx.metadata().size).toBe(model.families.length);

    const closed = await emitter.closeSeries();
    expect(closed).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick, seriesOpen: 0 });
    expect(rx.openSeries()).toBe(0);
    expect(rx.series().every((s) => s.stale && s.lastTimestampMs === closed.timestampMs)).toBe(true);
  });

  it("keeps timestamps increasing across a restart only when given notBeforeMs", async () => {
    // The previous process' clock ran 5 s ahead: its samples are later than this process' now.
    const previous = await setup({}, { clockOffsetMs: 5_000 });
    await previous.emitter.pushNow();
    await previous.emitter.closeSeries(previous.model.collectors.slice(0, 1).map((c) => c.collector.id));
    const notBeforeMs = previous.emitter.lastTimestampMs();

    const naive = await setup();
    const refused = await naive.emitter.pushNow();
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain("out of order sample");

    const resumed = await setup({}, { notBeforeMs });
    const tick = await resumed.emitter.pushNow();
    expect(tick.ok).toBe(true);
    expect(tick.timestampMs).toBeGreaterThan(notBeforeMs);
    expect(receiver!.series().every((s) => s.lastTimestampMs === tick.timestampMs)).toBe(true);
  });

  it("retries 503s and connection resets until the tick is accepted", async () => {
    const { rx, model, emitter } = await setup({ faults: { failNext: 2, status: 503 } });
    expect(await emitter.pushNow()).toMatchObject({ ok: true, samples: model.seriesPerTick });
    rx.setFaults({ failNext: 1, status: "reset" });
    expect(await emitter.pushNow()).toMatchObject({ ok: true, samples: model.seriesPerTick });
    expect(emitter.counters()).toMatchObject({ droppedSamples: 0, retries: 3, requests: 5 });
    expect(rx.series().every((s) => s.samples === 2)).toBe(true);
  });

  it("slows down on 429 as Retry-After asks, and drops nothing", async () => {
    const { rx, model, emitter, clock } = await setup({
      faults: { failNext: 2, status: 429, retryAfter: "2" },
    });
    const tick = await emitter.pushNow();
    expect(tick).toMatchObject({ ok: true, samples: model.seriesPerTick });
    expect(clock.slept.filter((ms) => ms >= 2000)).toHaveLength(2);
    expect(emitter.counters()).toMatchObject({ throttled: 2, droppedSamples: 0 });
    expect(rx.openSeries()).toBe(model.seriesPerTick);
  });

  it("closes every series even after a Retry-After of days paused the pushes past the cleanup deadline", async () => {
    const { rx, model, emitter, clock } = await setup();
    expect(await emitter.pushNow()).toMatchObject({ ok: true });
    // One 429 asking for 11 days: the pusher holds every push back for the capped 5 minutes.
    rx.setFaults({ failNext: 1, status: 429, retryAfter: "999999" });
    expect(await emitter.pushNow()).toMatchObject({ ok: false });
    rx.setFaults({});
    // Stale markers are the last chance to close the series: the pause does not keep them from trying.
    const closed = await emitter.closeSeries(undefined, { deadlineMs: clock.monotonic() + 30_000 });
    expect(closed).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick, seriesOpen: 0 });
    expect(rx.openSeries()).toBe(0);
  });

  it("closes every series when the stale markers themselves meet a Retry-After of days", async () => {
    const { rx, model, emitter, clock } = await setup();
    expect(await emitter.pushNow()).toMatchObject({ ok: true });
    rx.setFaults({ failNext: 1, status: 429, retryAfter: "999999" });
    const closed = await emitter.closeSeries(undefined, { deadlineMs: clock.monotonic() + 30_000 });
    expect(closed).toMatchObject({ ok: true, seriesClosed: model.seriesPerTick, seriesOpen: 0 });
    expect(emitter.counters()).toMatchObject({ throttled: 1 });
    expect(rx.openSeries()).toBe(0);
  });

  it("never retries a 400: one request, the samples counted as dropped, the body logged", async () => {
    const { rx, model, emitter, logger } = await setup({
      faults: { failNext: 1, status: 400, body: `bad data from token ${TOKEN}` },
    });
    const tick = await emitter.pushNow();
    expect(tick.ok).toBe(false);
    expect(rx.requests()).toBe(1);
    expect(emitter.counters()).toMatchObject({ droppedSamples: model.seriesPerTick, retries: 0 });
    const logged = logger.lines.map((l) => l.message).join("\n");
    expect(logged).toContain("bad data from token");
    expect(logged).not.toContain(TOKEN);
  });

  it("does not retry wrong credentials (401)", async () => {
    receiver = await createRemoteWriteReceiver({ user: USER, token: "another-token" });
    const { emitter } = await setup();
    const tick = await emitter.pushNow();
    expect(tick.ok).toBe(false);
    expect(tick.error).toContain("401");
    expect(receiver.requests()).toBe(1);
  });
});
