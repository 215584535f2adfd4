/**
 * The metric families every fake collector writes (docs/signals.md#metrics), in the fixed order of its table.
 * Names, types and HELP texts are those real Alloy v1.18 exposes, so remote-write metadata and dashboards
 * built on the alloy-mixin see what they would see from a real fleet.
 */
import type { Collector } from "../fleet/types.js";
import { buildInfoLabels } from "./build-info.js";
import { sha256Hex } from "./seed.js";
import type { MetricFamily } from "./types.js";

/** One series of a family, before the collector's target labels are added. */
export interface SeriesTemplate {
  /** The `__name__` label: the family name, or the family name with `_bucket`, `_sum` or `_count`. */
  readonly name: string;
  /** Labels fixed by the catalog (`health_type`, `le`, `controller_path`). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface CatalogFamily extends MetricFamily {
  readonly name: FamilyName;
  /** The family's series in their fixed order. */
  readonly series: readonly SeriesTemplate[];
  /** Labels whose values depend on the collector, added to every series of the family. */
  readonly collectorLabels?: (collector: Collector) => Readonly<Record<string, string>>;
}

export type FamilyName =
  | "alloy_build_info"
  | "up"
  | "alloy_component_controller_running_components"
  | "alloy_component_evaluation_seconds"
  | "alloy_resources_process_cpu_seconds_total"
  | "alloy_resources_process_resident_memory_bytes"
  | "alloy_resources_machine_rx_bytes_total"
  | "alloy_resources_machine_tx_bytes_total"
  | "alloy_config_hash"
  | "go_goroutines"
  | "go_memstats_heap_inuse_bytes"
  | "scrape_duration_seconds";

/** `health_type` values of internal/component/component_health.go, in the order the series are written. */
export const HEALTH_TYPES = ["healthy", "unhealthy", "unknown", "exited"] as const;
export type HealthType = (typeof HEALTH_TYPES)[number];

/** Classic bucket bounds of alloy_component_evaluation_seconds (internal/runtime/internal/controller/metrics.go). */
export const EVALUATION_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600,
];

/**
 * The `le` value as it is stored once scraped: Prometheus 3's scrape parsers rewrite `le` into OpenMetrics
 * float form (model/textparse normalizeFloatsInLabelValues), so Alloy's `le="1"` lands in Mimir as "1.0".
 */
export function formatLe(bound: number): string {
  if (bound === Infinity) return "+Inf";
  return Number.isInteger(bound) ? bound.toFixed(1) : String(bound);
}

/**
 * The root component controller. Alloy also writes `controller_id=""` for it, but a scrape drops labels with
 * an empty value, so the stored series carry only the path.
 */
const ROOT_CONTROLLER = { controller_path: "/" } as const;

/**
 * `--cluster.name` of the k8s-monitoring chart's clustered alloy-metrics collector
 * (docs/fm-protocol.md#alloy-metrics).
 */
const CLUSTERED_WORKLOAD = "alloy-metrics";

function single(name: FamilyName, labels: Readonly<Record<string, string>> = {}): SeriesTemplate[] {
  return [{ name, labels }];
}

function histogramSeries(name: FamilyName, labels: Readonly<Record<string, string>>): SeriesTemplate[] {
  return [
    ...[...EVALUATION_BUCKETS, Infinity].map((bound) => ({
      name: `${name}_bucket`,
      labels: { ...labels, le: formatLe(bound) },
    })),
    { name: `${name}_sum`, labels },
    { name: `${name}_count`, labels },
  ];
}

