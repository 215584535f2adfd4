/**
 * Every event of a living fleet, applied to a running fleet through the scenario player and checked the way
 * FM and Prometheus see it: the FM emulator's inspection (registered, heartbeats, the last remote config
 * status and its error, markedInactiveAt, the collector.version attribute) and the remote-write receiver's
 * series (up values, stale markers, alloy_build_info versions). Real time, short intervals, loopback.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import type { ScenarioAction } from "../../src/blueprint/types.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { simulateTimeline } from "../../src/fleet/scenario.js";
import { fleetShapeOf } from "../../src/fleet/shape.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { createScenarioPlayer, type ScenarioPlayer } from "../../src/runtime/scenario-player.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "glc_scenario_events_test_0123456789";
/** The emulator marks a collector inactive after this much silence (FM: 30 minutes). */
const ACTIVE_WINDOW_MS = 2500;
const BEAT_MS = 1000;

const BLUEPRINT = parseBlueprint(
  `name: ev
features:
  fleet_management:
    collectors_per_os: {linux: 4, darwin: 1}
scenario:
  - at: 300ms
    event: unhealthy
    select: {os: linux, count: 1}
  - at: 600ms
    event: crash
    select: {os: darwin}
  - at: 900ms
    event: leave
    select: {os: linux, count: 1}
`,
  "ev.yaml",
).blueprint;
const ROSTER = buildRoster(BLUEPRINT);
const SHAPE = fleetShapeOf(BLUEPRINT);
const [L1, L2, L3, L4, D1] = ROSTER.collectors.map((c) => c.id) as [string, string, string, string, string];

let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
let engine: FleetEngine | undefined;
let player: ScenarioPlayer | undefined;

afterEach(async () => {
  await player?.stop();
  await engine?.stop({ deadlineMs: performance.now() + 10_000 });
  await Promise.all([fm?.close(), rw?.close()]);
  fm = rw = engine = player = undefined;
});

async function startFleet(options: { timeline?: boolean } = {}) {
  fm = await createFmEmulator({ token: TOKEN, activeWindowMs: ACTIVE_WINDOW_MS });
  rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
  const { config, secrets } = buildFleetConfig(
    {
      intervalMs: 1000,
      heartbeatIntervalMs: BEAT_MS,
      fmRatePerSecond: 100,
      maxLifetimeMs: 60_000,
      credentials: {
        fm: { url: fm.url, stackId: fm.stackId, token: TOKEN },
        prom: { url: rw.url, user: "7", token: TOKEN },
      },
    },
    ROSTER,
    Date.now(),
    { shape: SHAPE, scenario: options.timeline ? BLUEPRINT.scenario : [] },
  );
  engine = createFleetEngine({ config, secrets });
  await engine.start();
  player = createScenarioPlayer({ engine, steps: config.scenario ?? [], shape: SHAPE });
  player.start();
  engine.run();
  return { fm, rw, engine, player };
}

const act = (action: Partial<ScenarioAction> & Pick<ScenarioAction, "event">): ScenarioAction => ({
  select: {},
  ...action,
});

/** Applies one event and waits for its first effect, as `fm-fleet event` does. */
async function apply(action: ScenarioAction) {
  const applied = await player!.apply(action);
  const effect = await applied.effect;
  return { entry: applied.entry, effect };
}

const collector = (id: string) => fm!.collectors().find((c) => c.id === id)!;
const series = (name: string, id: string) =>
  rw!.series().filter((s) => s.labels.__name__ === name && s.labels.collector_id === id);
const up = (id: string) => series("up", id)[0]!;

