/**
 * The Alloy syntax parser, rule by rule: statements and terminators, every literal kind, the expression
 * grammar and its precedence, comments, labels, positions. Expected errors are the ones Alloy's own parser
 * reports for the same text (grafana/alloy syntax/parser).
 */
import { describe, expect, it } from "vitest";
import type { Attribute, Block, Expression, Statement } from "../../src/alloy-syntax/ast.js";
import { MAX_NESTING, parseAlloy } from "../../src/alloy-syntax/parser.js";

function parse(source: string): readonly Statement[] {
  const result = parseAlloy(source);
  if (!result.ok)
    throw new Error(`unexpected error ${JSON.stringify(result.error)} in ${JSON.stringify(source)}`);
  return result.file.body;
}

/** The first error as Alloy prints it, or "ok". */
function firstError(source: string): string {
  const result = parseAlloy(source);
  return result.ok ? "ok" : `${result.error.line}:${result.error.column}: ${result.error.message}`;
}

/** The expression of `x = <source>`. */
function expr(source: string): Expression {
  const body = parse(`x = ${source}`);
  expect(body).toHaveLength(1);
  return (body[0] as Attribute).value;
}

/** An expression as a fully parenthesised prefix form, to compare tree shapes at a glance. */
function show(e: Expression): string {
  switch (e.kind) {
    case "number":
    case "string":
      return e.raw;
    case "bool":
      return String(e.value);
    case "null":
      return "null";
    case "identifier":
      return e.name;
    case "access":
      return `(. ${show(e.object)} ${e.name})`;
    case "index":
      return `([] ${show(e.object)} ${show(e.index)})`;
    case "call":
      return `(call ${[e.callee, ...e.args].map(show).join(" ")})`;
    case "unary":
      return `(${e.operator} ${show(e.operand)})`;
    case "binary":
      return `(${e.operator} ${show(e.left)} ${show(e.right)})`;
    case "paren":
      return `(paren ${show(e.inner)})`;
    case "array":
      return `[${e.elements.map(show).join(" ")}]`;
    case "object":
      return `{${e.fields.map((f) => `${f.quoted ? JSON.stringify(f.key) : f.key}=${show(f.value)}`).join(" ")}}`;
  }
}

describe("operator precedence", () => {
  it("binds || loosest, then &&, comparisons, + -, * / %, and ^ tightest and right-associative", () => {
    expect(show(expr("a || b && c == d + e * f ^ g ^ h"))).toBe(
      "(|| a (&& b (== c (+ d (* e (^ f (^ g h)))))))",
    );
  });

  it("reads the same chain written tightest first as left-nested", () => {
    expect(show(expr("h ^ g * f + e == d && c || b"))).toBe("(|| (&& (== (+ (* (^ h g) f) e) d) c) b)");
  });

  it("is left-associative within a level", () => {
    expect(show(expr("a - b - c"))).toBe("(- (- a b) c)");
    expect(show(expr("a / b * c % d"))).toBe("(% (* (/ a b) c) d)");
    expect(show(expr("a < b == c != d >= e"))).toBe("(>= (!= (== (< a b) c) d) e)");
    expect(show(expr("a || b || c"))).toBe("(|| (|| a b) c)");
  });

  it("binds unary operators tighter than ^, and postfix access, index and call tighter still", () => {
    expect(show(expr("-a ^ b"))).toBe("(^ (- a) b)");
    expect(show(expr("a ^ -b"))).toBe("(^ a (- b))");
    expect(show(expr("!a && !!b"))).toBe("(&& (! a) (! (! b)))");
    expect(show(expr("- - 1"))).toBe("(- (- 1))");
    expect(show(expr("-a.b[0](c).d"))).toBe("(- (. (call ([] (. a b) 0) c) d))");
  });

  it("lets parentheses override precedence and keeps them in the tree", () => {
    expect(show(expr("(a + b) * c"))).toBe("(* (paren (+ a b)) c)");
    expect(show(expr("a * (b + c)"))).toBe("(* a (paren (+ b c)))");
  });

  it("continues an expression on the next line after an operator", () => {
    expect(show(expr("a +\n  b *\n  c"))).toBe("(+ a (* b c))");
  });
});

