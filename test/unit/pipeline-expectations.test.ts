/**
 * Pipeline expectations (src/settings/expectations.ts) and the exact check against what collectors
 * received (src/fleet/pipeline-check.ts): the shipped examples/pipelines/expect.yaml read as the README
 * describes it, every problem of a bad file at its line and column, and missing, unexpected, FAILED and
 * unanswered collectors all mismatching.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprint/load.js";
import { checkPipelines, expectedPipelines, NO_ANSWER } from "../../src/fleet/pipeline-check.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { parseExpectations, type Expectations } from "../../src/settings/expectations.js";
import { envName } from "../../src/settings/rules.js";

const EXPECT_YAML = join(import.meta.dirname, "../../examples/pipelines/expect.yaml");

function parsed(text: string): Expectations {
  const result = parseExpectations(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.expectations;
}

function problems(text: string): string[] {
  const result = parseExpectations(text);
  if (result.ok) throw new Error("expected problems");
  return result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

describe("expectations", () => {
  it("give each collector of the fleet-management blueprint the union of the entries that match it", () => {
    const expectations = parsed(readFileSync(EXPECT_YAML, "utf8"));
    expect(expectations.map((e) => e.line)).toEqual([14, 16, 18, 20]);
    const roster = (env: "ci" | "prod") => {
      const name = envName.parse(env);
      if (!name.ok) throw new Error(name.problem);
      return buildRoster(loadBlueprint("fleet-management").blueprint, { env: name.value }).collectors;
    };
    const byOs = (env: "ci" | "prod") =>
      Object.fromEntries(roster(env).map((c) => [c.os, expectedPipelines(expectations, c)]));
    expect(byOs("ci")).toEqual({
      linux: ["node_metrics_linux", "self_monitoring_metrics"],
      windows: ["self_monitoring_metrics"],
      darwin: ["self_monitoring_metrics"],
    });
    expect(byOs("prod").windows).toEqual(["self_monitoring_metrics", "windows_metrics"]);
  });

  it("match collector.ID, and read a missing attribute as the empty string", () => {
    const expectations = parsed(`
- match: ['collector.ID=~".*-0[12]"']
  pipelines: [first_two]
- match: ['team!="payments"']
  pipelines: [not_payments]
- match: ['team=~".+"']
  pipelines: [has_team]
- match: []
  pipelines: [everyone]
`);
    const c = (id: string, attributes: Record<string, string> = {}) =>
      expectedPipelines(expectations, { id, attributes });
    expect(c("x-01")).toEqual(["everyone", "first_two", "not_payments"]);
    expect(c("x-03", { team: "payments" })).toEqual(["everyone", "has_team"]);
    // collector.ID comes from the ID, never from an attribute of that name.
    expect(c("x-03", { "collector.ID": "x-01" })).toEqual(["everyone", "not_payments"]);
  });

  it("report every problem of a bad file, each at its line and column", () => {
    expect(
      problems(`- match: ['collector.os="linux"', 'env=~"[a-"']
  pipelines: [node_metrics_linux]
- macth: []
  pipelines: [a, 7]
- match: 'collector.os="windows"'
  pipelines: windows_metrics
- just a string
`),
    ).toEqual([
      '1:35 entry 1 match: matcher "env=~\\"[a-\\"": invalid regular expression "[a-": missing closing ] of a character class',
      '3:3 entry 2: "macth" is not a field of an entry: did you mean match?',
      "3:3 entry 2: missing match: the matchers that pick the collectors, [] for every collector",
      "4:18 entry 2 pipelines #2: expected a pipeline name, found 7",
      '5:10 entry 3 match: expected a list of matchers, found "collector.os=\\"windows\\""',
      '6:14 entry 3 pipelines: expected a list of pipeline names, found "windows_metrics"',
      '7:3 entry 4: expected a mapping with match and pipelines, found "just a string"',
    ]);
    expect(problems("match: []\npipelines: [a]\n")).toEqual([
      "1:1 expected a list of entries such as - match: ['collector.os=\"linux\"'] with pipelines: [node_metrics_linux], found a mapping",
    ]);
    expect(problems("- match: [\n")[0]).toMatch(/^2:1 invalid YAML: /);
  });
});

describe("the check", () => {
  const expectations = parsed(`
- match: ['collector.os="linux"']
  pipelines: [node_metrics_linux, self_monitoring_metrics]
- match: ['collector.os="windows"']
  pipelines: [self_monitoring_metrics]
`);
  const linux = { id: "lin", attributes: { "collector.os": "linux" } };
  const windows = { id: "win", attributes: { "collector.os": "windows" } };

  it("passes when each collector received exactly its pipelines, in any order", () => {
    const check = checkPipelines(expectations, [linux, windows], {
      lin: { pipelines: ["self_monitoring_metrics", "node_metrics_linux"], status: "APPLIED" },
      win: { pipelines: ["self_monitoring_metrics"], status: "APPLIED" },
    });
    expect(check.ok).toBe(true);
    expect(check.mismatches).toEqual([]);
  });

  it("fails on a missing and on an unexpected pipeline alike", () => {
    const check = checkPipelines(expectations, [linux, windows], {
      lin: { pipelines: ["self_monitoring_metrics"], status: "APPLIED" },
      win: { pipelines: ["node_metrics_linux", "self_monitoring_metrics"], status: "APPLIED" },
    });
    expect(check.ok).toBe(false);
    expect(check.mismatches.map((m) => [m.id, m.missing, m.unexpected, m.error])).toEqual([
      ["lin", ["node_metrics_linux"], [], undefined],
      ["win", [], ["node_metrics_linux"], undefined],
    ]);
  });

  it("fails a collector that could not load its config, or was never answered", () => {
    const check = checkPipelines(expectations, [linux, windows], {
      lin: { pipelines: [], status: "FAILED", error: "12:3: expected }, got EOF" },
    });
    expect(check.mismatches.map((m) => [m.id, m.missing, m.error])).toEqual([
      ["lin", ["node_metrics_linux", "self_monitoring_metrics"], "12:3: expected }, got EOF"],
      ["win", ["self_monitoring_metrics"], NO_ANSWER],
    ]);
  });
});
