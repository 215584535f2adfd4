/**
 * Blueprints written to break the loader or to smuggle characters into FM: nesting thousands of levels deep
 * ends as a BlueprintError that names the depth limit, and control or bidirectional-formatting characters in
 * attribute keys and values are refused with their path and line, and never echoed raw in a message.
 */
import { describe, expect, it } from "vitest";
import { MAX_NESTING_DEPTH, parseBlueprint } from "../../src/blueprint/load.js";
import { BlueprintError, type BlueprintProblem } from "../../src/core/errors.js";

function problemsOf(text: string): readonly BlueprintProblem[] {
  try {
    parseBlueprint(text, "bad.yaml");
  } catch (err) {
    if (err instanceof BlueprintError) return err.problems;
    throw err;
  }
  throw new Error("expected the blueprint to be refused");
}

const lines = (...l: string[]) => `${l.join("\n")}\n`;
/** Control and bidi-formatting characters, written out by code point (no control characters in a regex). */
const UNSAFE_RANGES: [number, number][] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0x61c, 0x61c],
  [0x200e, 0x200f],
  [0x202a, 0x202e],
  [0x2066, 0x2069],
];
const BIDI_AND_CONTROLS = {
  test: (text: string) =>
    [...text].some((ch) =>
      UNSAFE_RANGES.some(([lo, hi]) => ch.codePointAt(0)! >= lo && ch.codePointAt(0)! <= hi),
    ),
};

describe("nesting depth", () => {
  const deep: Record<string, string> = {
    "a flow sequence": lines("name: x", `features: ${"[".repeat(3000)}${"]".repeat(3000)}`),
    "a flow mapping": lines("name: x", `features: ${"{a: ".repeat(3000)}1${"}".repeat(3000)}`),
    "block mappings":
      lines("name: x", ...Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}a:`)) + " 1\n",
    "block sequences": lines(
      "name: x",
      "extra:",
      ...Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}-`),
    ),
  };
  for (const [shape, text] of Object.entries(deep)) {
    it(`refuses 3,000 levels of ${shape} with one problem naming the limit`, () => {
      const problems = problemsOf(text);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toContain(`nested at most ${MAX_NESTING_DEPTH} levels deep`);
      expect(problems[0]!.message).not.toMatch(/call stack/i);
      expect(problems[0]!.line).toBeGreaterThanOrEqual(2);
    });
  }

  it("accepts nesting up to the limit (in keys it ignores)", () => {
    const d = MAX_NESTING_DEPTH - 1; // the root mapping is one level
    const text = lines(
      "name: x",
      "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      `extra: ${"[".repeat(d)}${"]".repeat(d)}`,
    );
    expect(() => parseBlueprint(text, "ok.yaml")).not.toThrow();
    const over = lines(
      "name: x",
      "features: {fleet_management: {collectors_per_os: {linux: 1}}}",
      `extra: ${"[".repeat(d + 1)}${"]".repeat(d + 1)}`,
    );
    expect(problemsOf(over)[0]!.message).toContain(`nested at most ${MAX_NESTING_DEPTH} levels deep`);
  });
});

describe("control and bidirectional-formatting characters", () => {
  const withAttributes = (...attrs: string[]) =>
    lines(
      "name: x",
      "features:",
      "  fleet_management:",
      "    collectors_per_os: {linux: 1}",
      "    attributes:",
      ...attrs.map((a) => `      ${a}`),
    );

  it("refuses NUL in an attribute value, with the path and line", () => {
    const problems = problemsOf(withAttributes("team: ok", 'owner: "ab\\0cd"'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "features.fleet_management.attributes.owner", line: 7 });
    expect(problems[0]!.message).toContain("U+0000 at character 3");
  });

  it("refuses a right-to-left override in an attribute key, anchored on the key, and never prints it raw", () => {
    const problems = problemsOf(withAttributes("team: ok", '"adm\\u202Enimda": yes'));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(7);
    expect(problems[0]!.column).toBe(7);
    expect(problems[0]!.message).toContain("U+202E at character 4");
    expect(problems[0]!.path).toSatisfy((t: string) => !BIDI_AND_CONTROLS.test(t));
    expect(problems[0]!.message).toSatisfy((t: string) => !BIDI_AND_CONTROLS.test(t));
  });

  const cases: [string, string][] = [
    ["LEFT-TO-RIGHT ISOLATE", "\\u2066"],
    ["POP DIRECTIONAL ISOLATE", "\\u2069"],
    ["RIGHT-TO-LEFT MARK", "\\u200F"],
    ["LEFT-TO-RIGHT MARK", "\\u200E"],
    ["a C1 control (CSI)", "\\x9B"],
    ["ESC, which starts terminal escape sequences", "\\e"],
    ["DEL", "\\x7F"],
    ["a tab", "\\t"],
  ];
  for (const [what, escape] of cases) {
    it(`refuses ${what} in an attribute value`, () => {
      const problems = problemsOf(withAttributes(`team: "a${escape}b"`));
      expect(problems).toHaveLength(1);
      expect(problems[0]!.path).toBe("features.fleet_management.attributes.team");
      expect(problems[0]!.message).toContain("at character 2");
      expect(problems[0]!.message).toSatisfy((t: string) => !BIDI_AND_CONTROLS.test(t));
    });
  }

  it("accepts other Unicode text in attributes", () => {
    const text = withAttributes('team: "équipe-北京"', '"région": "Zürich"');
    expect(parseBlueprint(text, "ok.yaml").blueprint.features.fleet_management.attributes).toEqual({
      team: "équipe-北京",
      région: "Zürich",
    });
  });

  it("shows a bidi character in a refused name escaped, not raw", () => {
    const problems = problemsOf(
      lines('name: "fleet\\u202Eevil"', "features: {fleet_management: {collectors_per_os: {linux: 1}}}"),
    );
    expect(problems[0]!.path).toBe("name");
    expect(problems[0]!.message).toContain("\\u202e");
    expect(problems[0]!.message).toSatisfy((t: string) => !BIDI_AND_CONTROLS.test(t));
  });

  it("lists an ignored top-level key with a bidi character escaped in the notice", () => {
    const loaded = parseBlueprint(
      lines("name: x", "features: {fleet_management: {collectors_per_os: {linux: 1}}}", '"ex\\u202Etra": 1'),
      "ok.yaml",
    );
    expect(loaded.notices.join("\n")).toContain("\\u202e");
    expect(loaded.notices.join("\n")).toSatisfy((t: string) => !BIDI_AND_CONTROLS.test(t));
  });
});
