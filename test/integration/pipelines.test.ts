/**
 * Pipelines end to end against the FM emulator (and the remote-write receiver): the fleet reads what FM
 * sends each collector, reports it as Alloy would, and the expectation check says who gets what. What is
 * asserted is what a user sees: the emulator's record of each collector's status and error, the received
 * pipelines, the check's mismatches, and the running_components values the receiver stored.
 */
import { afterEach, describe, expect, it } from "vitest";
import { assembleConfig } from "../../src/emulator/assemble-config.js";
import { createFmEmulator, type FmEmulator, type PipelineInput } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { checkPipelines } from "../../src/fleet/pipeline-check.js";
import type { Collector } from "../../src/fleet/types.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { parseExpectations, type Expectations } from "../../src/settings/expectations.js";
import { SERIES_OFFSET, SERIES_PER_COLLECTOR } from "../../src/signals/catalog.js";
import { createCollectorSignals } from "../../src/signals/model.js";
import { standaloneFleet } from "../helpers/collectors.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "glc_pipelines_test_token_0123456789";
let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
let engine: FleetEngine | undefined;

afterEach(async () => {
  await engine?.stop();
  await Promise.all([fm?.close(), rw?.close()]);
  fm = rw = engine = undefined;
});

const linux = standaloneFleet(2, { os: "linux" });
const windows = standaloneFleet(2, { os: "windows" });
const FLEET: readonly Collector[] = [...linux, ...windows];

const SELF: PipelineInput = {
  name: "self_monitoring",
  matchers: ['collector.os=~".+"'],
  contents: 'prometheus.exporter.self "alloy" { }\n',
};
const NODE: PipelineInput = {
  name: "node_metrics",
  matchers: ['collector.os="linux"'],
  contents: [
    'prometheus.exporter.unix "host" { }',
    'prometheus.scrape "host" {',
    "  targets    = prometheus.exporter.unix.host.targets",
    "  forward_to = []",
    "}",
    "",
  ].join("\n"),
};
const WINDOWS: PipelineInput = {
  name: "windows_metrics",
  matchers: ['collector.os="windows"'],
  contents: 'prometheus.exporter.windows "host" { }\n',
};

