/**
 * Property tests of the Alloy syntax parser: whatever a collector receives, parsing answers a tree or one
 * error that points inside the text, and never throws. Inputs: arbitrary strings (lone surrogates included),
 * Alloy-ish token soup, and random edits of the valid fixtures. Run counts and seeds:
 * test/helpers/fuzz-params.ts (FUZZ_RUNS, FUZZ_SEED).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAlloy } from "../../src/alloy-syntax/parser.js";
import { readReceivedConfig } from "../../src/alloy-syntax/received.js";
import { fuzzBudget } from "../helpers/fuzz-params.js";

const VALID = resolve(import.meta.dirname, "../fixtures/alloy/valid");
const seeds = readdirSync(VALID)
  .filter((f) => f.endsWith(".alloy"))
  .sort()
  .map((f) => readFileSync(join(VALID, f), "utf8"));

/** Pieces of Alloy text, valid and broken, so random sequences reach deep into the grammar. */
// prettier-ignore
const TOKENS = [
  "a", "b.c", "declare", "prometheus.scrape", "\"lbl\"", "\"a-b\"", "\"\"", "`raw`", "`", "\"", "'",
  "1", "1.5", ".5", "1e3", "1e", "true", "null", "\"\\n\"", "\"\\q\"", "\"\\x4", "\"\\U00110000\"", "\"\\377\"",
  "{", "}", "[", "]", "(", ")", ",", ".", "=", "==", "!=", "!", "<", "<=", ">", ">=", "+", "-", "*", "/",
  "%", "^", "|", "||", "&", "&&", "\n", "\r\n", " ", "\t", "//c\n", "/*c*/", "/*\n*/", "/*", "\u0000",
  "\uFEFF", "é", "😀", "\uD800", "$", "#",
];

/** Checks one answer: a tree, or an error whose position is inside the text and agrees with its offset. */
function assertAnswer(source: string): void {
  const result = parseAlloy(source);
  if (result.ok) {
    expect(readReceivedConfig(source).ok).toBe(true);
    return;
  }
  const { line, column, offset, message } = result.error;
  expect(offset).toBeGreaterThanOrEqual(0);
  expect(offset).toBeLessThanOrEqual(source.length);
  expect(line).toBe(source.slice(0, offset).split("\n").length);
  expect(column).toBeGreaterThanOrEqual(1);
  expect(message).toMatch(/^[^\n]+$/);
  const read = readReceivedConfig(source);
  expect(read.ok ? "parsed" : read.errorMessage).toBe(`${line}:${column}: ${message}`);
}

type Edit = { at: number; remove: number; insert: string };

const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: "binary", maxLength: 6 }), fc.constant("")),
});

function applyEdits(seed: string, edits: readonly Edit[]): string {
  let text = seed;
  for (const { at, remove, insert } of edits) {
    const i = at % (text.length + 1);
    text = text.slice(0, i) + insert + text.slice(i + remove);
  }
  return text;
}

const strings = fuzzBudget(1000, 14_001);
const soup = fuzzBudget(1000, 14_002);
const edits = fuzzBudget(1000, 14_003);

describe("the parser answers every input", () => {
  it(
    "arbitrary strings, lone surrogates and control characters included",
    () => {
      const anyUnit = fc.string({
        unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      });
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), anyUnit), (s) => assertAnswer(s)),
        strings.params,
      );
    },
    strings.timeoutMs,
  );

  it(
    "sequences of Alloy tokens",
    () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) =>
          assertAnswer(tokens.join("")),
        ),
        soup.params,
      );
    },
    soup.timeoutMs,
  );

  it(
    "random edits of the valid fixtures",
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...seeds),
          fc.array(edit, { minLength: 1, maxLength: 4 }),
          (seed, edits) => assertAnswer(applyEdits(seed, edits)),
        ),
        edits.params,
      );
    },
    edits.timeoutMs,
  );

  it("every prefix of a valid fixture", () => {
    // Cutting a file anywhere is what a truncated download does; each prefix gets an answer.
    const text = seeds.join("\n");
    for (let cut = 0; cut <= text.length; cut += 29) assertAnswer(text.slice(0, cut));
  });
});
