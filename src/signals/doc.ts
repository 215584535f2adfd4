/**
 * docs/signals.md, rendered from the catalog, the release table and the value profiles, so the published
 * contract cannot drift from what the model writes. The output is already Prettier-clean (docs/ is checked
 * with `prettier --check`): tables are aligned the way Prettier aligns them.
 */
import { ALLOY_RELEASES, UNKNOWN_REVISION, alloyBuild } from "./build-info.js";
import {
  CATALOG,
  EVALUATION_BUCKETS,
  formatLe,
  NEVER_EMITTED,
  SERIES_PER_COLLECTOR,
  type CatalogFamily,
  type FamilyName,
} from "./catalog.js";
import {
  EVALUATIONS_PER_TICK,
  UNHEALTHY,
  WORKLOAD_PROFILES,
  type BucketSpread,
  type Range,
  type WorkloadName,
  type WorkloadProfile,
} from "./values.js";

/** The command that rewrites docs/signals.md; the doc test names it when the file is stale. */
export const SIGNALS_DOC_COMMAND = "npx tsx scripts/gen-signals-doc.ts";

export function renderSignalsDoc(): string {
  const names = new Set(CATALOG.flatMap((family) => family.series.map((s) => s.name)));
  const blocks = [
    "# Alloy self-metrics written by fm-action",
    `<!-- Generated from src/signals by \`${SIGNALS_DOC_COMMAND}\`. Edit the code, then rerun it. -->`,
    `Every tick, every fake collector writes **${SERIES_PER_COLLECTOR} series** in **${CATALOG.length} metric families** ` +
      `(${names.size} metric names) by Prometheus remote write, labelled as a real Grafana Alloy scraped with ` +
      '`job="integrations/alloy"` would be. A fleet of N collectors writes ' +
      `${SERIES_PER_COLLECTOR} × N series per tick. This page is the contract for what lands in Mimir: names, types, ` +
      "HELP texts (sent as remote-write metadata), labels and the values to expect.",
    ...labelsSection(),
    ...metricsSection(),
    ...valuesSection(),
    ...healthSection(),
    ...buildInfoSection(),
    ...neverEmittedSection(),
    ...differencesSection(),
  ];
  return blocks.join("\n\n") + "\n";
}

function labelsSection(): string[] {
  return [
    "## Labels",
    "Every series carries its collector's target labels, its family's own labels and `__name__`. A label set is " +
      "sorted by name (`__name__` first), has no repeated name and no empty value, and never changes between " +
      "ticks. A collector label that clashes with a family's own label (such as `le` or `health_type`) is refused " +
      "when the fleet is built, because Prometheus answers a duplicate label name with HTTP 500.",
    "### Target labels on every series",
    table(
      ["label", "value"],
      [
        ["`job`", "`integrations/alloy`"],
        ["`namespace`", "`infra`; `monitoring` for the Kubernetes mirror"],
        ["`cluster`", "the environment's cluster name, else `<blueprint>-<env>`"],
        ["`k8s_cluster_name`", "the same as `cluster`"],
        ["`instance`", "standalone: `<collector id>:12345`; Kubernetes mirror: `<pod ip>:12345`"],
        ["`collector_id`", "the Fleet Management collector ID"],
        ["`os`", "`linux`, `windows` or `darwin`"],
      ],
    ),
    "There is never a `blueprint` label.",
    "### Kubernetes mirror labels",
    "Collectors of the k8s-monitoring mirror also carry the labels the chart's Alloy integration adds when it " +
      "scrapes a pod:",
    table(
      ["label", "value"],
      [
        ["`pod`", "the pod name, e.g. `grafana-k8s-monitoring-alloy-metrics-0`"],
        ["`container`", "`alloy`"],
        ["`workload`", "`<release>-<collector>`, e.g. `grafana-k8s-monitoring-alloy-logs`"],
        ["`workload_type`", "`statefulset`, `daemonset`, or `replicaset` for a deployment's pods"],
        ["`app`", "the chart's collector name, e.g. `alloy-metrics`"],
        ["`source`", "`kubernetes`"],
      ],
    ),
    "### Family labels",
    table(
      ["metric", "its own labels"],
      CATALOG.map((family) => [`\`${family.name}\``, familyLabels(family)]),
    ),
  ];
}