function expectations(text: string): Expectations {
  const parsed = parseExpectations(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.expectations;
}

/** A running fleet against a fresh emulator serving `pipelines`: heartbeats every second. */
async function fleet(pipelines: readonly PipelineInput[], options: { metrics?: boolean } = {}) {
  fm = await createFmEmulator({ token: TOKEN, pipelines });
  if (options.metrics) rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
  const fleetStartMs = Date.now();
  const { config, secrets } = buildFleetConfig(
    {
      intervalMs: 1000,
      heartbeatIntervalMs: 1000,
      fmRatePerSecond: 50,
      maxLifetimeMs: 60_000,
      credentials: {
        fm: { url: fm.url, stackId: fm.stackId, token: TOKEN },
        ...(rw ? { prom: { url: rw.url, user: "7", token: TOKEN } } : {}),
      },
    },
    { blueprint: "pipelines", collectors: FLEET },
    fleetStartMs,
  );
  engine = createFleetEngine({ config, secrets });
  await engine.start();
  return { fm, engine, fleetStartMs };
}

const statusOf = (id: string) => fm!.collectors().find((c) => c.id === id);

describe("what each collector receives", () => {
  it("a matcher change moves a pipeline between collectors, and the expectation check catches it", async () => {
    const { engine } = await fleet([SELF, NODE, WINDOWS]);
    const expected = expectations(`
- match: ['collector.os=~".+"']
  pipelines: [self_monitoring]
- match: ['collector.os="linux"']
  pipelines: [node_metrics]
- match: ['collector.os="windows"']
  pipelines: [windows_metrics]
`);
    expect(checkPipelines(expected, FLEET, engine.receivedConfigs()).ok).toBe(true);
    engine.run();

    // node_metrics now goes to Windows instead of Linux.
    fm!.setPipelines([SELF, { ...NODE, matchers: ['collector.os="windows"'] }, WINDOWS]);
    await waitFor(
      () => windows.every((c) => engine.receivedConfigs()[c.id]?.pipelines.includes("node_metrics") === true),
      10_000,
      "the Windows collectors to receive node_metrics",
    );
    await waitFor(
      () => linux.every((c) => engine.receivedConfigs()[c.id]?.pipelines.includes("node_metrics") === false),
      10_000,
      "the Linux collectors to lose node_metrics",
    );
    const check = checkPipelines(expected, FLEET, engine.receivedConfigs());
    expect(check.ok).toBe(false);
    expect(check.mismatches.map((m) => [m.id, m.missing, m.unexpected])).toEqual([
      ...linux.map((c) => [c.id, ["node_metrics"], []]),
      ...windows.map((c) => [c.id, [], ["node_metrics"]]),
    ]);
  });

  it("a broken pipeline turns exactly the collectors it reaches FAILED, with line and column", async () => {
    const broken: PipelineInput = {
      name: "broken_windows",
      matchers: ['collector.os="windows"'],
      contents: 'prometheus.scrape "x" {\n  targets = [] forward_to = []\n}\n',
    };
    const { engine } = await fleet([SELF, broken]);
    // Where a reader finds the error in the content a Windows collector receives: at `forward_to`.
    const position = (c: Collector) => {
      const content = assembleConfig([broken, SELF], {
        id: c.id,
        attributes: { ...c.attributes, "collector.ID": c.id },
      }).split("\n");
      const line = content.findIndex((l) => l.includes("targets = [] forward_to"));
      return `${line + 1}:${content[line]!.indexOf("forward_to") + 1}`;
    };

    // Reported at once with one more GetConfig, as Alloy reports a failed load.
    for (const c of windows) {
      const error = `${position(c)}: expected TERMINATOR, got IDENT`;
      expect(statusOf(c.id)).toMatchObject({
        lastRemoteConfigStatus: "RemoteConfigStatuses_FAILED",
        lastRemoteConfigError: error,
      });
      expect(engine.receivedConfigs()[c.id]).toEqual({ pipelines: [], status: "FAILED", error });
    }
    for (const c of linux) {
      expect(statusOf(c.id)?.lastRemoteConfigStatus).toBeUndefined();
      expect(engine.receivedConfigs()[c.id]).toEqual({ pipelines: ["self_monitoring"], status: "APPLIED" });
    }

    // The others report APPLIED on their next heartbeat; the failed ones report nothing new.
    engine.run();
    await waitFor(
      () => linux.every((c) => statusOf(c.id)?.lastRemoteConfigStatus === "RemoteConfigStatuses_APPLIED"),
      10_000,
      "APPLIED from the Linux collectors",
    );
    for (const c of linux) expect(statusOf(c.id)?.lastRemoteConfigError).toBeUndefined();
    for (const c of windows)
      expect(statusOf(c.id)?.lastRemoteConfigStatus).toBe("RemoteConfigStatuses_FAILED");
  });

  it("never sends a disabled pipeline, and sends it once it is enabled", async () => {
    const draft: PipelineInput = { ...SELF, name: "draft", enabled: false };
    const { engine } = await fleet([SELF, draft]);
    engine.run();
    const heartbeats = () => Math.min(...fm!.collectors().map((c) => c.heartbeats));
    await waitFor(() => heartbeats() >= 3, 10_000, "three heartbeats from every collector");
    for (const c of FLEET) {
      expect(engine.receivedConfigs()[c.id]?.pipelines).toEqual(["self_monitoring"]);
      expect(statusOf(c.id)?.pipelines).toEqual(["self_monitoring"]);
    }

    fm!.setPipelines([SELF, { ...draft, enabled: true }]);
    await waitFor(
      () => FLEET.every((c) => engine.receivedConfigs()[c.id]?.pipelines.includes("draft") === true),
      10_000,
      "every collector to receive the enabled draft",
    );
  });
});

describe("running components", () => {
  /** The receiver's last value of running_components{health_type="healthy"} for each collector. */
  const healthyAtReceiver = () =>
    Object.fromEntries(
      rw!
        .series()
        .filter(
          (s) =>
            s.labels.__name__ === "alloy_component_controller_running_components" &&
            s.labels.health_type === "healthy",
        )
        .map((s) => [s.labels.collector_id!, s.lastValue]),
    );

  it("follow the component blocks of the config each collector runs, at the receiver", async () => {
    const { engine, fleetStartMs } = await fleet([SELF, NODE], { metrics: true });
    // Without any received config: what the signal model gives each collector.
    const baseline = Object.fromEntries(
      FLEET.map((c) => {
        const out = new Float64Array(SERIES_PER_COLLECTOR);
        createCollectorSignals(c, { fleetStartMs, intervalMs: 1000 }).valuesAt(Date.now(), out);
        return [c.id, out[SERIES_OFFSET.alloy_component_controller_running_components]!];
      }),
    );
    const expectAtReceiver = async (extra: (c: Collector) => number, what: string) => {
      const want = Object.fromEntries(FLEET.map((c) => [c.id, baseline[c.id]! + extra(c)]));
      await waitFor(
        () => JSON.stringify(healthyAtReceiver()) === JSON.stringify(want),
        10_000,
        `${what}: ${JSON.stringify(want)}, receiver has ${JSON.stringify(healthyAtReceiver())}`,
      );
    };
    engine.run();
    // self_monitoring has one component block; node_metrics two, for Linux only.
    await expectAtReceiver((c) => (c.os === "linux" ? 3 : 1), "baseline + 3 on Linux, + 1 on Windows");

    fm!.setPipelines([SELF, { ...NODE, contents: 'prometheus.exporter.unix "host" { }\n' }]);
    await expectAtReceiver(
      (c) => (c.os === "linux" ? 2 : 1),
      "baseline + 2 on Linux once node_metrics shrank",
    );

    // A config that does not load leaves the components of the last one that did.
    fm!.setPipelines([SELF, { ...NODE, contents: "prometheus.exporter.unix {\n" }]);
    await waitFor(
      () => linux.every((c) => engine.receivedConfigs()[c.id]?.status === "FAILED"),
      10_000,
      "the Linux collectors to fail the broken node_metrics",
    );
    const ticks = rw!.requests();
    await waitFor(() => rw!.requests() >= ticks + 2, 10_000, "two more ticks");
    expect(healthyAtReceiver()).toEqual(
      Object.fromEntries(FLEET.map((c) => [c.id, baseline[c.id]! + (c.os === "linux" ? 2 : 1)])),
    );
  });
});
