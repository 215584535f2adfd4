/**
 * The job summary's section for an incomplete cleanup: how much was left behind, one compact table (what,
 * how many, the reason once), what becomes of the leftovers and the command that removes them. Pure
 * Markdown.
 */
import type { TeardownResult } from "../runtime/teardown.js";
import { leftoverRows } from "./cleanup-leftovers.js";

/** IDs listed per row in the collapsed list; a 1,000-collector fleet stays readable. */
const MAX_IDS = 20;

export function renderLeftoversSection(result: TeardownResult): string[] {
  const rows = leftoverRows(result);
  if (rows.length === 0) return [];
  const escape = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    "| left behind | how many | why |",
    "| --- | ---: | --- |",
    ...rows.map((r) => `| ${r.what} | ${r.count} | ${escape(r.reason)} |`),
    "",
  ];
  const kinds = new Set(rows.map((r) => r.kind));
  const fate: string[] = [];
  if (kinds.has("collectors"))
    fate.push(
      "- **Collectors** stay listed in Fleet Management; FM marks them inactive once their heartbeats stop. " +
        "Delete them with `npx fm-fleet sweep` (add `--dry-run` to list them first), or set input `sweep: true` " +
        "so a later run of this repository deletes them before it starts.",
    );
  if (kinds.has("series"))
    fate.push(
      "- **Series** without a stale marker go stale by themselves 5 minutes after their last sample " +
        "(Prometheus's look-back); nothing needs to be done.",
    );
  if (kinds.has("alerts")) fate.push("- **Alerts** expire by themselves within 4 minutes.");
  if (kinds.has("process"))
    fate.push(
      "- **The background process** was left alone: stop it, then run `npx fm-fleet stop` to clean up.",
    );
  if (fate.length > 0) lines.push("What happens to the leftovers:", "", ...fate, "");
  const ids = rows.flatMap((r) => r.ids ?? []);
  if (ids.length > 0)
    lines.push(
      `<details><summary>Collectors still registered (${ids.length})</summary>`,
      "",
      ids
        .slice(0, MAX_IDS)
        .map((id) => `\`${id}\``)
        .join(", ") + (ids.length > MAX_IDS ? ` and ${ids.length - MAX_IDS} more` : ""),
      "",
      "</details>",
      "",
    );
  return lines;
}

/** "19 collectors and 551 series": what was left behind, counted. */
export function describeLeftovers(result: TeardownResult): string {
  const c = result.cleanup;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (c.unregisterFailed.length > 0) parts.push(plural(c.unregisterFailed.length, "collector"));
  if (c.seriesOpen > 0) parts.push(`${c.seriesOpen} series`);
  if ((c.alertsFiring ?? 0) > 0) parts.push(plural(c.alertsFiring ?? 0, "alert"));
  if (result.cleanedBy === "nobody") parts.push("a running background process");
  if (parts.length === 0) return plural(result.problems.length, "problem");
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}
