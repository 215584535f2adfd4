/**
 * The tokens of the Alloy configuration syntax, read one at a time with Alloy's rules
 * (https://grafana.com/docs/alloy/latest/get-started/syntax/, and the token and escape rules of grafana/alloy
 * `syntax/scanner/scanner.go`):
 * - a newline ends a statement (a TERMINATOR token) only after an identifier, a literal, `)`, `]` or `}`;
 *   elsewhere newlines are blanks. A comment running to the end of such a line yields the TERMINATOR first.
 * - `//` and `/* *\/` comments are skipped; a `/* *\/` comment followed by more code on its line swallows the
 *   pending TERMINATOR, as Alloy's scanner does.
 * - The first lexical error stops the read (`AlloySyntaxError`), at the offset Alloy reports it. Alloy checks
 *   each character as it reads it, one character ahead of the token it returns; so does this lexer, so its
 *   first error is the first diagnostic Alloy would print.
 *
 * Offsets are UTF-16 indexes into the source string; `locate` turns one into Alloy's line and byte column.
 */

/** Token kinds. Each is spelled as Alloy spells it in its error messages (`expected }, got EOF`). */
export type Token =
  | "EOF"
  | "TERMINATOR"
  | "IDENT"
  | "NUMBER"
  | "FLOAT"
  | "STRING"
  | "BOOL"
  | "NULL"
  | "||"
  | "&&"
  | "!"
  | "="
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "{"
  | "}"
  | "("
  | ")"
  | "["
  | "]"
  | ","
  | ".";

/** The first error in a source, at a UTF-16 offset: thrown by the lexer and parser, caught by parseAlloy. */
export class AlloySyntaxError extends Error {
  override readonly name = "AlloySyntaxError";
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** A cursor over the tokens of a source: `next()` moves to the next token and fills the fields. */
export interface Lexer {
  /** The current token. */
  readonly tok: Token;
  /** Its offset. */
  readonly pos: number;
  /** The offset just past it. */
  readonly end: number;
  /** The end of the token before it: where a node that ended with that token ends. */
  readonly prevEnd: number;
  /** Its text for IDENT, NUMBER, FLOAT, STRING (quotes included), BOOL and NULL; "" otherwise. */
  readonly lit: string;
  /** Reads the next token; throws AlloySyntaxError on a lexical error. */
  next(): void;
}

export function createLexer(source: string): Lexer {
  return new Scanner(source);
}

const EOF: number = -1;
const BOM: number = 0xfeff;
const NL: number = 0x0a;
const SLASH: number = 0x2f;
const STAR: number = 0x2a;
const BACKSLASH: number = 0x5c;
const DQUOTE: number = 0x22;
const BACKTICK: number = 0x60;

const isAsciiLetter = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isDecimal = (c: number): boolean => c >= 0x30 && c <= 0x39;
const UNICODE_LETTER = /^\p{L}$/u;
const UNICODE_DIGIT = /^\p{Nd}$/u;

/** A letter starts an identifier: ASCII letters, `_`, and any Unicode letter (category L). */
function isLetter(c: number): boolean {
  return isAsciiLetter(c) || c === 0x5f || (c >= 0x80 && UNICODE_LETTER.test(String.fromCodePoint(c)));
}

/** After the first letter an identifier may also hold decimal digits, ASCII or Unicode (category Nd). */
function isDigit(c: number): boolean {
  return isDecimal(c) || (c >= 0x80 && UNICODE_DIGIT.test(String.fromCodePoint(c)));
}

function digitValue(c: number): number {
  if (isDecimal(c)) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return 16;
}

class Scanner implements Lexer {
  tok: Token = "EOF";
  pos = 0;
  end = 0;
  prevEnd = 0;
  lit = "";

  /** The character under the cursor (a code point, or EOF), its offset, and the offset after it. */
  private ch = EOF;
  private offset = 0;
  private readOffset = 0;
  /** Whether a newline here would end a statement. */
  private insertTerm = false;

  constructor(private readonly src: string) {
    this.read();
    if (this.ch === BOM) this.read(); // a byte order mark is allowed as the very first character
  }