describe("literals", () => {
  it.each([
    ["0", 0, false],
    ["42", 42, false],
    ["1.5", 1.5, true],
    [".5", 0.5, true],
    ["1.", 1, true],
    ["1e3", 1000, true],
    ["1E+3", 1000, true],
    ["2.5e-3", 0.0025, true],
    // Alloy reads integers with Go's strconv in base 0: a leading zero means octal when the digits allow.
    ["0755", 493, false],
    ["09", 9, false],
  ])("number %s is %d (float: %s)", (raw, value, float) => {
    expect(expr(raw)).toMatchObject({ kind: "number", raw, value, float });
  });

  it.each([
    [String.raw`"plain"`, "plain"],
    [String.raw`""`, ""],
    [String.raw`"\a\b\f\n\r\t\v"`, "\x07\b\f\n\r\t\v"],
    [String.raw`"say \"hi\" \\ bye"`, 'say "hi" \\ bye'],
    [String.raw`"\101\102"`, "AB"],
    [String.raw`"\x41\x7e"`, "A~"],
    [String.raw`"caf\u00e9"`, "café"],
    [String.raw`"\U0001F600"`, "😀"],
    // Octal and hex escapes are bytes: a run of them reads as UTF-8.
    [String.raw`"\303\251 \xe2\x82\xac"`, "é €"],
    ['`C:\\dir\\n "as is"`', 'C:\\dir\\n "as is"'],
    ["`two\nlines`", "two\nlines"],
    // Go's strconv drops carriage returns from raw strings.
    ["`crlf\r\nline`", "crlf\nline"],
  ])("string %s decodes", (raw, value) => {
    expect(expr(raw)).toMatchObject({ kind: "string", raw, value, rawString: raw.startsWith("`") });
  });

  it("reads true, false and null", () => {
    expect(expr("true")).toMatchObject({ kind: "bool", value: true });
    expect(expr("false")).toMatchObject({ kind: "bool", value: false });
    expect(expr("null")).toMatchObject({ kind: "null" });
    expect(expr("truex")).toMatchObject({ kind: "identifier", name: "truex" });
  });

  it.each([
    [String.raw`x = "\q"`, "1:7: unknown escape sequence"],
    // Alloy's docs list \' but its scanner rejects it; we follow the scanner.
    [String.raw`x = "it\'s"`, "1:9: unknown escape sequence"],
    [String.raw`x = "\400"`, "1:7: escape sequence is invalid Unicode code point"],
    [String.raw`x = "\ud800"`, "1:7: escape sequence is invalid Unicode code point"],
    [String.raw`x = "\U00110000"`, "1:7: escape sequence is invalid Unicode code point"],
    [String.raw`x = "\x4g"`, "1:7: illegal character U+0067 'g' in escape sequence"],
    [String.raw`x = "\12"`, `1:7: illegal character U+0022 '"' in escape sequence`],
    ['x = "\\', "1:7: escape sequence not terminated"],
    ['x = "two\nlines"', "1:5: string literal not terminated"],
    ["x = `never closed", "1:5: string literal not terminated"],
    ["x = 'single'", "1:5: illegal single-quoted string; use double quotes"],
    ["x = 1e+", "1:5: exponent has no digits"],
  ])("%j is rejected: %s", (source, error) => {
    expect(firstError(source)).toBe(error);
  });
});

describe("arrays, objects, access, index and calls", () => {
  it("reads arrays with or without a trailing comma, on one line or several", () => {
    expect(show(expr("[]"))).toBe("[]");
    expect(show(expr("[1, 2, 3]"))).toBe("[1 2 3]");
    expect(show(expr("[1, 2,]"))).toBe("[1 2]");
    expect(show(expr("[\n  1,\n  2,\n]"))).toBe("[1 2]");
    expect(show(expr("[[1], [[]]]"))).toBe("[[1] [[]]]");
  });

  it("reads objects with identifier and quoted keys, keeping a quoted key's text as written", () => {
    expect(show(expr('{ a = 1, "b.c/d" = "x", }'))).toBe('{a=1 "b.c/d"="x"}');
    expect(show(expr("{\n  a = 1,\n  b = { c = [] },\n}"))).toBe("{a=1 b={c=[]}}");
    expect(show(expr("{}"))).toBe("{}");
    const obj = expr(String.raw`{ "a\"b" = 1 }`);
    expect(obj.kind === "object" && obj.fields[0]).toMatchObject({ key: String.raw`a\"b`, quoted: true });
  });

  it("reads access chains, indexing and calls such as FM's attribute injection", () => {
    expect(show(expr('argument.attributes.value["collector.ID"]'))).toBe(
      '([] (. (. argument attributes) value) "collector.ID")',
    );
    expect(show(expr('coalesce(env("A"), sys.env("B"), "default",)'))).toBe(
      '(call coalesce (call env "A") (call (. sys env) "B") "default")',
    );
    expect(show(expr("f()"))).toBe("(call f)");
    expect(show(expr("a[0][1]"))).toBe("([] ([] a 0) 1)");
    expect(show(expr("[1, 2][0]"))).toBe("([] [1 2] 0)");
  });

  it.each([
    ["x = [\n  1\n]", "2:4: missing ',' in expression list"],
    ["x = { a = 1\n}", "1:12: missing ',' in field list"],
    ["x = { a = 1 b = 2 }", "1:13: missing ',' in field list"],
    ["x = f(\n  a\n)", "2:4: missing ',' in expression list"],
    ["x = [1, , 2]", "1:9: expected expression, got ,"],
    ["x = [1, 2", "1:10: missing ',' in expression list"],
    ["x = { true = 1 }", "1:7: expected field name (string or identifier), got BOOL"],
    ["x = { a.b = 1 }", "1:8: expected =, got ."],
    // Alloy's quirk: `{` followed by `]` skips the field list.
    ["x = {]", "1:6: expected }, got ]"],
    ["x = a.1", "1:6: expected TERMINATOR, got FLOAT"],
    ["x = a.", "1:7: expected IDENT, got EOF"],
    ["x = a[1", "1:8: expected ], got TERMINATOR"],
    ["x = (1", "1:7: expected ), got TERMINATOR"],
    ["x = prometheus.remote_write.default { }", "1:5: cannot use a block as an expression"],
    ['x = foo "label" bar', "1:17: expected {, got IDENT"],
  ])("%j is rejected: %s", (source, error) => {
    expect(firstError(source)).toBe(error);
  });
});

