/**
 * The annotations post raises: at most one per kind of problem, each with a title, in one or two
 * sentences; the details (every reason, every ID) go to the job summary. GitHub keeps only 10 warning and
 * 10 error annotations per step (docs.github.com, "Workflow commands for GitHub Actions"), so one per
 * collector would hide the rest. Pure: run-post.ts hands the list to @actions/core.
 */
import type { TeardownResult } from "../runtime/teardown.js";
import { leftoverRows, type LeftoverKind, type LeftoverRow } from "./cleanup-leftovers.js";

export interface Annotation {
  readonly level: "warning" | "error";
  readonly title: string;
  readonly message: string;
}

const TITLE: Readonly<Record<LeftoverKind, string>> = {
  collectors: "fm-action: collectors left registered",
  series: "fm-action: series left open",
  alerts: "fm-action: alerts may still be firing",
  process: "fm-action: background process still running",
  other: "fm-action: cleanup incomplete",
};

const NEXT: Readonly<Record<LeftoverKind, string>> = {
  collectors:
    "FM marks them inactive once their heartbeats stop; `fm-fleet sweep` (or input `sweep: true` on a later run) deletes them.",
  series: "They go stale 5 minutes after their last sample.",
  alerts: "Each expires by itself within 4 minutes.",
  process: "Stop that process, then run the cleanup again (`fm-fleet stop`).",
  other: "",
};

/**
 * Problems are warnings, or errors with fail-on-cleanup-error: true (the step fails on them). Cleanup
 * warnings (unregistered but not deleted, IDs left to another run) are one warning: they never fail it.
 */
export function postAnnotations(
  result: TeardownResult,
  options: { failOnCleanupError: boolean },
): Annotation[] {
  const level = options.failOnCleanupError ? "error" : "warning";
  const byKind = new Map<LeftoverKind, LeftoverRow[]>();
  for (const row of leftoverRows(result)) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
  const out: Annotation[] = [];
  for (const [kind, rows] of byKind) {
    const count = rows.reduce((n, r) => n + r.count, 0);
    const reasons = rows.map((r) => r.reason);
    const why = reasons.length === 1 ? reasons[0] : `${reasons[0]} (and other reasons)`;
    const head =
      kind === "process" || kind === "other"
        ? `Cleanup incomplete: ${why}.`
        : `${count} ${rows[0]!.what}: ${why}.`;
    out.push({
      level,
      title: TITLE[kind],
      message: [head, NEXT[kind], "Details in the job summary."].filter(Boolean).join(" "),
    });
  }
  const warnings = result.cleanup.warnings;
  if (warnings.length > 0)
    out.push({
      level: "warning",
      title: "fm-action: cleanup warning",
      message:
        warnings.length === 1
          ? warnings[0]!
          : `${warnings[0]} (and ${warnings.length - 1} more warnings in the job summary)`,
    });
  return out;
}
