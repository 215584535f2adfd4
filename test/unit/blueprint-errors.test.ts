/** Every class of bad blueprint: what a user reads (path, line, column, expected vs found). */
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { BlueprintError, type BlueprintProblem } from "../../src/core/errors.js";

function problemsOf(text: string): readonly BlueprintProblem[] {
  try {
    parseBlueprint(text, "bad.yaml");
  } catch (err) {
    if (err instanceof BlueprintError) return err.problems;
    throw err;
  }
  throw new Error("expected the blueprint to be refused");
}

/** The one problem a blueprint has. */
function problemOf(text: string): BlueprintProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

const lines = (...l: string[]) => `${l.join("\n")}\n`;
const withCounts = (counts: string) =>
  lines("name: fleet", "features:", "  fleet_management:", "    collectors_per_os:", `      ${counts}`);

describe("collectors_per_os", () => {
  it("refuses an unknown OS key and names the allowed ones", () => {
    expect(
      problemOf(
        lines(
          "name: fleet",
          "features:",
          "  fleet_management:",
          "    collectors_per_os:",
          "      linux: 1",
          "      macos: 2",
        ),
      ),
    ).toEqual({
      path: "features.fleet_management.collectors_per_os.macos",
      line: 6,
      column: 7,
      message: 'unknown OS "macos": expected one of linux, windows, darwin',
    });
  });

  it.each([
    ["linux: -3", "-3"],
    ["linux: 2.5", "2.5"],
    ["linux: 10001", "10001"],
    ['linux: "3"', '"3"'],
  ])("refuses %s", (counts, found) => {
    expect(problemOf(withCounts(counts))).toEqual({
      path: "features.fleet_management.collectors_per_os.linux",
      line: 5,
      column: 14,
      message: `expected an integer from 0 to 10000, found ${found}`,
    });
  });

  it("refuses more unhealthy collectors than the OS has", () => {
    expect(
      problemOf(
        lines(
          "name: fleet",
          "features:",
          "  fleet_management:",
          "    collectors_per_os: {linux: 2}",
          "    unhealthy_per_os: {linux: 3}",
        ),
      ),
    ).toEqual({
      path: "features.fleet_management.unhealthy_per_os.linux",
      line: 5,
      column: 31,
      message: "expected at most 2 (collectors_per_os.linux), found 3",
    });
  });
});

