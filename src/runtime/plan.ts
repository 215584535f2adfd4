/**
 * What a roster will do, in numbers and words: the table `fm-fleet plan`, the action's main step and its
 * dry run print, and the JSON `fm-fleet plan --json` prints (docs/signals.md; README.md#command-line). Pure.
 */
import { formatDuration } from "../core/duration.js";
import { heartbeatCapacityWarning } from "../fm/schedule.js";
import { RUN_MARKER_ATTRIBUTE } from "../fleet/run-marker.js";
import { type Collector, type Roster } from "../fleet/types.js";
import { OS_ORDER, type Os } from "../blueprint/os.js";
import { SERIES_PER_COLLECTOR } from "../signals/catalog.js";

/**
 * Self-hosted Mimir's default per-tenant limits (`max_global_series_per_user`, `ingestion_rate`); Grafana
 * Cloud stacks have their own. A fleet above them gets 429s, which slow it down
 * (docs/fm-protocol.md#prometheus-and-mimir-limits).
 */
const MIMIR_DEFAULT_MAX_SERIES = 150_000;
const MIMIR_DEFAULT_SAMPLES_PER_SECOND = 10_000;

export interface OsCount {
  readonly os: Os;
  readonly standalone: number;
  readonly k8s: number;
}

export interface PlanSummary {
  readonly blueprint: string;
  readonly collectors: readonly Collector[];
  /** Set when the plan is one part of the roster (fleet/shard.ts). */
  readonly shard?: Roster["shard"];
  /** One row per OS, in OS order. */
  readonly byOs: readonly OsCount[];
  readonly unhealthy: number;
  /** Active series: every collector writes each of its series once per tick. */
  readonly seriesPerTick: number;
  readonly intervalMs: number;
  readonly samplesPerMinute: number;
  /** Limits the fleet would exceed, in words. */
  readonly warnings: readonly string[];
}

export interface PlanOptions {
  /** The metrics push interval. */
  readonly intervalMs: number;
  /**
   * With FM: the heartbeat interval and the client's rate, so the plan warns when the fleet cannot
   * heartbeat on time, as a live run would.
   */
  readonly fm?: { readonly heartbeatIntervalMs: number; readonly ratePerSecond: number };
}

/**
 * The plan options of a fleet's settings: FM's capacity is checked when FM is configured, or always when
 * `assumeFm` (a plan or a dry run, which show what a start with FM would do).
 */
export function planOptionsOf(
  settings: {
    readonly intervalMs: number;
    readonly heartbeatIntervalMs: number;
    readonly fmRatePerSecond: number;
    readonly credentials?: { readonly fm?: unknown };
  },
  assumeFm = false,
): PlanOptions {
  const withFm = assumeFm || settings.credentials?.fm !== undefined;
  return {
    intervalMs: settings.intervalMs,
    ...(withFm
      ? { fm: { heartbeatIntervalMs: settings.heartbeatIntervalMs, ratePerSecond: settings.fmRatePerSecond } }
      : {}),
  };
}

/** Every collector writes the catalog's series once per tick; no model needs building to count them. */
export function seriesPerTickOf(collectors: number): number {
  return collectors * SERIES_PER_COLLECTOR;
}

export function summarizePlan(roster: Roster, options: PlanOptions): PlanSummary {
  const { collectors } = roster;
  const seriesPerTick = seriesPerTickOf(collectors.length);
  const samplesPerSecond = (seriesPerTick * 1000) / options.intervalMs;
  const count = (os: Os, kind: Collector["kind"]) =>
    collectors.filter((c) => c.os === os && c.kind === kind).length;
  const warnings: string[] = [];
  if (seriesPerTick > MIMIR_DEFAULT_MAX_SERIES)
    warnings.push(
      `${groupDigits(seriesPerTick)} active series is above the ${groupDigits(MIMIR_DEFAULT_MAX_SERIES)} a self-hosted Mimir tenant allows by default (max_global_series_per_user)`,
    );
  if (samplesPerSecond > MIMIR_DEFAULT_SAMPLES_PER_SECOND)
    warnings.push(
      `${groupDigits(Math.round(samplesPerSecond))} samples/s is above a self-hosted Mimir tenant's default ingestion rate of ${groupDigits(MIMIR_DEFAULT_SAMPLES_PER_SECOND)} samples/s: raise --interval or the limit`,
    );
  if (options.fm) {
    const capacity = heartbeatCapacityWarning(
      collectors.length,
      options.fm.heartbeatIntervalMs,
      options.fm.ratePerSecond,
    );
    if (capacity) warnings.push(capacity);
  }
  return {
    blueprint: roster.blueprint,
    collectors,
    ...(roster.shard ? { shard: roster.shard } : {}),
    byOs: OS_ORDER.map((os) => ({ os, standalone: count(os, "standalone"), k8s: count(os, "k8s") })),
    unhealthy: collectors.filter((c) => !c.healthy).length,
    seriesPerTick,
    intervalMs: options.intervalMs,
    samplesPerMinute: Math.round(samplesPerSecond * 60),
    warnings,
  };
}

