/**
 * Alertmanager matchers, as Fleet Management uses them to send pipelines to collectors and to filter
 * ListCollectors (https://prometheus.io/docs/alerting/latest/configuration/#matcher; the UTF-8 parser of
 * prometheus/alertmanager `matchers/parse`, the semantics of `pkg/labels/matcher.go`):
 * - one matcher per string: `name OP value`, OP one of `=`, `!=`, `=~`, `!~`, blanks around tokens ignored;
 * - a name or value is either double-quoted with Go escapes (`\"`, `\\`, `\n`, `\t`, `\x41`, `\u00e9`…)
 *   or unquoted, without blanks and without any of `{ } ! = ~ , " ' \` \`; an empty value is written `""`;
 * - at most 200 characters per matcher (FM's limit, grafana.com fleet-management glossary);
 * - regexes are Go RE2, fully anchored as `^(?:re)$` (see ./re2.ts for how they run in JavaScript);
 * - a missing attribute reads as "", so `x!="a"` and `x=~".*"` hold without `x`, and `x=~".+"` does not;
 * - a list holds when every matcher holds.
 * Pure: imports nothing but ./re2.ts.
 */
import { Re2SyntaxError, translateRe2 } from "./re2.js";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** The string it was parsed from. */
  readonly source: string;
  /** Whether an attribute value satisfies it ("" for a missing attribute). */
  test(attributeValue: string): boolean;
}

