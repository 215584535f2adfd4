/**
 * The engine's alerts against the FM emulator, the remote-write receiver and a stand-in Alertmanager on
 * loopback, in real time: which collectors fire, how updates, leaves and cleanup resolve, what a failing
 * Alertmanager costs (nothing but alerts), and post's inline cleanup after a dead background process.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/core/logger.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import type { Collector } from "../../src/fleet/types.js";
import { describeCleanup } from "../../src/runtime/cleanup-text.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { writeFileAtomic } from "../../src/runtime/files.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { statePaths } from "../../src/runtime/paths.js";
import { teardownFleet } from "../../src/runtime/teardown.js";
import { basicAuth } from "../../src/transport/endpoint.js";
import { standaloneCollector } from "../helpers/collectors.js";
import { startFakeAlertmanager, type FakeAlertmanager } from "../helpers/fake-alertmanager.js";

const TOKEN = "glc_engine_alerts_test_0123456789";
const AM_USER = "424242";
const AM_TOKEN = "glc_alertmanager_engine_test_token";

let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
let am: FakeAlertmanager | undefined;
const engines: FleetEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ deadlineMs: performance.now() + 5_000 })));
  await Promise.all([fm?.close(), rw?.close(), am?.close()]);
  fm = rw = am = undefined;
});

/** Two healthy and two unhealthy linux collectors. */
const ROSTER: Collector[] = [1, 2, 3, 4].map((index) => standaloneCollector({ index, healthy: index <= 2 }));
const [C1, , C3, C4] = ROSTER.map((c) => c.id) as [string, string, string, string];

async function fleet(options: { heartbeatIntervalMs?: number } = {}) {
  fm ??= await createFmEmulator({ token: TOKEN });
  rw ??= await createRemoteWriteReceiver({ user: "7", token: TOKEN });
  am ??= await startFakeAlertmanager();
  const built = buildFleetConfig(
    {
      intervalMs: 1000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 60_000,
      fmRatePerSecond: 50,
      maxLifetimeMs: 60_000,
      credentials: {
        fm: { url: fm.url, stackId: fm.stackId, token: TOKEN },
        prom: { url: rw.url, user: "7", token: TOKEN },
        alertmanager: { url: am.url, user: AM_USER, token: AM_TOKEN },
      },
    },
    { blueprint: "alerts", collectors: ROSTER },
    Date.now(),
  );
  const engine = createFleetEngine(built);
  engines.push(engine);
  return { engine, ...built };
}