export interface TableOptions {
  /** List at most this many collectors (default 100), then say how many more there are. */
  readonly maxCollectors?: number;
}

/** Counts by OS and kind, the collectors, then the metrics load; plain text for a terminal or a job log. */
export function formatPlanTable(plan: PlanSummary, options: TableOptions = {}): string {
  const maxCollectors = options.maxCollectors ?? 100;
  const total = plan.collectors.length;
  const sum = (pick: (row: OsCount) => number) => plan.byOs.reduce((n, row) => n + pick(row), 0);
  const part = plan.shard
    ? ` (part ${plan.shard.index} of ${plan.shard.count} of a ${groupDigits(plan.shard.rosterSize)}-collector roster)`
    : "";
  const head = `${plan.blueprint}: ${total} ${total === 1 ? "collector" : "collectors"}${part}${plan.unhealthy ? `, ${plan.unhealthy} unhealthy` : ""}`;

  const counts = alignColumns(
    [
      ["OS", "STANDALONE", "K8S", "TOTAL"],
      ...plan.byOs.map((r) => [r.os, String(r.standalone), String(r.k8s), String(r.standalone + r.k8s)]),
      ["total", String(sum((r) => r.standalone)), String(sum((r) => r.k8s)), String(total)],
    ],
    [false, true, true, true],
  );

  const shown = plan.collectors.slice(0, maxCollectors);
  const ids = alignColumns(
    [
      ["ID", "OS", "KIND", "ENV", "HEALTHY"],
      ...shown.map((c) => [c.id, c.os, c.kind, c.env, c.healthy ? "yes" : "no"]),
    ],
    [false, false, false, false, false],
  );
  const more = total > shown.length ? [`  … and ${groupDigits(total - shown.length)} more`] : [];

  const load =
    `Metrics: ${groupDigits(plan.seriesPerTick)} active series, ` +
    `${groupDigits(plan.samplesPerMinute)} samples per minute (one push every ${formatDuration(plan.intervalMs)})`;
  return [
    head,
    ...indent(counts),
    "",
    ...indent(ids),
    ...more,
    "",
    load,
    ...plan.warnings.map((w) => `Warning: ${w}`),
  ].join("\n");
}

/**
 * `{"collectors":[{id,name,os,version,env,kind,healthy,attributes,labels}],"seriesPerTick":N}`, plus
 * `"shard"` for one part. Every attribute a start sends but `fake.run`, which only a start can know.
 */
export function formatPlanJson(plan: PlanSummary): string {
  const collectors = plan.collectors.map((c) => ({
    id: c.id,
    name: c.name,
    os: c.os,
    version: c.version,
    env: c.env,
    kind: c.kind,
    healthy: c.healthy,
    attributes: withoutRunMarker(c.attributes),
    labels: c.labels,
  }));
  return JSON.stringify(
    { collectors, seriesPerTick: plan.seriesPerTick, ...(plan.shard ? { shard: plan.shard } : {}) },
    null,
    2,
  );
}

function withoutRunMarker(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const { [RUN_MARKER_ATTRIBUTE]: _marker, ...rest } = attributes;
  return rest;
}

export function alignColumns(rows: readonly (readonly string[])[], alignRight: readonly boolean[]): string[] {
  const widths = alignRight.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) =>
    row
      .map((cell, col) => (alignRight[col] ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join("  ")
      .trimEnd(),
  );
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

/** 12345 → "12,345", the same on every machine (no locale). */
function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
