/**
 * What one event changes in the fleet, as pure data: who it selects, what the new identities are, how
 * joined collectors are numbered and made. The background process applies exactly these plans.
 */
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import type { ScenarioAction } from "../../src/blueprint/types.js";
import { buildRoster } from "../../src/fleet/roster.js";
import {
  applyChange,
  planEvent,
  planPart,
  simulateTimeline,
  stepsForPart,
} from "../../src/fleet/scenario.js";
import { shardPart } from "../../src/fleet/shard.js";
import type { FleetView, Life } from "../../src/fleet/selection.js";
import { fleetShapeOf, joiningCollectors } from "../../src/fleet/shape.js";

const BLUEPRINT = parseBlueprint(
  `name: f
environments: [{name: ci}, {name: prod}]
features:
  fleet_management:
    collectors_per_os: {linux: 4, windows: 2}
    unhealthy_per_os: {windows: 1}
    attributes: {team: platform}
`,
  "f.yaml",
).blueprint;
const CONTEXT = { "github.run_id": "7" };
const ROSTER = buildRoster(BLUEPRINT, { contextAttributes: CONTEXT });
const SHAPE = fleetShapeOf(BLUEPRINT, { contextAttributes: CONTEXT });

function fleet(lives: Record<string, Life> = {}, configErrors: string[] = []): FleetView {
  return {
    members: ROSTER.collectors.map((collector) => ({ collector, life: lives[collector.id] ?? "running" })),
    configErrors: new Set(configErrors),
  };
}

const act = (action: Partial<ScenarioAction> & Pick<ScenarioAction, "event">): ScenarioAction => ({
  select: {},
  ...action,
});

describe("selections", () => {
  it("filter first, then count takes the first N in roster order", () => {
    // Roster order deals each OS round-robin over the environments: ci-01, prod-01, ci-02, prod-02.
    const plan = planEvent(act({ event: "crash", select: { os: "linux", count: 3 } }), fleet(), SHAPE);
    expect(plan.ids).toEqual(["f-ci-linux-01", "f-prod-linux-01", "f-ci-linux-02"]);
    const inProd = planEvent(act({ event: "crash", select: { env: "prod", count: 1 } }), fleet(), SHAPE);
    expect(inProd.ids).toEqual(["f-prod-linux-01"]);
  });

  it("leave crashed and departed collectors out, and count among the rest", () => {
    const view = fleet({ "f-ci-linux-01": "crashed", "f-prod-linux-01": "departed" });
    const plan = planEvent(act({ event: "leave", select: { os: "linux", count: 2 } }), view, SHAPE);
    expect(plan.ids).toEqual(["f-ci-linux-02", "f-prod-linux-02"]);
  });

  it("let resume act on silenced and crashed collectors only", () => {
    const view = fleet({
      "f-ci-linux-01": "crashed",
      "f-ci-linux-02": "silenced",
      "f-prod-linux-01": "departed",
    });
    expect(planEvent(act({ event: "resume" }), view, SHAPE).ids).toEqual(["f-ci-linux-01", "f-ci-linux-02"]);
  });

  it("pick healthy collectors to break and unhealthy ones to heal", () => {
    // windows: the last one is unhealthy from the blueprint (unhealthy_per_os).
    expect(planEvent(act({ event: "unhealthy", select: { os: "windows" } }), fleet(), SHAPE).ids).toEqual([
      "f-ci-windows-01",
    ]);
    expect(planEvent(act({ event: "healthy" }), fleet(), SHAPE).ids).toEqual(["f-prod-windows-01"]);
  });

  it("clear only the configuration errors there are", () => {
    const view = fleet({}, ["f-prod-linux-02"]);
    expect(planEvent(act({ event: "config-ok" }), view, SHAPE).ids).toEqual(["f-prod-linux-02"]);
    expect(
      planEvent(act({ event: "config-error", select: { os: "linux", count: 4 } }), view, SHAPE).ids,
    ).toEqual(["f-ci-linux-01", "f-prod-linux-01", "f-ci-linux-02"]);
  });

  it("say why a selection is empty, and name IDs the fleet does not have", () => {
    const plan = planEvent(
      act({ event: "silence", select: { ids: ["f-ci-linux-01", "nope"] } }),
      fleet({ "f-ci-linux-01": "crashed" }),
      SHAPE,
    );
    expect(plan.ids).toEqual([]);
    expect(plan.unknownIds).toEqual(["nope"]);
    expect(plan.warnings).toEqual([
      "nope is not in the fleet",
      "selects nobody: 1 collector matches ids f-ci-linux-01, nope, none is running",
    ]);
  });
});