  /** Moves to the next character, checking it as Alloy checks every character it reads. */
  private read(): void {
    const src = this.src;
    const at = this.readOffset;
    if (at >= src.length) {
      this.offset = src.length;
      this.ch = EOF;
      return;
    }
    this.offset = at;
    let c = src.charCodeAt(at);
    let width = 1;
    if (c === 0) {
      throw new AlloySyntaxError(at, "illegal character NUL");
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const low = c <= 0xdbff ? src.charCodeAt(at + 1) : 0;
      // A lone surrogate cannot be encoded as UTF-8: Alloy would have read invalid bytes here.
      if (!(low >= 0xdc00 && low <= 0xdfff)) throw new AlloySyntaxError(at, "illegal UTF-8 encoding");
      c = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
      width = 2;
    } else if (c === BOM && at > 0) {
      throw new AlloySyntaxError(at, "illegal byte order mark");
    }
    this.readOffset = at + width;
    this.ch = c;
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.ch;
      if (c === 0x20 || c === 0x09 || c === 0x0d || (c === NL && !this.insertTerm)) this.read();
      else return;
    }
  }

  next(): void {
    this.prevEnd = this.end;
    this.lit = "";
    for (;;) {
      this.skipBlanks();
      const start = this.offset;
      this.pos = start;
      const c = this.ch;

      if (isLetter(c)) {
        const lit = this.scanIdentifier(start);
        this.lit = lit;
        this.tok = lit === "true" || lit === "false" ? "BOOL" : lit === "null" ? "NULL" : "IDENT";
        return this.done(true);
      }
      if (isDecimal(c) || (c === 0x2e && isDecimal(this.src.charCodeAt(this.readOffset)))) {
        this.tok = this.scanNumber(start);
        this.lit = this.src.slice(start, this.offset);
        return this.done(true);
      }

      this.read(); // make progress: `c` is the first character of the token, this.ch the second
      switch (c) {
        case EOF:
          if (this.insertTerm) return this.terminator(start, start);
          this.tok = "EOF";
          return this.done(false);
        case NL:
          // Only reached when a newline ends a statement: otherwise skipBlanks ate it.
          return this.terminator(start, start + 1);
        case 0x27: // '
          throw new AlloySyntaxError(start, "illegal single-quoted string; use double quotes");
        case DQUOTE:
        case BACKTICK:
          this.scanString(start, c);
          this.tok = "STRING";
          this.lit = this.src.slice(start, this.offset);
          return this.done(true);
        case 0x7c: // |
          if (this.ch !== 0x7c) throw new AlloySyntaxError(this.offset, "missing second | in ||");
          this.read();
          return this.operator("||");
        case 0x26: // &
          if (this.ch !== 0x26) throw new AlloySyntaxError(this.offset, "missing second & in &&");
          this.read();
          return this.operator("&&");
        case 0x21: // !
          return this.operator(this.followedBy(0x3d) ? "!=" : "!");
        case 0x3d: // =
          return this.operator(this.followedBy(0x3d) ? "==" : "=");
        case 0x3c: // <
          return this.operator(this.followedBy(0x3d) ? "<=" : "<");
        case 0x3e: // >
          return this.operator(this.followedBy(0x3d) ? ">=" : ">");
        case 0x2b:
          return this.operator("+");
        case 0x2d:
          return this.operator("-");
        case STAR:
          return this.operator("*");
        case SLASH:
          if (this.ch !== SLASH && this.ch !== STAR) return this.operator("/");
          if (this.insertTerm && this.commentEndsLine(start)) {
            // End the statement here and read the comment on the next call.
            this.offset = start;
            this.readOffset = start + 1;
            this.ch = SLASH;
            return this.terminator(start, start);
          }
          this.skipComment(start);
          this.insertTerm = false; // the comment consumed the newline it may have hidden
          continue;
        case 0x25:
          return this.operator("%");
        case 0x5e:
          return this.operator("^");
        case 0x7b:
          return this.operator("{");
        case 0x7d:
          this.tok = "}";
          return this.done(true);
        case 0x28:
          return this.operator("(");
        case 0x29:
          this.tok = ")";
          return this.done(true);
        case 0x5b:
          return this.operator("[");
        case 0x5d:
          this.tok = "]";
          return this.done(true);
        case 0x2c:
          return this.operator(",");
        case 0x2e:
          return this.operator(".");
        default:
          throw new AlloySyntaxError(start, `illegal character ${describeRune(c)}`);
      }
    }
  }

  private done(insertTerm: boolean): void {
    this.insertTerm = insertTerm;
    this.end = this.offset;
  }

  private operator(tok: Token): void {
    this.tok = tok;
    this.done(false);
  }

  private terminator(pos: number, end: number): void {
    this.tok = "TERMINATOR";
    this.pos = pos;
    this.end = end;
    this.insertTerm = false;
  }

