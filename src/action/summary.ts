/**
 * The job summary post writes (SPEC section 7): the fleet by OS and kind with a small chart, FM and
 * remote-write counters, and the cleanup result. Pure: returns Markdown, so tests read exactly what users see.
 */
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
  if (cleanup.warnings.length > 0) lines.push(...cleanup.warnings.map((w) => `> ${w}`), "");
  const timeline = renderTimelineSection(result.status);
  if (timeline) lines.push(timeline);
  return lines.join("\n");
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
