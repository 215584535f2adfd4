import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBlueprint, parseBlueprint } from "../../src/blueprint/load.js";
import { SHIPPED_BLUEPRINTS, SHIPPED_NAMES } from "../../src/blueprint/shipped.js";
import { BlueprintError } from "../../src/core/errors.js";

describe("shipped blueprints", () => {
  it.each(SHIPPED_NAMES)("%s is embedded byte for byte as blueprints/%s.yaml", (name) => {
    const onDisk = readFileSync(join(import.meta.dirname, "../../blueprints", `${name}.yaml`), "utf8");
    expect(SHIPPED_BLUEPRINTS[name]).toBe(onDisk);
  });

  it.each(SHIPPED_NAMES)("%s loads by name", (name) => {
    const loaded = loadBlueprint(name, { cwd: mkdtempSync(join(tmpdir(), "fm-bp-")) });
    expect(loaded.file).toBe(`shipped:${name}`);
    expect(loaded.blueprint.name).toBe(name);
  });

  it("fleet-management is 12 linux, 4 windows, 3 darwin in one default environment", () => {
    const { blueprint } = loadBlueprint("fleet-management");
    expect(blueprint.features.fleet_management.collectors_per_os).toEqual({
      linux: 12,
      windows: 4,
      darwin: 3,
    });
    expect(blueprint.environments).toEqual([{ name: "ci" }]);
  });

  it("synthetic-monitoring carries a synthkit feature and says once that it is ignored", () => {
    const loaded = loadBlueprint("synthetic-monitoring");
    expect(loaded.notices).toHaveLength(1);
    expect(loaded.notices[0]).toContain("features.synthetic_monitoring");
  });
});

describe("resolution", () => {
  it("prefers an existing file over a shipped name of the same spelling", () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-bp-"));
    writeFileSync(
      join(dir, "fleet-management"),
      "name: local\nfeatures: {fleet_management: {collectors_per_os: {darwin: 1}}}\n",
    );
    const loaded = loadBlueprint("fleet-management", { cwd: dir });
    expect(loaded.blueprint.name).toBe("local");
    expect(loaded.file).toBe("fleet-management");
  });

  it("reads a relative path against cwd", () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-bp-"));
    writeFileSync(
      join(dir, "mine.yaml"),
      "name: mine\nfeatures: {fleet_management: {collectors_per_os: {linux: 2}}}\n",
    );
    expect(loadBlueprint("mine.yaml", { cwd: dir }).blueprint.name).toBe("mine");
  });

  it("lists the shipped names when the reference is neither a file nor a shipped name", () => {
    const err = catchBlueprintError(() => loadBlueprint("fleet-managment", { cwd: tmpdir() }));
    expect(err.file).toBe("fleet-managment");
    expect(err.message).toContain("fleet-management, synthetic-monitoring, k8s-monitoring, incident");
  });
});

describe("defaults (README.md#blueprints)", () => {
  it("fills every default of a minimal blueprint", () => {
    const { blueprint } = parseBlueprint(
      "name: mini\nenvironments:\n  - name: prod\n    cluster: {name: prod-1}\nfeatures:\n  fleet_management:\n    collectors_per_os: {linux: 1}\n",
      "mini.yaml",
    );
    expect(blueprint).toEqual({
      name: "mini",
      environments: [
        {
          name: "prod",
          cluster: {
            name: "prod-1",
            nodes: 3,
            windows_nodes: 0,
            k8s_monitoring: {
              enabled: false,
              fleet_management: false,
              alloy_version: "v1.18.0",
              metrics_replicas: 1,
              receiver_as_daemonset: false,
              features: {
                cluster_metrics: true,
                cluster_events: true,
                pod_logs: true,
                node_logs: false,
                profiling: false,
                application_observability: false,
              },
            },
          },
        },
      ],
      features: {
        fleet_management: {
          enabled: true,
          collector_version: "v1.18.1",
          collectors_per_os: { linux: 1, windows: 0, darwin: 0 },
          unhealthy_per_os: { linux: 0, windows: 0, darwin: 0 },
          attributes: {},
        },
      },
    });
  });

  it("defaults to one environment named ci", () => {
    const { blueprint } = parseBlueprint(
      "name: x\nfeatures: {fleet_management: {collectors_per_os: {linux: 1}}}\n",
      "x",
    );
    expect(blueprint.environments).toEqual([{ name: "ci" }]);
  });

  it('adds the missing "v" to alloy_version', () => {
    const { blueprint } = parseBlueprint(
      'name: x\nenvironments:\n  - name: a\n    cluster:\n      name: c\n      k8s_monitoring: {enabled: true, fleet_management: true, alloy_version: "1.17.1"}\n',
      "x",
    );
    expect(blueprint.environments[0]!.cluster!.k8s_monitoring.alloy_version).toBe("v1.17.1");
  });
});

describe("YAML features", () => {
  it("accepts anchors, aliases and merge keys", () => {
    const { blueprint } = parseBlueprint(
      [
        "name: x",
        "k8s: &k8s {enabled: true, fleet_management: true, chart_version: '3.8.12'}",
        "environments:",
        "  - name: a",
        "    cluster: {name: a-1, k8s_monitoring: *k8s}",
        "  - name: b",
        "    cluster: {name: b-1, k8s_monitoring: {<<: *k8s, metrics_replicas: 2}}",
      ].join("\n"),
      "x",
    );
    expect(blueprint.environments[1]!.cluster!.k8s_monitoring).toMatchObject({
      enabled: true,
      chart_version: "3.8.12",
      metrics_replicas: 2,
    });
  });

  it("refuses an alias bomb with a problem instead of expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const err = catchBlueprintError(() => parseBlueprint(`name: x\n${levels.join("\n")}\n`, "bomb.yaml"));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.message).toContain("alias bomb");
    expect(err.problems[0]!.line).toBe(3);
  });
});

function catchBlueprintError(fn: () => unknown): BlueprintError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BlueprintError) return err;
    throw err;
  }
  throw new Error("expected a BlueprintError");
}
