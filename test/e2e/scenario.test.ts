/**
 * A blueprint's timeline played on a running fleet that writes into a real Prometheus (2.42, remote-write
 * receiver on), FM played by the emulator, checked with PromQL the way a dashboard would: `up` goes 0 at
 * the step for exactly the selected collectors, a departed collector's `up` disappears at once (stale
 * markers, not the 5-minute look-back), an upgraded collector's alloy_build_info carries the new version.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { fleetShapeOf } from "../../src/fleet/shape.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { createScenarioPlayer, type ScenarioPlayer } from "../../src/runtime/scenario-player.js";
import type { TimelineEntry } from "../../src/runtime/timeline.js";
import { startPrometheus, type PrometheusServer } from "../helpers/prometheus.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "glc_scenario_e2e_0123456789abcdef";
const JOB = 'job="integrations/alloy"';
const INTERVAL_MS = 1000;
const LOADED = parseBlueprint(
  `name: e2e
features:
  fleet_management:
    collectors_per_os: {linux: 4, darwin: 1}
scenario:
  - at: 3s
    event: unhealthy
    select: {os: linux, count: 2}
  - at: 5s
    event: leave
    select: {ids: [e2e-ci-linux-04]}
  - at: 7s
    event: upgrade
    select: {os: darwin}
    version: v1.19.0
`,
  "e2e.yaml",
);
const ROSTER = buildRoster(LOADED.blueprint);

describe("a scenario seen through PromQL in a real Prometheus", () => {
  let prom: PrometheusServer;
  let fm: FmEmulator;
  let engine: FleetEngine;
  let player: ScenarioPlayer;
  let unhealthy: TimelineEntry;
  let leave: TimelineEntry;
  let upgrade: TimelineEntry;

  beforeAll(async () => {
    prom = await startPrometheus();
    fm = await createFmEmulator({ token: TOKEN });
    const { config, secrets } = buildFleetConfig(
      {
        intervalMs: INTERVAL_MS,
        heartbeatIntervalMs: 2000,
        fmRatePerSecond: 50,
        maxLifetimeMs: 120_000,
        credentials: {
          fm: { url: fm.url, stackId: fm.stackId, token: TOKEN },
          prom: { url: prom.writeUrl, user: "e2e", token: TOKEN },
        },
      },
      ROSTER,
      Date.now(),
      { shape: fleetShapeOf(LOADED.blueprint), scenario: LOADED.blueprint.scenario ?? [] },
    );
    engine = createFleetEngine({ config, secrets });
    await engine.start();
    player = createScenarioPlayer({ engine, steps: config.scenario ?? [] });
    player.start();
    engine.run();
    await waitFor(
      () =>
        player.record().entries.length === 3 && player.record().entries.every((e) => e.effect !== undefined),
      30_000,
      "every step of the timeline and its first effect",
    );
    [unhealthy, leave, upgrade] = player.record().entries as [TimelineEntry, TimelineEntry, TimelineEntry];
  });

  afterAll(async () => {
    await player?.stop();
    await engine?.stop({ deadlineMs: performance.now() + 15_000 });
    await fm?.close();
    await prom?.stop();
  });

  const ids = (samples: readonly { metric: Readonly<Record<string, string>> }[]) =>
    samples.map((s) => s.metric.collector_id).sort();

  it("up goes 0 at the step for exactly the selected collectors", async () => {
    expect(unhealthy.changed).toEqual(["e2e-ci-linux-01", "e2e-ci-linux-02"]);
    expect(unhealthy.effect).toMatchObject({ ok: true, via: "push" });
    // A tick before the step ran: every collector up.
    expect(await prom.query(`up{${JOB}} == 0`, unhealthy.ranAtMs - INTERVAL_MS)).toEqual([]);
    expect(await prom.query(`count(up{${JOB}} == 1)`, unhealthy.ranAtMs - INTERVAL_MS)).toEqual([
      { metric: {}, value: 5 },
    ]);
    // The push that carried the step: up 0 for exactly the two selected, and for them only.
    const down = await prom.query(`up{${JOB}} == 0`, unhealthy.effect!.timestampMs);
    expect(ids(down)).toEqual(unhealthy.changed);
    expect(
      await prom
        .query(
          `alloy_component_controller_running_components{${JOB},health_type="unhealthy"} > 0`,
          unhealthy.effect!.timestampMs,
        )
        .then(ids),
    ).toEqual(unhealthy.changed);
  });

  it("the departed collector's up disappears at once, the others stay", async () => {
    expect(leave.changed).toEqual(["e2e-ci-linux-04"]);
    expect(leave.effect).toMatchObject({ ok: true, via: "unregister" });
    const before = await prom.query(`up{${JOB},collector_id="e2e-ci-linux-04"}`, leave.ranAtMs - INTERVAL_MS);
    expect(before).toHaveLength(1);
    // Right after the Unregister and the stale markers, long before the 5-minute look-back would drop it.
    expect(await prom.query(`up{${JOB},collector_id="e2e-ci-linux-04"}`, leave.effect!.atMs)).toEqual([]);
    expect(await prom.query(`{${JOB},collector_id="e2e-ci-linux-04"}`, leave.effect!.atMs)).toEqual([]);
    expect(ids(await prom.query(`up{${JOB}}`, leave.effect!.atMs))).toEqual([
      "e2e-ci-darwin-01",
      "e2e-ci-linux-01",
      "e2e-ci-linux-02",
      "e2e-ci-linux-03",
    ]);
    expect(fm.collectors().find((c) => c.id === "e2e-ci-linux-04")).toMatchObject({ registered: false });
  });

  it("the upgraded collector's alloy_build_info carries the new version, and only it", async () => {
    expect(upgrade.changed).toEqual(["e2e-ci-darwin-01"]);
    const at = upgrade.effect!.timestampMs!;
    const before = await prom.query(
      `alloy_build_info{collector_id="e2e-ci-darwin-01"}`,
      upgrade.ranAtMs - INTERVAL_MS,
    );
    expect(before.map((s) => s.metric.version)).toEqual(["v1.18.1"]);
    const after = await prom.query(`alloy_build_info{collector_id="e2e-ci-darwin-01"}`, at);
    expect(after.map((s) => s.metric.version)).toEqual(["v1.19.0"]);
    expect(await prom.query(`count by (version) (alloy_build_info{${JOB}})`, at)).toEqual(
      expect.arrayContaining([
        { metric: { version: "v1.19.0" }, value: 1 },
        { metric: { version: "v1.18.1" }, value: 3 },
      ]),
    );
    expect(
      fm.collectors().find((c) => c.id === "e2e-ci-darwin-01")?.localAttributes["collector.version"],
    ).toBe("v1.19.0");
  });

  it("stored every sample in order", async () => {
    expect(await prom.selfMetric("prometheus_tsdb_out_of_order_samples_total")).toBe(0);
  });
});