describe("the change each event makes", () => {
  it("unhealthy: a new identity with healthy false, and the severity of each one's alert", () => {
    const plan = planEvent(
      act({ event: "unhealthy", select: { count: 1 }, severity: "warning" }),
      fleet(),
      SHAPE,
    );
    expect(plan.change).toEqual({
      kind: "update",
      collectors: [{ ...ROSTER.collectors[0], healthy: false }],
      severity: { "f-ci-linux-01": "warning" },
    });
  });

  it("upgrade: the version and the collector.version attribute, nothing else", () => {
    const plan = planEvent(
      act({ event: "upgrade", select: { count: 1 }, version: "v1.19.0" }),
      fleet(),
      SHAPE,
    );
    const before = ROSTER.collectors[0]!;
    expect(plan.change).toEqual({
      kind: "update",
      collectors: [
        {
          ...before,
          version: "v1.19.0",
          attributes: { ...before.attributes, "collector.version": "v1.19.0" },
        },
      ],
    });
    // A collector already on the target version is not upgraded again.
    const after = applyChange(fleet(), plan.change);
    expect(
      planEvent(act({ event: "upgrade", select: { count: 1 }, version: "v1.19.0" }), after, SHAPE).ids,
    ).toEqual(["f-prod-linux-01"]);
  });

  it("config-error carries its message (or a default), config-ok an applied status", () => {
    expect(
      planEvent(act({ event: "config-error", select: { count: 1 }, message: "boom" }), fleet(), SHAPE).change,
    ).toEqual({
      kind: "config-status",
      ids: ["f-ci-linux-01"],
      failed: true,
      message: "boom",
    });
    expect(
      planEvent(act({ event: "config-error", select: { count: 1 } }), fleet(), SHAPE).change,
    ).toMatchObject({
      message: "the remote configuration failed to load",
    });
  });

  it.each(["silence", "resume", "crash", "leave"] as const)("%s names the collectors it acts on", (event) => {
    const view = fleet(event === "resume" ? { "f-ci-linux-01": "silenced" } : {});
    expect(planEvent(act({ event, select: { count: 1 } }), view, SHAPE).change).toEqual({
      kind: event,
      ids: ["f-ci-linux-01"],
    });
  });

  it("a timeline's changes build on each other", () => {
    let view = fleet();
    view = applyChange(
      view,
      planEvent(act({ event: "crash", select: { os: "linux", count: 1 } }), view, SHAPE).change,
    );
    view = applyChange(
      view,
      planEvent(act({ event: "leave", select: { os: "linux", count: 1 } }), view, SHAPE).change,
    );
    view = applyChange(
      view,
      planEvent(act({ event: "config-error", select: { count: 1 } }), view, SHAPE).change,
    );
    expect(view.members.filter((m) => m.life !== "running").map((m) => [m.collector.id, m.life])).toEqual([
      ["f-ci-linux-01", "crashed"],
      ["f-prod-linux-01", "departed"],
    ]);
    expect([...view.configErrors]).toEqual(["f-ci-linux-02"]);
  });
});

