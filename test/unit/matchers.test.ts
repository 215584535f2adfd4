/**
 * Alertmanager matcher semantics, as FM applies them. The tables restate documented behaviour of
 * prometheus/alertmanager (`matchers/parse/parse_test.go` for the syntax, `pkg/labels/matcher_test.go` for
 * matching) and of the FM docs (missing attribute = "", anchored regexes, `=~".+"` vs `=~".*"`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  collectorMatchAttributes,
  formatMatcher,
  matchesAll,
  MatcherError,
  parseMatcher,
  parseMatchers,
  type MatchOp,
} from "../../src/fleet/matchers.js";

const parsed = (s: string) => {
  const m = parseMatcher(s);
  return { name: m.name, op: m.op, value: m.value };
};

describe("parseMatcher: syntax", () => {
  const accepted: [string, string, MatchOp, string][] = [
    ["foo=bar", "foo", "=", "bar"],
    ['foo="bar"', "foo", "=", "bar"],
    ["foo!=bar", "foo", "!=", "bar"],
    ["foo=~[a-z]+", "foo", "=~", "[a-z]+"],
    ["foo!~[a-z]+", "foo", "!~", "[a-z]+"],
    ['"foo"="bar"', "foo", "=", "bar"],
    ['"foo"!~"[a-z]+"', "foo", "!~", "[a-z]+"],
    ["foo=🙂bar", "foo", "=", "🙂bar"],
    ['foo="\\xf0\\x9f\\x99\\x82"', "foo", "=", "🙂"],
    ['foo="\\U0001f642"', "foo", "=", "🙂"],
    ['foo="bar\\n"', "foo", "=", "bar\n"],
    ['foo="bar\\t"', "foo", "=", "bar\t"],
    ['foo="\\"bar\\""', "foo", "=", '"bar"'],
    ['foo="bar\\\\"', "foo", "=", "bar\\"],
    ["foo=bar,", "foo", "=", "bar"],
    ['  foo  =~  "a b"  ', "foo", "=~", "a b"],
    ['foo=""', "foo", "=", ""],
    // FM's documented examples.
    ["collector.os!=windows", "collector.os", "!=", "windows"],
    ['namespace=~"dev|staging"', "namespace", "=~", "dev|staging"],
    ['collector.os=~".+"', "collector.os", "=~", ".+"],
  ];
  it.each(accepted)("reads %s", (input, name, op, value) => {
    expect(parsed(input)).toEqual({ name, op, value });
  });

  const rejected: [string, RegExp][] = [
    ["", /expected a matcher/],
    ["{foo=bar}", /without braces/],
    ["foo=bar,bar=baz", /expected the end of the matcher after "bar", found "b"/],
    ['foo="bar\\w"', /unknown escape \\w/],
    ['foo="\\xf0\\x9f"', /not form valid UTF-8/],
    ["foo=", /expected a value, found the end \(write "" for an empty value\)/],
    ['foo="bar', /missing the closing "/],
    ["=bar", /expected an attribute name, found "="/],
    ["foo bar", /expected an operator such as '=', '!=', '=~' or '!~' after "foo"/],
    ["foo=bar\\n", /found "\\\\" \(escapes work only inside double quotes\)/],
    ["foo='bar'", /only double quotes/],
    [`foo="${"x".repeat(200)}"`, /is 206 characters long; FM allows at most 200/],
  ];
  it.each(rejected)("rejects %j", (input, message) => {
    expect(() => parseMatcher(input)).toThrow(MatcherError);
    expect(() => parseMatcher(input)).toThrow(message);
  });

  it("names the matcher and its position in a list", () => {
    const err = (() => {
      try {
        parseMatchers(["env=prod", "team=~(a"]);
      } catch (e) {
        return e;
      }
    })() as MatcherError;
    expect(err).toBeInstanceOf(MatcherError);
    expect(err.index).toBe(1);
    expect(err.message).toMatch(/^matcher "team=~\(a" \(#2\): invalid regular expression "\(a":/);
  });

  it("reads back what formatMatcher writes", () => {
    const value = fc.string({ unit: "grapheme", maxLength: 40 });
    const name = fc.oneof(
      fc.constantFrom("env", "collector.os", "fake.run"),
      fc.string({ unit: "grapheme", maxLength: 20 }),
    );
    fc.assert(
      fc.property(name, fc.constantFrom<MatchOp>("=", "!="), value, (n, op, v) => {
        expect(parsed(formatMatcher({ name: n, op, value: v }))).toEqual({ name: n, op, value: v });
      }),
    );
  });
});

describe("matching", () => {
  // [matcher, attribute value, holds] — pkg/labels/matcher_test.go's cases.
  const table: [string, string, boolean][] = [
    ["x=bar", "bar", true],
    ["x=bar", "foo-bar", false],
    ["x!=bar", "bar", false],
    ["x!=bar", "foo-bar", true],
    ["x=~bar", "bar", true],
    ["x=~bar", "foo-bar", false], // anchored: no substring match
    ['x=~".*bar"', "foo-bar", true],
    ["x!~bar", "bar", false],
    ["x!~bar", "foo-bar", true],
    ['x!~".*bar"', "foo-bar", false],
    ['x=~"foo.bar"', "foo-bar", true],
    ['x=~"foo\\\\.bar"', "foo-bar", false],
    ['x=~"foo\\\\.bar"', "foo.bar", true],
    ['x="foo\\nbar"', "foo\nbar", true],
    ['x=~"foo.bar"', "foo\nbar", false],
    ['x=~"(?s)foo.bar"', "foo\nbar", true],
    ['x="~!=\\""', '~!="', true],
    ['x=~"prod|staging"', "staging", true],
    ['x=~"prod|staging"', "prod-eu", false],
    ['x=~"a|b"', "ab", false], // the anchor wraps the whole alternation
  ];
  it.each(table)("%s on %j holds: %s", (matcher, value, holds) => {
    expect(parseMatcher(matcher).test(value)).toBe(holds);
    expect(matchesAll([parseMatcher(matcher)], { x: value })).toBe(holds);
  });

  // A missing attribute reads as "" (FM docs; Alertmanager).
  const missing: [string, boolean][] = [
    ['x!="a"', true],
    ['x=~".*"', true],
    ['x=~".+"', false],
    ['x=""', true],
    ['x="a"', false],
    ['x!~".+"', true],
    ['x!=""', false],
  ];
  it.each(missing)("%s on a collector without x holds: %s", (matcher, holds) => {
    expect(matchesAll([parseMatcher(matcher)], { y: "a" })).toBe(holds);
  });

  it("does not read inherited object properties as attributes", () => {
    expect(matchesAll([parseMatcher('constructor=~".+"')], {})).toBe(false);
    expect(matchesAll([parseMatcher('toString=""')], {})).toBe(true);
  });

  it("needs every matcher to hold", () => {
    const ms = parseMatchers(['collector.os="windows"', 'env=~"prod|staging"']);
    expect(matchesAll(ms, { "collector.os": "windows", env: "prod" })).toBe(true);
    expect(matchesAll(ms, { "collector.os": "windows", env: "dev" })).toBe(false);
    expect(matchesAll(ms, { "collector.os": "linux", env: "prod" })).toBe(false);
    expect(matchesAll([], {})).toBe(true);
  });

  it("matches FM's view: remote attributes win except collector.*, plus collector.ID", () => {
    const attrs = collectorMatchAttributes({
      id: "c-1",
      localAttributes: { "collector.os": "linux", env: "dev", team: "a" },
      remoteAttributes: { env: "prod", "collector.os": "windows", "collector.ID": "spoof" },
    });
    expect(attrs).toEqual({ "collector.os": "linux", env: "prod", team: "a", "collector.ID": "c-1" });
  });
});

describe("RE2 regexes in JavaScript", () => {
  const accepted: [string, string, boolean][] = [
    ["(?i)PROD", "prod", true],
    ["[[:digit:]]+", "123", true],
    ["[[:alpha:]_]+", "a_b", true],
    ["\\x{41}", "A", true],
    ["\\101", "A", true],
    ["a{", "a{", true],
    ["a{,2}", "a{,2}", true],
    ["x}", "x}", true],
    ["\\@\\#", "@#", true],
    ["\\pL+", "héllo", true],
    ["\\p{Greek}+", "αβγ", true],
    ["\\PL", "1", true],
    ["a.b", "a\rb", true], // RE2's . excludes only \n; JavaScript's also excludes \r
    ["\\s", "\u00a0", false], // RE2's \s is ASCII
    ["\\s", "\t", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["[]a]+", "]a", true],
    ["(?P<os>linux|windows)", "windows", true],
    ["\\Aab\\z", "ab", true],
    ["a{2,3}", "aaa", true],
  ];
  it.each(accepted)("=~%j on %j holds: %s", (re, value, holds) => {
    expect(parseMatcher(`x=~${JSON.stringify(re)}`).test(value)).toBe(holds);
  });

  const rejected: [string, RegExp][] = [
    ["(?=a)a", /lookahead \(\?=…\) is not supported by RE2/],
    ["(?!a)b", /lookahead \(\?!…\) is not supported by RE2/],
    ["(?<=a)b", /lookbehind \(\?<=…\) is not supported by RE2/],
    ["(?<!a)b", /lookbehind \(\?<!…\) is not supported by RE2/],
    ["(a)\\1", /backreferences \(\\1\) are not supported by RE2/],
    ["(?<n>a)\\k<n>", /named backreferences/],
    ["(?>a)", /atomic groups/],
    ["a(?i:b)", /flag groups are supported only as a leading/],
    ["(?m)^a", /flags \(\?m\) are not supported/],
    ["a{1001}", /repeat count above 1000/],
    ["\\C", /\\C \(any byte\)/],
    ["(a", /invalid regular expression "\(a": /],
    ["[a", /missing closing \]/],
    ["\\y", /invalid escape \\y/],
  ];
  it.each(rejected)("rejects =~%j with a clear reason", (re, message) => {
    expect(() => parseMatcher(`x=~${JSON.stringify(re)}`)).toThrow(message);
  });
});
