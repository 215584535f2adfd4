/**
 * Mutations of a YAML tree and of YAML text for the blueprint fuzzer (issue 7 item 3): plain data and pure
 * functions, so a fast-check counterexample names exactly what was done to which seed.
 */
import { nodesOf, scalar, type YamlNode } from "./yaml-tree.js";

export type NestingShape = "flow-seq" | "flow-map" | "block-seq" | "block-map" | "mixed";

/**
 * `depth` levels of one shape. Flow nesting is written as one verbatim scalar (the fuzzer's own recursive
 * helpers and structuredClone must not overflow on it); block nesting is a tree, capped at 400 levels since
 * its indentation makes the text grow with the square of the depth.
 */
export function nested(shape: NestingShape, depth: number): YamlNode {
  if (shape === "flow-seq") return scalar(`${"[".repeat(depth)}1${"]".repeat(depth)}`);
  if (shape === "flow-map") return scalar(`${"{a: ".repeat(depth)}1${"}".repeat(depth)}`);
  if (shape === "mixed") return scalar(`${"[{linux: ".repeat(depth)}1${"}]".repeat(depth)}`);
  let node = scalar("1");
  for (let i = 0; i < Math.min(depth, 400); i++)
    node =
      shape === "block-seq"
        ? { kind: "seq", items: [node], flow: false }
        : { kind: "map", pairs: [[scalar("a"), node]], flow: false };
  return node;
}

/**
 * "Billion laughs": level i is a list of `width` aliases of level i-1, so the last level stands for
 * width^levels nodes. `use` aliases the last level once more, where the schema will read it.
 */
export function aliasBomb(levels: number, width: number): { anchors: YamlNode; use: YamlNode } {
  const pairs: [YamlNode, YamlNode][] = [
    [
      scalar("l0"),
      {
        kind: "seq",
        items: Array.from({ length: width }, () => scalar("lol")),
        flow: true,
        props: { anchor: "l0" },
      },
    ],
  ];
  for (let i = 1; i <= levels; i++) {
    const items = Array.from({ length: width }, (): YamlNode => ({ kind: "alias", name: `l${i - 1}` }));
    pairs.push([scalar(`l${i}`), { kind: "seq", items, flow: true, props: { anchor: `l${i}` } }]);
  }
  return { anchors: { kind: "map", pairs, flow: false }, use: { kind: "alias", name: `l${levels}` } };
}

export type TreeMutation =
  | { op: "delete"; at: number }
  | { op: "duplicate"; at: number; renameTo?: YamlNode }
  | { op: "rename"; at: number; key: YamlNode }
  | { op: "replace"; at: number; value: YamlNode }
  | { op: "insert"; at: number; key: YamlNode; value: YamlNode }
  | { op: "restyle"; at: number }
  | { op: "tag"; at: number; tag: string }
  | { op: "alias"; from: number; to: number; name: string }
  | { op: "merge"; at: number; from: number | YamlNode }
  | { op: "bomb"; at: number; levels: number; width: number };

type Container = Extract<YamlNode, { kind: "map" | "seq" }>;
const isContainer = (n: YamlNode): n is Container => n.kind === "map" || n.kind === "seq";
const pick = <T>(list: readonly T[], index: number): T | undefined =>
  list.length === 0 ? undefined : list[index % list.length];