describe("joining collectors", () => {
  it("are made exactly as the roster makes its own, in the first environment by default", () => {
    const plan = planEvent(act({ event: "join", add: { linux: 1, windows: 0, darwin: 1 } }), fleet(), SHAPE);
    expect(plan.ids).toEqual(["f-ci-linux-03", "f-ci-darwin-01"]);
    // A blueprint asking for one more linux collector per environment would have made this very one.
    const bigger = buildRoster(
      parseBlueprint(
        `name: f
environments: [{name: ci}, {name: prod}]
features:
  fleet_management:
    collectors_per_os: {linux: 5, windows: 2}
    unhealthy_per_os: {windows: 1}
    attributes: {team: platform}
`,
        "f.yaml",
      ).blueprint,
      { contextAttributes: CONTEXT },
    );
    const joined = plan.change.kind === "join" ? plan.change.collectors[0] : undefined;
    expect(joined).toEqual(bigger.collectors.find((c) => c.id === "f-ci-linux-03"));
    expect(joined?.attributes).toMatchObject({ team: "platform", "github.run_id": "7", fake: "true" });
  });

  it("never reuse the number of a collector that left", () => {
    const view = applyChange(fleet(), { kind: "leave", ids: ["f-prod-linux-02"] });
    const plan = planEvent(
      act({ event: "join", select: { env: "prod" }, add: { linux: 2, windows: 0, darwin: 0 } }),
      view,
      SHAPE,
    );
    expect(plan.ids).toEqual(["f-prod-linux-03", "f-prod-linux-04"]);
  });

  it("keep the width of their group and grow it only when they must", () => {
    const env = SHAPE.environments[0]!;
    const existing = (n: number, width: number) =>
      Array.from({ length: n }, (_, i) => ({
        ...ROSTER.collectors[0]!,
        id: `f-ci-linux-${String(i + 1).padStart(width, "0")}`,
      }));
    const ids = (n: number, width: number, add: number) =>
      joiningCollectors(SHAPE, existing(n, width), { linux: add, windows: 0, darwin: 0 }, env).map(
        (c) => c.id,
      );
    expect(ids(100, 3, 1)).toEqual(["f-ci-linux-101"]);
    expect(ids(99, 2, 2)).toEqual(["f-ci-linux-100", "f-ci-linux-101"]);
    expect(ids(5, 5, 1)).toEqual(["f-ci-linux-00006"]);
  });
});

describe("a timeline over a sharded fleet", () => {
  const steps = parseBlueprint(
    `name: f
environments: [{name: ci}, {name: prod}]
features:
  fleet_management:
    collectors_per_os: {linux: 4, windows: 2}
    unhealthy_per_os: {windows: 1}
    attributes: {team: platform}
scenario:
  - {at: 1m, event: unhealthy, select: {os: linux, count: 3}}
  - {at: 2m, event: join, add: {linux: 3}}
  - {at: 3m, event: leave, select: {os: linux}}
`,
    "f.yaml",
  ).blueprint.scenario!;
  const planned = simulateTimeline(steps, ROSTER, SHAPE).steps;

  it("selects on the whole roster once: the parts together act on exactly the whole fleet's selection", () => {
    const parts = [1, 2, 3].map((index) => stepsForPart(planned, ROSTER, { index, count: 3 }));
    planned.forEach((whole, i) => {
      const union = parts.flatMap((p) => p[i]!.part!.ids);
      expect(union.sort()).toEqual([...whole.ids].sort());
    });
    // Part 1 owns roster positions 0 and 3 (f-ci-linux-01, f-prod-linux-02) and the first joined one (position 6).
    const owned = new Set(shardPart(ROSTER.collectors, { index: 1, count: 3 }).map((c) => c.id));
    const mine = parts[0]!;
    expect(mine[0]!.part!.ids).toEqual(planned[0]!.ids.filter((id) => owned.has(id)));
    expect(mine[0]!.part!.ids).toEqual(["f-ci-linux-01"]);
    expect(mine[1]!.part!.joining!.map((c) => c.id)).toEqual(["f-ci-linux-03"]);
    expect(mine[1]!.part!.ids).toEqual(["f-ci-linux-03"]);
  });

  it("plays a part's step on its own collectors only, with the joined ones made on the whole roster", () => {
    const mine = stepsForPart(planned, ROSTER, { index: 2, count: 3 });
    const ownRoster = shardPart(ROSTER.collectors, { index: 2, count: 3 });
    const view: FleetView = {
      members: ownRoster.map((collector) => ({ collector, life: "running" })),
      configErrors: new Set(),
    };
    const first = planPart({ ...mine[0]!, part: mine[0]!.part! }, view);
    expect(first.ids).toEqual(["f-prod-linux-01"]);
    const join = planPart({ ...mine[1]!, part: mine[1]!.part! }, view);
    expect(join.change).toEqual({
      kind: "join",
      collectors: planned[1]!.joined!.filter((c) => join.ids.includes(c.id)),
    });
    const none = planPart({ ...mine[0]!, part: { ids: [] } }, view);
    expect(none).toMatchObject({
      ids: [],
      warnings: ["acts on none of this part's collectors (it selects in other parts)"],
    });
  });

  it("keeps every step as written without a shard: the background process selects when the step comes", () => {
    expect(stepsForPart(planned, ROSTER, undefined)).toEqual(steps);
  });
});