export class MatcherError extends Error {
  override readonly name = "MatcherError";
  constructor(
    /** The matcher as written. */
    readonly matcher: string,
    /** What was expected or what is wrong. */
    readonly reason: string,
    /** Position in a list, when parsed with parseMatchers. */
    readonly index?: number,
  ) {
    super(`matcher ${JSON.stringify(matcher)}${index !== undefined ? ` (#${index + 1})` : ""}: ${reason}`);
  }
}

/** FM's limit on one matcher (key, operator and value). */
export const MAX_MATCHER_LENGTH = 200;

const OPERATORS: readonly MatchOp[] = ["=~", "!=", "!~", "="];

/** Characters an unquoted name or value cannot hold (alertmanager `matchers/parse` lexer). */
function isReserved(c: string): boolean {
  return /\s/u.test(c) || "{}!=~,\"'`\\".includes(c);
}

const describe = (c: string | undefined) => (c === undefined ? "the end" : JSON.stringify(c));

function hintFor(c: string | undefined): string {
  if (c === "'" || c === "`") return " (only double quotes quote a name or value)";
  if (c === "\\") return " (escapes work only inside double quotes)";
  if (c !== undefined && /\s/u.test(c)) return " (quote a value that holds blanks)";
  return "";
}

export function parseMatcher(input: string): Matcher {
  const fail = (reason: string): never => {
    throw new MatcherError(input, reason);
  };
  const chars = Array.from(input);
  const trimmed = input.trim();
  if (trimmed === "") fail('expected a matcher such as env="prod", found an empty string');
  if (Array.from(trimmed).length > MAX_MATCHER_LENGTH)
    fail(`is ${Array.from(trimmed).length} characters long; FM allows at most ${MAX_MATCHER_LENGTH}`);
  if (trimmed.startsWith("{") || trimmed.endsWith("}"))
    fail("expected one matcher without braces: write each matcher as its own list entry");

  let i = 0;
  const skipBlanks = () => {
    while (i < chars.length && /\s/u.test(chars[i]!)) i++;
  };

  const readToken = (what: "an attribute name" | "a value"): string => {
    skipBlanks();
    const c = chars[i];
    if (c === '"') return readQuoted();
    if (c === undefined || isReserved(c)) {
      const hint =
        what === "a value" && (c === undefined || c === ",") ? ' (write "" for an empty value)' : hintFor(c);
      return fail(`expected ${what}, found ${describe(c)}${hint}`);
    }
    let token = "";
    while (i < chars.length && !isReserved(chars[i]!)) token += chars[i++];
    return token;
  };

  const readQuoted = (): string => {
    const start = i;
    i++;
    let raw = "";
    let escaped = false;
    for (; i < chars.length; i++) {
      const c = chars[i]!;
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') break;
      raw += c;
    }
    if (chars[i] !== '"') fail(`missing the closing " of the string that starts at column ${start + 1}`);
    i++;
    try {
      return unquoteGo(raw);
    } catch (err) {
      return fail(`invalid string "${raw}": ${(err as Error).message}`);
    }
  };

  const name = readToken("an attribute name");
  skipBlanks();
  const rest = chars.slice(i, i + 2).join("");
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (!op) fail(`expected an operator such as '=', '!=', '=~' or '!~' after ${JSON.stringify(name)}`);
  i += op!.length;
  const value = readToken("a value");
  skipBlanks();
  // The alertmanager parser accepts one trailing comma after the last matcher.
  if (chars[i] === ",") {
    i++;
    skipBlanks();
  }
  if (i < chars.length)
    fail(
      `expected the end of the matcher after ${JSON.stringify(value)}, found ${describe(chars[i])}` +
        (hintFor(chars[i]) || " (one string holds one matcher)"),
    );
  return createMatcher(name, op!, value, input);
}

/** Parses every matcher of a list; the first bad one throws, naming its position. */
export function parseMatchers(list: readonly string[]): Matcher[] {
  return list.map((s, index) => {
    try {
      return parseMatcher(s);
    } catch (err) {
      if (err instanceof MatcherError) throw new MatcherError(err.matcher, err.reason, index);
      throw err;
    }
  });
}

/** True when every matcher holds for the attributes; a missing attribute reads as "". */
export function matchesAll(
  matchers: readonly Matcher[],
  attributes: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => m.test(Object.hasOwn(attributes, m.name) ? attributes[m.name]! : ""));
}

/**
 * The attributes FM matches a collector against: its local attributes, overridden by its remote
 * attributes except `collector.*` keys, plus `collector.ID` (grafana/fleet-management-api
 * `api/collector/v1/collector.proto`, comment on `remote_attributes`).
 */
export function collectorMatchAttributes(collector: {
  readonly id: string;
  readonly localAttributes: Readonly<Record<string, string>>;
  readonly remoteAttributes?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const out: Record<string, string> = { ...collector.localAttributes };
  for (const [key, value] of Object.entries(collector.remoteAttributes ?? {}))
    if (!key.startsWith("collector.")) out[key] = value;
  out["collector.ID"] = collector.id;
  return out;
}

/** `name OP "value"`, quoted so that parseMatcher reads back the same matcher. */
export function formatMatcher(m: { name: string; op: MatchOp; value: string }): string {
  const name = Array.from(m.name).some(isReserved) || m.name === "" ? quoteGo(m.name) : m.name;
  return `${name}${m.op}${quoteGo(m.value)}`;
}

function createMatcher(name: string, op: MatchOp, value: string, source: string): Matcher {
  let test: (v: string) => boolean;
  switch (op) {
    case "=":
      test = (v) => v === value;
      break;
    case "!=":
      test = (v) => v !== value;
      break;
    case "=~":
    case "!~": {
      const re = compileAnchored(value, source);
      test = op === "=~" ? (v) => re.test(v) : (v) => !re.test(v);
    }
  }
  return { name, op, value, source, test };
}

function compileAnchored(pattern: string, source: string): RegExp {
  try {
    const { source: js, flags } = translateRe2(pattern);
    return new RegExp(`^(?:${js})$`, `u${flags}`);
  } catch (err) {
    if (err instanceof Re2SyntaxError)
      throw new MatcherError(source, `invalid regular expression ${JSON.stringify(pattern)}: ${err.reason}`);
    if (err instanceof SyntaxError) {
      // V8 words it "Invalid regular expression: /…/u: Unterminated group"; keep the reason only.
      const reason = err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
      throw new MatcherError(source, `invalid regular expression ${JSON.stringify(pattern)}: ${reason}`);
    }
    throw err;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "\\": 0x5c,
  '"': 0x22,
};

/** The body of a Go double-quoted string literal (strconv.Unquote), decoded; throws on a bad escape. */
function unquoteGo(body: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const chars = Array.from(body);
  const hexDigits = (from: number, count: number): number => {
    const digits = chars.slice(from, from + count).join("");
    if (!new RegExp(`^[0-9A-Fa-f]{${count}}$`).test(digits))
      throw new Error(`expected ${count} hexadecimal digits after \\${chars[from - 1]}`);
    return parseInt(digits, 16);
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "\n") throw new Error("a quoted string cannot span lines (write \\n)");
    if (c !== "\\") {
      bytes.push(...encoder.encode(c));
      continue;
    }
    const e = chars[++i];
    if (e === undefined) throw new Error("ends with a lone backslash");
    if (e in SIMPLE_ESCAPES) bytes.push(SIMPLE_ESCAPES[e]!);
    else if (e === "x") {
      bytes.push(hexDigits(i + 1, 2));
      i += 2;
    } else if (e >= "0" && e <= "7") {
      const digits = chars.slice(i, i + 3).join("");
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 0o377)
        throw new Error(`invalid octal escape \\${digits}`);
      bytes.push(parseInt(digits, 8));
      i += 2;
    } else if (e === "u" || e === "U") {
      const count = e === "u" ? 4 : 8;
      const code = hexDigits(i + 1, count);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        throw new Error(`\\${e}${chars.slice(i + 1, i + 1 + count).join("")} is not a valid code point`);
      bytes.push(...encoder.encode(String.fromCodePoint(code)));
      i += count;
    } else throw new Error(`unknown escape \\${e}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new Error("the escapes do not form valid UTF-8");
  }
}

/** A Go double-quoted literal that unquoteGo reads back as `s`. */
function quoteGo(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (c === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return `${out}"`;
}
