/**
 * A parser of the Alloy configuration syntax (https://grafana.com/docs/alloy/latest/get-started/syntax/ and
 * https://grafana.com/docs/alloy/latest/get-started/expressions/operators/). The grammar, the operator
 * precedence and the error messages follow grafana/alloy `syntax/parser/internal.go`:
 *
 *   File       = Body
 *   Body       = [ Statement { TERMINATOR Statement } ]
 *   Statement  = Attribute | Block
 *   Attribute  = IDENT "=" Expression
 *   Block      = IDENT { "." IDENT } [ STRING ] "{" Body "}"
 *   Expression = binary operators, loosest first: || , && , == != < <= > >= , + - , * / % ,
 *                then ^ (right-associative), then unary ! and -, then postfix .name [index] (args)
 *   Primary    = IDENT | STRING | NUMBER | FLOAT | BOOL | NULL | "(" Expression ")"
 *              | "[" [ Expression { "," Expression } [ "," ] ] "]"
 *              | "{" [ Field { "," Field } [ "," ] ] "}"           Field = ( IDENT | STRING ) "=" Expression
 *
 * Alloy reports every error it finds; this parser stops at the first, which is the first Alloy prints, at
 * the same place. It never throws: any input yields a tree or a SyntaxProblem.
 */
import type {
  BinaryOperator,
  Block,
  ConfigFile,
  Expression,
  ObjectField,
  ParseResult,
  Statement,
} from "./ast.js";
import {
  createLexer,
  decodeString,
  goQuote,
  isValidIdentifier,
  AlloySyntaxError,
  locate,
  numberValue,
  type Lexer,
  type Token,
} from "./lexer.js";

/**
 * Nesting limit (blocks, brackets, parentheses, unary and `^` chains). Alloy has none; this parser recurses,
 * and a limit far above any real configuration keeps a hostile input from exhausting the call stack.
 */
export const MAX_NESTING = 200;

/** Parses an Alloy configuration. */
export function parseAlloy(source: string): ParseResult {
  try {
    return { ok: true, file: new Parser(source).parseFile() };
  } catch (err) {
    if (!(err instanceof AlloySyntaxError)) throw err;
    const { line, column } = locate(source, err.offset);
    return { ok: false, error: { line, column, offset: err.offset, message: err.message } };
  }
}

const PRECEDENCE: Partial<Record<Token, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
};

class Parser {
  private readonly lx: Lexer;
  private depth = 0;

  constructor(source: string) {
    this.lx = createLexer(source);
    this.lx.next();
  }

  parseFile(): ConfigFile {
    return { body: this.parseBody("EOF") };
  }

  /** The current token (a call, so that TypeScript does not narrow it across `next()`). */
  private tok(): Token {
    return this.lx.tok;
  }