describe("names", () => {
  it.each([
    ["Fleet_Mgmt", '"Fleet_Mgmt"'],
    ["-fleet", '"-fleet"'],
    ["a".repeat(41), `"${"a".repeat(41)}"`],
  ])("refuses the blueprint name %s", (name, found) => {
    const p = problemOf(
      lines(`name: ${name}`, "features: {fleet_management: {collectors_per_os: {linux: 1}}}"),
    );
    expect(p).toMatchObject({ path: "name", line: 1, column: 7 });
    expect(p.message).toBe(
      `expected a blueprint name of lowercase letters, digits and "-", starting with a letter or digit, at most 40 chars, found ${found}`,
    );
  });

  it("refuses a bad environment name", () => {
    const p = problemOf(
      lines(
        "name: fleet",
        "environments:",
        "  - name: Prod EU",
        "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      ),
    );
    expect(p).toMatchObject({ path: "environments[0].name", line: 3, column: 11 });
    expect(p.message).toMatch(/^expected an environment name of .* at most 30 chars, found "Prod EU"$/);
  });

  it("refuses duplicate environment names, pointing at the second", () => {
    const p = problemOf(
      lines(
        "name: fleet",
        "environments:",
        "  - name: prod",
        "  - name: prod",
        "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      ),
    );
    expect(p).toEqual({
      path: "environments[1].name",
      line: 4,
      column: 11,
      message: 'expected a unique environment name, found "prod" again (first used at environments[0].name)',
    });
  });

  it("points a missing name at the mapping that lacks it", () => {
    const p = problemOf(lines("features:", "  fleet_management:", "    collectors_per_os: {linux: 1}"));
    expect(p).toMatchObject({ path: "name", line: 1, column: 1 });
    expect(p.message).toMatch(/found nothing \(the key is missing\)$/);
    const env = problemOf(
      lines(
        "name: x",
        "environments:",
        "  - cluster: {name: c}",
        "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      ),
    );
    expect(env).toMatchObject({ path: "environments[0].name", line: 3, column: 5 });
  });
});

describe("closed sections", () => {
  const k8s = (...body: string[]) =>
    lines(
      "name: x",
      "environments:",
      "  - name: a",
      "    cluster:",
      "      name: c",
      "      k8s_monitoring:",
      ...body.map((b) => `        ${b}`),
    );

  it.each([
    [
      lines(
        "name: x",
        "features:",
        "  fleet_management:",
        "    colour: blue",
        "    collectors_per_os: {linux: 1}",
      ),
      "features.fleet_management.colour",
      4,
      5,
      'unknown key "colour": expected one of enabled, collector_version, collectors_per_os, unhealthy_per_os, attributes',
    ],
    [
      k8s("enabled: true", "fleet_management: true", "replicas: 2"),
      "environments[0].cluster.k8s_monitoring.replicas",
      9,
      9,
      'unknown key "replicas": expected one of enabled, fleet_management, chart_version, alloy_version, metrics_replicas, receiver_as_daemonset, features',
    ],
    [
      k8s("enabled: true", "fleet_management: true", "features: {tracing: true}"),
      "environments[0].cluster.k8s_monitoring.features.tracing",
      9,
      20,
      'unknown key "tracing": expected one of cluster_metrics, cluster_events, pod_logs, node_logs, profiling, application_observability',
    ],
    [
      lines(
        "name: x",
        "environments:",
        "  - name: a",
        "    cluster: {name: c, node: 3}",
        "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      ),
      "environments[0].cluster.node",
      4,
      24,
      'unknown key "node": expected one of name, nodes, windows_nodes, k8s_monitoring',
    ],
    [
      lines(
        "name: x",
        "environments:",
        "  - name: a",
        "    region: eu",
        "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      ),
      "environments[0].region",
      4,
      5,
      'unknown key "region": expected one of name, cluster',
    ],
  ])("refuses an unknown key (%#)", (text, path, line, column, message) => {
    expect(problemOf(text)).toEqual({ path, line, column, message });
  });

  it("refuses k8s_monitoring.fleet_management without enabled: true", () => {
    expect(problemOf(k8s("fleet_management: true"))).toEqual({
      path: "environments[0].cluster.k8s_monitoring.fleet_management",
      line: 7,
      column: 27,
      message:
        "fleet_management: true expects enabled: true in the same k8s_monitoring block, found no enabled key (it defaults to false)",
    });
    expect(problemOf(k8s("enabled: false", "fleet_management: true")).message).toMatch(
      /found enabled: false$/,
    );
  });

  it("refuses a bad chart_version and alloy_version", () => {
    const problems = problemsOf(
      k8s("enabled: true", "fleet_management: true", "chart_version: 3.8", "alloy_version: latest"),
    );
    expect(problems).toEqual([
      {
        path: "environments[0].cluster.k8s_monitoring.chart_version",
        line: 9,
        column: 24,
        message: 'expected a chart version like "3.8.12" (quoted, so YAML keeps it a string), found 3.8',
      },
      {
        path: "environments[0].cluster.k8s_monitoring.alloy_version",
        line: 10,
        column: 24,
        message: 'expected an Alloy version like "1.18.0" or v1.18.0, found "latest"',
      },
    ]);
  });
});

describe("fleet_management values", () => {
  it("refuses a collector_version without the v", () => {
    expect(
      problemOf(
        lines(
          "name: x",
          "features:",
          "  fleet_management:",
          "    collector_version: 1.18.1",
          "    collectors_per_os: {linux: 1}",
        ),
      ),
    ).toEqual({
      path: "features.fleet_management.collector_version",
      line: 4,
      column: 24,
      message: 'expected an Alloy version like v1.18.1, found "1.18.1"',
    });
  });

  it("refuses reserved, over-long and non-string attributes", () => {
    const longKey = "k".repeat(101);
    const problems = problemsOf(
      lines(
        "name: x",
        "features:",
        "  fleet_management:",
        "    collectors_per_os: {linux: 1}",
        "    attributes:",
        "      collector.os: beos",
        `      ${longKey}: y`,
        `      long: ${"v".repeat(151)}`,
        "      build: 7",
      ),
    );
    expect(problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ['features.fleet_management.attributes["collector.os"]', 6, 7],
      [`features.fleet_management.attributes.${longKey}`, 7, 7],
      ["features.fleet_management.attributes.long", 8, 13],
      ["features.fleet_management.attributes.build", 9, 14],
    ]);
    expect(problems[0]!.message).toBe(
      'expected an attribute key of 1 to 100 chars that does not start with "collector.", found "collector.os"',
    );
    expect(problems[1]!.message).toContain("(101 chars)");
    expect(problems[2]!.message).toMatch(/^expected a string of at most 150 chars .*\(151 chars\)$/);
    expect(problems[3]!.message).toBe(
      "expected a string of at most 150 chars (quote numbers and booleans), found 7",
    );
  });
});

describe("the document", () => {
  it("reports YAML syntax errors with their position", () => {
    expect(
      problemOf(
        lines("name: x", "features:", "  fleet_management: {collectors_per_os: {linux: 1}", "other: 1"),
      ),
    ).toMatchObject({
      path: "",
      line: 4,
      column: 1,
      message: expect.stringMatching(/^invalid YAML: Flow map/) as unknown,
    });
    expect(problemOf(lines("name: x", "name: y"))).toMatchObject({
      line: 2,
      column: 1,
      message: "invalid YAML: Map keys must be unique",
    });
  });

  it("refuses an empty document and a document that is not a mapping", () => {
    expect(problemOf("").message).toBe("expected a mapping with at least a name, found an empty document");
    expect(problemOf("- a\n- b\n")).toEqual({
      path: "",
      line: 1,
      column: 1,
      message: "expected a mapping with at least a name, found a list",
    });
  });

  it("says how to fix a blueprint that yields no collectors", () => {
    const p = problemOf(
      lines("name: x", "features:", "  fleet_management:", "    collectors_per_os: {linux: 0}"),
    );
    expect(p).toMatchObject({ path: "features.fleet_management.collectors_per_os", line: 4, column: 24 });
    expect(p.message).toContain("set a count under features.fleet_management.collectors_per_os");
    expect(p.message).toContain("enable a k8s-monitoring cluster mirror");
    expect(problemOf("name: x\n")).toMatchObject({ path: "", line: 1, column: 1 });
  });

  it("counts a disabled fleet_management and an FM-less k8s mirror as empty", () => {
    const disabled = lines(
      "name: x",
      "features:",
      "  fleet_management: {enabled: false, collectors_per_os: {linux: 3}}",
    );
    expect(problemOf(disabled).message).toContain("features.fleet_management.enabled is false");
    const noFm = lines(
      "name: x",
      "environments:",
      "  - name: a",
      "    cluster: {name: c, k8s_monitoring: {enabled: true}}",
    );
    expect(problemOf(noFm).message).toContain("yields no collectors");
  });

  it("reports every problem at once, in source order", () => {
    const problems = problemsOf(
      lines(
        "name: Bad_Name",
        "environments:",
        "  - name: prod",
        "    cluster: {name: c, k8s_monitoring: {fleet_management: true}}",
        "  - name: prod",
        "features:",
        "  fleet_management:",
        "    collector_version: latest",
        "    collectors_per_os: {linux: -1, macos: 1}",
        "    colour: blue",
      ),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      "1:7 name",
      "4:59 environments[0].cluster.k8s_monitoring.fleet_management",
      "5:11 environments[1].name",
      "8:24 features.fleet_management.collector_version",
      "9:32 features.fleet_management.collectors_per_os.linux",
      "9:36 features.fleet_management.collectors_per_os.macos",
      "10:5 features.fleet_management.colour",
    ]);
  });

  it("formats the error with the file, position and path of each problem", () => {
    try {
      parseBlueprint(withCounts("linux: -3"), "fleet.yaml");
    } catch (err) {
      expect((err as Error).message).toBe(
        "blueprint fleet.yaml has 1 problem:\n  - fleet.yaml:5:14 features.fleet_management.collectors_per_os.linux: expected an integer from 0 to 10000, found -3",
      );
      return;
    }
    throw new Error("expected a BlueprintError");
  });
});

describe("lenient keys", () => {
  it("accepts other top-level keys and features.* entries with one notice listing them", () => {
    const loaded = parseBlueprint(
      lines(
        "name: x",
        "scenarios: [checkout]",
        "features:",
        "  synthetic_monitoring: {probes: 3}",
        "  fleet_management: {collectors_per_os: {linux: 1}}",
        "owner: me",
      ),
      "synth.yaml",
    );
    expect(loaded.notices).toEqual([
      "blueprint synth.yaml: ignoring scenarios, owner, features.synthetic_monitoring: fm-action does not use these keys (blueprints written for synthkit carry them)",
    ]);
  });

  it("gives no notice when every key is used", () => {
    expect(parseBlueprint(withCounts("linux: 1"), "x").notices).toEqual([]);
  });
});
