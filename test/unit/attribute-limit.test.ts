/**
 * FM's limit of 22 local attributes per collector, enforced when the roster is built, before any call:
 * the blueprint's attributes count with `collector.os`, `collector.version`, `env`, `fake`, `fake.run`, the
 * run's `github.*` and a k8s pod's chart attributes; the error names the count and points at the
 * blueprint's `attributes` line.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { BlueprintError } from "../../src/core/errors.js";
import { buildRoster } from "../../src/fleet/roster.js";

/** A blueprint with `count` attributes of its own, their mapping starting on line 7. */
function blueprintText(count: number, extra = ""): string {
  const attributes = Array.from({ length: count }, (_, i) => `        team${i}: "t${i}"`).join("\n");
  return `name: limits
environments:
  - name: ci${extra}
features:
  fleet_management:
    collectors_per_os: { linux: 2 }
    attributes:
${attributes}
`;
}

function rosterOf(text: string, context: Record<string, string> = {}) {
  const loaded = parseBlueprint(text, "limits.yaml");
  return buildRoster(loaded.blueprint, {
    source: loaded.file,
    locate: loaded.locate,
    contextAttributes: context,
  });
}

function problemOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof BlueprintError) return err.problems;
    throw err;
  }
  throw new Error("expected a BlueprintError");
}

const GITHUB = { "github.repository": "octo/app", "github.run_id": "42" };

describe("the 22-local-attribute limit", () => {
  it("lets 17 attributes of the blueprint's own through: with the 4 fixed ones and fake.run, 22", () => {
    const [c] = rosterOf(blueprintText(17)).collectors;
    expect(Object.keys(c!.attributes)).toHaveLength(21);
  });

  it("refuses 18, naming the count, the attributes that are not the blueprint's, and the line of `attributes`", () => {
    const problems = problemOf(() => rosterOf(blueprintText(18)));
    expect(problems).toEqual([
      {
        path: "features.fleet_management.attributes",
        line: 7,
        column: 5,
        message:
          "collector limits-ci-linux-01 would send 23 local attributes (18 from here, plus collector.os, collector.version, env, fake, fake.run): FM accepts at most 22, so remove 1 of these attributes",
      },
    ]);
  });

  it("counts the run's github.* attributes: 16 of the blueprint's own are too many inside GitHub Actions", () => {
    expect(() => rosterOf(blueprintText(15), GITHUB)).not.toThrow();
    const [problem] = problemOf(() => rosterOf(blueprintText(16), GITHUB));
    expect(problem!.message).toMatch(
      /would send 23 local attributes \(16 from here, plus .*github\.repository, github\.run_id, fake\.run\)/,
    );
  });

  it("counts a k8s-monitoring pod's chart attributes", () => {
    const k8s = `
    cluster:
      name: k8s-{env}
      nodes: 1
      k8s_monitoring:
        enabled: true
        fleet_management: true
        chart_version: "3.8.12"`;
    // 8 chart attributes + 5 fixed: 9 of the blueprint's own fit, 10 do not.
    expect(() => rosterOf(blueprintText(9, k8s))).not.toThrow();
    const [problem] = problemOf(() => rosterOf(blueprintText(10, k8s)));
    expect(problem!.message).toMatch(
      /^collector grafana-k8s-monitoring-k8s-ci-monitoring-\S+ would send 23 local attributes \(10 from here, plus .*workloadType.*\)/,
    );
    expect(problem!.line).toBe(14);
  });

  it("stops fm-fleet plan before anything else, exit code 2, pointing at the file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-limit-"));
    writeFileSync(join(dir, "big.yaml"), blueprintText(20));
    let stderr = "";
    const io: CliIo = {
      stdout: { write: () => undefined },
      stderr: { write: (t: string) => (stderr += t) },
      env: {},
      cwd: dir,
    };
    expect(await runCli(["plan", "big.yaml"], io)).toBe(2);
    expect(stderr).toMatch(
      /^fm-fleet plan: blueprint big\.yaml has 1 problem:\n {2}- big\.yaml:7:5 features\.fleet_management\.attributes: collector limits-ci-linux-01 would send 25 local attributes .*at most 22, so remove 3/,
    );
  });
});
