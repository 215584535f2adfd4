/**
 * Sweeping leftovers: fake collectors that runs left in FM's list (a run that only unregistered, a runner
 * that died before post). A leftover is a record with `fake="true"` that FM marked inactive at least
 * `olderThanMs` ago.
 *
 * Why `markedInactiveAt` and not `updatedAt`: FM sets `markedInactiveAt` when a collector unregisters or
 * stops heartbeating (docs/fm-protocol.md#management-api), so it says "nobody runs this collector", which
 * is what makes deleting it safe. `updatedAt` is not documented to move with heartbeats (the emulator
 * moves it on Register and UpdateCollector only), so an old `updatedAt` can belong to a collector a
 * long-running job is heartbeating right now. A record FM has not marked inactive is never swept.
 *
 * It never touches a collector without `fake="true"`: the matcher is always sent, and the answer is
 * filtered again here in case a server ignored it.
 */
import type { FmApiError } from "../core/errors.js";
import type { CallLimits } from "../transport/call-policy.js";
import type { FmCollectorInfo } from "./client.js";
import { isRefusal, type FmManagement } from "./management.js";
import { FAKE_MATCHER } from "./ownership.js";
import { RUN_MARKER_ATTRIBUTE } from "../fleet/run-marker.js";

export interface StaleCollector {
  readonly id: string;
  readonly env?: string;
  readonly repository?: string;
  readonly runId?: string;
  readonly run?: string;
  /** RFC 3339, as FM wrote `markedInactiveAt`. */
  readonly inactiveSince: string;
}

/** The leftovers among `records`, oldest inactive first. Pure. */
export function pickStale(
  records: readonly FmCollectorInfo[],
  options: { nowMs: number; olderThanMs: number },
): StaleCollector[] {
  const stale: { collector: StaleCollector; atMs: number }[] = [];
  for (const r of records) {
    if (r.localAttributes.fake !== "true" || r.markedInactiveAt === undefined) continue;
    const atMs = Date.parse(r.markedInactiveAt);
    if (!Number.isFinite(atMs) || options.nowMs - atMs < options.olderThanMs) continue;
    const a = r.localAttributes;
    stale.push({
      atMs,
      collector: {
        id: r.id,
        ...(a.env !== undefined ? { env: a.env } : {}),
        ...(a["github.repository"] !== undefined ? { repository: a["github.repository"] } : {}),
        ...(a["github.run_id"] !== undefined ? { runId: a["github.run_id"] } : {}),
        ...(a[RUN_MARKER_ATTRIBUTE] !== undefined ? { run: a[RUN_MARKER_ATTRIBUTE] } : {}),
        inactiveSince: r.markedInactiveAt,
      },
    });
  }
  return stale
    .sort((x, y) => x.atMs - y.atMs || (x.collector.id < y.collector.id ? -1 : 1))
    .map((s) => s.collector);
}

export interface SweepOptions {
  readonly management: FmManagement;
  /** More Alertmanager matchers, on top of `fake="true"`. */
  readonly matchers: readonly string[];
  readonly olderThanMs: number;
  /** Wall-clock now, to compare with FM's timestamps. */
  readonly nowMs: number;
  /** List and pick only. */
  readonly dryRun: boolean;
  readonly limits?: CallLimits;
}

export interface SweepReport {
  /** Fake collectors FM listed for the matchers. */
  readonly listed: number;
  readonly stale: readonly StaleCollector[];
  /** Deleted now, or gone by the time we asked (another sweep got there first). */
  readonly deleted: readonly string[];
  readonly failed: readonly { id: string; error: string }[];
  /** ListCollectors failed: nothing was picked or deleted. */
  readonly listError?: string;
  /** FM refuses management calls to these credentials. */
  readonly refused?: FmApiError;
}

export async function sweepLeftovers(options: SweepOptions): Promise<SweepReport> {
  const limits = options.limits ?? {};
  const listed = await options.management.list([FAKE_MATCHER, ...options.matchers], limits);
  if (listed.kind !== "success")
    return {
      listed: 0,
      stale: [],
      deleted: [],
      failed: [],
      listError: listed.error.message,
      ...(isRefusal(listed.error) ? { refused: listed.error } : {}),
    };
  const fake = listed.value.filter((r) => r.localAttributes.fake === "true");
  const stale = pickStale(fake, options);
  if (options.dryRun || stale.length === 0) return { listed: fake.length, stale, deleted: [], failed: [] };
  const report = await options.management.deleteCollectors(
    stale.map((s) => s.id),
    limits,
  );
  return {
    listed: fake.length,
    stale,
    deleted: [...report.deleted, ...report.gone],
    failed: report.failed,
    ...(report.refused ? { refused: report.refused } : {}),
  };
}
