/** The rules the settings table uses: one per kind of value, each a pure parser with plain-words problems. */
import { ENV_NAME_MAX, isValidName, nameRule, type EnvName } from "../blueprint/names.js";
import { SHIPPED_NAMES } from "../blueprint/shipped.js";
import { formatDuration, MAX_DURATION_MS, parseDuration } from "../core/duration.js";
import { parseExpectations, type Expectations } from "./expectations.js";
import { validateEndpoint, type EndpointUse } from "./endpoint.js";
import { ok, problem, quote, type Rule } from "./rule.js";

/** A blueprint file path or a shipped name; whether it exists is the blueprint loader's to say. */
export const blueprintRef: Rule<string> = {
  kind: "blueprint",
  expected: `a blueprint file or a shipped name (${SHIPPED_NAMES.join(", ")})`,
  placeholder: "<blueprint>",
  parse: (text) => ok(text),
};

/** The env override: the blueprint's own rules for environment names (blueprint/names.ts). */
export const envName: Rule<EnvName> = {
  kind: "env-name",
  expected: `an environment name of ${nameRule(ENV_NAME_MAX)}`,
  placeholder: "<name>",
  parse: (text) =>
    isValidName(text, ENV_NAME_MAX)
      ? ok(text as EnvName)
      : problem(`expected an environment name of ${nameRule(ENV_NAME_MAX)}, found ${quote(text)}`),
};

/**
 * A duration from `minMs` up to MAX_DURATION_MS (the longest a Node.js timer can wait). Units are required:
 * a bare "15" could mean seconds or milliseconds.
 */
export function duration(minMs: number): Rule<number> {
  return {
    kind: "duration",
    expected: "a duration such as 15s, 2m or 1h",
    placeholder: "<dur>",
    parse(text) {
      const ms = parseDuration(text);
      if (ms === undefined) return problem(`expected a duration such as 15s, 2m or 1h, found ${quote(text)}`);
      if (ms < minMs) return problem(`must be at least ${formatDuration(minMs)}, found ${quote(text)}`);
      if (ms > MAX_DURATION_MS)
        return problem(`must be at most ${formatDuration(MAX_DURATION_MS)}, found ${quote(text)}`);
      return ok(ms);
    },
  };
}

/** Calls per second, written as plain decimals (no exponent, hex or Infinity). */
export function rate(min: number, max: number): Rule<number> {
  const expected = `a number of calls per second from ${min} to ${max}`;
  return {
    kind: "rate",
    expected,
    placeholder: "<n>",
    parse(text) {
      const value = Number(text);
      return /^\d+(\.\d+)?$/.test(text) && value >= min && value <= max
        ? ok(value)
        : problem(`expected ${expected}, found ${quote(text)}`);
    },
  };
}

/** The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them. */
export const boolean: Rule<boolean> = {
  kind: "boolean",
  expected: "true or false",
  placeholder: "<true|false>",
  parse(text) {
    if (["true", "True", "TRUE"].includes(text)) return ok(true);
    if (["false", "False", "FALSE"].includes(text)) return ok(false);
    return problem(`expected true or false, found ${quote(text)}`);
  },
};

export const directory: Rule<string> = {
  kind: "path",
  expected: "a folder path",
  placeholder: "<dir>",
  parse: (text) => ok(text),
};

export const file: Rule<string> = {
  kind: "path",
  expected: "a file path",
  placeholder: "<file>",
  parse: (text) => ok(text),
};

/**
 * Pipeline expectations written inline (settings/expectations.ts): every problem, each at its line and
 * column of the text.
 */
export const expectations: Rule<Expectations> = {
  kind: "expectations",
  expected: "a YAML list of entries, each with match and pipelines",
  placeholder: "<yaml>",
  parse(text) {
    const parsed = parseExpectations(text);
    if (parsed.ok) return ok(parsed.expectations);
    const where = parsed.problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`);
    return problem(where.length === 1 ? where[0]! : `${where.length} problems: ${where.join("; ")}`);
  },
};

export function url(use: EndpointUse): Rule<string> {
  return {
    kind: "url",
    expected: "an https:// URL",
    placeholder: "<url>",
    parse: (text) => validateEndpoint(text, use),
  };
}

/** A Basic-auth user or a tenant ID: any text. */
export const user: Rule<string> = { kind: "user", expected: "a user", placeholder: "<id>", parse: ok };

/** A token: any text, never quoted back (every problem is scrubbed of the secrets given). */
export const secret: Rule<string> = {
  kind: "secret",
  expected: "a token",
  placeholder: "<token>",
  parse: ok,
};

/** One of a few words, spelled exactly. */
export function choice<const T extends string>(values: readonly T[]): Rule<T> {
  const expected = `one of ${values.join(", ")}`;
  return {
    kind: "choice",
    expected,
    placeholder: `<${values.join("|")}>`,
    parse: (text) =>
      (values as readonly string[]).includes(text)
        ? ok(text as T)
        : problem(`expected ${expected}, found ${quote(text)}`),
  };
}

/** The most parts one fleet can be split into. */
export const MAX_SHARDS = 256;

/** One part of a fleet split over several jobs: part `index` (1-based) of `count`. */
export interface ShardSetting {
  readonly index: number;
  readonly count: number;
}

/** `i/n` with 1 ≤ i ≤ n ≤ 256, plain decimal digits (as a GitHub Actions matrix writes `${{ matrix.shard }}/4`). */
export const shard: Rule<ShardSetting> = {
  kind: "shard",
  expected: `a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (e.g. 2/4)`,
  placeholder: "<i/n>",
  parse(text) {
    const m = /^(\d{1,3})\/(\d{1,3})$/.exec(text);
    if (!m)
      return problem(
        `expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (e.g. 2/4), found ${quote(text)}`,
      );
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count < 1 || count > MAX_SHARDS)
      return problem(`expected between 1 and ${MAX_SHARDS} parts after the "/", found ${quote(text)}`);
    if (index < 1 || index > count)
      return problem(`expected a part from 1 to ${count} before the "/", found ${quote(text)}`);
    return ok({ index, count });
  },
};