describe("the engine's alerts", () => {
  it("fire for exactly the unhealthy collectors, follow updates and leaves, and are all resolved at stop", async () => {
    const { engine } = await fleet();
    await engine.start();
    expect(am!.active()).toEqual([
      { id: C3, severity: "critical" },
      { id: C4, severity: "critical" },
    ]);
    expect(am!.posts[0]!.authorization).toBe(basicAuth(AM_USER, AM_TOKEN));

    // A collector turning unhealthy with a warning fires yellow; one recovering resolves.
    const byId = new Map(ROSTER.map((c) => [c.id, c]));
    const report = await engine.update(
      [
        { ...byId.get(C1)!, healthy: false },
        { ...byId.get(C3)!, healthy: true },
      ],
      undefined,
      { severity: { [C1]: "warning" } },
    );
    expect(report.failed).toEqual([]);
    expect(am!.active()).toEqual([
      { id: C1, severity: "warning" },
      { id: C4, severity: "critical" },
    ]);
    // A warning turning critical replaces its alert.
    await engine.update([{ ...byId.get(C1)!, healthy: false }], undefined, {
      severity: { [C1]: "critical" },
    });
    expect(am!.active()).toEqual([
      { id: C1, severity: "critical" },
      { id: C4, severity: "critical" },
    ]);

    await engine.leave([C4]);
    expect(am!.active()).toEqual([{ id: C1, severity: "critical" }]);

    const cleanup = await engine.stop({ deadlineMs: performance.now() + 10_000 });
    expect(cleanup).toMatchObject({ complete: true, alertsFiring: 0, alertsResolved: 1 });
    expect(describeCleanup(cleanup)).toMatch(/series closed, 1 alert resolved$/);
    expect(am!.active()).toEqual([]);
    // Resolved: C3 recovering, C1's warning replaced, C4 leaving, C1 at stop.
    expect(engine.counters().alerts).toMatchObject({ failures: 0, resolved: 4 });
  });

  it("with a failing Alertmanager, starts, heartbeats and pushes all the same, and reports what is left", async () => {
    am = await startFakeAlertmanager();
    am.failWith(401);
    const { engine } = await fleet({ heartbeatIntervalMs: 1000 });
    const started = await engine.start();
    expect(started.registered).toBe(4);
    engine.run();
    const before = engine.counters();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const after = engine.counters();
    expect(after.fm!.heartbeatsOk).toBeGreaterThan(before.fm!.heartbeatsOk);
    expect(after.remoteWrite!.samples).toBeGreaterThan(before.remoteWrite!.samples);
    expect(after.alerts).toMatchObject({ posted: 0, failures: 2 });
    expect(engine.lastErrors().alerts).toMatch(/HTTP 401/);

    const cleanup = await engine.stop({ deadlineMs: performance.now() + 5_000 });
    expect(cleanup).toMatchObject({ complete: false, alertsFiring: 2, unregisterFailed: [], seriesOpen: 0 });
    expect(cleanup.alertsError).toMatch(/HTTP 401/);
  });

  it("post's inline cleanup resolves the alerts a dead background process left firing", async () => {
    const { engine: dead, config, secrets } = await fleet();
    await dead.start();
    await dead.update([{ ...ROSTER[0]!, healthy: false }], undefined, { severity: { [C1]: "warning" } });
    expect(am!.active().map((a) => a.id)).toEqual([C1, C3, C4]);
    // The process died without cleaning up: post finds its saved files, members.json with C1's new health.
    const dir = mkdtempSync(join(tmpdir(), "fm-alerts-teardown-"));
    const paths = statePaths(dir);
    writeFileAtomic(paths.roster, JSON.stringify(config));
    writeFileAtomic(paths.secrets, JSON.stringify(secrets));
    writeFileAtomic(paths.members, JSON.stringify(dead.collectors()));
    const result = await teardownFleet({ paths, pid: undefined, nonce: "n", logger: memoryLogger() });
    expect(result.cleanedBy).toBe("inline");
    expect(result.problems).toEqual([]);
    expect(am!.active()).toEqual([]);
  });

  it("teardown names the collectors whose alerts could not be resolved, and a later one resolves them", async () => {
    const { engine: dead, config, secrets } = await fleet();
    await dead.start();
    // A refusal is not retried, so this cleanup ends at once rather than at its deadline.
    am!.failWith(400);
    const dir = mkdtempSync(join(tmpdir(), "fm-alerts-teardown-"));
    const paths = statePaths(dir);
    writeFileAtomic(paths.roster, JSON.stringify(config));
    writeFileAtomic(paths.secrets, JSON.stringify(secrets));
    const first = await teardownFleet({
      paths,
      pid: undefined,
      nonce: "n",
      logger: memoryLogger(),
      keepSecretsIfIncomplete: true,
    });
    expect(first.problems).toEqual([
      expect.stringMatching(
        /^the alerts of 2 collectors may still be firing in Alertmanager \(each expires by itself within 4 minutes\): .*HTTP 400/,
      ),
    ]);
    expect(am!.active().map((a) => a.id)).toEqual([C3, C4]);
    // Kept for the next teardown (post, after main's failed start), which finds Alertmanager back.
    expect(existsSync(paths.secrets)).toBe(true);
    am!.failWith(undefined);
    const second = await teardownFleet({ paths, pid: undefined, nonce: "n", logger: memoryLogger() });
    expect(second.problems).toEqual([]);
    expect(am!.active()).toEqual([]);
    expect(existsSync(paths.secrets)).toBe(false);
  });
});
