/**
 * Go RE2 regular expressions (https://github.com/google/re2/wiki/Syntax, Go's regexp/syntax) rewritten as
 * JavaScript RegExp source, so a matcher evaluated here agrees with FM, which is written in Go.
 *
 * What differs and how it is handled:
 * - RE2 has no lookaround, backreferences (`\1`, `\k<n>`), atomic groups, `\C` or comments `(?#…)`:
 *   rejected with a message naming the construct (JavaScript would accept most of them silently).
 * - `.` excludes only `\n` in RE2, but also `\r`, U+2028 and U+2029 in JavaScript: written as `[^\n]`.
 * - `\s` is ASCII `[\t\n\f\r ]` in RE2 but Unicode in JavaScript: written out (outside classes).
 * - `\A`, `\z` become `^`, `$` (the pattern never gets the `m` flag); `\Q…\E` is quoted literally;
 *   `\x{10FFFF}` becomes `\u{10FFFF}`; octal `\123` becomes `\x53`; `\a` becomes `\x07`.
 * - POSIX classes `[[:alpha:]]` are expanded; `\pL` and `\p{Greek}` become `\p{L}` and `\p{Script=Greek}`.
 * - Escaped punctuation (`\@`, `\#`) and a `{`, `}` or `]` that is not syntax are literals in RE2 but
 *   errors in JavaScript's `u` mode: written as literals.
 * - Repeat counts above 1000 are an error in RE2: rejected too.
 * - Flags: a leading `(?i)` or `(?s)` (or `(?is)`) applies to the whole pattern, as in RE2. Flag groups
 *   elsewhere (`(?i:…)`) and the `m` and `U` flags have no equivalent on Node 20: rejected.
 */

