/**
 * Property-based fuzzing of the blueprint loader and the roster (issue 7 item 3; README.md#blueprints).
 * For any text, parseBlueprint either yields a blueprint whose roster buildRoster computes, or throws a
 * BlueprintError whose problems a user can act on (a bad env override is refused before, by the `env`
 * setting's rule): never another exception, never a hang. Run counts and seeds: test/helpers/fuzz-params.ts (FUZZ_RUNS, FUZZ_SEED).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import type { Blueprint, ClusterSpec } from "../../src/blueprint/types.js";
import { BlueprintError } from "../../src/core/errors.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { type Roster } from "../../src/fleet/types.js";
import { OS_ORDER } from "../../src/blueprint/os.js";
import { envName } from "../../src/settings/rules.js";
import {
  mutatedSeed,
  rawText,
  resourceAttack,
  schemaShaped,
  tokenSoup,
} from "../helpers/blueprint-arbitraries.js";
import { fuzzBudget, type FuzzBudget } from "../helpers/fuzz-params.js";

const FILE = "fuzz.yaml";
/**
 * A hang guard, not a performance test: the slowest valid case (30,000 collectors) takes ~0.2 s. A case that
 * never returns cannot be interrupted in-process; the test timeout (fuzzBudget) bounds the whole property.
 */
const CASE_LIMIT_MS = 2_000;
const REGRESSIONS = resolve(import.meta.dirname, "../fixtures/fuzz/blueprint-regressions");

type Outcome = "roster" | "blueprint-error" | "input-error";

/**
 * Process warnings raised while loading: the loader must report through BlueprintError and notices only
 * (yaml would otherwise print "(node) Warning: Keys with collection values…" to the step's log).
 */
const processWarnings: unknown[] = [];
beforeAll(() => {
  vi.spyOn(process, "emitWarning").mockImplementation((warning: string | Error) => {
    processWarnings.push(warning);
  });
});
afterAll(() => {
  vi.restoreAllMocks();
});

/**
 * Every problem says where (a path, a position inside the text) and what, as the blueprint format asks
 * (README.md#blueprints).
 */
function assertActionable(err: BlueprintError, text: string): void {
  assert.equal(err.file, FILE);
  assert.ok(err.problems.length > 0, "a BlueprintError with no problem");
  assert.ok(err.message.startsWith(`blueprint ${FILE} has `), err.message);
  const lines = text.split("\n");
  for (const p of err.problems) {
    assert.equal(typeof p.path, "string", `path of ${JSON.stringify(p)}`);
    assert.ok(
      typeof p.message === "string" && p.message.trim() !== "",
      `empty message: ${JSON.stringify(p)}`,
    );
    if (p.line === undefined) {
      assert.equal(p.column, undefined, `a column without a line: ${JSON.stringify(p)}`);
      continue;
    }
    assert.ok(
      Number.isInteger(p.line) && p.line >= 1 && p.line <= lines.length,
      `line ${p.line} of ${lines.length}`,
    );
    const lineLength = lines[p.line - 1]!.length;
    assert.ok(
      Number.isInteger(p.column) && p.column! >= 1 && p.column! <= lineLength + 1,
      `column ${p.column} on line ${p.line} of length ${lineLength}`,
    );
  }
}

/**
 * The collectors the k8s-monitoring v3 mirror runs in one cluster (docs/fm-protocol.md#k8s-monitoring-chart),
 * counted independently.
 */
function expectedPods(cluster: ClusterSpec): number {
  const k8s = cluster.k8s_monitoring;
  if (!k8s.enabled || !k8s.fleet_management) return 0;
  const f = k8s.features;
  const nodes = cluster.nodes + cluster.windows_nodes;
  return (
    (f.cluster_metrics ? k8s.metrics_replicas : 0) +
    (f.cluster_events ? 1 : 0) +
    (f.pod_logs || f.node_logs ? nodes : 0) +
    (f.profiling ? cluster.nodes : 0) +
    (f.application_observability ? (k8s.receiver_as_daemonset ? nodes : 1) : 0)
  );
}

/**
 * README.md#blueprints: unique IDs of at most 128 chars of [a-z0-9.-], as many collectors as the counts say.
 */
