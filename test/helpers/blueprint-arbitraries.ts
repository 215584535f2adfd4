/**
 * fast-check arbitraries that write blueprint texts for the fuzz tests (issue 7 item 3): valid seeds (the
 * shipped blueprints and hand-written ones) mutated at the tree and at the text level, deep nesting and
 * alias bombs, YAML token soup and raw bytes (schema-shaped ones: schema-shaped-blueprints.ts). Every
 * arbitrary yields the final text, so a counterexample prints as the document that broke the loader.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { SHIPPED_BLUEPRINTS } from "../../src/blueprint/shipped.js";
import {
  applyMutation,
  applyTextEdit,
  nested,
  type NestingShape,
  type TextEdit,
  type TreeMutation,
} from "./yaml-mutations.js";
import { emit, nodesOf, scalar, stringScalar, treeOf, type YamlNode } from "./yaml-tree.js";

export { schemaShaped } from "./schema-shaped-blueprints.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");

/** Blueprints the loader accepts, as written: mutation starts from these. */
export const SEED_BLUEPRINTS: readonly { readonly name: string; readonly text: string }[] = [
  ...Object.entries(SHIPPED_BLUEPRINTS).map(([name, text]) => ({ name: `shipped:${name}`, text })),
  ...readdirSync(join(FIXTURES, "fuzz/seeds"))
    .sort()
    .map((file) => ({ name: file, text: readFileSync(join(FIXTURES, "fuzz/seeds", file), "utf8") })),
  { name: "two-envs.yaml", text: readFileSync(join(FIXTURES, "blueprints/two-envs.yaml"), "utf8") },
];

/** Every key the schema knows, plus near misses and keys that are dangerous in JavaScript objects. */
const KEYS = [
  "name",
  "environments",
  "features",
  "fleet_management",
  "enabled",
  "collector_version",
  "collectors_per_os",
  "unhealthy_per_os",
  "attributes",
  "linux",
  "windows",
  "darwin",
  "cluster",
  "nodes",
  "windows_nodes",
  "k8s_monitoring",
  "chart_version",
  "alloy_version",
  "metrics_replicas",
  "receiver_as_daemonset",
  "cluster_metrics",
  "cluster_events",
  "pod_logs",
  "node_logs",
  "profiling",
  "application_observability",
  "macos",
  "Linux",
  "team",
  "scenarios",
  "synthetic_monitoring",
  "collector.os",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "<<",
];

/** Strings that have broken parsers elsewhere: direction overrides, NUL, lone surrogates, look-alikes. */
const TRICKY_STRINGS = [
  "",
  " ",
  "\t",
  "\r\n",
  "\0",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\ud83d",
  "\u202eprod",
  "\u200f\u05e9\u05dc\u05d5\u05dd",
  "\u0645\u0631\u062d\u0628\u0627",
  "\ud83d\udc69\u200d\ud83d\udcbb",
  "\ufeffname",
  "\uff4c\uff49\uff4e\uff55\uff58",
  "linux\u200b",
  "\u0130",
  "{env}",
  "synth-{env}",
  "{env}{env}{env}",
  "{ENV}",
  "v1.18.1",
  "1.18.0",
  "v1.19.0-rc.3",
  "v1.2.3-\u00e9",
  "collector.os",
  "__proto__",
  "-",
  "---",
  "...",
  "<<",
  "~",
  "null",
  "NaN",
];

/** Scalars as written: YAML 1.2 core numbers in every notation, the 1.1 booleans, null forms. */
const SCALAR_LITERALS = [
  "0",
  "1",
  "-1",
  "-0",
  "1.5",
  "0.5",
  "3.0",
  "1e4",
  "1e-7",
  "1e309",
  "-1e309",
  ".inf",
  "-.inf",
  ".nan",
  "0x10",
  "0o17",
  "+5",
  "1_000",
  "007",
  "99",
  "100",
  "101",
  "1000",
  "1001",
  "9999",
  "10000",
  "10001",
  "100000",
  "9007199254740993",
  "123456789012345678901234567890",
  "true",
  "false",
  "True",
  "FALSE",
  "yes",
  "no",
  "on",
  "off",
  "y",
  "~",
  "null",
  "Null",
  "",
  "2001-12-14",
];