export class Re2SyntaxError extends Error {
  override readonly name = "Re2SyntaxError";
  constructor(
    readonly pattern: string,
    /** What is wrong, in plain words. */
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface TranslatedRegExp {
  /** JavaScript source, to be compiled with the `u` flag plus `flags`. */
  readonly source: string;
  readonly flags: string;
}

const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");
const MAX_REPEAT = 1000;

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const isOctal = (c: string | undefined) => c !== undefined && c >= "0" && c <= "7";
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** Escapes one literal character for use in JavaScript RegExp source (inside a class or not). */
function literal(c: string, inClass: boolean): string {
  if (JS_SYNTAX.has(c) || (inClass && c === "-")) return `\\${c}`;
  return c;
}

function propertyEscape(name: string, negated: boolean): string {
  let positive = !negated;
  let prop = name;
  if (prop.startsWith("^")) {
    positive = !positive;
    prop = prop.slice(1);
  }
  const letter = positive ? "p" : "P";
  // General categories (L, Lu, N…) and Any are valid as they are; anything else is a script name in RE2.
  for (const candidate of [prop, `Script=${prop}`]) {
    try {
      new RegExp(`\\${letter}{${candidate}}`, "u");
      return `\\${letter}{${candidate}}`;
    } catch {
      // try the next form
    }
  }
  throw new Error(`unknown Unicode class \\p{${name}}`);
}

export function translateRe2(pattern: string): TranslatedRegExp {
  const chars = Array.from(pattern);
  const fail = (reason: string): never => {
    throw new Re2SyntaxError(pattern, reason);
  };
  let flags = "";
  let i = 0;
  const leading = /^\(\?([a-zA-Z-]+)\)/.exec(pattern);
  if (leading) {
    const given = leading[1]!;
    if (!/^[is]+$/.test(given))
      fail(`flags (?${given}) are not supported here: only a leading (?i) and (?s) are`);
    flags = [...new Set(given)].join("");
    i = Array.from(leading[0]).length;
  }
  const dotAll = flags.includes("s");
  let out = "";
  let inClass = false;

  const octalFrom = (start: number): { code: number; next: number } => {
    let j = start;
    let digits = "";
    while (digits.length < 3 && isOctal(chars[j])) digits += chars[j++];
    return { code: parseInt(digits, 8), next: j };
  };

  while (i < chars.length) {
    const c = chars[i]!;
    if (c === "\\") {
      const e = chars[i + 1] ?? fail("the pattern ends with a lone backslash");
      i += 2;
      switch (e) {
        case "1":
        case "2":
        case "3":
        case "4":
        case "5":
        case "6":
        case "7":
        case "0": {
          // \1 to \7 alone are backreferences in other dialects; followed by octal digits, an octal escape.
          if (e !== "0" && !isOctal(chars[i]))
            fail(`backreferences (\\${e}) are not supported by RE2, which FM uses`);
          const { code, next } = octalFrom(i - 1);
          if (code > 0o377) fail(`octal escape \\${chars.slice(i - 1, next).join("")} is above \\377`);
          out += `\\x${code.toString(16).padStart(2, "0")}`;
          i = next;
          break;
        }
        case "8":
        case "9":
          fail(`backreferences (\\${e}) are not supported by RE2, which FM uses`);
          break;
        case "k":
          fail("named backreferences (\\k<name>) are not supported by RE2, which FM uses");
          break;
        case "C":
          fail("\\C (any byte) has no JavaScript equivalent");
          break;
        case "x": {
          if (chars[i] === "{") {
            const close = chars.indexOf("}", i);
            const hex = close === -1 ? "" : chars.slice(i + 1, close).join("");
            if (!/^[0-9A-Fa-f]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff)
              fail("expected a hexadecimal code point up to 10FFFF in \\x{…}");
            out += `\\u{${hex}}`;
            i = close + 1;
          } else {
            if (!isHex(chars[i]) || !isHex(chars[i + 1])) fail("expected two hexadecimal digits after \\x");
            out += `\\x${chars[i]}${chars[i + 1]}`;
            i += 2;
          }
          break;
        }
        case "a":
          out += "\\x07";
          break;
        case "f":
        case "t":
        case "n":
        case "r":
        case "v":
        case "d":
        case "D":
        case "w":
        case "W":
          out += `\\${e}`;
          break;
        case "s":
          out += inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]";
          break;
        case "S":
          out += inClass ? "\\S" : "[^\\t\\n\\f\\r ]";
          break;
        case "b":
        case "B":
          if (inClass) fail(`\\${e} is not allowed inside a character class`);
          out += `\\${e}`;
          break;
        case "A":
        case "z":
          if (inClass) fail(`\\${e} is not allowed inside a character class`);
          out += e === "A" ? "^" : "$";
          break;
        case "Q": {
          let end = i;
          while (end < chars.length && !(chars[end] === "\\" && chars[end + 1] === "E")) end++;
          out += chars
            .slice(i, end)
            .map((q) => literal(q, inClass))
            .join("");
          i = end + 2;
          break;
        }
        case "p":
        case "P": {
          let name: string;
          if (chars[i] === "{") {
            const close = chars.indexOf("}", i);
            if (close === -1) fail(`missing } after \\${e}{`);
            name = chars.slice(i + 1, close).join("");
            i = close + 1;
          } else {
            name = chars[i] ?? fail(`expected a class name after \\${e}`);
            i += 1;
          }
          try {
            out += propertyEscape(name, e === "P");
          } catch (err) {
            fail((err as Error).message);
          }
          break;
        }
        default:
          if (/^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(e)) out += literal(e, inClass);
          else fail(`invalid escape \\${e}`);
      }
      continue;
    }

    if (inClass) {
      if (c === "]") {
        inClass = false;
        out += "]";
        i++;
      } else if (c === "[" && chars[i + 1] === ":") {
        const close = chars.indexOf("]", i);
        const body = close === -1 ? "" : chars.slice(i + 2, close).join("");
        const m = /^(\^?)([a-z]+):$/.exec(body);
        if (!m) {
          out += "\\[";
          i++;
          continue;
        }
        if (m[1]) fail(`negated POSIX class [:^${m[2]}:] is not supported`);
        const expansion = POSIX_CLASSES[m[2]!];
        if (!expansion) fail(`unknown POSIX class [:${m[2]}:]`);
        out += expansion;
        i = close + 1;
      } else {
        out += c === "[" ? "\\[" : c;
        i++;
      }
      continue;
    }

    switch (c) {
      case "[": {
        inClass = true;
        out += "[";
        i++;
        if (chars[i] === "^") {
          out += "^";
          i++;
        }
        // RE2 reads a ] right after [ or [^ as a literal.
        if (chars[i] === "]") {
          out += "\\]";
          i++;
        }
        break;
      }
      case "(": {
        if (chars[i + 1] !== "?") {
          out += "(";
          i++;
          break;
        }
        const next = chars[i + 2];
        const after = chars[i + 3];
        if (next === ":") {
          out += "(?:";
          i += 3;
        } else if (next === "=" || next === "!") {
          fail(`lookahead (?${next}…) is not supported by RE2, which FM uses`);
        } else if (next === "<" && (after === "=" || after === "!")) {
          fail(`lookbehind (?<${after}…) is not supported by RE2, which FM uses`);
        } else if (next === "<" || (next === "P" && after === "<")) {
          const start = next === "P" ? i + 4 : i + 3;
          const close = chars.indexOf(">", start);
          const name = close === -1 ? "" : chars.slice(start, close).join("");
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail("expected a group name of letters, digits and _");
          out += `(?<${name}>`;
          i = close + 1;
        } else if (next === ">") {
          fail("atomic groups (?>…) are not supported by RE2, which FM uses");
        } else if (next === "#") {
          fail("comments (?#…) are not supported by RE2, which FM uses");
        } else {
          fail("flag groups are supported only as a leading (?i) or (?s)");
        }
        break;
      }
      case ".":
        out += dotAll ? "." : "[^\\n]";
        i++;
        break;
      case "{": {
        const rest = chars.slice(i).join("");
        const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
        if (!m) {
          out += "\\{";
          i++;
          break;
        }
        const counts = [m[1], m[3]].filter((n): n is string => n !== undefined && n !== "");
        if (counts.some((n) => Number(n) > MAX_REPEAT)) fail(`repeat count above ${MAX_REPEAT} in ${m[0]}`);
        out += m[0];
        i += Array.from(m[0]).length;
        break;
      }
      case "}":
      case "]":
        out += `\\${c}`;
        i++;
        break;
      default:
        out += c;
        i++;
    }
  }
  if (inClass) fail("missing closing ] of a character class");
  return { source: out, flags };
}