function assertRosterObeysSpec(blueprint: Blueprint, roster: Roster, env: string | undefined): void {
  const { collectors } = roster;
  const ids = new Set<string>();
  for (const c of collectors) {
    assert.match(c.id, /^[a-z0-9.-]{1,128}$/);
    assert.ok(!ids.has(c.id), `duplicate ID ${c.id}`);
    ids.add(c.id);
    assert.equal(c.name, c.id);
    assert.equal(c.attributes["collector.os"], c.os);
    assert.match(c.version, /^v\d+\.\d+\.\d+/);
  }
  const kinds = collectors.map((c) => c.kind);
  const firstK8s = kinds.indexOf("k8s");
  assert.ok(firstK8s === -1 || !kinds.slice(firstK8s).includes("standalone"), "standalone collectors first");

  const fm = blueprint.features.fleet_management;
  const envNames = blueprint.environments.map((e) => env ?? e.name);
  const standalone = collectors.filter((c) => c.kind === "standalone");
  assert.deepEqual(
    standalone.map((c) => c.os),
    OS_ORDER.flatMap((os) => Array<string>(fm.enabled ? fm.collectors_per_os[os] : 0).fill(os)),
    "standalone collectors per OS, in OS order",
  );
  for (const os of OS_ORDER) {
    const ofOs = standalone.filter((c) => c.os === os);
    assert.equal(
      ofOs.filter((c) => !c.healthy).length,
      fm.enabled ? fm.unhealthy_per_os[os] : 0,
      `unhealthy ${os}`,
    );
    // Dealt round-robin across environments; numbered 01.. per (environment, OS), wider when needed.
    const groups = new Map<string, number>();
    ofOs.forEach((c, i) => {
      assert.equal(c.env, envNames[i % envNames.length]);
      groups.set(c.env, (groups.get(c.env) ?? 0) + 1);
    });
    const expectedIds = [...groups].flatMap(([name, n]) =>
      Array.from(
        { length: n },
        (_, i) =>
          `${blueprint.name}-${name}-${os}-${String(i + 1).padStart(Math.max(2, String(n).length), "0")}`,
      ),
    );
    assert.deepEqual(new Set(ofOs.map((c) => c.id)), new Set(expectedIds), `IDs of ${os}`);
  }
  const k8sExpected = blueprint.environments.reduce(
    (n, e) => n + (e.cluster ? expectedPods(e.cluster) : 0),
    0,
  );
  assert.equal(collectors.length - standalone.length, k8sExpected, "k8s mirror collectors");
}

const ENV_NAME = /^[a-z0-9][a-z0-9-]{0,29}$/;

/** Runs the loader and the roster on `text` and checks the invariants; returns what happened. */
function check(text: string, env?: string): Outcome {
  const warningsBefore = processWarnings.length;
  const started = performance.now();
  const outcome = run(text, env);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < CASE_LIMIT_MS, `took ${Math.round(elapsed)} ms for ${text.length} chars`);
  assert.deepEqual(processWarnings.slice(warningsBefore), [], "process warnings while loading");
  return outcome;
}

function run(text: string, env: string | undefined): Outcome {
  let blueprint: Blueprint;
  try {
    blueprint = parseBlueprint(text, FILE).blueprint;
  } catch (err) {
    if (!(err instanceof BlueprintError)) throw err;
    assertActionable(err, text);
    return "blueprint-error";
  }
  // The env override passes the `env` setting's rule first, as parseSettings does before any roster.
  const override = env === undefined ? undefined : envName.parse(env);
  if (override?.ok === false) {
    assert.ok(env !== undefined && !ENV_NAME.test(env), `env ${JSON.stringify(env)} was refused`);
    assert.match(override.problem, /^expected an environment name of .*, found /);
    return "input-error";
  }
  let roster: Roster;
  try {
    roster = buildRoster(blueprint, {
      source: FILE,
      ...(override === undefined ? {} : { env: override.value }),
    });
  } catch (err) {
    if (!(err instanceof BlueprintError)) throw err;
    assertActionable(err, text);
    return "blueprint-error";
  }
  assert.ok(env === undefined || ENV_NAME.test(env), `env ${JSON.stringify(env)} was accepted`);
  assertRosterObeysSpec(blueprint, roster, env);
  return "roster";
}

/** Runs `arb` through check() and returns how often each outcome happened, so a test can see its reach. */
function fuzz(arb: fc.Arbitrary<string>, params: FuzzBudget["params"]): Record<Outcome, number> {
  const seen: Record<Outcome, number> = { roster: 0, "blueprint-error": 0, "input-error": 0 };
  fc.assert(
    fc.property(arb, (text) => {
      seen[check(text)]++;
    }),
    params,
  );
  return seen;
}

