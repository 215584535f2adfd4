/**
 * "expected …, found …" wording for blueprint problems (README.md#blueprints: every problem says what was
 * expected and what was found). Zod calls these error functions with the offending input.
 */
import type * as z from "zod";
import { escapeUnsafe } from "./characters.js";

const MAX_SHOWN = 60;

/** How a YAML value reads in a message: `-3`, `"macos"`, `a list`, `nothing (the key is missing)`. */
export function describeFound(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  if (value === null) return "an empty value";
  if (typeof value === "string") {
    if (value === "") return "an empty string";
    // Escaped, so a bidi override or a terminal escape in the blueprint is shown, not obeyed, by the log.
    if (value.length <= MAX_SHOWN) return escapeUnsafe(JSON.stringify(value));
    return `${escapeUnsafe(JSON.stringify(`${value.slice(0, MAX_SHOWN)}…`))} (${value.length} chars)`;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

/** A zod error function that words every issue of one schema as `expected <phrase>, found <input>`. */
export function expecting(phrase: string): z.core.$ZodErrorMap {
  return (issue) => `expected ${phrase}, found ${describeFound(issue.input)}`;
}
