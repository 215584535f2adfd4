/**
 * What one setting's rule is: a parser from the text a user wrote (an action input, a CLI flag or an
 * environment variable) to a typed value, or a problem in plain words. Problems are predicates, "expected
 * a duration such as 15s, 2m or 1h, found \"ten\"", that each frontend puts after its own name for the
 * setting (`input interval:`, `--interval:`, `GC_FM_URL:`), so the same bad value reads the same everywhere.
 */

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export type SettingKind =
  | "blueprint"
  | "env-name"
  | "duration"
  | "rate"
  | "boolean"
  | "path"
  | "url"
  | "user"
  | "secret"
  | "choice"
  | "shard"
  | "expectations";

export interface Rule<T> {
  readonly kind: SettingKind;
  /** What a value looks like, for "expected …, found nothing" and --help: "a duration such as 15s". */
  readonly expected: string;
  /** How --help shows the value after the flag, e.g. "<dur>". */
  readonly placeholder: string;
  /** `text` is trimmed and not empty. */
  parse(text: string): Parsed<T>;
}

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const problem = <T>(text: string): Parsed<T> => ({ ok: false, problem: text });

/** A value as problems quote it: in double quotes, control characters escaped so a log line stays one line. */
export const quote = (text: string): string => JSON.stringify(text);
