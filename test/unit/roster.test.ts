import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import type { Blueprint } from "../../src/blueprint/types.js";
import type { EnvName } from "../../src/blueprint/names.js";
import { BlueprintError } from "../../src/core/errors.js";
import { buildRoster } from "../../src/fleet/roster.js";
import type { RosterOptions } from "../../src/fleet/types.js";
import { envName } from "../../src/settings/rules.js";

const blueprint = (yaml: string): Blueprint => parseBlueprint(yaml, "test.yaml").blueprint;
/** An env override as the settings parser hands it to the roster (the `env` setting's rule). */
const env = (name: string): EnvName => {
  const parsed = envName.parse(name);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
};
const ids = (bp: Blueprint, options?: RosterOptions) => buildRoster(bp, options).collectors.map((c) => c.id);

const twoEnvs = blueprint(`
name: shop
environments: [{name: staging}, {name: prod}]
features:
  fleet_management:
    collectors_per_os: {linux: 5, windows: 1, darwin: 2}
`);

const k8sAndStandalone = `
name: mix
environments:
  - name: a
    cluster:
      name: "{env}-1"
      windows_nodes: 1
      k8s_monitoring: {enabled: true, fleet_management: true, features: {profiling: true, application_observability: true}}
  - name: b
    cluster:
      name: "{env}-2"
      k8s_monitoring: {enabled: true, fleet_management: true}
features:
  fleet_management:
    collectors_per_os: {linux: 3, windows: 2, darwin: 1}
`;

describe("standalone IDs (README.md#blueprints)", () => {
  it("deals each OS round-robin across environments, OS by OS, numbering per environment and OS", () => {
    expect(ids(twoEnvs)).toEqual([
      "shop-staging-linux-01",
      "shop-prod-linux-01",
      "shop-staging-linux-02",
      "shop-prod-linux-02",
      "shop-staging-linux-03",
      "shop-staging-windows-01",
      "shop-staging-darwin-01",
      "shop-prod-darwin-01",
    ]);
  });

  it("deals across three environments in blueprint order", () => {
    const bp = blueprint(`
name: s
environments: [{name: c}, {name: a}, {name: b}]
features: {fleet_management: {collectors_per_os: {windows: 4}}}
`);
    expect(ids(bp)).toEqual(["s-c-windows-01", "s-a-windows-01", "s-b-windows-01", "s-c-windows-02"]);
  });

  it("renames every environment with the env override and numbers after renaming, so nothing collides", () => {
    const roster = buildRoster(twoEnvs, { env: env("pr-42") });
    expect(roster.collectors.map((c) => c.id)).toEqual([
      "shop-pr-42-linux-01",
      "shop-pr-42-linux-02",
      "shop-pr-42-linux-03",
      "shop-pr-42-linux-04",
      "shop-pr-42-linux-05",
      "shop-pr-42-windows-01",
      "shop-pr-42-darwin-01",
      "shop-pr-42-darwin-02",
    ]);
    expect(new Set(roster.collectors.map((c) => c.env))).toEqual(new Set(["pr-42"]));
  });

  it("pads NN to the width the (env, OS) group needs", () => {
    const hundred = ids(
      blueprint("name: big\nfeatures: {fleet_management: {collectors_per_os: {linux: 100}}}\n"),
    );
    expect(hundred[0]).toBe("big-ci-linux-001");
    expect(hundred[99]).toBe("big-ci-linux-100");
    const split = ids(
      blueprint(
        "name: big\nenvironments: [{name: a}, {name: b}]\nfeatures: {fleet_management: {collectors_per_os: {linux: 150}}}\n",
      ),
    );
    expect(split.at(-1)).toBe("big-b-linux-75");
    const many = ids(
      blueprint("name: big\nfeatures: {fleet_management: {collectors_per_os: {darwin: 10000}}}\n"),
    );
    expect([many[0], many.at(-1)]).toEqual(["big-ci-darwin-00001", "big-ci-darwin-10000"]);
  });
});

describe("health", () => {
  it("marks the last N collectors of an OS, in dealing order, unhealthy", () => {
    const bp = blueprint(`
name: h
environments: [{name: a}, {name: b}]
features:
  fleet_management:
    collectors_per_os: {linux: 4, windows: 2}
    unhealthy_per_os: {linux: 2}
`);
    const unhealthy = buildRoster(bp)
      .collectors.filter((c) => !c.healthy)
      .map((c) => c.id);
    expect(unhealthy).toEqual(["h-a-linux-02", "h-b-linux-02"]);
  });
});

