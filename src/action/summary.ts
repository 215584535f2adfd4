/**
 * The job summary post writes (SPEC section 7): the fleet by OS and kind with a small chart, FM and
 * remote-write counters, the pipelines each collector received, and the cleanup result. Pure: returns
 * Markdown, so tests read exactly what users see.
 */
import type { ReceivedPipelines } from "../fleet/pipeline-check.js";
import type { Collector } from "../fleet/types.js";
import { counterSections } from "../runtime/counters.js";
import { describeRecords } from "../runtime/cleanup-text.js";
import type { TeardownResult } from "../runtime/teardown.js";
import { renderTimelineSection } from "./summary-timeline.js";

const BAR = "█";

function countBy<K extends string>(
  collectors: readonly Collector[],
  key: (c: Collector) => K,
): Map<K, number> {
  const m = new Map<K, number>();
  for (const c of collectors) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
  return m;
}

export function renderSummary(input: {
  blueprint: string;
  collectors: readonly Collector[];
  fm: boolean;
  prom: boolean;
  result: TeardownResult;
}): string {
  const { collectors, result } = input;
  const c = result.status?.counters;
  const byOs = countBy(collectors, (x) => x.os);
  const byKind = countBy(collectors, (x) => x.kind);
  const max = Math.max(1, ...byOs.values());
  const width = 30;
  const chart = [...byOs.entries()]
    .map(([os, n]) => `${os.padEnd(8)} ${BAR.repeat(Math.max(1, Math.round((n / max) * width)))} ${n}`)
    .join("\n");
  const cleanup = result.cleanup;
  const ok = cleanup.complete && result.problems.length === 0;
  const lines: string[] = [
    `## fm-action: ${collectors.length} fake Alloy collectors (${input.blueprint})`,
    "",
    ok
      ? `**Cleanup complete**: ${input.fm ? `${describeRecords(cleanup)}` : "FM off"}, ${input.prom ? `${cleanup.seriesClosed} series closed with stale markers` : "remote write off"} (by ${describeCleaner(result.cleanedBy)}).`
      : `**Cleanup incomplete** (by ${describeCleaner(result.cleanedBy)}):\n\n${result.problems.map((p) => `- ${p}`).join("\n")}`,
    "",
    "| OS | kind | collectors |",
    "| --- | --- | ---: |",
  ];
  for (const [os] of byOs) {
    for (const [kind] of byKind) {
      const n = collectors.filter((x) => x.os === os && x.kind === kind).length;
      if (n > 0) lines.push(`| ${os} | ${kind} | ${n} |`);
    }
  }
  lines.push("", "```text", chart, "```", "");
  if (c) {
    for (const section of counterSections(c))
      lines.push(
        `| ${section.title} | |`,
        "| --- | ---: |",
        ...section.rows.map((row) => `| ${row.label} | ${row.value} |`),
        "",
      );
    const errors = Object.entries(result.status?.lastErrors ?? {});
    if (errors.length > 0) {
      lines.push(
        "<details><summary>Last errors</summary>",
        "",
        ...errors.map(([k, v]) => `- **${k}**: ${v}`),
        "",
        "</details>",
        "",
      );
    }
  } else {
    lines.push("_The background process left no status: counters are unknown._", "");
  }
  if (result.status?.received) lines.push(...renderPipelinesSection(collectors, result.status.received));
  if (cleanup.warnings.length > 0) lines.push(...cleanup.warnings.map((w) => `> ${w}`), "");
  const timeline = renderTimelineSection(result.status);
  if (timeline) lines.push(timeline);
  return lines.join("\n");
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
  return [
    "### Pipelines received from Fleet Management",
    "",
    ...(names.length === 0 ? ["_No collector received a pipeline._", ""] : []),
    `| ${header.join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
    "",
  ];
}

function describeCleaner(who: TeardownResult["cleanedBy"]): string {
  switch (who) {
    case "daemon":
      return "the background process";
    case "inline":
      return "post itself, from the saved fleet";
    case "earlier-run":
      return "an earlier post run";
    case "nothing-to-clean":
      return "nobody: nothing was started";
    case "nobody":
      return "nobody: the background process is still running and was left alone";
  }
}
