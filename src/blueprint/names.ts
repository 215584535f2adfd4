/**
 * Name rules shared by the blueprint schema and the `env` override (SPEC sections 2 and 3). Names end up in
 * collector IDs, which FM limits to 128 chars of [a-z0-9.-].
 */
import { escapeUnsafe } from "./characters.js";

const NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

export const BLUEPRINT_NAME_MAX = 40;
export const ENV_NAME_MAX = 30;

/** The rule in words, for "expected …" messages. */
export function nameRule(max: number): string {
  return `lowercase letters, digits and "-", starting with a letter or digit, at most ${max} chars`;
}

export function isValidName(name: string, max: number): boolean {
  return name.length <= max && NAME_RE.test(name);
}

/** Why `name` cannot be an environment name (e.g. the `env` override), or undefined when it can. */
export function envNameProblem(name: string): string | undefined {
  if (isValidName(name, ENV_NAME_MAX)) return undefined;
  return `expected an environment name of ${nameRule(ENV_NAME_MAX)}, found ${escapeUnsafe(JSON.stringify(name))}`;
}
