/**
 * Maps a YAML path back to a line and column of the parsed document, so every blueprint problem points at
 * the node it is about (README.md#blueprints). Built on the `yaml` CST ranges and a LineCounter.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from "yaml";
import type { YamlPath } from "./yaml-path.js";

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/**
 * Where a problem is anchored: the value at the path (a bad count), the key at the path (an unknown key),
 * or the mapping that holds the path (a missing key).
 */
export type Anchor = "value" | "key" | "parent";

export interface SourceMap {
  /** The closest node that exists along `path`, or undefined for an empty document. */
  positionOf(path: YamlPath, anchor: Anchor): SourcePosition | undefined;
}

export function createSourceMap(doc: Document, lineCounter: LineCounter): SourceMap {
  const at = (node: { range?: readonly number[] | null } | null | undefined) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  /** Follows aliases so a path through `*anchor` lands on the anchored node. */
  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);

  const pairFor = (map: { items: Pair[] }, segment: string | number): Pair | undefined =>
    map.items.find((pair) => {
      const key = pair.key;
      return isScalar(key) ? String(key.value) === String(segment) : key === segment;
    });

  return {
    positionOf(path, anchor) {
      const target = anchor === "parent" ? path.slice(0, -1) : path;
      let node = deref(doc.contents) as Node | null | undefined;
      let best = at(node);
      for (let i = 0; i < target.length; i++) {
        const segment = target[i]!;
        const last = i === target.length - 1;
        if (isMap(node)) {
          const pair = pairFor(node, segment);
          if (!pair) return best;
          const keyPos = at(pair.key as Node | null);
          if (last && anchor === "key") return keyPos ?? best;
          // `key:` with no value has no value node: point at the key instead.
          const value = deref(pair.value) as Node | null | undefined;
          best = at(value) ?? keyPos ?? best;
          node = value;
        } else if (isSeq(node) && typeof segment === "number") {
          const item = deref(node.items[segment]) as Node | null | undefined;
          if (!item) return best;
          best = at(item) ?? best;
          node = item;
        } else {
          return best;
        }
      }
      return best;
    },
  };
}