  /** Consumes `c` if it is the current character. */
  private followedBy(c: number): boolean {
    if (this.ch !== c) return false;
    this.read();
    return true;
  }

  private scanIdentifier(start: number): string {
    // ASCII fast path straight on the string; fall back to read() for anything else.
    const src = this.src;
    let i = this.readOffset;
    for (; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (!(isAsciiLetter(c) || c === 0x5f || isDecimal(c))) break;
    }
    this.readOffset = i;
    this.read();
    while (isLetter(this.ch) || isDigit(this.ch)) this.read();
    return src.slice(start, this.offset);
  }

  private digits(): number {
    let n = 0;
    while (isDecimal(this.ch)) {
      this.read();
      n++;
    }
    return n;
  }

  private scanNumber(start: number): Token {
    let tok: Token = "NUMBER";
    if (this.ch !== 0x2e) this.digits();
    if (this.ch === 0x2e) {
      tok = "FLOAT";
      this.read();
      this.digits();
    }
    if ((this.ch | 0x20) === 0x65) {
      tok = "FLOAT";
      this.read();
      if (this.ch === 0x2b || this.ch === 0x2d) this.read();
      if (this.digits() === 0) throw new AlloySyntaxError(start, "exponent has no digits");
    }
    return tok;
  }

  /** Reads a string whose opening quote (at `start`) is consumed; a raw (backtick) string may span lines. */
  private scanString(start: number, quote: number): void {
    const raw = quote === BACKTICK;
    for (;;) {
      const c = this.ch;
      if (c === EOF || (c === NL && !raw)) throw new AlloySyntaxError(start, "string literal not terminated");
      this.read();
      if (c === quote) return;
      if (c === BACKSLASH && !raw) this.scanEscape();
    }
  }

  /**
   * Checks the escape after a backslash, Go's set: \a \b \f \n \r \t \v \\ \", three octal digits (≤ 255),
   * \x and two hex digits, \u and four, \U and eight (a Unicode scalar value). Alloy's documentation also
   * lists \', but its scanner rejects it (grafana/alloy `syntax/scanner/scanner.go`, scanEscape), so this
   * lexer does too. Errors point at the character after the backslash, as Alloy's do.
   */
  private scanEscape(): void {
    const at = this.offset;
    let count: number;
    let base: number;
    let max: number;
    switch (this.ch) {
      case 0x61: // a
      case 0x62: // b
      case 0x66: // f
      case 0x6e: // n
      case 0x72: // r
      case 0x74: // t
      case 0x76: // v
      case BACKSLASH:
      case DQUOTE:
        this.read();
        return;
      case 0x78: // x
        this.read();
        [count, base, max] = [2, 16, 0xff];
        break;
      case 0x75: // u
        this.read();
        [count, base, max] = [4, 16, 0x10ffff];
        break;
      case 0x55: // U
        this.read();
        [count, base, max] = [8, 16, 0x10ffff];
        break;
      default:
        if (this.ch >= 0x30 && this.ch <= 0x37) {
          [count, base, max] = [3, 8, 0xff];
          break;
        }
        throw new AlloySyntaxError(
          at,
          this.ch === EOF ? "escape sequence not terminated" : "unknown escape sequence",
        );
    }
    let value = 0;
    for (; count > 0; count--) {
      const d = digitValue(this.ch);
      if (d >= base) {
        throw new AlloySyntaxError(
          at,
          this.ch === EOF
            ? "escape sequence not terminated"
            : `illegal character ${describeRune(this.ch)} in escape sequence`,
        );
      }
      value = value * base + d;
      this.read();
    }
    if (value > max || (value >= 0xd800 && value < 0xe000)) {
      throw new AlloySyntaxError(at, "escape sequence is invalid Unicode code point");
    }
  }

  /** Skips a comment whose first `/` (at `start`) is consumed; this.ch is its second character. */
  private skipComment(start: number): void {
    if (this.ch === SLASH) {
      while (this.ch !== NL && this.ch !== EOF) this.read();
      return;
    }
    this.read(); // the `*` of `/*`
    while (this.ch !== EOF) {
      const c = this.ch;
      this.read();
      if (c === STAR && this.ch === SLASH) {
        this.read();
        return;
      }
    }
    throw new AlloySyntaxError(start, "block comment not terminated");
  }

  /**
   * Looks ahead (without moving) through the comments starting at `start`: true when they run to a newline
   * or the end of the source, false when code follows on the same line.
   */
  private commentEndsLine(start: number): boolean {
    const endsLine = this.scanCommentsToLineEnd();
    this.offset = start;
    this.readOffset = start + 1;
    this.ch = SLASH;
    this.read();
    return endsLine;
  }

