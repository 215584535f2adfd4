/**
 * The parser against files: realistic pipelines it must accept, and broken files it must reject at the line,
 * column and with the message Alloy's own parser reports. Each invalid fixture states its expectation on its
 * first line, `// expect: LINE:COLUMN: MESSAGE`, checked exactly.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAlloy } from "../../src/alloy-syntax/parser.js";
import { readReceivedConfig } from "../../src/alloy-syntax/received.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/alloy");

function fixtures(kind: "valid" | "invalid"): Array<[string, string]> {
  const dir = join(FIXTURES, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".alloy"))
    .sort()
    .map((f) => [f, readFileSync(join(dir, f), "utf8")]);
}

const valid = fixtures("valid");
const invalid = fixtures("invalid");

/**
 * Components per valid fixture, counted by hand: dotted blocks at the top level, in `declare` bodies and
 * never inside another component (so `stage.*` blocks of `loki.process` do not count).
 */
const COMPONENTS: Record<string, number> = {
  "attributes-and-exports.alloy": 5,
  "fm-received-content.alloy": 5,
  "kubernetes-pod-logs.alloy": 5,
  "node-exporter-linux.alloy": 5,
  "self-monitoring-metrics.alloy": 5,
  "strings-and-comments.alloy": 6,
};

/** Wraps pipeline contents as Fleet Management sends them: one `declare` per pipeline, instantiated once. */
function asReceivedContent(pipelines: Array<[name: string, contents: string]>): string {
  return pipelines
    .map(
      ([name, contents]) =>
        `declare "${name}" {\n` +
        `  argument "attributes" { optional = true }\n` +
        `  argument "pipeline_exports" { optional = true }\n\n` +
        `${contents}\n}\n` +
        `${name} "default" {\n  attributes = { "collector.ID" = "ci-linux-0001" }\n}\n`,
    )
    .join("\n");
}

describe("valid Alloy files", () => {
  it("has the fixtures this test counts on", () => {
    expect(valid.map(([f]) => f)).toEqual(Object.keys(COMPONENTS).sort());
  });

  it.each(valid)("%s parses", (_file, text) => {
    const result = parseAlloy(text);
    expect(result.ok ? "ok" : result.error).toBe("ok");
  });

  it.each(valid)("%s parses with Windows line endings too", (_file, text) => {
    const result = parseAlloy(text.replaceAll("\n", "\r\n"));
    expect(result.ok ? "ok" : result.error).toBe("ok");
  });

  it.each(valid)("%s: its components are counted once each", (file, text) => {
    const read = readReceivedConfig(text);
    expect(read.ok && read.components).toBe(COMPONENTS[file]);
  });

  it("fm-received-content.alloy names its two pipelines in order", () => {
    const text = valid.find(([f]) => f === "fm-received-content.alloy")![1];
    const read = readReceivedConfig(text);
    expect(read.ok && read.pipelines).toEqual(["self_monitoring_logs", "node_metrics_linux"]);
  });

  it("every fixture wrapped as FM content: one pipeline per fixture, in order, components summed", () => {
    const named = valid.map(([f, text]): [string, string] => [
      f.replace(/\.alloy$/, "").replaceAll("-", "_"),
      text,
    ]);
    const read = readReceivedConfig(asReceivedContent(named));
    expect(read).toEqual({
      ok: true,
      empty: false,
      // A fixture that is itself received content nests its declares one level down: not pipelines.
      pipelines: named.map(([name]) => name),
      components: Object.values(COMPONENTS).reduce((a, b) => a + b, 0),
    });
  });
});

describe("invalid Alloy files", () => {
  it("has error fixtures", () => {
    expect(invalid.length).toBeGreaterThanOrEqual(15);
  });

  it.each(invalid)("%s fails where its first line says", (_file, text) => {
    const expectation = /^\/\/ expect: (\d+):(\d+): (.+)$/.exec(text.split("\n")[0]!);
    expect(expectation, "first line must be `// expect: LINE:COLUMN: MESSAGE`").not.toBeNull();
    const [, line, column, message] = expectation!;
    const result = parseAlloy(text);
    expect(result.ok ? "parsed" : result.error).toMatchObject({
      line: Number(line),
      column: Number(column),
      message,
    });
    const read = readReceivedConfig(text);
    expect(read.ok ? "parsed" : read.errorMessage).toBe(`${line}:${column}: ${message}`);
  });

  it.each(invalid)("%s inside a pipeline fails the whole content, blamed on that pipeline", (_file, text) => {
    const good = valid.find(([f]) => f === "self-monitoring-metrics.alloy")![1];
    const content = asReceivedContent([
      ["healthy", good],
      ["broken", text],
    ]);
    const read = readReceivedConfig(content);
    if (read.ok) throw new Error("a broken pipeline passed");
    const brokenStartsAt = content.slice(0, content.indexOf('declare "broken"')).split("\n").length;
    expect(read.error.line).toBeGreaterThan(brokenStartsAt);
    expect(read.errorMessage).toBe(`${read.error.line}:${read.error.column}: ${read.error.message}`);
  });
});
