/**
 * A small YAML syntax tree and emitter for the blueprint fuzzer. Unlike yaml's own stringifier it writes
 * whatever it is given: scalars verbatim (`0x10`, `.inf`, `~`), aliases to anchors that do not exist yet,
 * tags nothing resolves, keys that are collections, block or flow style per node. So the fuzzer can reach
 * the documents users really write, and the broken ones too.
 */
import { parse } from "yaml";

export interface NodeProps {
  anchor?: string;
  tag?: string;
}

export type YamlNode =
  | { kind: "scalar"; text: string; props?: NodeProps }
  | { kind: "map"; pairs: [YamlNode, YamlNode][]; flow: boolean; props?: NodeProps }
  | { kind: "seq"; items: YamlNode[]; flow: boolean; props?: NodeProps }
  | { kind: "alias"; name: string };

export const scalar = (text: string, props?: NodeProps): YamlNode =>
  props ? { kind: "scalar", text, props } : { kind: "scalar", text };

/** Plain when YAML reads the text back as the same string; double-quoted (JSON escapes are YAML's) otherwise. */
export function stringScalar(value: string): YamlNode {
  const plain = /^[A-Za-z][A-Za-z0-9_.-]*$/.test(value) && !/^(true|false|null)$/i.test(value);
  return scalar(plain ? value : JSON.stringify(value));
}

/** The tree of plain parsed data (what `yaml.parse` returns), all block style. */
export function fromData(value: unknown): YamlNode {
  if (Array.isArray(value)) return { kind: "seq", items: value.map(fromData), flow: false };
  if (value !== null && typeof value === "object")
    return {
      kind: "map",
      pairs: Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [YamlNode, YamlNode] => [stringScalar(k), fromData(v)]),
      flow: false,
    };
  if (typeof value === "string") return stringScalar(value);
  if (typeof value === "number" || typeof value === "boolean") return scalar(String(value));
  return scalar("null");
}

/** Parses `text` into a tree (comments, anchors and styles are not kept). */
export function treeOf(text: string): YamlNode {
  return fromData(parse(text));
}

function propsText(props: NodeProps | undefined): string {
  if (!props) return "";
  return [props.anchor ? `&${props.anchor}` : "", props.tag ?? ""].filter(Boolean).join(" ");
}

const withProps = (node: YamlNode, body: string) => {
  const p = node.kind === "alias" ? "" : propsText(node.props);
  return p === "" ? body : `${p} ${body}`;
};

/** Flow form on one line. An alias key gets a space before ":" since ":" may belong to an anchor name. */
export function inline(node: YamlNode): string {
  switch (node.kind) {
    case "alias":
      return `*${node.name}`;
    case "scalar":
      return withProps(node, node.text);
    case "map":
      return withProps(node, `{${node.pairs.map(([k, v]) => `${keyText(k)}: ${inline(v)}`).join(", ")}}`);
    case "seq":
      return withProps(node, `[${node.items.map(inline).join(", ")}]`);
  }
}

function keyText(key: YamlNode): string {
  return key.kind === "alias" ? `${inline(key)} ` : inline(key);
}

const isBlockCollection = (node: YamlNode) =>
  (node.kind === "map" && !node.flow && node.pairs.length > 0) ||
  (node.kind === "seq" && !node.flow && node.items.length > 0);

/** What follows `key:` or `-`: an inline value, or props and a nested block on the next lines. */
function after(node: YamlNode, indent: number): string {
  if (!isBlockCollection(node)) return ` ${inline(node)}`;
  const p = node.kind === "alias" ? "" : propsText(node.props);
  return `${p === "" ? "" : ` ${p}`}\n${blockLines(node, indent).join("\n")}`;
}

function blockLines(node: YamlNode, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (node.kind === "map") return node.pairs.map(([k, v]) => `${pad}${keyText(k)}:${after(v, indent + 2)}`);
  if (node.kind === "seq") return node.items.map((item) => `${pad}-${after(item, indent + 2)}`);
  return [`${pad}${inline(node)}`];
}

/** The document text, ending in a newline. */
export function emit(root: YamlNode): string {
  if (!isBlockCollection(root)) return `${inline(root)}\n`;
  const p = root.kind === "alias" ? "" : propsText(root.props);
  return `${p === "" ? "" : `--- ${p}\n`}${blockLines(root, 0).join("\n")}\n`;
}

/** Every node in document order, the root first; keys come before their values. */
export function nodesOf(root: YamlNode): YamlNode[] {
  const out: YamlNode[] = [];
  const walk = (node: YamlNode) => {
    out.push(node);
    if (node.kind === "map")
      for (const [k, v] of node.pairs) {
        walk(k);
        walk(v);
      }
    else if (node.kind === "seq") node.items.forEach(walk);
  };
  walk(root);
  return out;
}
