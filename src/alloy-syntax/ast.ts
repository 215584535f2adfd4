/**
 * The syntax tree of an Alloy configuration: a body of statements (attributes and blocks) whose values are
 * expressions. Shapes follow the grammar of https://grafana.com/docs/alloy/latest/get-started/syntax/ and
 * grafana/alloy `syntax/ast/ast.go`.
 *
 * Every node carries `start` and `end`: UTF-16 offsets into the parsed string (`source.slice(start, end)` is
 * the node's text), so a caller can cut a node out of the source or locate it with `locate`.
 */

interface Span {
  /** Offset of the node's first character in the source string. */
  readonly start: number;
  /** Offset just past the node's last character. */
  readonly end: number;
}

/** A whole configuration: the statements of its top level, in source order. */
export interface ConfigFile {
  readonly body: readonly Statement[];
}

export type Statement = Attribute | Block;

/** `name = value`. */
export interface Attribute extends Span {
  readonly kind: "attribute";
  readonly name: string;
  readonly value: Expression;
}

/** `prometheus.scrape "default" { ... }`: a dotted name, an optional label, a body. */
export interface Block extends Span {
  readonly kind: "block";
  /** The name as written, fragments joined by ".", e.g. `prometheus.exporter.self`. */
  readonly name: string;
  /** The label between the quotes; undefined when the block has none (or an empty `""` one). */
  readonly label: string | undefined;
  readonly body: readonly Statement[];
}

export type Expression =
  | NumberLiteral
  | StringLiteral
  | BoolLiteral
  | NullLiteral
  | Identifier
  | AccessExpression
  | IndexExpression
  | CallExpression
  | UnaryExpression
  | BinaryExpression
  | ParenExpression
  | ArrayExpression
  | ObjectExpression;

export interface NumberLiteral extends Span {
  readonly kind: "number";
  /** The literal as written: `42`, `0.5`, `.5`, `1e+3`. */
  readonly raw: string;
  /** True for a float literal (a fraction or an exponent). */
  readonly float: boolean;
  /** The number Alloy reads (a leading-zero integer such as `0755` is octal, as Go's strconv reads it). */
  readonly value: number;
}

export interface StringLiteral extends Span {
  readonly kind: "string";
  /** The literal as written, quotes or backticks included. */
  readonly raw: string;
  /** True for a backtick raw string (no escapes). */
  readonly rawString: boolean;
  /** The decoded value: escapes resolved; a raw string's carriage returns dropped, as Go's strconv does. */
  readonly value: string;
}

export interface BoolLiteral extends Span {
  readonly kind: "bool";
  readonly value: boolean;
}

export interface NullLiteral extends Span {
  readonly kind: "null";
}

/** A name in an expression: `argument`, `env`, `prometheus` in `prometheus.remote_write.x.receiver`. */
export interface Identifier extends Span {
  readonly kind: "identifier";
  readonly name: string;
}

/** `object.name`. */
export interface AccessExpression extends Span {
  readonly kind: "access";
  readonly object: Expression;
  readonly name: string;
}

/** `object[index]`. */
export interface IndexExpression extends Span {
  readonly kind: "index";
  readonly object: Expression;
  readonly index: Expression;
}

/** `callee(arg, ...)`. */
export interface CallExpression extends Span {
  readonly kind: "call";
  readonly callee: Expression;
  readonly args: readonly Expression[];
}

export type UnaryOperator = "!" | "-";

export interface UnaryExpression extends Span {
  readonly kind: "unary";
  readonly operator: UnaryOperator;
  readonly operand: Expression;
}

export type BinaryOperator =
  "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%" | "^";

export interface BinaryExpression extends Span {
  readonly kind: "binary";
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** `( inner )`, kept so a printer or a position can tell it was written. */
export interface ParenExpression extends Span {
  readonly kind: "paren";
  readonly inner: Expression;
}

export interface ArrayExpression extends Span {
  readonly kind: "array";
  readonly elements: readonly Expression[];
}

export interface ObjectExpression extends Span {
  readonly kind: "object";
  readonly fields: readonly ObjectField[];
}

/** `key = value` inside an object. */
export interface ObjectField extends Span {
  /**
   * The key: an identifier, or the text between the quotes of a quoted key. Alloy takes that text as it
   * stands, without resolving escapes (grafana/alloy `syntax/parser/internal.go`, parseField).
   */
  readonly key: string;
  readonly quoted: boolean;
  readonly value: Expression;
}

/** The first syntax error in a source, where Alloy's parser reports it. */
export interface SyntaxProblem {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted in UTF-8 bytes as Alloy counts it (equal to characters for ASCII lines). */
  readonly column: number;
  /** UTF-16 offset into the source string. */
  readonly offset: number;
  /** What was expected and what was found, in Alloy's words: `expected }, got EOF`. */
  readonly message: string;
}

export type ParseResult =
  { readonly ok: true; readonly file: ConfigFile } | { readonly ok: false; readonly error: SyntaxProblem };
