/**
 * Name rules shared by the blueprint schema and the `env` override (README.md#blueprints, #inputs). Names end
 * up in collector IDs, which FM limits to 128 chars of [a-z0-9.-]. This file is the one definition of the
 * characters; the `env` setting's rule (src/settings/rules.ts) applies it to the override.
 */

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

declare const envNameBrand: unique symbol;

/**
 * An env override that passed the `env` setting's rule. Only the settings parser makes one, so the roster
 * can take it without checking again.
 */
export type EnvName = string & { readonly [envNameBrand]: true };
