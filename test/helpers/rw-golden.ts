/**
 * The inputs behind test/fixtures/rw-samples.golden.hex and rw-stale.golden.hex: two "collectors" of two
 * series each, at T0 (samples) and T0 + 15,001 ms (stale markers). The files were written by protobufjs
 * reflection from the prompb schema, not by the project's encoder.
 */
import { readFileSync } from "node:fs";
import type { MetricFamily, Series } from "../../src/signals/types.js";

export const golden = (name: "rw-samples.golden.hex" | "rw-stale.golden.hex"): Uint8Array =>
  new Uint8Array(Buffer.from(readFileSync(`test/fixtures/${name}`, "utf8").replace(/\s+/g, ""), "hex"));

export const GOLDEN_SERIES: Series[] = [
  {
    family: 0,
    labels: [
      ["__name__", "up"],
      ["collector_id", "fleet-management-ci-linux-01"],
      ["job", "integrations/alloy"],
    ],
  },
  {
    family: 1,
    labels: [
      ["__name__", "alloy_resources_process_cpu_seconds_total"],
      ["collector_id", "fleet-management-ci-linux-01"],
      ["job", "integrations/alloy"],
    ],
  },
  {
    family: 2,
    labels: [
      ["__name__", "alloy_component_evaluation_seconds_bucket"],
      ["job", "integrations/alloy"],
      ["le", "+Inf"],
    ],
  },
  {
    family: 3,
    labels: [
      ["__name__", "go_goroutines"],
      ["note", "café ✓"],
    ],
  },
];

/** The golden requests' two collectors: series 0–1 and 2–3. */
export const GOLDEN_COLLECTORS: Series[][] = [GOLDEN_SERIES.slice(0, 2), GOLDEN_SERIES.slice(2)];

export const GOLDEN_VALUES = Float64Array.of(1, 12345.678, 24, -0.5);

export const GOLDEN_FAMILIES: MetricFamily[] = [
  { name: "up", type: "gauge", help: "Whether the collector is up." },
  {
    name: "alloy_resources_process_cpu_seconds_total",
    type: "counter",
    help: "Total user and system CPU time spent in seconds.",
  },
  {
    name: "alloy_component_evaluation_seconds",
    type: "histogram",
    help: "Time spent performing component evaluation.",
  },
];

export const GOLDEN_T0 = Date.UTC(2026, 0, 1);
export const GOLDEN_STALE_AT = GOLDEN_T0 + 15_001;