const TAGS = [
  "!!binary",
  "!!js/function",
  "!!js/undefined",
  "!!python/object",
  "!custom",
  "!",
  "!!str",
  "!!int",
  "!!float",
  "!!bool",
  "!!null",
  "!!map",
  "!!seq",
  "!!set",
  "!!omap",
  "!!pairs",
  "!!timestamp",
  "!!merge",
  "!<tag:yaml.org,2002:str>",
  "!<tag:example.com,2000:app/foo>",
  "!e!undeclared",
];

/** Pieces of YAML syntax for token soup and text splices. */
const YAML_TOKENS = [
  "name: ",
  "features:",
  "fleet_management:",
  "collectors_per_os:",
  "environments:",
  "cluster:",
  "linux: ",
  "windows: 3",
  "- ",
  "? ",
  ": ",
  ":",
  ",",
  "[",
  "]",
  "{",
  "}",
  "&a ",
  "*a",
  "&b ",
  "*b ",
  "<<: ",
  "<<: *a",
  "!!binary ",
  "!tag ",
  "---\n",
  "...\n",
  "%YAML 1.1\n",
  "%TAG ! tag:x,2000:\n",
  "'",
  '"',
  "#",
  "|\n",
  ">-\n",
  "\n",
  "\n  ",
  "\r\n",
  "\r",
  "\t",
  "  ",
  "\ufeff",
  "\0",
  "\\",
  "@",
  "`",
  "%",
  "12",
  "-3",
  "1e400",
];

export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -20_000, max: 20_000 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom(...SCALAR_LITERALS) },
  { weight: 1, arbitrary: fc.double().map(String) },
);

const longString = fc
  .tuple(
    fc.constantFrom("a", "-", "\u00e9", "\ud83d\ude00", "\u202e", "\0"),
    fc.integer({ min: 100, max: 50_000 }),
  )
  .map(([unit, n]) => unit.repeat(n));

export const stringValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,50}$/) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: longString },
);

const leaf: fc.Arbitrary<YamlNode> = fc.oneof(
  numberText.map((t) => scalar(t)),
  stringValue.map(stringScalar),
  stringValue.map((s) => scalar(JSON.stringify(s))),
);

const key: fc.Arbitrary<YamlNode> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS).map(stringScalar) },
  { weight: 2, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc
      .array(leaf, { maxLength: 2 })
      .map((items): YamlNode => ({ kind: "seq", items, flow: true })),
  },
);

/** Small trees of any shape. */
export const valueNode: fc.Arbitrary<YamlNode> = fc.letrec<{ node: YamlNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc
      .record({ pairs: fc.array(fc.tuple(key, tie("node")), { maxLength: 4 }), flow: fc.boolean() })
      .map(({ pairs, flow }): YamlNode => ({ kind: "map", pairs, flow })),
    fc
      .record({ items: fc.array(tie("node"), { maxLength: 4 }), flow: fc.boolean() })
      .map(({ items, flow }): YamlNode => ({ kind: "seq", items, flow })),
  ),
})).node;

export const deepNode: fc.Arbitrary<YamlNode> = fc
  .record({
    shape: fc.constantFrom<NestingShape>("flow-seq", "flow-map", "block-seq", "block-map", "mixed"),
    depth: fc.integer({ min: 100, max: 3000 }),
  })
  .map(({ shape, depth }) => nested(shape, depth));

const at = fc.nat();

// Deep nesting and alias bombs cost the most per case; `resourceAttack` covers them in earnest.
const common = <T>(arbitrary: fc.Arbitrary<T>) => ({ weight: 6, arbitrary });
const rare = <T>(arbitrary: fc.Arbitrary<T>) => ({ weight: 1, arbitrary });