describe("each event of a living fleet, as FM and Prometheus see it", () => {
  it("unhealthy: up 0 and unhealthy components for exactly the selected, heartbeats go on; healthy: back", async () => {
    await startFleet();
    const { entry, effect } = await apply(act({ event: "unhealthy", select: { os: "linux", count: 2 } }));
    expect(entry.changed).toEqual([L1, L2]);
    expect(effect).toMatchObject({ ok: true, via: "push" });
    for (const id of [L1, L2]) {
      expect(up(id)).toMatchObject({ lastValue: 0, stale: false });
      expect(up(id).lastTimestampMs).toBeGreaterThanOrEqual(effect.timestampMs!);
      const unhealthy = series("alloy_component_controller_running_components", id).find(
        (s) => s.labels.health_type === "unhealthy",
      );
      expect(unhealthy!.lastValue).toBeGreaterThan(0);
    }
    for (const id of [L3, L4, D1]) expect(up(id).lastValue).toBe(1);
    // FM: heartbeats go on, and nothing was registered again (health is no attribute).
    const beats = collector(L1).heartbeats;
    await waitFor(
      () => collector(L1).heartbeats >= beats + 2,
      5000,
      "two more heartbeats of an unhealthy collector",
    );
    expect(collector(L1)).toMatchObject({ registrations: 1, active: true });

    const healed = await apply(act({ event: "healthy" }));
    expect(healed.entry.changed).toEqual([L1, L2]);
    expect(up(L1).lastValue).toBe(1);
    expect(up(L2).lastValue).toBe(1);
    expect(player!.health()).toEqual({ healthy: 5, unhealthy: 0, inactive: 0, departed: 0 });
  });

  it("config-error: the next GetConfig reports FAILED with the message; config-ok: APPLIED", async () => {
    await startFleet();
    const message = 'load failed: component "prometheus.scrape.app" does not exist';
    const failed = await apply(act({ event: "config-error", select: { os: "darwin" }, message }));
    expect(failed.effect).toMatchObject({ ok: true, via: "heartbeat" });
    expect(collector(D1)).toMatchObject({
      lastRemoteConfigStatus: "RemoteConfigStatuses_FAILED",
      lastRemoteConfigError: message,
    });
    expect(collector(L1).lastRemoteConfigStatus).not.toBe("RemoteConfigStatuses_FAILED");
    expect(player!.health()).toMatchObject({ healthy: 4, unhealthy: 1 });
    // Metrics do not change: FM's red badge comes from the config status alone.
    expect(up(D1).lastValue).toBe(1);

    const fixed = await apply(act({ event: "config-ok" }));
    expect(fixed.entry.changed).toEqual([D1]);
    expect(collector(D1).lastRemoteConfigStatus).toBe("RemoteConfigStatuses_APPLIED");
    expect(collector(D1).lastRemoteConfigError).toBeUndefined();
  });

  it("silence: no more GetConfig, still registered, FM marks it inactive, metrics go on; resume: heartbeats again", async () => {
    await startFleet();
    const { effect } = await apply(act({ event: "silence", select: { ids: [L3] } }));
    expect(effect).toMatchObject({ ok: true, via: "none" });
    // A heartbeat already on the wire when the silence began may still land: count from after it.
    await sleep(BEAT_MS);
    const beats = collector(L3).heartbeats;
    const samples = up(L3).samples;
    await waitFor(
      () => collector(L3).markedInactiveAtMs !== undefined,
      5000,
      "FM to mark the silent collector inactive",
    );
    expect(collector(L3)).toMatchObject({
      heartbeats: beats,
      registered: true,
      active: false,
      unregistrations: 0,
    });
    await waitFor(() => up(L3).samples > samples, 5000, "pushes of the silent collector to go on");
    expect(collector(L4).active).toBe(true);
    expect(player!.health()).toMatchObject({ inactive: 1 });

    await apply(act({ event: "resume" }));
    await waitFor(() => collector(L3).heartbeats > beats, 5000, "a heartbeat after resume");
    expect(collector(L3)).toMatchObject({ registered: true, active: true });
    expect(collector(L3).markedInactiveAtMs).toBeUndefined();
  });

  it("crash: heartbeats and pushes stop with no Unregister and no stale marker; resume brings both back", async () => {
    await startFleet();
    await apply(act({ event: "crash", select: { os: "darwin" } }));
    // A heartbeat or push already on the wire when it crashed may still land: count from after them.
    await sleep(1.2 * BEAT_MS);
    const beats = collector(D1).heartbeats;
    const samples = up(D1).samples;
    const othersSamples = up(L1).samples;
    await sleep(2.5 * BEAT_MS);
    expect(collector(D1)).toMatchObject({ heartbeats: beats, registered: true, unregistrations: 0 });
    expect(up(D1)).toMatchObject({ samples, stale: false });
    expect(up(L1).samples).toBeGreaterThan(othersSamples);

    const resumed = await apply(act({ event: "resume" }));
    expect(resumed.entry.changed).toEqual([D1]);
    expect(resumed.effect).toMatchObject({ ok: true, via: "push" });
    expect(up(D1).samples).toBeGreaterThan(samples);
    await waitFor(() => collector(D1).heartbeats > beats, 5000, "a heartbeat after resume");
  });

  it("leave: UnregisterCollector and stale markers at once; the others go on", async () => {
    await startFleet();
    const { entry, effect } = await apply(act({ event: "leave", select: { os: "linux", count: 1 } }));
    expect(entry.changed).toEqual([L1]);
    expect(effect).toMatchObject({ ok: true, via: "unregister" });
    expect(collector(L1)).toMatchObject({ registered: false, unregistrations: 1 });
    expect(
      rw!
        .series()
        .filter((s) => s.labels.collector_id === L1)
        .every((s) => s.stale),
    ).toBe(true);
    expect(up(L2).stale).toBe(false);
    expect(player!.health()).toMatchObject({ departed: 1, healthy: 4 });
    // It never comes back: a later resume selects nobody.
    const again = await apply(act({ event: "resume", select: { ids: [L1] } }));
    expect(again.entry.changed).toEqual([]);
    expect(again.entry.warnings[0]).toMatch(/selects nobody/);
  });

  it("join: new collectors numbered after their group register, heartbeat and write series", async () => {
    await startFleet();
    const { entry, effect } = await apply(act({ event: "join", add: { linux: 2, windows: 0, darwin: 0 } }));
    expect(entry.changed).toEqual(["ev-ci-linux-05", "ev-ci-linux-06"]);
    expect(effect).toMatchObject({ ok: true, via: "register" });
    await waitFor(
      () => collector("ev-ci-linux-06")?.heartbeats >= 2,
      5000,
      "heartbeats of a joined collector",
    );
    expect(collector("ev-ci-linux-05").localAttributes).toMatchObject({
      "collector.os": "linux",
      env: "ci",
      fake: "true",
    });
    await waitFor(() => series("up", "ev-ci-linux-05").length === 1, 3000, "the joined collector's series");
    expect(engine!.counters().collectors).toBe(7);
  });

  it("upgrade: registered again with the new collector.version; old alloy_build_info stale, the new one starts", async () => {
    await startFleet();
    const { entry, effect } = await apply(
      act({ event: "upgrade", select: { os: "darwin" }, version: "v1.19.0" }),
    );
    expect(entry.changed).toEqual([D1]);
    expect(effect).toMatchObject({ ok: true, via: "push" });
    expect(collector(D1)).toMatchObject({ registrations: 2 });
    expect(collector(D1).localAttributes["collector.version"]).toBe("v1.19.0");
    const builds = series("alloy_build_info", D1);
    expect(builds.find((s) => s.labels.version === "v1.18.1")).toMatchObject({ stale: true });
    expect(builds.find((s) => s.labels.version === "v1.19.0")).toMatchObject({ stale: false, lastValue: 1 });
    // Every later heartbeat carries the new version.
    const beats = collector(D1).heartbeats;
    await waitFor(() => collector(D1).heartbeats > beats, 5000, "a heartbeat after the upgrade");
    expect(collector(D1).localAttributes["collector.version"]).toBe("v1.19.0");
    expect(collector(L1).localAttributes["collector.version"]).toBe("v1.18.1");
  });

  it("final cleanup covers every collector the run ever had: crashed, silenced and joined ones too", async () => {
    await startFleet();
    await apply(act({ event: "crash", select: { ids: [L1] } }));
    await apply(act({ event: "silence", select: { ids: [L2] } }));
    await apply(act({ event: "join", add: { linux: 0, windows: 1, darwin: 0 } }));
    await apply(act({ event: "leave", select: { ids: [L3] } }));
    await player!.stop();
    const report = await engine!.stop({ deadlineMs: performance.now() + 10_000 });
    expect(report).toMatchObject({ complete: true, seriesOpen: 0, unregisterFailed: [] });
    // Cleanup deletes the records after unregistering them: FM's request log shows who was unregistered.
    const unregistered = new Set(
      fm!
        .requests()
        .filter((r) => r.method === "UnregisterCollector" && r.status === 200)
        .map((r) => r.collectorId),
    );
    expect([...unregistered].sort()).toEqual(
      [...ROSTER.collectors.map((c) => c.id), "ev-ci-windows-01"].sort(),
    );
    expect(fm!.collectors().filter((c) => c.registered)).toEqual([]);
    expect(rw!.openSeries()).toBe(0);
  });
});