describe("attributes and labels (docs/fm-protocol.md#collector-api; docs/signals.md)", () => {
  const bp = blueprint(`
name: fleet
environments:
  - name: prod
    cluster: {name: "eu-{env}"}
  - name: dev
features:
  fleet_management:
    collector_version: v1.17.1
    collectors_per_os: {darwin: 2}
    attributes: {team: platform}
`);

  it("sends collector.os, collector.version, env, fake, the blueprint's and the run's attributes, never collector.ID", () => {
    const [first] = buildRoster(bp, {
      contextAttributes: { "github.repository": "o/r", "github.run_id": "7" },
    }).collectors;
    expect(first!.attributes).toEqual({
      "collector.os": "darwin",
      "collector.version": "v1.17.1",
      env: "prod",
      fake: "true",
      team: "platform",
      "github.repository": "o/r",
      "github.run_id": "7",
    });
    expect(Object.keys(first!.attributes)[0]).toBe("collector.os");
  });

  it("labels with the environment's cluster ({env} replaced), else <blueprint>-<env>, keys sorted", () => {
    const [prod, dev] = buildRoster(bp, {}).collectors;
    expect(prod!.labels).toEqual({
      cluster: "eu-prod",
      collector_id: "fleet-prod-darwin-01",
      instance: "fleet-prod-darwin-01:12345",
      job: "integrations/alloy",
      k8s_cluster_name: "eu-prod",
      namespace: "infra",
      os: "darwin",
    });
    expect(Object.keys(prod!.labels)).toEqual(Object.keys(prod!.labels).sort());
    expect(dev!.labels.cluster).toBe("fleet-dev");
    expect(buildRoster(bp, { env: env("pr-1") }).collectors[0]!.labels.cluster).toBe("eu-pr-1");
  });

  it("gives every collector name = id, its kind, version and env", () => {
    const [c] = buildRoster(bp).collectors;
    expect(c).toMatchObject({
      name: c!.id,
      kind: "standalone",
      version: "v1.17.1",
      env: "prod",
      os: "darwin",
      healthy: true,
    });
  });

  it("never emits a blueprint label", () => {
    for (const c of buildRoster(blueprint(k8sAndStandalone)).collectors)
      expect(c.labels).not.toHaveProperty("blueprint");
  });
});

describe("roster order and limits", () => {
  it("lists standalone collectors first, then each environment's k8s mirror in blueprint order", () => {
    const collectors = buildRoster(blueprint(k8sAndStandalone)).collectors;
    const kinds = collectors.map((c) => c.kind);
    expect(kinds.lastIndexOf("standalone")).toBeLessThan(kinds.indexOf("k8s"));
    const clusters = collectors.filter((c) => c.kind === "k8s").map((c) => c.labels.cluster);
    expect(clusters.lastIndexOf("a-1")).toBeLessThan(clusters.indexOf("b-2"));
  });

  it("is the same on every build", () => {
    const bp = blueprint(k8sAndStandalone);
    expect(buildRoster(bp, { env: env("x") })).toEqual(buildRoster(bp, { env: env("x") }));
  });

  it("keeps IDs unique and within 128 chars of [a-z0-9.-] for any counts and environments", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,29}$/), { minLength: 1, maxLength: 4 }),
        fc.record({ linux: fc.nat(60), windows: fc.nat(30), darwin: fc.nat(30) }),
        fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,29}$/), { nil: undefined }),
        (envs, counts, override) => {
          fc.pre(counts.linux + counts.windows + counts.darwin > 0);
          const bp = blueprint(
            `name: ${"p".repeat(40)}\nenvironments: ${JSON.stringify(envs.map((name) => ({ name })))}\n` +
              `features: {fleet_management: {collectors_per_os: ${JSON.stringify(counts)}}}\n`,
          );
          const all = ids(bp, override === undefined ? {} : { env: env(override) });
          expect(all).toHaveLength(counts.linux + counts.windows + counts.darwin);
          expect(new Set(all).size).toBe(all.length);
          for (const id of all) expect(id).toMatch(/^[a-z0-9.-]{1,128}$/);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a cluster name that makes IDs longer than 128 chars, naming its path", () => {
    const bp = blueprint(`
name: x
environments:
  - name: a
    cluster: {name: "${"c".repeat(30)}-{env}", k8s_monitoring: {enabled: true, fleet_management: true}}
`);
    expect(() => buildRoster(bp)).not.toThrow();
    let error: unknown;
    try {
      buildRoster(bp, { env: env("a-rather-long-pull-request-env"), source: "x.yaml" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BlueprintError);
    const { file, problems } = error as BlueprintError;
    expect(file).toBe("x.yaml");
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe("environments[0].cluster.name");
    expect(problems[0]!.message).toMatch(/, 15\d chars: FM allows at most 128, so shorten it by \d+$/);
  });

  it("refuses two clusters that resolve to the same name, naming the second", () => {
    const bp = blueprint(`
name: x
environments:
  - name: a
    cluster: {name: "shared-{env}", k8s_monitoring: {enabled: true, fleet_management: true}}
  - name: b
    cluster: {name: "shared-{env}", k8s_monitoring: {enabled: true, fleet_management: true}}
`);
    expect(() => buildRoster(bp)).not.toThrow();
    expect(() => buildRoster(bp, { env: env("pr-1") })).toThrow(
      /environments\[1\]\.cluster\.name: yields collector ID ".*" \(with env "pr-1"\) again \(first from environments\[0\]\.cluster\.name\)/,
    );
  });
});

describe("roster size", () => {
  it("refuses a roster over 50,000 collectors before building it all, naming the environment", () => {
    const envs = Array.from(
      { length: 12 },
      (_, i) => `  - name: e${i}
    cluster:
      name: c${i}
      nodes: 1000
      windows_nodes: 1000
      k8s_monitoring:
        enabled: true
        fleet_management: true
        features: {pod_logs: true, profiling: true, application_observability: true}
        receiver_as_daemonset: true`,
    ).join("\n");
    const { blueprint } = parseBlueprint(
      `name: huge\nenvironments:\n${envs}\nfeatures:\n  fleet_management:\n    collectors_per_os: {linux: 10000, windows: 10000, darwin: 10000}\n`,
      "huge.yaml",
    );
    let error: unknown;
    try {
      buildRoster(blueprint);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BlueprintError);
    expect((error as BlueprintError).problems[0]!.path).toMatch(/^environments\.\d+|^environments\[\d+\]/);
    expect((error as BlueprintError).message).toMatch(/more than 50000 collectors/);
  });
});