export const treeMutation: fc.Arbitrary<TreeMutation> = fc.oneof(
  common(fc.record({ op: fc.constant("delete" as const), at })),
  common(
    fc.record({ op: fc.constant("duplicate" as const), at, renameTo: fc.option(key, { nil: undefined }) }),
  ),
  common(fc.record({ op: fc.constant("rename" as const), at, key })),
  common(fc.record({ op: fc.constant("replace" as const), at, value: valueNode })),
  rare(fc.record({ op: fc.constant("replace" as const), at, value: deepNode })),
  common(fc.record({ op: fc.constant("insert" as const), at, key, value: valueNode })),
  common(fc.record({ op: fc.constant("restyle" as const), at })),
  common(fc.record({ op: fc.constant("tag" as const), at, tag: fc.constantFrom(...TAGS) })),
  common(
    fc.record({
      op: fc.constant("alias" as const),
      from: at,
      to: at,
      name: fc.constantFrom("a", "b", "x:y", "\u00e9"),
    }),
  ),
  common(fc.record({ op: fc.constant("merge" as const), at, from: fc.oneof(at, valueNode) })),
  rare(
    fc.record({
      op: fc.constant("bomb" as const),
      at,
      levels: fc.integer({ min: 1, max: 12 }),
      width: fc.integer({ min: 2, max: 10 }),
    }),
  ),
);

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({
    op: fc.constantFrom(
      "bom" as const,
      "crlf" as const,
      "cr" as const,
      "tabs" as const,
      "document-end" as const,
    ),
  }),
  fc.record({
    op: fc.constant("directive" as const),
    text: fc.constantFrom(
      "%YAML 1.1",
      "%YAML 1.2",
      "%YAML 2.0",
      "%TAG !e! tag:example.com,2000:",
      "%FOO bar",
    ),
  }),
  fc.record({
    op: fc.constant("documents" as const),
    extra: fc.constantFrom("", "name: other\n", "--- !!str x\n", "[1, 2]\n"),
  }),
  fc.record({
    op: fc.constant("splice" as const),
    at: fc.nat(),
    remove: fc.nat(20),
    insert: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ unit: "binary", maxLength: 8 })),
  }),
);

/** A seed, changed by tree mutations (none: its original text, comments and all), then by text edits. */
export const mutatedSeed: fc.Arbitrary<string> = fc
  .record({
    seed: fc.constantFrom(...SEED_BLUEPRINTS),
    mutations: fc.array(treeMutation, { maxLength: 6 }),
    edits: fc.array(textEdit, { maxLength: 3 }),
  })
  .map(({ seed, mutations, edits }) => {
    let text = seed.text;
    if (mutations.length > 0) {
      const tree = treeOf(seed.text);
      for (const m of mutations) applyMutation(tree, m);
      text = emit(tree);
    }
    return edits.reduce(applyTextEdit, text);
  });

/** Documents of YAML pieces in random order: reaches parser states real text rarely does. */
export const tokenSoup: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...YAML_TOKENS) },
      { weight: 1, arbitrary: stringValue },
    ),
    {
      maxLength: 60,
    },
  )
  .map((parts) => parts.join(""));

/** Raw bytes decoded as a file read as UTF-8 would be, and strings of any UTF-16 code units. */
export const rawText: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString("utf8")),
  fc.string({ unit: "binary", maxLength: 600 }),
);

/** Deep nesting and alias bombs where the schema reads (environments, counts) and where it does not. */
export const resourceAttack: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({
      node: deepNode,
      under: fc.constantFrom("environments", "features", "extra", "collectors_per_os"),
    })
    .map(({ node, under }) => {
      const tree = treeOf(SHIPPED_BLUEPRINTS["fleet-management"]);
      const where =
        under === "collectors_per_os"
          ? {
              op: "replace" as const,
              at: nodesOf(tree).findIndex((n) => n.kind === "scalar" && n.text === "12"),
              value: node,
            }
          : { op: "insert" as const, at: 0, key: scalar(under), value: node };
      applyMutation(tree, where);
      return emit(tree);
    }),
  fc
    .record({ levels: fc.integer({ min: 1, max: 15 }), width: fc.integer({ min: 2, max: 12 }), at: fc.nat() })
    .map(({ levels, width, at: where }) => {
      const tree = treeOf(SHIPPED_BLUEPRINTS["synthetic-monitoring"]);
      applyMutation(tree, { op: "bomb", at: where, levels, width });
      return emit(tree);
    }),
);