describe("statements, blocks and terminators", () => {
  it("reads blocks with dotted names, labels, nested blocks and attributes", () => {
    const [block] = parse(
      'prometheus.scrape "default" {\n  targets = []\n  clustering {\n    enabled = true\n  }\n}\n',
    ) as Block[];
    expect(block).toMatchObject({ kind: "block", name: "prometheus.scrape", label: "default" });
    expect(block!.body.map((s) => `${s.kind}:${s.name}`)).toEqual(["attribute:targets", "block:clustering"]);
    const nested = block!.body[1] as Block;
    expect(nested.label).toBeUndefined();
    expect(nested.body).toMatchObject([
      { kind: "attribute", name: "enabled", value: { kind: "bool", value: true } },
    ]);
  });

  it("reads a block with an empty label as unlabelled, and one-line blocks", () => {
    expect(parse('a "" { }\nb { c = 1 }\nd.e "f" {}')).toMatchObject([
      { name: "a", label: undefined, body: [] },
      { name: "b", label: undefined, body: [{ name: "c" }] },
      { name: "d.e", label: "f", body: [] },
    ]);
  });

  it("accepts Unicode identifiers and labels", () => {
    expect(parse('métrica_café "ñandú_1" { 名前 = 1 }')).toMatchObject([
      { name: "métrica_café", label: "ñandú_1", body: [{ name: "名前" }] },
    ]);
  });

  it("accepts empty sources, blank lines, a missing final newline, and a leading byte order mark", () => {
    expect(parse("")).toEqual([]);
    expect(parse("\n\n  \t\r\n")).toEqual([]);
    expect(parse("\n\na = 1\n\n\nb = 2")).toMatchObject([{ name: "a" }, { name: "b" }]);
    expect(parse("\uFEFFa = 1")).toMatchObject([{ name: "a" }]);
  });

  it("gives every node the span of its text", () => {
    const source = 'a = 1\nloki.write "x" {\n  b = [1, f(2)]\n}\n';
    const [attr, block] = parse(source) as [Attribute, Block];
    expect(source.slice(attr.start, attr.end)).toBe("a = 1");
    expect(source.slice(block.start, block.end)).toBe('loki.write "x" {\n  b = [1, f(2)]\n}');
    const inner = (block.body[0] as Attribute).value;
    expect(source.slice(inner.start, inner.end)).toBe("[1, f(2)]");
  });

  it.each([
    ["a = 1 b = 2", "1:7: expected TERMINATOR, got IDENT"],
    ["a {} b {}", "1:6: expected TERMINATOR, got IDENT"],
    ["a = 1\n+ 2", "2:1: expected identifier, got +"],
    ["a\n{ }", "1:2: expected block label, got TERMINATOR"],
    ["a {\n  b = 1\n", "3:1: expected }, got EOF"],
    ["a = 1\n}", "2:1: expected identifier, got }"],
    ["a.b = 1", '1:1: attribute names may only consist of a single identifier with no "."'],
    ['a "l" = 1', "1:3: attribute names may not have labels"],
    ["a b", "1:3: expected block label, got IDENT"],
    ["a.b c", "1:5: expected block label, got IDENT"],
    ["a", "1:2: expected block label, got TERMINATOR"],
    ['a "" x', "1:6: expected attribute assignment or block body, got IDENT"],
    ['a.b "c"', "1:8: expected block body, got TERMINATOR"],
    ["a.", "1:3: expected identifier, got EOF"],
    ['a "my-label" {}', '1:3: expected block label to be a valid identifier, but got "my-label"'],
    ['a "true" {}', '1:3: expected block label to be a valid identifier, but got "true"'],
    ['a "1st" {}', '1:3: expected block label to be a valid identifier, but got "1st"'],
    ["a `raw` {}", '1:3: expected block label to be a double quoted string, but got "`raw`"'],
    ['a "tab\\there" {}', '1:3: expected block label to be a valid identifier, but got "tab\\\\there"'],
    ["a =", "1:4: expected expression, got EOF"],
    ["a = ]", "1:5: expected expression, got ]"],
    ["= 1", "1:1: expected identifier, got ="],
    ["a = b | c", "1:8: missing second | in ||"],
    ["a = b & c", "1:8: missing second & in &&"],
    ["a = #", "1:5: illegal character U+0023 '#'"],
    ["a = 1\0", "1:6: illegal character NUL"],
    ["a = \uFEFF", "1:5: illegal byte order mark"],
    ["a = \u00a0", "1:5: illegal character U+00A0"],
    ["a = \uD800", "1:5: illegal UTF-8 encoding"],
  ])("%j is rejected: %s", (source, error) => {
    expect(firstError(source)).toBe(error);
  });
});