/** What each family's series carry beside the target labels, for labels the catalog cannot list statically. */
const COLLECTOR_LABEL_DOCS: Partial<Record<FamilyName, string>> = {
  alloy_build_info:
    '`branch="HEAD"`, `goarch`, `goos`, `goversion`, `revision`, `tags`, `version` (see Build info by release)',
  alloy_config_hash:
    '`hash` = lowercase SHA-256 hex of the collector ID; `cluster_name="alloy-metrics"` on the mirror\'s alloy-metrics collectors only',
};

function familyLabels(family: CatalogFamily): string {
  const parts: string[] = [];
  const collectorLabels = COLLECTOR_LABEL_DOCS[family.name];
  if (collectorLabels) parts.push(collectorLabels);
  const values = new Map<string, string[]>();
  for (const series of family.series)
    for (const [name, value] of Object.entries(series.labels)) {
      const seen = values.get(name) ?? [];
      if (!seen.includes(value)) seen.push(value);
      values.set(name, seen);
    }
  for (const [name, seen] of values)
    parts.push(
      seen.length === 1
        ? `\`${name}="${seen[0]}"\``
        : `\`${name}\` ∈ ${seen.map((v) => `\`${v}\``).join(", ")}`,
    );
  return parts.length === 0 ? "none" : parts.join("; ");
}

/** How each family's value behaves; the ranges come from WORKLOAD_PROFILES. */
const VALUE_DOCS: Record<FamilyName, string> = {
  alloy_build_info: "Always 1.",
  up: "1 for a healthy collector, 0 for an unhealthy one.",
  alloy_component_controller_running_components:
    "Components per health type: a fixed number per collector within its kind's range, all healthy unless the collector is unhealthy, " +
    "plus one healthy component per component block of the remote configuration it runs (the last one Fleet Management sent that parsed; " +
    "an empty or broken one leaves the count as it was, as Alloy keeps running its previous configuration).",
  alloy_component_evaluation_seconds:
    `A classic histogram with ${EVALUATIONS_PER_TICK} observations per tick: \`_count\` is ${EVALUATIONS_PER_TICK} × the ticks since the fleet started, ` +
    "buckets are cumulative with `+Inf` equal to `_count`, and `_sum` lies within the bounds the buckets allow. " +
    'Most observations land in `le="0.005"`, as on a real idle Alloy.',
  alloy_resources_process_cpu_seconds_total:
    "A counter in steps of 10 ms: a second or two at the fleet start, then growing at the collector's CPU rate.",
  alloy_resources_process_resident_memory_bytes:
    "Drifts slowly within the collector kind's range, in whole 4 KiB pages; always 80–150 MB.",
  alloy_resources_machine_rx_bytes_total: "A counter of whole bytes growing at the collector's receive rate.",
  alloy_resources_machine_tx_bytes_total: "A counter of whole bytes growing at the collector's send rate.",
  alloy_config_hash: "Always 1.",
  go_goroutines: "A whole number drifting slowly within the collector kind's range; always 60–400.",
  go_memstats_heap_inuse_bytes: "30–60 % of the resident memory at the same tick, in whole 8 KiB spans.",
  scrape_duration_seconds: "Drifts slowly within 5–50 ms.",
};

function metricsSection(): string[] {
  const summary = table(
    ["metric", "type", "series"],
    CATALOG.map((family) => [`\`${family.name}\``, family.type, String(family.series.length)]),
  );
  const details = CATALOG.flatMap((family) => [
    `### \`${family.name}\``,
    [
      `- Type: ${family.type}; ${family.series.length === 1 ? "1 series" : `${family.series.length} series: ${seriesNames(family)}`}.`,
      `- HELP: \`${family.help}\``,
      `- Own labels: ${familyLabels(family)}.`,
      `- Value: ${VALUE_DOCS[family.name]}`,
    ].join("\n"),
  ]);
  return ["## Metrics", "In the order they are written for each collector:", summary, ...details];
}