  private scanCommentsToLineEnd(): boolean {
    while (this.ch === SLASH || this.ch === STAR) {
      if (this.ch === SLASH) return true; // a // comment runs to the end of its line
      this.read(); // the `*` of `/*`
      while (this.ch !== EOF) {
        const c = this.ch;
        if (c === NL) return true;
        this.read();
        if (c === STAR && this.ch === SLASH) {
          this.read();
          break;
        }
      }
      this.skipBlanks(); // insertTerm is set: stops at a newline
      if (this.ch === EOF || this.ch === NL) return true;
      if (this.ch !== SLASH) return false;
      this.read(); // the `/` of a following comment
    }
    return false;
  }
}

/** A character as Go's `%#U` prints it: `U+0024 '$'`, or `U+0007` when it is not printable. */
export function describeRune(c: number): string {
  const hex = c.toString(16).toUpperCase().padStart(4, "0");
  return isGoPrintable(c) ? `U+${hex} '${String.fromCodePoint(c)}'` : `U+${hex}`;
}

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isGoPrintable(c: number): boolean {
  if (c < 0x80) return c >= 0x20 && c < 0x7f;
  return GO_PRINTABLE.test(String.fromCodePoint(c));
}

const GO_ESCAPES: Record<number, string> = {
  0x07: "\\a",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v",
  0x22: '\\"',
  0x5c: "\\\\",
};

/** A string as Go's `%q` prints it (strconv.Quote): Alloy quotes block labels this way in its errors. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const named = GO_ESCAPES[c];
    if (named !== undefined) out += named;
    else if (isGoPrintable(c)) out += ch;
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += `\\U${c.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}

/** Whether `s` is exactly one identifier (not a keyword): Alloy's rule for block labels. */
export function isValidIdentifier(s: string): boolean {
  if (s === "true" || s === "false" || s === "null") return false;
  let first = true;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (!(isLetter(c) || (!first && isDigit(c)))) return false;
    first = false;
  }
  return !first;
}

const utf8Decoder = new TextDecoder("utf-8");

/**
 * The value of a string literal the lexer accepted, as Go's strconv.Unquote gives it: escapes resolved
 * (\x and octal escapes are bytes, a run of them decoded as UTF-8), and a raw string's carriage returns
 * dropped.
 */
export function decodeString(lit: string): string {
  const inner = lit.slice(1, -1);
  if (lit.charCodeAt(0) === BACKTICK) return inner.includes("\r") ? inner.replaceAll("\r", "") : inner;
  if (!inner.includes("\\")) return inner;
  let out = "";
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out += utf8Decoder.decode(Uint8Array.from(bytes));
    bytes = [];
  };
  let i = 0;
  while (i < inner.length) {
    const slash = inner.indexOf("\\", i);
    if (slash !== i) {
      flush();
      const stop = slash === -1 ? inner.length : slash;
      out += inner.slice(i, stop);
      i = stop;
      continue;
    }
    const e = inner[i + 1] ?? "";
    if (e >= "0" && e <= "7") {
      bytes.push(parseInt(inner.slice(i + 1, i + 4), 8));
      i += 4;
    } else if (e === "x") {
      bytes.push(parseInt(inner.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      flush();
      if (e === "u" || e === "U") {
        const width = e === "u" ? 4 : 8;
        out += String.fromCodePoint(parseInt(inner.slice(i + 2, i + 2 + width), 16));
        i += 2 + width;
      } else {
        out += SIMPLE_ESCAPES[e] ?? e;
        i += 2;
      }
    }
  }
  flush();
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/**
 * The number a literal denotes, as Alloy reads it with Go's strconv (base 0): an integer with a leading zero
 * and only octal digits is octal (`0755` is 493); anything else is decimal.
 */
export function numberValue(lit: string, float: boolean): number {
  if (!float && lit.length > 1 && lit.charCodeAt(0) === 0x30 && /^[0-7]+$/.test(lit)) {
    return parseInt(lit, 8);
  }
  return Number(lit);
}

/**
 * The 1-based line and column of an offset, as Alloy prints them: lines end at "\n", and the column counts
 * UTF-8 bytes from the start of the line.
 */
export function locate(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = source.indexOf("\n"); nl !== -1 && nl < offset; nl = source.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  let bytes = 0;
  for (let i = lineStart; i < offset; i++) {
    const c = source.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return { line, column: bytes + 1 };
}
