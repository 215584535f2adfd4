import { describe, expect, it } from "vitest";
import {
  CATALOG,
  EVALUATION_BUCKETS,
  NEVER_EMITTED,
  SERIES_OFFSET,
  SERIES_PER_COLLECTOR,
} from "../../src/signals/catalog.js";

describe("signal catalog", () => {
  it("lists the twelve families of docs/signals.md in its order, with their types", () => {
    expect(CATALOG.map((f) => [f.name, f.type])).toEqual([
      ["alloy_build_info", "gauge"],
      ["up", "gauge"],
      ["alloy_component_controller_running_components", "gauge"],
      ["alloy_component_evaluation_seconds", "histogram"],
      ["alloy_resources_process_cpu_seconds_total", "counter"],
      ["alloy_resources_process_resident_memory_bytes", "gauge"],
      ["alloy_resources_machine_rx_bytes_total", "counter"],
      ["alloy_resources_machine_tx_bytes_total", "counter"],
      ["alloy_config_hash", "gauge"],
      ["go_goroutines", "gauge"],
      ["go_memstats_heap_inuse_bytes", "gauge"],
      ["scrape_duration_seconds", "gauge"],
    ]);
  });

  it("makes 29 series per collector under 14 metric names", () => {
    expect(SERIES_PER_COLLECTOR).toBe(29);
    const names = new Set(CATALOG.flatMap((f) => f.series.map((s) => s.name)));
    expect(names.size).toBe(14);
  });

  it("writes the evaluation histogram as 13 cumulative buckets, then _sum and _count", () => {
    const histogram = CATALOG.find((f) => f.name === "alloy_component_evaluation_seconds")!;
    expect(EVALUATION_BUCKETS).toEqual([0.005, 0.025, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600]);
    expect(
      histogram.series.map((s) => [s.name.replace("alloy_component_evaluation_seconds", ""), s.labels.le]),
    ).toEqual([
      ...[
        "0.005",
        "0.025",
        "0.1",
        "0.5",
        "1.0",
        "5.0",
        "10.0",
        "30.0",
        "60.0",
        "120.0",
        "300.0",
        "600.0",
        "+Inf",
      ].map((le) => ["_bucket", le]),
      ["_sum", undefined],
      ["_count", undefined],
    ]);
  });

  it("writes one running-components series per health type", () => {
    const family = CATALOG.find((f) => f.name === "alloy_component_controller_running_components")!;
    expect(family.series.map((s) => s.labels.health_type)).toEqual([
      "healthy",
      "unhealthy",
      "unknown",
      "exited",
    ]);
  });

  it("uses the HELP texts Alloy v1.18 writes, typo included", () => {
    const help = Object.fromEntries(CATALOG.map((f) => [f.name, f.help]));
    expect(help.alloy_resources_machine_tx_bytes_total).toBe(
      "Total bytes, host-wide, sent across all given network interface.",
    );
    expect(help.alloy_resources_process_resident_memory_bytes).toBe("Current resident memory size in bytes.");
    expect(help.alloy_component_evaluation_seconds).toBe("Time spent performing component evaluation");
    for (const family of CATALOG) expect(family.help, family.name).not.toBe("");
  });

  it("places each family's series at its offset", () => {
    let offset = 0;
    for (const family of CATALOG) {
      expect(SERIES_OFFSET[family.name]).toBe(offset);
      offset += family.series.length;
    }
  });

  it("emits nothing of remotecfg_* or prometheus_remote_storage_*", () => {
    expect(NEVER_EMITTED.map((n) => n.prefix)).toEqual(["remotecfg_", "prometheus_remote_storage_"]);
    for (const family of CATALOG)
      for (const { prefix } of NEVER_EMITTED) expect(family.name.startsWith(prefix), family.name).toBe(false);
  });
});
