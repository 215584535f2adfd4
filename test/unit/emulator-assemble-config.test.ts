/**
 * The one place the emulator writes what FM sends: each matching pipeline declared as a custom component
 * and instantiated once as `<name> "default"` with the collector's attributes.
 */
import { describe, expect, it } from "vitest";
import { assembleConfig, componentName } from "../../src/emulator/assemble-config.js";

const collector = { id: "c-1", attributes: { "collector.ID": "c-1", env: 'pr "7"\\x' } };

describe("assembleConfig", () => {
  it("is empty when nothing matches", () => {
    expect(assembleConfig([], collector)).toBe("");
  });

  it("wraps each pipeline, in name order, and instantiates it with the collector's attributes", () => {
    const content = assembleConfig(
      [
        { name: "node_metrics", contents: 'prometheus.exporter.unix "node" { }\n\n' },
        { name: "self_monitoring", contents: 'prometheus.exporter.self "alloy" { }' },
      ].reverse(),
      collector,
    );
    expect(content).toBe(
      [
        'declare "node_metrics" {',
        '  argument "attributes" {',
        "    optional = true",
        "  }",
        '  argument "pipeline_exports" {',
        "    optional = true",
        "  }",
        "",
        'prometheus.exporter.unix "node" { }',
        "}",
        "",
        'node_metrics "default" {',
        "  attributes = {",
        '    "collector.ID" = "c-1",',
        '    "env" = "pr \\"7\\"\\\\x",',
        "  }",
        "}",
        "",
        'declare "self_monitoring" {',
        '  argument "attributes" {',
        "    optional = true",
        "  }",
        '  argument "pipeline_exports" {',
        "    optional = true",
        "  }",
        "",
        'prometheus.exporter.self "alloy" { }',
        "}",
        "",
        'self_monitoring "default" {',
        "  attributes = {",
        '    "collector.ID" = "c-1",',
        '    "env" = "pr \\"7\\"\\\\x",',
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("turns a pipeline name into an Alloy identifier", () => {
    expect(componentName("self_monitoring")).toBe("self_monitoring");
    expect(componentName("api-monitoring")).toBe("api_monitoring");
    expect(componentName("1st")).toBe("_1st");
    expect(assembleConfig([{ name: "my-pipeline", contents: "x" }], collector)).toMatch(
      /^declare "my_pipeline" \{[\s\S]*\nmy_pipeline "default" \{/,
    );
  });
});