export const CATALOG: readonly CatalogFamily[] = [
  {
    name: "alloy_build_info",
    type: "gauge",
    // prometheus/client_golang collectors/version, as wrapped by Alloy's internal/build/build.go.
    help: "A metric with a constant '1' value labeled by version, revision, branch, goversion from which alloy was built, and the goos and goarch for the build.",
    series: single("alloy_build_info"),
    collectorLabels: (collector) => buildInfoLabels(collector),
  },
  {
    name: "up",
    type: "gauge",
    // A scrape report series: Prometheus scrape/scrape.go (vendored by Alloy's prometheus.scrape) gives its metadata.
    help: "Health of the scrape target. 1 means the target is healthy, 0 if the scrape failed.",
    series: single("up"),
  },
  {
    name: "alloy_component_controller_running_components",
    type: "gauge",
    help: "Total number of running components.",
    // Real Alloy writes only the health types that have components;
    // docs/signals.md#where-the-fake-differs-from-real-alloy-and-why fixes all four, so the mixin's per-type
    // panels and the UnhealthyComponents alert read 0 rather than no data.
    series: HEALTH_TYPES.map((healthType) => ({
      name: "alloy_component_controller_running_components",
      labels: { ...ROOT_CONTROLLER, health_type: healthType },
    })),
  },
  {
    name: "alloy_component_evaluation_seconds",
    type: "histogram",
    help: "Time spent performing component evaluation",
    series: histogramSeries("alloy_component_evaluation_seconds", ROOT_CONTROLLER),
  },
  {
    name: "alloy_resources_process_cpu_seconds_total",
    type: "counter",
    help: "Total user and system CPU time spent in seconds.",
    series: single("alloy_resources_process_cpu_seconds_total"),
  },
  {
    name: "alloy_resources_process_resident_memory_bytes",
    type: "gauge",
    // The wording of every release up to v1.18.x; v1.19 drops "Current".
    help: "Current resident memory size in bytes.",
    series: single("alloy_resources_process_resident_memory_bytes"),
  },
  {
    name: "alloy_resources_machine_rx_bytes_total",
    type: "counter",
    help: "Total bytes, host-wide, received across all network interfaces.",
    series: single("alloy_resources_machine_rx_bytes_total"),
  },
  {
    name: "alloy_resources_machine_tx_bytes_total",
    type: "counter",
    // Sic: Alloy's internal/alloycli/resources_collector.go says "all given network interface".
    help: "Total bytes, host-wide, sent across all given network interface.",
    series: single("alloy_resources_machine_tx_bytes_total"),
  },
  {
    name: "alloy_config_hash",
    type: "gauge",
    help: "Hash of the currently active config file.",
    series: single("alloy_config_hash"),
    // docs/signals.md#where-the-fake-differs-from-real-alloy-and-why names the label `hash` (real Alloy calls
    // it `sha256`; the product keeps `hash`). `cluster_name` is non-empty only on the clustered alloy-metrics
    // collector; elsewhere Alloy writes "" and a scrape drops it.
    collectorLabels: (collector) => ({
      ...(workloadOf(collector) === CLUSTERED_WORKLOAD ? { cluster_name: CLUSTERED_WORKLOAD } : {}),
      hash: sha256Hex(collector.id),
    }),
  },
  {
    name: "go_goroutines",
    type: "gauge",
    help: "Number of goroutines that currently exist.",
    series: single("go_goroutines"),
  },
  {
    name: "go_memstats_heap_inuse_bytes",
    type: "gauge",
    // client_golang >= v1.20 wording (Alloy pins v1.24).
    help: "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes",
    series: single("go_memstats_heap_inuse_bytes"),
  },
  {
    name: "scrape_duration_seconds",
    type: "gauge",
    help: "Duration of the last scrape in seconds.",
    series: single("scrape_duration_seconds"),
  },
];

/** Series each collector writes every tick: 29 (docs/signals.md). */
export const SERIES_PER_COLLECTOR: number = CATALOG.reduce((n, family) => n + family.series.length, 0);

/** Where each family's first series sits within a collector's block of SERIES_PER_COLLECTOR values. */
export const SERIES_OFFSET: Readonly<Record<FamilyName, number>> = (() => {
  const offsets = {} as Record<FamilyName, number>;
  let offset = 0;
  for (const family of CATALOG) {
    offsets[family.name] = offset;
    offset += family.series.length;
  }
  return offsets;
})();

/**
 * Metric families a fake collector must never write (docs/signals.md#never-emitted). Both exist on a real
 * FM-managed Alloy, but they describe machinery the fake does not run, so emitting them would mislead anyone
 * reading them.
 */
export const NEVER_EMITTED: readonly { readonly prefix: string; readonly reason: string }[] = [
  {
    prefix: "remotecfg_",
    reason:
      "Alloy's remote-configuration service (internal/service/remotecfg) reports the config it fetched, loaded and applied; the fake only heartbeats GetConfig and never loads a pipeline, so load success, hashes and request timings would be invented.",
  },
  {
    prefix: "prometheus_remote_storage_",
    reason:
      "these describe a prometheus.remote_write component's queue, shards, WAL and retries; the fake's samples go out through this tool's own pusher, so the numbers would misstate what the collector sends.",
  },
];

/** The k8s-monitoring collector a k8s collector mirrors (`alloy-metrics`, `alloy-logs`, …); undefined if standalone. */
export function workloadOf(collector: Collector): string | undefined {
  if (collector.kind !== "k8s") return undefined;
  // docs/fm-protocol.md#k8s-monitoring-chart: the workloadName attribute and the app label both carry the
  // chart's collector name.
  return collector.attributes.workloadName ?? collector.labels.app;
}
