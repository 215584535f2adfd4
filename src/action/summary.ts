/**
 * The job summary post writes: how the run ended (cleaned up; did not start, and why;
 * cleanup incomplete, with what was left and how to remove it), the run at a glance (env, how long it ran,
 * health, target hosts), the fleet by OS and kind, a chart of the fleet over time, the FM and remote-write
 * counters, the pipelines each collector received and the timeline. Pure: returns Markdown, so tests read
 * exactly what users see.
 */
import type { ReceivedPipelines } from "../fleet/pipeline-check.js";
import type { Collector } from "../fleet/types.js";
import { formatDuration } from "../core/duration.js";
import { counterSections } from "../runtime/counters.js";
import { describeRecords } from "../runtime/cleanup-text.js";
import type { TeardownResult } from "../runtime/teardown.js";
import { formatHealth } from "../runtime/timeline.js";
import { fleetOverTime, renderFleetChart } from "./summary-chart.js";
import { describeLeftovers, renderLeftoversSection } from "./summary-leftovers.js";
import { renderTimelineSection } from "./summary-timeline.js";

export interface SummaryInput {
  blueprint: string;
  collectors: readonly Collector[];
  fm: boolean;
  prom: boolean;
  result: TeardownResult;
  /** Main's reason when the fleet did not start (main cleaned up then). */
  startFailure?: string;
  /** Where the fleet sent its calls: shown by host only, never a path or a query. */
  targets?: readonly { readonly name: string; readonly url: string }[];
}

export function renderSummary(input: SummaryInput): string {
  const { collectors, result } = input;
  const status = result.status;
  const c = status?.counters;
  const lines: string[] = [
    input.startFailure === undefined
      ? `## fm-action: ${collectors.length} fake Alloy collectors (${input.blueprint})`
      : `## fm-action: the fleet did not start (${input.blueprint}, ${collectors.length} collectors)`,
    "",
    ...renderEnding(input),
    ...renderOverview(input),
    "| OS | kind | collectors |",
    "| --- | --- | ---: |",
  ];
  const byOs = countBy(collectors, (x) => x.os);
  const byKind = countBy(collectors, (x) => x.kind);
  for (const [os] of byOs) {
    for (const [kind] of byKind) {
      const n = collectors.filter((x) => x.os === os && x.kind === kind).length;
      if (n > 0) lines.push(`| ${os} | ${kind} | ${n} |`);
    }
  }
  lines.push("");
  const chart = status
    ? renderFleetChart(fleetOverTime(collectors, status.timeline, status.updatedAtMs))
    : "";
  if (chart) lines.push(chart, "");
  if (c) {
    for (const section of counterSections(c))
      lines.push(
        `| ${section.title} | |`,
        "| --- | ---: |",
        ...section.rows.map((row) => `| ${row.label} | ${row.value} |`),
        "",
      );
    const errors = Object.entries(status?.lastErrors ?? {});
    if (errors.length > 0) {
      lines.push(
        "<details><summary>Last errors</summary>",
        "",
        ...sameMessageTogether(errors).map(
          ([keys, v]) => `- ${keys.map((k) => `**${k}**`).join(", ")}: ${v}`,
        ),
        "",
        "</details>",
        "",
      );
    }
  } else {
    lines.push("_The background process left no status: counters are unknown._", "");
  }
  if (status?.received) lines.push(...renderPipelinesSection(collectors, status.received));
  if (result.cleanup.warnings.length > 0) lines.push(...result.cleanup.warnings.map((w) => `> ${w}`), "");
  const timeline = renderTimelineSection(status);
  if (timeline) lines.push(timeline);
  return lines.join("\n");
}

/** The first lines: did the fleet start, and what did cleanup leave behind. */
function renderEnding(input: SummaryInput): string[] {
  const { result } = input;
  const cleanup = result.cleanup;
  const cleaner = describeCleaner(result.cleanedBy, input.startFailure !== undefined);
  const out: string[] = [];
  if (input.startFailure !== undefined) out.push(`❌ **The fleet did not start**: ${input.startFailure}`, "");
  if (result.problems.length === 0) {
    const what = [
      input.fm ? describeRecords(cleanup) : "FM off",
      input.prom ? `${cleanup.seriesClosed} series closed with stale markers` : "remote write off",
    ].join(", ");
    out.push(
      input.startFailure !== undefined
        ? `**Cleaned up by ${cleaner}**: ${what}. Nothing is left behind.`
        : `✅ **Cleanup complete**: ${what} (by ${cleaner}).`,
      "",
    );
    return out;
  }
  out.push(
    `⚠️ **Cleanup incomplete**: ${describeLeftovers(result)} left behind (cleanup by ${cleaner}).`,
    "",
    ...renderLeftoversSection(result),
  );
  return out;
}

