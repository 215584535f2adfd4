/** Paths into the blueprint document, and how users see them in messages (README.md#blueprints). */
import { escapeUnsafe } from "./characters.js";

export type YamlPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * `features.fleet_management.collectors_per_os.linux`, `environments[1].name`, `attributes["collector.os"]`:
 * keys that would make the dotted form ambiguous are quoted.
 */
export function formatYamlPath(path: YamlPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${escapeUnsafe(JSON.stringify(segment))}]`;
  }
  return out;
}

/** The value at `path` in plain parsed data, or undefined when any step is missing. */
export function valueAt(data: unknown, path: YamlPath): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** Whether every key along `path` exists (its value may be null). */
export function hasPath(data: unknown, path: YamlPath): boolean {
  if (path.length === 0) return true;
  const parent = valueAt(data, path.slice(0, -1));
  return (
    parent !== null &&
    typeof parent === "object" &&
    Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]!)
  );
}
