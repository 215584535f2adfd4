/**
 * The job summary's timeline section: each scenario step and live event, when it ran, the collectors it
 * changed and what carried its first effect, as a table and as a Mermaid gantt chart (GitHub renders
 * ```mermaid blocks: docs.github.com, "Creating diagrams"). The health at the end is in the run overview
 * (summary.ts). Pure Markdown.
 */
import type { Status } from "../runtime/status.js";
import { describeEffect, formatOffset, type TimelineRecord } from "../runtime/timeline.js";

/** IDs listed per row before "and N more": the table stays readable for a 1,000-collector step. */
const MAX_IDS = 8;
/** The last bar lasts this long when nothing follows it and the stop time is unknown. */
const LAST_BAR_MS = 30_000;

/** The timeline section, or "" when the fleet never got ready or had no timeline and no live event. */
export function renderTimelineSection(status: Status | undefined): string {
  const record = status?.timeline;
  if (!record || (record.entries.length === 0 && record.pending.length === 0)) return "";
  const lines: string[] = ["### Timeline", ""];
  if (record.readyAtMs !== undefined)
    lines.push(
      `Offsets count from ready: ${new Date(record.readyAtMs).toISOString()}${record.timeScale !== 1 ? ` (played ${record.timeScale}× faster)` : ""}.`,
      "",
    );
  lines.push(
    "| step | planned | ran | event | selection | collectors changed | first effect |",
    "| --- | ---: | ---: | --- | --- | --- | --- |",
  );
  for (const e of record.entries)
    lines.push(
      row([
        e.step !== undefined ? String(e.step) : "live",
        e.plannedOffsetMs !== undefined ? formatOffset(e.plannedOffsetMs) : "",
        formatOffset(e.ranOffsetMs),
        `\`${e.event}\``,
        e.select,
        e.changed.length > 0
          ? listIds(e.changed)
          : `nobody${e.warnings[0] ? ` (${e.warnings[0].replace(/^selects nobody: /, "")})` : ""}`,
        [describeEffect(e), ...e.failed.slice(0, 3).map((f) => `${f.id} failed: ${f.error}`)]
          .filter(Boolean)
          .join("; "),
      ]),
    );
  for (const p of record.pending)
    lines.push(
      row([
        String(p.step),
        formatOffset(p.plannedOffsetMs),
        "",
        `\`${p.event}\``,
        p.select,
        "",
        "not run: the fleet stopped first",
      ]),
    );
  lines.push("");
  const chart = renderGantt(record, status?.updatedAtMs);
  if (chart) lines.push(chart, "");
  return lines.join("\n");
}

/**
 * A gantt chart on the wall clock: one bar per step that changed something, from when it ran to the next
 * one, in a section per kind of change, named `<step> <event> <collectors changed>`. `dateFormat x` reads epoch milliseconds; durations are whole seconds, the
 * smallest unit every Mermaid version GitHub has shipped accepts (mermaid-js/mermaid#3028).
 */
export function renderGantt(record: TimelineRecord, endMs: number | undefined): string {
  const ran = record.entries.filter((e) => e.changed.length > 0);
  if (ran.length === 0) return "";
  const out = ["```mermaid", "gantt", "  title Fleet timeline", "  dateFormat x", "  axisFormat %H:%M:%S"];
  const bars = ran.map((e, i) => {
    // The last bar ends when the fleet stopped: a bar past the stop would show a state that no longer was.
    const next =
      ran[i + 1]?.ranAtMs ?? (endMs !== undefined && endMs > e.ranAtMs ? endMs : e.ranAtMs + LAST_BAR_MS);
    const seconds = Math.max(1, Math.round((next - e.ranAtMs) / 1000));
    const name = `${e.step !== undefined ? `${e.step}` : "live"} ${e.event} ${e.changed.length}`;
    return {
      group: SECTION[e.event]!,
      line: `    ${name} :${TAG[e.event]}e${i + 1}, ${Math.round(e.ranAtMs)}, ${seconds}s`,
    };
  });
  // A section written twice is drawn twice: list each section's bars together (time places them anyway).
  for (const group of new Set(bars.map((b) => b.group))) {
    out.push(`  section ${group}`);
    out.push(...bars.filter((b) => b.group === group).map((b) => b.line));
  }
  out.push("```");
  return out.join("\n");
}

const SECTION: Readonly<Record<string, string>> = {
  unhealthy: "health",
  healthy: "health",
  "config-error": "config",
  "config-ok": "config",
  silence: "presence",
  resume: "presence",
  crash: "presence",
  leave: "membership",
  join: "membership",
  upgrade: "version",
};

/** Bars that break something are red (crit), recoveries grey (done), the rest plain. */
const TAG: Readonly<Record<string, string>> = {
  unhealthy: "crit, ",
  "config-error": "crit, ",
  crash: "crit, ",
  silence: "crit, ",
  healthy: "done, ",
  "config-ok": "done, ",
  resume: "done, ",
  leave: "",
  join: "",
  upgrade: "active, ",
};

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_IDS).map((id) => `\`${id}\``);
  return ids.length > MAX_IDS ? `${shown.join(", ")} and ${ids.length - MAX_IDS} more` : shown.join(", ");
}

/** A table row; a `|` in a cell would end it early. */
function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replaceAll("|", "\\|").replaceAll("\n", " ")).join(" | ")} |`;
}