describe("comments", () => {
  it("skips // and /* */ comments wherever a blank may stand", () => {
    const source = [
      "// leading",
      '/* block */ a /* between name and label */ "l" /* before body */ { // after brace',
      "  b = [ /* in array */ 1, // after comma",
      "    2, /* after last */",
      "  ] // after value",
      "  /* before attribute */ c = { d = /* in object */ 1 } /* at line end */",
      "} // after block",
      "/* multi",
      "   line */",
      "e = 1 // no newline at the end",
    ].join("\n");
    expect(parse(source)).toMatchObject([
      { name: "a", label: "l", body: [{ name: "b" }, { name: "c" }] },
      { name: "e" },
    ]);
  });

  it("ends a statement at a comment that runs to the end of its line", () => {
    expect(parse("a = 1 /* one */ /* two */\nb = 2")).toMatchObject([{ name: "a" }, { name: "b" }]);
    expect(parse("a = 1 /* spans\nlines */ b = 2")).toMatchObject([{ name: "a" }, { name: "b" }]);
  });

  it.each([
    // A /* */ comment with code after it on the same line hides the end of the statement.
    ["a = 1 /* c */ b = 2", "1:15: expected TERMINATOR, got IDENT"],
    ["a = [1 /* unterminated", "1:8: missing ',' in expression list"],
    ["a = 1\n/* unterminated", "2:1: block comment not terminated"],
    ["/* a */ /* b", "1:9: block comment not terminated"],
  ])("%j is rejected: %s", (source, error) => {
    expect(firstError(source)).toBe(error);
  });
});

describe("positions", () => {
  it("counts columns in UTF-8 bytes, as Alloy does", () => {
    // "é" is two bytes, "日" three, "😀" four.
    expect(firstError('x = "é\\q"')).toBe("1:9: unknown escape sequence");
    expect(firstError('x = "日😀\\q"')).toBe("1:14: unknown escape sequence");
    expect(firstError("\uFEFFa =")).toBe("1:7: expected expression, got EOF");
  });

  it("reports the offset into the string alongside line and column", () => {
    const result = parseAlloy('a = 1\nx = "日\\q"');
    expect(result.ok ? "parsed" : result.error).toEqual({
      line: 2,
      column: 10,
      offset: 13,
      message: "unknown escape sequence",
    });
  });

  it("counts lines at \\n only, so CRLF files report the same lines", () => {
    expect(firstError("a = 1\r\nb = 2\r\nc =\r\n")).toBe("4:1: expected expression, got EOF");
  });
});

describe("nesting", () => {
  it(`parses ${MAX_NESTING - 10} levels of brackets`, () => {
    const depth = MAX_NESTING - 10;
    expect(firstError(`x = ${"[".repeat(depth)}${"]".repeat(depth)}`)).toBe("ok");
  });

  it("answers an error, not a stack overflow, for absurd nesting of any kind", () => {
    for (const source of [
      `x = ${"[".repeat(100_000)}`,
      `x = ${"(".repeat(100_000)}1`,
      `x = ${"-".repeat(100_000)}1`,
      `x = 1${" ^ 1".repeat(100_000)}`,
      `${"a {\n".repeat(100_000)}`,
      `x = ${"{a = ".repeat(100_000)}`,
    ]) {
      const result = parseAlloy(source);
      expect(result.ok ? "parsed" : result.error.message).toBe(`nesting deeper than ${MAX_NESTING} levels`);
    }
  });
});
