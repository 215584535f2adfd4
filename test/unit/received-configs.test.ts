/**
 * What a collector makes of the content FM sends (src/fm/received-configs.ts), as a real Alloy would:
 * pipelines and APPLIED for content that parses, FAILED with line and column for content that does not,
 * and running components that follow only content it could load.
 */
import { describe, expect, it } from "vitest";
import { createReceivedConfigs } from "../../src/fm/received-configs.js";

const PIPELINES = `declare "node_metrics" {
  prometheus.exporter.unix "host" { }
  prometheus.scrape "host" {
    targets    = prometheus.exporter.unix.host.targets
    forward_to = []
  }
}
node_metrics "default" { }

declare "self_monitoring" {
  prometheus.exporter.self "alloy" { }
}
self_monitoring "default" { }
`;

describe("received configs", () => {
  it("reads the pipelines and component blocks of content that parses, and reports APPLIED", () => {
    const configs = createReceivedConfigs();
    expect(configs.receive("a", PIPELINES)).toEqual({
      status: { status: "RemoteConfigStatuses_APPLIED" },
      componentsChanged: true,
    });
    expect(configs.of("a")).toEqual({ pipelines: ["node_metrics", "self_monitoring"], status: "APPLIED" });
    expect(configs.components("a")).toBe(3);
  });

  it("reports a syntax error as FAILED with line and column, and keeps running what it had", () => {
    const configs = createReceivedConfigs();
    configs.receive("a", PIPELINES);
    const broken = 'declare "x" {\n  prometheus.scrape "y" {\n    targets = [] forward_to = []\n  }\n}\n';
    expect(configs.receive("a", broken)).toEqual({
      status: { status: "RemoteConfigStatuses_FAILED", errorMessage: "3:18: expected TERMINATOR, got IDENT" },
      componentsChanged: false,
    });
    expect(configs.of("a")).toEqual({
      pipelines: [],
      status: "FAILED",
      error: "3:18: expected TERMINATOR, got IDENT",
    });
    expect(configs.components("a")).toBe(3);
  });

  it("takes empty content as no pipeline, APPLIED, and leaves the running components alone", () => {
    const configs = createReceivedConfigs();
    expect(configs.receive("a", "")).toEqual({
      status: { status: "RemoteConfigStatuses_APPLIED" },
      componentsChanged: false,
    });
    expect(configs.of("a")).toEqual({ pipelines: [], status: "APPLIED" });
    configs.receive("a", PIPELINES);
    configs.receive("a", "");
    expect(configs.of("a")?.pipelines).toEqual([]);
    expect(configs.components("a")).toBe(3);
  });

  it("knows nothing of a collector that was never answered, and lists the others in answer order", () => {
    const configs = createReceivedConfigs();
    configs.receive("b", "");
    configs.receive("a", PIPELINES);
    expect(configs.of("c")).toBeUndefined();
    expect(configs.components("c")).toBe(0);
    expect(Object.keys(configs.all())).toEqual(["b", "a"]);
  });
});