describe("a timeline played on the running fleet", () => {
  it("runs each step at its offset, in order, and records what it changed", async () => {
    const { player } = await startFleet({ timeline: true });
    await waitFor(
      () => player.record().entries.length === 3 && player.record().entries.every((e) => e.effect),
      10_000,
      "every step",
    );
    const { entries } = player.record();
    const planned = simulateTimeline(BLUEPRINT.scenario!, ROSTER, SHAPE).steps;
    expect(entries.map((e) => [e.step, e.event, e.changed])).toEqual(
      planned.map((p) => [p.index + 1, p.step.event, p.ids]),
    );
    entries.forEach((e) => expect(e.ranOffsetMs).toBeGreaterThanOrEqual(e.plannedOffsetMs! - 1));
    expect(entries.map((e) => e.ranAtMs)).toEqual([...entries.map((e) => e.ranAtMs)].sort((a, b) => a - b));
    // The timeline acted as planned: L1 unhealthy, then gone; D1 crashed.
    expect(collector(L1).registered).toBe(false);
    expect(collector(D1)).toMatchObject({ registered: true });
    expect(player.health()).toEqual({ healthy: 3, unhealthy: 0, inactive: 1, departed: 1 });
  });

  it("warns at a step a live event left with nobody to select, and goes on", async () => {
    fm = await createFmEmulator({ token: TOKEN });
    const steps = [
      { atMs: 1500, event: "silence" as const, select: { os: "darwin" as const } },
      { atMs: 1600, event: "crash" as const, select: { ids: [L4] } },
    ];
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const { config, secrets } = buildFleetConfig(
      {
        intervalMs: 1000,
        heartbeatIntervalMs: BEAT_MS,
        fmRatePerSecond: 100,
        maxLifetimeMs: 60_000,
        credentials: {
          fm: { url: fm.url, stackId: fm.stackId, token: TOKEN },
          prom: { url: rw.url, user: "7", token: TOKEN },
        },
      },
      ROSTER,
      Date.now(),
      { shape: SHAPE, scenario: steps },
    );
    engine = createFleetEngine({ config, secrets });
    await engine.start();
    player = createScenarioPlayer({ engine, steps, shape: SHAPE });
    player.start();
    engine.run();
    // Before the step: the darwin collector leaves on a live event.
    await (
      await player.apply(act({ event: "leave", select: { os: "darwin" } }))
    ).effect;
    const p = player;
    await waitFor(
      () => p.record().entries.length === 3 && p.record().entries[2]!.effect !== undefined,
      10_000,
      "both steps",
    );
    const [live, silence, crash] = p.record().entries;
    expect(live).toMatchObject({ source: "live", event: "leave", changed: [D1] });
    expect(silence).toMatchObject({
      step: 1,
      changed: [],
      warnings: ["selects nobody: 1 collector matches os darwin, none is running"],
    });
    expect(crash).toMatchObject({ step: 2, changed: [L4] });
  });
});
