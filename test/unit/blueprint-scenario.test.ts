/**
 * A blueprint's scenario as users meet its errors: every problem at once, each with its YAML path, line
 * and column, before anything is sent; and steps that would select nobody refused from the roster alone.
 */
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { SHIPPED_BLUEPRINTS } from "../../src/blueprint/shipped.js";
import { BlueprintError, type BlueprintProblem } from "../../src/core/errors.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { planTimeline } from "../../src/fleet/scenario.js";
import { fleetShapeOf } from "../../src/fleet/shape.js";
import type { EnvName } from "../../src/blueprint/names.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

const FLEET = [
  "name: s",
  "environments: [{name: ci}, {name: staging}]",
  "features:",
  "  fleet_management:",
  "    collectors_per_os: {linux: 4, windows: 1, darwin: 1}",
  "scenario:",
];

function problemsOf(run: () => unknown): readonly BlueprintProblem[] {
  try {
    run();
  } catch (err) {
    if (err instanceof BlueprintError) return err.problems;
    throw err;
  }
  throw new Error("expected the blueprint to be refused");
}

/** Loads, builds the roster and plans the timeline, as main and the CLI do before any call. */
function plan(text: string, env?: string) {
  const loaded = parseBlueprint(text, "s.yaml");
  const options = env === undefined ? {} : { env: env as EnvName };
  const roster = buildRoster(loaded.blueprint, options);
  return planTimeline(loaded, roster, fleetShapeOf(loaded.blueprint, options));
}

describe("scenario steps as the schema reads them", () => {
  it("reads at as an offset, fills severity for unhealthy, and keeps each event's fields", () => {
    const { blueprint } = parseBlueprint(
      lines(
        ...FLEET,
        "  - at: 1m30s",
        "    event: unhealthy",
        "    select: {os: linux, count: 2}",
        "  - at: 2m",
        "    event: join",
        "    add: {windows: 2}",
        "  - at: 2m",
        "    event: upgrade",
        "    version: v1.19.0-rc.1",
      ),
      "s.yaml",
    );
    expect(blueprint.scenario).toEqual([
      { atMs: 90_000, event: "unhealthy", select: { os: "linux", count: 2 }, severity: "critical" },
      { atMs: 120_000, event: "join", select: {}, add: { linux: 0, windows: 2, darwin: 0 } },
      { atMs: 120_000, event: "upgrade", select: {}, version: "v1.19.0-rc.1" },
    ]);
  });

  it("reports every scenario problem at once, with path, line and column, next to other problems", () => {
    const problems = problemsOf(() =>
      parseBlueprint(
        lines(
          "name: s",
          "features:",
          "  fleet_management:",
          "    collectors_per_os: {linux: -1}",
          "scenario:",
          "  - at: 2m",
          "    event: unhealty",
          "  - at: 1m",
          "    event: crash",
          "    severity: warning",
          "  - at: 3m",
          "    event: upgrade",
          "    version: 1.19.0",
          "  - at: 4m",
          "    event: join",
          "    select: {os: linux}",
          "  - at: 5",
          "    event: leave",
          "    select: {kind: pod}",
        ),
        "s.yaml",
      ),
    );
    expect(problems).toEqual([
      {
        path: "features.fleet_management.collectors_per_os.linux",
        line: 4,
        column: 32,
        message: "expected an integer from 0 to 10000, found -1",
      },
      {
        path: "scenario[0].event",
        line: 7,
        column: 12,
        message:
          'expected one of unhealthy, healthy, config-error, config-ok, silence, resume, crash, leave, join, upgrade, found "unhealty": did you mean unhealthy?',
      },
      {
        path: "scenario[1].at",
        line: 8,
        column: 9,
        message: 'expected at least 2m (scenario[0].at): steps run in the order they are written, found "1m"',
      },
      {
        path: "scenario[1].severity",
        line: 10,
        column: 5,
        message: "severity belongs to unhealthy steps, found it on a crash step",
      },
      {
        path: "scenario[2].version",
        line: 13,
        column: 14,
        message: 'expected an Alloy version like v1.19.0, found "1.19.0"',
      },
      {
        path: "scenario[3].add",
        line: 14,
        column: 5,
        message:
          "expected add with the new collectors per OS (e.g. add: {linux: 2}), found nothing (the key is missing)",
      },
      {
        path: "scenario[3].select.os",
        line: 16,
        column: 14,
        message: "a join selects nobody: its select takes only env (where the new collectors go), found os",
      },
      {
        path: "scenario[4].at",
        line: 17,
        column: 9,
        message:
          'expected a duration from ready such as 30s, 2m or 1m30s (units required; "0s" for at once), found 5',
      },
      {
        path: "scenario[4].select.kind",
        line: 19,
        column: 20,
        message: 'expected standalone or k8s, found "pod"',
      },
    ]);
  });

  it("asks for version on an upgrade and for at least one new collector on a join", () => {
    const problems = problemsOf(() =>
      parseBlueprint(
        lines(
          ...FLEET,
          "  - at: 1m",
          "    event: upgrade",
          "  - at: 2m",
          "    event: join",
          "    add: {linux: 0}",
        ),
        "s.yaml",
      ),
    );
    expect(problems.map((p) => [p.path, p.line, p.message])).toEqual([
      [
        "scenario[0].version",
        7,
        "expected version with the Alloy version to upgrade to (e.g. version: v1.19.0), found nothing (the key is missing)",
      ],
      [
        "scenario[1].add",
        11,
        "expected at least one new collector (e.g. add: {linux: 2}), found every count 0",
      ],
    ]);
  });
});