/** Replaces `target`'s contents by `source`'s, so every reference to `target` sees the new node. */
function overwrite(target: YamlNode, source: YamlNode): void {
  for (const k of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[k];
  Object.assign(target, structuredClone(source));
}

/** The entries (pairs or items) of every container, in document order. */
function entriesOf(root: YamlNode): { container: Container; index: number }[] {
  return nodesOf(root)
    .filter(isContainer)
    .flatMap((container) =>
      Array.from(
        { length: container.kind === "map" ? container.pairs.length : container.items.length },
        (_, index) => ({
          container,
          index,
        }),
      ),
    );
}

/**
 * Applies `m` to `root` in place. Indices wrap, so every mutation lands somewhere in any tree. Nodes taken
 * from `m` are copied: fast-check reuses generated values while shrinking, so they must never change.
 */
export function applyMutation(root: YamlNode, m: TreeMutation): void {
  const nodes = nodesOf(root);
  const containers = nodes.filter(isContainer);
  const entry = "at" in m ? pick(entriesOf(root), m.at) : undefined;
  switch (m.op) {
    case "delete":
      if (entry?.container.kind === "map") entry.container.pairs.splice(entry.index, 1);
      else if (entry?.container.kind === "seq") entry.container.items.splice(entry.index, 1);
      return;
    case "duplicate":
      if (entry?.container.kind === "map") {
        const [k, v] = structuredClone(entry.container.pairs[entry.index]!);
        entry.container.pairs.splice(entry.index + 1, 0, [structuredClone(m.renameTo) ?? k, v]);
      } else if (entry?.container.kind === "seq")
        entry.container.items.splice(
          entry.index + 1,
          0,
          structuredClone(entry.container.items[entry.index]!),
        );
      return;
    case "rename":
      if (entry?.container.kind === "map") entry.container.pairs[entry.index]![0] = structuredClone(m.key);
      return;
    case "replace": {
      const target = pick(nodes, m.at);
      if (target) overwrite(target, m.value);
      return;
    }
    case "insert": {
      const target = pick(containers, m.at);
      if (target?.kind === "map") target.pairs.push(structuredClone([m.key, m.value]));
      else if (target?.kind === "seq") target.items.push(structuredClone(m.value));
      return;
    }
    case "restyle": {
      const target = pick(containers, m.at);
      if (target) target.flow = !target.flow;
      return;
    }
    case "tag": {
      const target = pick(nodes, m.at);
      if (target && target.kind !== "alias") target.props = { ...target.props, tag: m.tag };
      return;
    }
    case "alias": {
      const anchored = pick(nodes, m.from);
      const replaced = pick(nodes, m.to);
      if (anchored && anchored.kind !== "alias") anchored.props = { ...anchored.props, anchor: m.name };
      if (replaced) overwrite(replaced, { kind: "alias", name: m.name });
      return;
    }
    case "merge": {
      const target = pick(
        containers.filter((c) => c.kind === "map"),
        m.at,
      );
      if (!target) return;
      let source: YamlNode;
      if (typeof m.from === "number") {
        const anchored = pick(nodes, m.from)!;
        if (anchored.kind !== "alias") anchored.props = { ...anchored.props, anchor: "m" };
        source = { kind: "alias", name: "m" };
      } else source = structuredClone(m.from);
      target.pairs.unshift([scalar("<<"), source]);
      return;
    }
    case "bomb": {
      // Anchors first (a top-level key ahead of everything), then the alias somewhere the schema reads.
      const bomb = aliasBomb(m.levels, m.width);
      if (root.kind === "map") root.pairs.unshift([scalar("lols"), bomb.anchors]);
      const target = pick(nodes.slice(1), m.at);
      if (target) overwrite(target, bomb.use);
      return;
    }
  }
}

export type TextEdit =
  | { op: "bom" | "crlf" | "cr" | "tabs" | "document-end" }
  | { op: "directive"; text: string }
  | { op: "documents"; extra: string }
  | { op: "splice"; at: number; remove: number; insert: string };

export function applyTextEdit(text: string, e: TextEdit): string {
  switch (e.op) {
    case "bom":
      return `\ufeff${text}`;
    case "crlf":
      return text.replace(/\n/g, "\r\n");
    case "cr":
      return text.replace(/\n/g, "\r");
    case "tabs":
      return text.replace(/^( {2})+/gm, (indent) => "\t".repeat(indent.length / 2));
    case "document-end":
      return `${text}...\n`;
    case "directive":
      return `${e.text}\n---\n${text}`;
    case "documents":
      return `${text}---\n${e.extra}`;
    case "splice": {
      const pos = text.length === 0 ? 0 : e.at % (text.length + 1);
      return text.slice(0, pos) + e.insert + text.slice(pos + e.remove);
    }
  }
}
