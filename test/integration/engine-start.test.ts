/**
 * The engine's start as bad luck meets it: metrics must not wait for FM, and no wait may outlast a stop.
 * The fleet runs against the FM emulator and the remote-write receiver on loopback, in real time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { standaloneFleet } from "../helpers/collectors.js";

const TOKEN = "glc_engine_start_test_0123456789";
let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
let engine: FleetEngine | undefined;

afterEach(async () => {
  await engine?.stop({ deadlineMs: performance.now() + 5_000 });
  await Promise.all([fm?.close(), rw?.close()]);
  fm = rw = engine = undefined;
});

function fleet(options: { fm?: string; intervalMs?: number } = {}) {
  const { config, secrets } = buildFleetConfig(
    {
      intervalMs: options.intervalMs ?? 1000,
      heartbeatIntervalMs: 60_000,
      fmRatePerSecond: 50,
      maxLifetimeMs: 60_000,
      credentials: {
        fm: { url: options.fm ?? fm!.url, stackId: fm?.stackId ?? "1", token: TOKEN },
        prom: { url: rw!.url, user: "7", token: TOKEN },
      },
    },
    { blueprint: "start", collectors: standaloneFleet(3) },
    Date.now(),
  );
  engine = createFleetEngine({ config, secrets });
  return engine;
}

describe("the engine's start", () => {
  it("pushes metrics on the grid at once while FM is slow to register", async () => {
    // Every FM answer takes 3 s: a collector is ready after its Register and first GetConfig, 6 s in.
    fm = await createFmEmulator({
      token: TOKEN,
      faults: { RegisterCollector: { latencyMs: [3000, 3000] }, GetConfig: { latencyMs: [3000, 3000] } },
    });
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const e = fleet();
    const startedAt = Date.now();
    let isReady = false;
    const ready = e.start().then(() => (isReady = true));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    // Not ready yet: FM is still answering; yet every series already has a sample per second.
    expect(isReady).toBe(false);
    const samples = rw.series().map((s) => s.samples);
    expect(samples.length).toBe(3 * 29);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(3);
    await ready;
    expect(Date.now() - startedAt).toBeGreaterThan(5_000);
  });

  it("ends a first push that keeps failing as soon as the stop comes, not after its retry window", async () => {
    fm = await createFmEmulator({ token: TOKEN });
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN, faults: { failRatio: 1, status: 503 } });
    const e = fleet();
    const stop = new AbortController();
    const started = e.start(stop.signal).then(
      () => "ready",
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stoppedAt = performance.now();
    stop.abort(new Error("--duration ended"));
    const outcome = await started;
    expect(outcome).toMatch(/first remote-write push failed|--duration ended/);
    expect(performance.now() - stoppedAt).toBeLessThan(2_000);
    // Nothing was ever stored, so cleanup owes no stale marker and ends at once.
    const cleanupAt = performance.now();
    const cleanup = await e.stop({ deadlineMs: performance.now() + 60_000 });
    expect(cleanup).toMatchObject({ seriesOpen: 0, seriesClosed: 0 });
    expect(performance.now() - cleanupAt).toBeLessThan(12_000);
  });

  it("with FM refusing connections, cleans up nothing that was never registered, at once", async () => {
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    // A port nobody listens on: every connection is refused.
    const probe = await createFmEmulator({ token: TOKEN });
    const deadUrl = probe.url;
    await probe.close();
    const e = fleet({ fm: deadUrl });
    const stop = new AbortController();
    const started = e.start(stop.signal).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop.abort(new Error("stopped"));
    await started;
    const cleanupAt = performance.now();
    const cleanup = await e.stop({ deadlineMs: performance.now() + 60_000 });
    expect(cleanup.unregisterFailed).toEqual([]);
    expect(cleanup.unregistered).toBe(0);
    expect(cleanup.complete).toBe(true);
    expect(performance.now() - cleanupAt).toBeLessThan(5_000);
  });
});