describe("blueprint fuzzing: any text gives a roster or an actionable BlueprintError", () => {
  const mutated = fuzzBudget(1000, 0x0b1e5eed);
  it("mutated shipped and hand-written blueprints", { timeout: mutated.timeoutMs }, () => {
    const seen = fuzz(mutatedSeed, mutated.params);
    // The mutations must leave some blueprints valid, or the roster invariants go unchecked.
    expect(seen.roster).toBeGreaterThan(mutated.params.numRuns * 0.05);
    expect(seen["blueprint-error"]).toBeGreaterThan(mutated.params.numRuns * 0.3);
  });

  const shaped = fuzzBudget(500, 0x5c4e3a);
  it(
    "schema-shaped blueprints with counts, names and nodes at their limits",
    { timeout: shaped.timeoutMs },
    () => {
      const seen = fuzz(schemaShaped, shaped.params);
      expect(seen.roster).toBeGreaterThan(shaped.params.numRuns * 0.25);
    },
  );

  const overridden = fuzzBudget(300, 0xe4a);
  it(
    "the env override on valid blueprints: a roster, or the env rule's problem for a bad name",
    { timeout: overridden.timeoutMs },
    () => {
      const env = fc.oneof(
        fc.stringMatching(ENV_NAME),
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.constantFrom("", "a".repeat(30), "a".repeat(31), "PR-1", "pr_1", "-x", "x\n"),
      );
      fc.assert(
        fc.property(schemaShaped, env, (text, e) => {
          check(text, e);
        }),
        overridden.params,
      );
    },
  );

  const soup = fuzzBudget(1500, 0x50a9);
  it("YAML token soup and raw bytes", { timeout: soup.timeoutMs }, () => {
    fuzz(fc.oneof(tokenSoup, rawText), soup.params);
  });

  const attacks = fuzzBudget(80, 0xb0b, 100);
  it("deep nesting (hundreds to thousands of levels) and alias bombs", { timeout: attacks.timeoutMs }, () => {
    const seen = fuzz(resourceAttack, attacks.params);
    expect(seen["blueprint-error"]).toBeGreaterThan(0);
  });
});

/**
 * Inputs that broke the loader, kept as fixed examples (test/fixtures/fuzz/blueprint-regressions), each with the
 * problem it now reports. `found` says how: the property and seed, or "probe" for a hand-made input.
 */
const REGRESSION_CASES: readonly {
  file: string;
  found: string;
  expected: { line?: number; column?: number; message: RegExp };
}[] = [
  {
    file: "merge-key-empty.yaml",
    found: "token soup, seed 20649: yaml's plain Error escaped",
    expected: { line: 1, column: 1, message: /merge key "<<", found an empty value$/ },
  },
  {
    file: "merge-key-alias-before-anchor.yaml",
    found: "mutated seeds, seed 186539757",
    expected: { line: 1, column: 1, message: /merge key "<<", found \*m, which no earlier &m defines$/ },
  },
  {
    file: "syntax-error-position.yaml",
    found: "mutated seeds, seed 186539757: column 248 on a line of 225 chars",
    expected: { line: 3, column: 219, message: /^invalid YAML: Unexpected flow-seq-end token/ },
  },
  {
    file: "omap-repeated-alias-keys.yaml",
    found: "FUZZ_SEED=1 FUZZ_RUNS=4000: yaml's plain Error escaped (cut down by hand to reach it still)",
    expected: { message: /^invalid YAML: Ordered maps must not include duplicate keys$/ },
  },
  {
    file: "collection-as-key.yaml",
    found: "a process warning per such case; FUZZ_SEED=12 FUZZ_RUNS=5000: a 250 KB one took 8.5 s",
    expected: { line: 2, column: 1, message: /^expected a key that is a name, found a list used as a key$/ },
  },
  {
    file: "alias-without-anchor.yaml",
    found: "probe: reported as an alias bomb",
    expected: {
      line: 1,
      column: 7,
      message: /^expected an anchor &nope earlier in the file for the alias \*nope/,
    },
  },
];

describe("blueprint fuzzing regressions (test/fixtures/fuzz/blueprint-regressions)", () => {
  it("has a case for every fixture", () => {
    expect(readdirSync(REGRESSIONS).sort()).toEqual(REGRESSION_CASES.map((c) => c.file).sort());
  });

  it.each(REGRESSION_CASES)("$file ($found)", ({ file, expected }) => {
    const text = readFileSync(join(REGRESSIONS, file), "utf8");
    expect(check(text)).toBe("blueprint-error");
    let error: unknown;
    try {
      parseBlueprint(text, FILE);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BlueprintError);
    assertActionable(error as BlueprintError, text);
    const first = (error as BlueprintError).problems[0]!;
    expect(first.message).toMatch(expected.message);
    expect({ line: first.line, column: first.column }).toEqual({
      line: expected.line,
      column: expected.column,
    });
  });
});