  private fail(message: string, offset = this.lx.pos): never {
    throw new AlloySyntaxError(offset, message);
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`);
  }

  /** Consumes the current token, which must be `tok`. */
  private expect(tok: Token): void {
    if (this.tok() !== tok) this.fail(`expected ${tok}, got ${this.tok()}`);
    this.lx.next();
  }

  /** Statements up to (not including) `until`, each ended by a TERMINATOR unless `until` follows it. */
  private parseBody(until: Token): Statement[] {
    const lx = this.lx;
    this.enter();
    const body: Statement[] = [];
    while (this.tok() !== until && this.tok() !== "EOF") {
      body.push(this.parseStatement());
      if (this.tok() === until) break;
      if (this.tok() !== "TERMINATOR") this.fail(`expected TERMINATOR, got ${this.tok()}`);
      lx.next();
    }
    this.depth--;
    return body;
  }

  private parseStatement(): Statement {
    const lx = this.lx;
    const start = lx.pos;
    const { fragments, label, labelPos } = this.parseBlockName();

    if (this.tok() === "=") {
      lx.next();
      // Alloy reports these once the token after `=` is read: a lexical error there comes first.
      if (fragments.length !== 1) {
        this.fail('attribute names may only consist of a single identifier with no "."', start);
      }
      if (labelPos !== undefined) this.fail("attribute names may not have labels", labelPos);
      const value = this.parseExpression();
      return { kind: "attribute", name: fragments[0]!, value, start, end: lx.prevEnd };
    }

    if (this.tok() === "{") {
      lx.next();
      const body = this.parseBody("}");
      this.expect("}");
      const block: Block = {
        kind: "block",
        name: fragments.join("."),
        label: label === "" ? undefined : label,
        body,
        start,
        end: lx.prevEnd,
      };
      return block;
    }

    this.fail(
      fragments.length === 1 && label === ""
        ? `expected attribute assignment or block body, got ${this.tok()}`
        : `expected block body, got ${this.tok()}`,
    );
  }

  /** `a.b.c` and an optional label: a double-quoted string holding an identifier (or nothing). */
  private parseBlockName(): { fragments: string[]; label: string; labelPos: number | undefined } {
    const lx = this.lx;
    if (this.tok() !== "IDENT") this.fail(`expected identifier, got ${this.tok()}`);
    const fragments = [lx.lit];
    lx.next();
    while (this.tok() === ".") {
      lx.next();
      if (this.tok() !== "IDENT") this.fail(`expected identifier, got ${this.tok()}`);
      fragments.push(lx.lit);
      lx.next();
    }

    let label = "";
    let labelPos: number | undefined;
    if (this.tok() !== "=" && this.tok() !== "{") {
      if (this.tok() !== "STRING") this.fail(`expected block label, got ${this.tok()}`);
      const lit = lx.lit;
      if (!lit.startsWith('"')) {
        this.fail(`expected block label to be a double quoted string, but got ${goQuote(lit)}`);
      }
      if (lit.length > 2) {
        label = lit.slice(1, -1);
        if (!isValidIdentifier(label)) {
          this.fail(`expected block label to be a valid identifier, but got ${goQuote(label)}`);
        }
      }
      labelPos = lx.pos;
      lx.next();
    }
    return { fragments, label, labelPos };
  }

  private parseExpression(): Expression {
    this.enter();
    const expr = this.parseBinary(1);
    this.depth--;
    return expr;
  }

  /** Operators of precedence `min` and above, left-associative; `^` is handled below them. */
  private parseBinary(min: number): Expression {
    const lx = this.lx;
    let left = this.parsePower();
    for (;;) {
      const op = this.tok();
      const prec = PRECEDENCE[op] ?? 0;
      if (prec < min) return left;
      lx.next();
      const right = this.parseBinary(prec + 1);
      left = {
        kind: "binary",
        operator: op as BinaryOperator,
        left,
        right,
        start: left.start,
        end: right.end,
      };
    }
  }

  /** `a ^ b ^ c` is `a ^ (b ^ c)`; a unary operand binds tighter (`-a ^ b` is `(-a) ^ b`). */
  private parsePower(): Expression {
    const lx = this.lx;
    const left = this.parseUnary();
    if (this.tok() !== "^") return left;
    lx.next();
    this.enter();
    const right = this.parsePower();
    this.depth--;
    return { kind: "binary", operator: "^", left, right, start: left.start, end: right.end };
  }

  private parseUnary(): Expression {
    const lx = this.lx;
    const operator = this.tok();
    if (operator === "!" || operator === "-") {
      const start = lx.pos;
      lx.next();
      this.enter();
      const operand = this.parseUnary();
      this.depth--;
      return { kind: "unary", operator, operand, start, end: operand.end };
    }

    let expr = this.parsePrimary();
    for (;;) {
      switch (this.tok()) {
        case ".": {
          lx.next();
          const name = lx.lit;
          this.expect("IDENT");
          expr = { kind: "access", object: expr, name, start: expr.start, end: lx.prevEnd };
          break;
        }
        case "[": {
          lx.next();
          const index = this.parseExpression();
          this.expect("]");
          expr = { kind: "index", object: expr, index, start: expr.start, end: lx.prevEnd };
          break;
        }
        case "(": {
          lx.next();
          const args = this.tok() !== ")" ? this.parseList(")", "expression") : [];
          this.expect(")");
          expr = { kind: "call", callee: expr, args, start: expr.start, end: lx.prevEnd };
          break;
        }
        case "STRING":
        case "{":
          return this.rejectBlockValue(expr);
        default:
          return expr;
      }
    }
  }

  /** `x = prometheus.scrape "a" { ... }`: Alloy reads the block before it says what is wrong. */
  private rejectBlockValue(expr: Expression): never {
    if (this.tok() === "STRING") this.lx.next();
    this.expect("{");
    this.parseBody("}");
    this.expect("}");
    this.fail("cannot use a block as an expression", expr.start);
  }

  private parsePrimary(): Expression {
    const lx = this.lx;
    const start = lx.pos;
    const lit = lx.lit;
    switch (this.tok()) {
      case "IDENT":
        lx.next();
        return { kind: "identifier", name: lit, start, end: lx.prevEnd };
      case "STRING":
        lx.next();
        return {
          kind: "string",
          raw: lit,
          rawString: lit.startsWith("`"),
          value: decodeString(lit),
          start,
          end: lx.prevEnd,
        };
      case "NUMBER":
      case "FLOAT": {
        const float = this.tok() === "FLOAT";
        lx.next();
        return { kind: "number", raw: lit, float, value: numberValue(lit, float), start, end: lx.prevEnd };
      }
      case "BOOL":
        lx.next();
        return { kind: "bool", value: lit === "true", start, end: lx.prevEnd };
      case "NULL":
        lx.next();
        return { kind: "null", start, end: lx.prevEnd };
      case "(": {
        lx.next();
        const inner = this.parseExpression();
        this.expect(")");
        return { kind: "paren", inner, start, end: lx.prevEnd };
      }
      case "[": {
        lx.next();
        const elements = this.tok() !== "]" ? this.parseList("]", "expression") : [];
        this.expect("]");
        return { kind: "array", elements, start, end: lx.prevEnd };
      }
      case "{": {
        lx.next();
        // Alloy skips the field list when `{` is followed by `]` (not `}`), so `{]` reads
        // "expected }, got ]" (grafana/alloy syntax/parser/internal.go, parsePrimaryExpr).
        const fields = this.tok() !== "]" ? this.parseList("}", "field") : [];
        this.expect("}");
        return { kind: "object", fields, start, end: lx.prevEnd };
      }
      default:
        this.fail(`expected expression, got ${this.tok()}`);
    }
  }

  /** Comma-separated expressions or object fields up to (not including) `until`; a trailing comma is fine. */
  private parseList(until: Token, of: "expression"): Expression[];
  private parseList(until: Token, of: "field"): ObjectField[];
  private parseList(until: Token, of: "expression" | "field"): Array<Expression | ObjectField> {
    const lx = this.lx;
    const items: Array<Expression | ObjectField> = [];
    while (this.tok() !== until && this.tok() !== "EOF") {
      items.push(of === "field" ? this.parseField() : this.parseExpression());
      if (this.tok() === until) break;
      // A newline after an element ends it (a TERMINATOR), so a multi-line list needs a comma after each
      // element, the last one included.
      if (this.tok() !== ",") this.fail(`missing ',' in ${of} list`);
      lx.next();
    }
    return items;
  }

  private parseField(): ObjectField {
    const lx = this.lx;
    const start = lx.pos;
    if (this.tok() !== "STRING" && this.tok() !== "IDENT") {
      this.fail(`expected field name (string or identifier), got ${this.tok()}`);
    }
    const quoted = this.tok() === "STRING";
    const key = quoted ? lx.lit.slice(1, -1) : lx.lit;
    lx.next();
    this.expect("=");
    const value = this.parseExpression();
    return { key, quoted, value, start, end: value.end };
  }
}
