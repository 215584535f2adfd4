/**
 * A cleanup report in words, the same for the CLI, post's log line and the job summary: how many collectors
 * were unregistered, what became of their records in FM's list, how many series were closed and how many
 * alerts resolved. Pure.
 */
import type { CleanupReport } from "./status.js";

/**
 * "19 collectors unregistered, 19 deleted from FM's list, 551 series closed, 2 alerts resolved"; FM off:
 * series only; no Alertmanager: no alerts.
 */
export function describeCleanup(report: CleanupReport): string {
  const parts: string[] = [];
  if (report.mode !== undefined || report.unregistered > 0) parts.push(describeRecords(report));
  parts.push(`${report.seriesClosed} series closed`);
  const resolved = report.alertsResolved;
  if (resolved !== undefined) parts.push(`${resolved} alert${resolved === 1 ? "" : "s"} resolved`);
  return parts.join(", ");
}

/** What became of the collectors in FM: "19 collectors unregistered, 19 deleted from FM's list". */
export function describeRecords(report: CleanupReport): string {
  const unregistered = `${report.unregistered} collectors unregistered`;
  if (report.mode === undefined) return unregistered;
  if (report.mode === "unregister")
    return `${unregistered} (left listed in FM as inactive: cleanup unregister)`;
  const notDeleted = (report.notDeleted ?? []).reduce((n, group) => n + group.ids.length, 0);
  const deleted = `${report.deleted ?? 0} deleted from FM's list`;
  const left = notDeleted > 0 ? `, ${notDeleted} unregistered, not deleted` : "";
  const others = report.otherRuns?.length ? `, ${report.otherRuns.length} left to another run` : "";
  return `${unregistered}, ${deleted}${left}${others}`;
}