function seriesNames(family: CatalogFamily): string {
  if (family.type === "histogram")
    return (
      `\`${family.name}_bucket\` for each \`le\` from \`${formatLe(EVALUATION_BUCKETS[0]!)}\` to \`+Inf\`, ` +
      `then \`${family.name}_sum\` and \`${family.name}_count\``
    );
  const varying = Object.keys(family.series[0]!.labels).filter(
    (name) => new Set(family.series.map((s) => s.labels[name])).size > 1,
  );
  return `one per ${varying.map((name) => `\`${name}\``).join(" and ")} value`;
}

const PROFILE_ORDER: readonly WorkloadName[] = [
  "standalone",
  "alloy-metrics",
  "alloy-singleton",
  "alloy-logs",
  "alloy-receiver",
  "alloy-profiles",
];

function valuesSection(): string[] {
  const rows: [string, (p: WorkloadProfile) => string][] = [
    ["resident memory (MB)", (p) => range(p.residentBytes, 1e6)],
    ["heap in use (share of RSS)", (p) => range(p.heapShare, 0.01, " %")],
    ["goroutines", (p) => range(p.goroutines)],
    ["scrape duration (ms)", (p) => range(p.scrapeSeconds, 0.001)],
    ["CPU (cores, mean rate)", (p) => range(p.cpuCores)],
    ["received (KB/s, mean rate)", (p) => range(p.rxBytesPerSecond, 1000)],
    ["sent (KB/s, mean rate)", (p) => range(p.txBytesPerSecond, 1000)],
    ["running components", (p) => range(p.components)],
    [
      "evaluations above 5 ms per tick, quiet / busy",
      (p) => `≤ ${spreadTotal(p.quietSpread)} / ≤ ${spreadTotal(p.busySpread)}`,
    ],
  ];
  return [
    "## Values by collector kind",
    "Values are pure functions of the collector, the series and the time: the same fleet gives the same numbers " +
      "on every run and machine. Each collector draws its own level, phases and rates from a hash of its ID, so " +
      "peers differ. Gauges drift slowly (two sinusoids with periods of 30–90 and 6–15 minutes) and stay inside " +
      "the ranges below at every tick. Counters and the histogram are closed-form functions of the time since the " +
      "fleet started, so they never decrease, and a background process restarted with the same fleet start " +
      "continues them exactly. Counter rates swing ±50 % around their mean. A standalone collector is " +
      "`standalone`; a mirror collector takes the row of its chart collector.",
    table(
      ["quantity", ...PROFILE_ORDER.map((name) => `\`${name}\``)],
      rows.map(([label, cell]) => [label, ...PROFILE_ORDER.map((name) => cell(WORKLOAD_PROFILES[name]))]),
    ),
  ];
}

function healthSection(): string[] {
  return [
    "## Healthy and unhealthy collectors",
    "A blueprint's `unhealthy_per_os` marks collectors unhealthy. They keep writing every series, with these " +
      "differences:",
    table(
      ["series", "healthy", "unhealthy"],
      [
        ["`up`", "1", "0"],
        ['`…running_components{health_type="healthy"}`', "all components", "the rest"],
        [
          '`…running_components{health_type="unhealthy"}`',
          "0",
          `${range(UNHEALTHY.unhealthyComponents)} (fires the mixin's UnhealthyComponents alert)`,
        ],
        ['`…running_components{health_type="exited"}`', "0", range(UNHEALTHY.exitedComponents)],
        ['`…running_components{health_type="unknown"}`', "0", "0"],
        [
          "`alloy_component_evaluation_seconds`",
          "fast evaluations",
          `busy ticks add up to ${spreadTotal(UNHEALTHY.slowSpread)} slow ones (${spreadBuckets(UNHEALTHY.slowSpread)})`,
        ],
      ],
    ),
  ];
}