/** env, how long the fleet ran, its health at the end and the hosts it talked to. */
function renderOverview(input: SummaryInput): string[] {
  const status = input.result.status;
  const rows: [string, string][] = [];
  const envs = [...new Set(input.collectors.map((x) => x.env))];
  if (envs.length > 0) rows.push(["env", envs.map((e) => `\`${e}\``).join(", ")]);
  if (status) {
    const readyAtMs = status.timeline?.readyAtMs;
    const end = clock(status.updatedAtMs);
    rows.push([
      "ran",
      readyAtMs !== undefined
        ? `${formatDuration(Math.max(0, status.updatedAtMs - readyAtMs))} (ready ${clock(readyAtMs)}, stopped ${end})`
        : `never ready (started ${clock(status.startedAtMs)}, stopped ${end})`,
    ]);
    if (status.health) rows.push(["health at the end", formatHealth(status.health)]);
  }
  for (const t of input.targets ?? []) rows.push([t.name, hostOf(t.url)]);
  if (rows.length === 0) return [];
  return ["| run | |", "| --- | --- |", ...rows.map(([k, v]) => `| ${k} | ${v} |`), ""];
}

/** `12:01:05 UTC`: the job's own date is on the page already. */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** The host (and port) only: a URL's path or query can carry a tenant or a token. */
function hostOf(url: string): string {
  try {
    return `\`${new URL(url).host}\``;
  } catch {
    return "(not a URL)";
  }
}

/** One line per distinct message: a fatal error is often also the last error of the call that failed. */
function sameMessageTogether(errors: readonly [string, string][]): [string[], string][] {
  const byMessage = new Map<string, string[]>();
  for (const [k, v] of errors) byMessage.set(v, [...(byMessage.get(v) ?? []), k]);
  return [...byMessage.entries()].map(([v, keys]) => [keys, v]);
}

function countBy<K extends string>(
  collectors: readonly Collector[],
  key: (c: Collector) => K,
): Map<K, number> {
  const m = new Map<K, number>();
  for (const c of collectors) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
  return m;
}

/** Beyond this many collectors, rows group the collectors that received the same. */
const PIPELINE_ROWS_PER_COLLECTOR = 50;

/**
 * Pipelines × collectors: which pipelines each collector received from FM, and whether it loaded them
 * (APPLIED) or not (FAILED, with the parser's line and column). Large fleets get one row per distinct outcome.
 */
export function renderPipelinesSection(
  collectors: readonly Collector[],
  received: Readonly<Record<string, ReceivedPipelines>>,
): string[] {
  const names = [...new Set(Object.values(received).flatMap((r) => r.pipelines))].sort();
  const statusOf = (r: ReceivedPipelines | undefined) =>
    r === undefined ? "no answer" : r.status === "FAILED" ? `FAILED ${r.error ?? ""}`.trimEnd() : "APPLIED";
  const cells = (r: ReceivedPipelines | undefined) => names.map((n) => (r?.pipelines.includes(n) ? "✓" : ""));
  const rows: string[][] = [];
  if (collectors.length <= PIPELINE_ROWS_PER_COLLECTOR) {
    for (const c of collectors) rows.push([c.id, ...cells(received[c.id]), statusOf(received[c.id])]);
  } else {
    const groups = new Map<string, { ids: string[]; r: ReceivedPipelines | undefined }>();
    for (const c of collectors) {
      const r = received[c.id];
      const key = JSON.stringify([r?.pipelines ?? null, r?.status, r?.error]);
      const group = groups.get(key) ?? { ids: [], r };
      group.ids.push(c.id);
      groups.set(key, group);
    }
    for (const { ids, r } of groups.values())
      rows.push([
        `${ids.length} collectors (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""})`,
        ...cells(r),
        statusOf(r),
      ]);
  }
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  const header = ["collector", ...names, "status"].map(escape);
  const align = ["---", ...names.map(() => ":---:"), "---"];
  if (names.length === 0) {
    // No column to show: the outcomes, counted, say it all.
    const outcomes = new Map<string, number>();
    for (const c of collectors) {
      const outcome = statusOf(received[c.id]);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const counted = [...outcomes.entries()].map(([o, n]) => `${n} ${escape(o)}`).join(", ");
    return [
      "### Pipelines received from Fleet Management",
      "",
      `_No collector received a pipeline_ (${counted}).`,
      "",
    ];
  }
  return [
    "### Pipelines received from Fleet Management",
    "",
    `| ${header.join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
    "",
  ];
}

function describeCleaner(who: TeardownResult["cleanedBy"], startFailed: boolean): string {
  switch (who) {
    case "daemon":
      return "the background process";
    case "inline":
      return "post itself, from the saved fleet";
    case "earlier-run":
      // Main tears a failed start down before it fails the step; otherwise an earlier post did.
      return startFailed ? "main, when the start failed" : "an earlier post run";
    case "nothing-to-clean":
      return "nobody: nothing was started";
    case "nobody":
      return "nobody: the background process is still running and was left alone";
  }
}
