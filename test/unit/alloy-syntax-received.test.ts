/**
 * readReceivedConfig: what a fake collector makes of GetConfig content — its pipelines (top-level `declare`
 * labels, in order), its component count, and the one-line error a real Alloy would report as FAILED.
 */
import { describe, expect, it } from "vitest";
import { readReceivedConfig } from "../../src/alloy-syntax/received.js";

describe("readReceivedConfig", () => {
  it("takes the pipelines from the top-level declare labels, in source order", () => {
    const content = [
      'declare "zeta_logs" {',
      '  loki.write "default" { }',
      "}",
      'zeta_logs "default" { }',
      "",
      'declare "alpha_metrics" {',
      '  prometheus.exporter.self "alloy" { }',
      "}",
      'alpha_metrics "default" { }',
      "",
      'declare "middle" { }',
      'middle "default" { }',
    ].join("\n");
    expect(readReceivedConfig(content)).toEqual({
      ok: true,
      empty: false,
      pipelines: ["zeta_logs", "alpha_metrics", "middle"],
      components: 2,
    });
  });

  it("does not take nested declares, unlabelled declares, or other labelled blocks as pipelines", () => {
    const content = [
      'declare "outer" {',
      '  declare "inner" {',
      '    prometheus.exporter.unix "node" { }',
      "  }",
      '  inner "x" { }',
      "}",
      "declare { }",
      'logging "x" { }',
      'prometheus.scrape "not_a_pipeline" { }',
    ].join("\n");
    const read = readReceivedConfig(content);
    expect(read.ok && read.pipelines).toEqual(["outer"]);
  });

  it("counts components inside declare bodies and foreach templates, at any depth", () => {
    const content = [
      'prometheus.remote_write "top" { }',
      'declare "a" {',
      '  discovery.relabel "x" { rule { } }',
      '  declare "b" {',
      '    loki.write "y" { }',
      '    foreach "each" {',
      "      collection = [1, 2, 3]",
      '      var        = "item"',
      "      template {",
      '        prometheus.exporter.blackbox "z" { }',
      "      }",
      "    }",
      "  }",
      "}",
    ].join("\n");
    const read = readReceivedConfig(content);
    expect(read.ok && read.components).toBe(4);
  });

  it("does not count the settings blocks of a component, even dotted ones, nor config blocks", () => {
    const content = [
      'declare "p" {',
      '  argument "attributes" { optional = true }',
      '  export "out" { value = 1 }',
      '  loki.process "logs" {',
      "    forward_to = []",
      '    stage.json { expressions = { level = "" } }',
      '    stage.labels { values = { level = "" } }',
      '    stage.match { selector = "{a=\\"b\\"}"',
      "      stage.drop { }",
      "    }",
      "  }",
      '  import.git "mods" { repository = "https://example.com/x.git" }',
      '  mods.component "c" { }',
      "}",
      'p "default" { }',
      'logging { level = "info" }',
    ].join("\n");
    const read = readReceivedConfig(content);
    // loki.process and mods.component: an instance of an imported custom component has a dotted name.
    expect(read.ok && read.components).toBe(2);
  });

  it("reads empty content as valid, empty, with no pipeline and no component", () => {
    expect(readReceivedConfig("")).toEqual({ ok: true, empty: true, pipelines: [], components: 0 });
  });

  it("reads content of blanks and comments as valid but not empty (Alloy would load it)", () => {
    expect(readReceivedConfig("\n  // nothing matched\n/* still nothing */\n")).toEqual({
      ok: true,
      empty: false,
      pipelines: [],
      components: 0,
    });
  });

  it("reports a syntax error with line, column and a one-line message as Alloy words it", () => {
    const content = ['declare "broken" {', '  prometheus.scrape "default" {', "    targets = [", "}"].join(
      "\n",
    );
    expect(readReceivedConfig(content)).toEqual({
      ok: false,
      error: { line: 4, column: 1, offset: content.length - 1, message: "expected expression, got }" },
      errorMessage: "4:1: expected expression, got }",
    });
  });

  it("keeps the error message on one line, escaping what it quotes", () => {
    const read = readReceivedConfig("a `two\nlines` { }");
    expect(read.ok ? "parsed" : read.errorMessage).toBe(
      '1:3: expected block label to be a double quoted string, but got "`two\\nlines`"',
    );
  });
});
