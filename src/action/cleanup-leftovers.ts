/**
 * What a teardown left behind, grouped for people: one row per kind of leftover and reason (nineteen
 * collectors refused with the same ECONNREFUSED are one row, not nineteen). The job summary's table and
 * post's annotations both read it. Pure.
 */
import type { TeardownResult } from "../runtime/teardown.js";

export type LeftoverKind = "collectors" | "series" | "alerts" | "process" | "other";

export interface LeftoverRow {
  readonly kind: LeftoverKind;
  /** What is left, in words: "collectors still registered in Fleet Management". */
  readonly what: string;
  readonly count: number;
  /** The reason, once for the whole row. */
  readonly reason: string;
  /** The collector IDs of the row, when it is about collectors. */
  readonly ids?: readonly string[];
}

/** Distinct reasons shown per kind before the rest are folded into one "other reasons" row. */
const MAX_REASONS = 3;

const WHAT: Readonly<Record<LeftoverKind, string>> = {
  collectors: "collectors still registered in Fleet Management",
  series: "series not closed (no stale marker)",
  alerts: "alerts that may still be firing",
  process: "background process still running",
  other: "other problems",
};

/** The rows, collectors first; empty when nothing was left behind. */
export function leftoverRows(result: TeardownResult): LeftoverRow[] {
  const c = result.cleanup;
  const rows: LeftoverRow[] = [];
  const byReason = new Map<string, string[]>();
  for (const f of c.unregisterFailed) {
    const reason = withoutId(f.error, f.id);
    byReason.set(reason, [...(byReason.get(reason) ?? []), f.id]);
  }
  const groups = [...byReason.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [reason, ids] of groups.slice(0, MAX_REASONS))
    rows.push({ kind: "collectors", what: WHAT.collectors, count: ids.length, reason, ids });
  const rest = groups.slice(MAX_REASONS).flatMap(([, ids]) => ids);
  if (rest.length > 0)
    rows.push({
      kind: "collectors",
      what: WHAT.collectors,
      count: rest.length,
      reason: "other reasons",
      ids: rest,
    });
  if (c.seriesOpen > 0)
    rows.push({
      kind: "series",
      what: WHAT.series,
      count: c.seriesOpen,
      reason: c.seriesError ?? "unknown reason",
    });
  if ((c.alertsFiring ?? 0) > 0)
    rows.push({
      kind: "alerts",
      what: WHAT.alerts,
      count: c.alertsFiring ?? 0,
      reason: c.alertsError ?? "unknown reason",
    });
  const others = otherProblems(result);
  if (result.cleanedBy === "nobody")
    rows.push({ kind: "process", what: WHAT.process, count: 1, reason: others.join("; ") });
  else if (others.length > 0)
    rows.push({ kind: "other", what: WHAT.other, count: others.length, reason: others.join("; ") });
  return rows;
}

/** "FM UnregisterCollector for x-linux-01 failed: …" → "FM UnregisterCollector failed: …", to group by. */
function withoutId(error: string, id: string): string {
  return error.replaceAll(` for ${id}`, "").replaceAll(id, "the collector");
}

/**
 * The problems the cleanup report does not already count: a process left running, a saved fleet that
 * could not be read. Teardown (runtime/teardown.ts) words the counted ones as below.
 */
function otherProblems(result: TeardownResult): string[] {
  return result.problems.filter(
    (p) =>
      !/^collector \S+ is still registered: /.test(p) &&
      !/^\d+ series were not closed: /.test(p) &&
      !/^the alerts of \d+ collectors may still be firing/.test(p),
  );
}