describe("steps checked against the roster before start", () => {
  it("refuses a step that selects nobody once the steps before it ran, pointing at its select", () => {
    const problems = problemsOf(() =>
      plan(
        lines(
          ...FLEET,
          "  - at: 1m",
          "    event: crash",
          "    select: {os: darwin}",
          "  - at: 2m",
          "    event: silence",
          "    select: {os: darwin}",
        ),
      ),
    );
    expect(problems).toEqual([
      {
        path: "scenario[1].select",
        line: 12,
        column: 5,
        message:
          "this silence step selects nobody: 1 collector matches os darwin, none is running (at 2m, after the steps before it)",
      },
    ]);
  });

  it("names an unknown collector ID with a did-you-mean, at the ID itself", () => {
    const problems = problemsOf(() =>
      plan(
        lines(...FLEET, "  - at: 1m", "    event: leave", "    select: {ids: [s-ci-linux-01, s-ci-linux-1]}"),
      ),
    );
    expect(problems).toEqual([
      {
        path: "scenario[0].select.ids[1]",
        line: 9,
        column: 35,
        message: 'expected a collector ID of the fleet, found "s-ci-linux-1": did you mean s-ci-linux-01?',
      },
    ]);
  });

  it("refuses a join into an environment the blueprint does not have", () => {
    const problems = problemsOf(() =>
      plan(
        lines(...FLEET, "  - at: 1m", "    event: join", "    select: {env: prod}", "    add: {linux: 1}"),
      ),
    );
    expect(problems).toEqual([
      {
        path: "scenario[0].select.env",
        line: 9,
        column: 14,
        message:
          "this join step adds nobody: no environment prod (the fleet has ci, staging) (at 1m, after the steps before it)",
      },
    ]);
  });

  it("plans who each step acts on: filters, then count in roster order, joins numbered after their group", () => {
    const steps = plan(
      lines(
        ...FLEET,
        "  - at: 1m",
        "    event: unhealthy",
        "    select: {os: linux, count: 2}",
        "  - at: 2m",
        "    event: unhealthy",
        "    select: {os: linux, count: 1}",
        "  - at: 3m",
        "    event: join",
        "    select: {env: staging}",
        "    add: {linux: 1}",
        "  - at: 4m",
        "    event: leave",
        "    select: {env: staging, os: linux, count: 5}",
      ),
    );
    // Roster order deals linux round-robin: ci-01, staging-01, ci-02, staging-02.
    expect(steps.map((s) => s.ids)).toEqual([
      ["s-ci-linux-01", "s-staging-linux-01"],
      ["s-ci-linux-02"],
      ["s-staging-linux-03"],
      ["s-staging-linux-01", "s-staging-linux-02", "s-staging-linux-03"],
    ]);
    expect(steps[3]!.warnings).toEqual([
      "selects 3 of the 5 asked: only 3 collectors matching os linux, env staging are running or silenced",
    ]);
  });

  it("keeps a blueprint's env selection working under the env override", () => {
    const steps = plan(
      lines(...FLEET, "  - at: 1m", "    event: crash", "    select: {env: staging, os: windows}"),
      "pr-7",
    );
    // Under the override every environment is pr-7: the windows collector was dealt to ci first.
    expect(steps[0]!.ids).toEqual(["s-pr-7-windows-01"]);
  });

  it("plans the shipped incident timeline on its roster without a problem", () => {
    const steps = plan(SHIPPED_BLUEPRINTS.incident);
    expect(steps.map((s) => [s.step.event, s.ids.length])).toEqual([
      ["unhealthy", 2],
      ["config-error", 1],
      ["silence", 1],
      ["crash", 1],
      ["resume", 2],
      ["healthy", 2],
      ["config-ok", 1],
      ["upgrade", 3],
      ["upgrade", 3],
    ]);
    expect(steps.at(-1)!.step.atMs).toBeLessThan(10 * 60_000);
    expect(steps.flatMap((s) => s.warnings)).toEqual([]);
  });
});