function buildInfoSection(): string[] {
  const newest = ALLOY_RELEASES[ALLOY_RELEASES.length - 1]!;
  return [
    "## Build info by release",
    "`alloy_build_info` names the real release a collector claims to run. `goos` is the collector's OS and " +
      "`goarch` is `amd64`, or `arm64` on darwin. `branch` is always `HEAD`.",
    table(
      ["version", "revision", "goversion", "tags"],
      ALLOY_RELEASES.map((r) => [
        `\`${r.version}\``,
        `\`${r.revision}\``,
        `\`${r.goversion}\``,
        `\`${alloyBuild(r.version).tags}\``,
      ]),
    ),
    `Any other version reports \`revision="${UNKNOWN_REVISION}"\` and the Go version of the nearest known release: ` +
      "of the version's two neighbours in semver order (one at either end of the table), the one at the smaller " +
      "distance, compared as (|Δmajor|, |Δminor|, |Δpatch|) in that order, with ties going to the newer release. " +
      `So \`v1.17.0\` reports \`${alloyBuild("v1.17.0").goversion}\` and anything newer than \`${newest.version}\` ` +
      `reports \`${newest.goversion}\`. Its \`tags\` are those of the releases around it ` +
      `(from v1.16 on, \`${alloyBuild(newest.version).tags}\`).`,
  ];
}

function neverEmittedSection(): string[] {
  return [
    "## Never emitted",
    NEVER_EMITTED.map((entry) => `- \`${entry.prefix}*\`: ${entry.reason}`).join("\n"),
    "Real Alloy exposes many more families (`go_gc_duration_seconds`, `process_*`, " +
      "`alloy_component_dependencies_wait_seconds`, …); the contract keeps to these " +
      `${CATALOG.length} to bound the series each collector costs.`,
  ];
}

function differencesSection(): string[] {
  return [
    "## Where the fake differs from real Alloy, and why",
    [
      "- `alloy_config_hash` carries the hash in a label named `hash`, as this contract fixes it; real Alloy names it `sha256`.",
      "- `alloy_component_controller_running_components` has a series for every health type, 0 included; real " +
        "Alloy writes only the types that have components, so the mixin's per-type panels read 0 instead of no data.",
      '- Alloy writes `controller_id=""` on the root controller\'s series; a scrape drops empty labels, so the ' +
        'stored series carry only `controller_path="/"`, and so do these.',
      "- `le` values are in the form Prometheus 3 stores after a scrape (`1.0`, not `1`).",
    ].join("\n"),
  ];
}

function range(r: Range, unit = 1, suffix = ""): string {
  const format = (n: number) => String(Number((n / unit).toPrecision(6)));
  return r.min === r.max ? `${format(r.min)}${suffix}` : `${format(r.min)}–${format(r.max)}${suffix}`;
}

function spreadTotal(spread: BucketSpread): number {
  return Object.values(spread).reduce((a: number, b) => a + (b ?? 0), 0);
}

function spreadBuckets(spread: BucketSpread): string {
  // Object.keys lists integer-like keys ("1", "5") before "0.5": order by the bound instead.
  return Object.keys(spread)
    .map(Number)
    .sort((a, b) => a - b)
    .map((bound) => `\`le="${formatLe(bound)}"\``)
    .join(", ");
}

/** A Markdown table aligned as Prettier aligns it: each column padded to its widest cell, at least 3. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll("|", "\\|")));
  const widths = header.map((_, c) => Math.max(3, ...all.map((row) => width(row[c] ?? ""))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => cell + " ".repeat(widths[c]! - width(cell))).join(" | ")} |`;
  const [head, ...body] = all;
  return [line(head!), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Display width as Prettier counts it for the characters used here: one per code point. */
function width(text: string): number {
  return [...text].length;
}
