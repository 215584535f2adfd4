/**
 * Whose a collector record in FM is. IDs are deterministic, so two runs of one blueprint and env register
 * the same IDs, and RegisterCollector is an upsert: the last run to register an ID holds it, and its record
 * carries that run's `fake.run` (fleet/run-marker.ts). Cleanup touches only records that still carry its
 * own marker; a start warns when a live run (a record not marked inactive) holds its IDs. Pure.
 */
import { RUN_MARKER_ATTRIBUTE } from "../fleet/run-marker.js";
import type { FmCollectorInfo } from "./client.js";

/** The matcher every fake collector satisfies (fleet/attributes.ts sets `fake="true"`). */
export const FAKE_MATCHER = 'fake="true"';

export interface HeldId {
  readonly id: string;
  /** The run holding it, in words: "GitHub run 123 of octo/repo (fake.run 123-1-0a1b2c3d)". */
  readonly run: string;
}

/** How a record names the run that registered it last. */
export function describeRun(record: FmCollectorInfo): string {
  const a = record.localAttributes;
  const marker = a[RUN_MARKER_ATTRIBUTE];
  const runId = a["github.run_id"];
  const repository = a["github.repository"];
  if (runId)
    return `GitHub run ${runId}${repository ? ` of ${repository}` : ""}${marker ? ` (fake.run ${marker})` : ""}`;
  if (marker) return `run ${marker}`;
  return "a collector with no run marker";
}

const isOurs = (record: FmCollectorInfo, marker: string) =>
  record.localAttributes[RUN_MARKER_ATTRIBUTE] === marker;

/** The IDs of `records` this start registered and still holds. */
export function ourIds(records: readonly FmCollectorInfo[], marker: string): Set<string> {
  return new Set(records.filter((r) => isOurs(r, marker)).map((r) => r.id));
}

/**
 * Which of `ids` another run holds, by `records` (a listing of fake collectors). `liveOnly`: only records
 * FM has not marked inactive, i.e. a run still heartbeating them.
 */
export function heldByOthers(
  ids: readonly string[],
  records: readonly FmCollectorInfo[],
  marker: string,
  options: { liveOnly: boolean },
): HeldId[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const held: HeldId[] = [];
  for (const id of ids) {
    const record = byId.get(id);
    if (!record || isOurs(record, marker)) continue;
    if (options.liveOnly && record.markedInactiveAt !== undefined) continue;
    held.push({ id, run: describeRun(record) });
  }
  return held;
}

/** "a, b and 3 more" */
export function listIds(ids: readonly string[], shown = 3): string {
  if (ids.length <= shown) return ids.join(", ");
  return `${ids.slice(0, shown).join(", ")} and ${ids.length - shown} more`;
}

/** One clause per holding run: "a, b (GitHub run 1 of o/r …); c (run local-…)". */
export function describeHolders(held: readonly HeldId[]): string {
  const byRun = new Map<string, string[]>();
  for (const h of held) byRun.set(h.run, [...(byRun.get(h.run) ?? []), h.id]);
  return [...byRun].map(([run, ids]) => `${listIds(ids)} (held by ${run})`).join("; ");
}
