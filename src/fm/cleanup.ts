/**
 * A fleet's cleanup in FM, with ownership and the records' removal:
 *
 * 1. List this start's collectors (`ListCollectors` with `fake.run="<ours>"`). A collector we registered
 *    whose record no longer carries our marker was registered again by another run since: it is theirs
 *    now, so it is left alone and the run holding it is named (one more listing, of `fake="true"`). When
 *    FM refuses the listing, every collector we may have registered is unregistered, and the report says
 *    ownership could not be checked.
 * 2. UnregisterCollector, as Alloy does on shutdown (fm/controller.ts).
 * 3. `delete` mode: FM keeps unregistered collectors as inactive entries
 *    (docs/fm-protocol.md#management-api), so list ours again and remove the confirmed IDs with
 *    BulkDeleteCollectors (fm/management.ts falls back per ID when its atomic not_found strikes). When FM
 *    refuses management calls the collectors stay unregistered, "unregistered, not deleted", with why: a
 *    warning, since nothing is left registered.
 *
 * Between a listing and the call that follows it another run may register one of our IDs again; no FM call
 * is conditional, so that window cannot be closed, only kept short. A run that loses a collector that way
 * gets not_found on its next heartbeat and registers it again (fm/controller.ts).
 */
import { describeError, type FmApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { RUN_MARKER_ATTRIBUTE, runMarkerMatcher } from "../fleet/run-marker.js";
import type { CleanupMode } from "../settings/types.js";
import type { CallLimits } from "../transport/call-policy.js";
import type { FmController } from "./controller.js";
import { isRefusal, type FmManagement } from "./management.js";
import { describeHolders, FAKE_MATCHER, heldByOthers, listIds, ourIds, type HeldId } from "./ownership.js";

export interface FmCleanupOptions {
  readonly controller: FmController;
  readonly management: FmManagement;
  readonly runMarker: string;
  readonly mode: CleanupMode;
  /** Every collector the fleet ever held. */
  readonly ids: readonly string[];
  readonly limits: CallLimits;
  readonly logger?: Logger;
}

export interface FmCleanupReport {
  readonly unregistered: number;
  /** Still registered in FM, with why: what makes a cleanup incomplete. */
  readonly unregisterFailed: { id: string; error: string }[];
  /** Records removed from FM's list (already gone included). */
  readonly deleted: number;
  readonly notDeleted: { ids: string[]; reason: string }[];
  readonly otherRuns: HeldId[];
  readonly warnings: string[];
}

/** What to say about management calls FM refused, and what the user can do. */
function refusalReason(error: FmApiError): string {
  const what = `FM refused ${error.procedure} (${error.code}${error.status ? `, HTTP ${error.status}` : ""})`;
  return error.code === "unimplemented"
    ? `${what}: this FM URL serves no management API`
    : `${what}: deleting needs a token with fleet-management:read and fleet-management:write; set cleanup: unregister (--cleanup unregister) to only unregister`;
}

export async function cleanUpFleetInFm(options: FmCleanupOptions): Promise<FmCleanupReport> {
  const { controller, management, runMarker, limits } = options;
  const logger = options.logger ?? silentLogger;
  const ourMatcher = runMarkerMatcher(runMarker);
  const known = new Set(options.ids);
  const warnings: string[] = [];
  const otherRuns: HeldId[] = [];
  let refused: FmApiError | undefined;
  // FM never heard of this fleet (every Register was refused or never sent): nothing to ask it.
  if (controller.recorded().length === 0)
    return { unregistered: 0, unregisterFailed: [], deleted: 0, notDeleted: [], otherRuns, warnings };

  // 1. Which collectors are still ours.
  let ours: Set<string> | undefined;
  const listed = await management.list([ourMatcher], limits);
  if (listed.kind === "success") {
    ours = ourIds(listed.value, runMarker);
    const lost = controller.owed().filter((id) => !ours!.has(id));
    if (lost.length > 0) {
      const fake = await management.list([FAKE_MATCHER], limits);
      if (fake.kind === "success") {
        otherRuns.push(...heldByOthers(lost, fake.value, runMarker, { liveOnly: false }));
        const gone = lost.length - otherRuns.length;
        if (gone > 0) logger.debug(`${gone} collector(s) were no longer in FM: nothing to unregister`);
      } else {
        warnings.push(
          `${lost.length} collector(s) no longer carry this run's marker in FM, so cleanup left them alone (${listIds(lost)}); FM did not say who holds them: ${fake.error.message}`,
        );
      }
      if (otherRuns.length > 0)
        warnings.push(
          `${otherRuns.length} collector(s) were registered again by another run since this one registered them, so cleanup left them alone: ${describeHolders(otherRuns)}. Give each run its own env.`,
        );
      controller.release(lost);
    }
  } else {
    if (isRefusal(listed.error)) refused = listed.error;
    warnings.push(
      `could not list this run's collectors in FM (${listed.error.message}), so cleanup could not check that they are still this run's: it unregistered every collector of the roster`,
    );
  }

  // 2. Unregister, as Alloy does.
  const unregistered = await controller.unregisterAll(limits);
  warnings.push(...unregistered.warnings);
  let unregisterFailed = unregistered.failed;
  let deleted = 0;
  const notDeleted: { ids: string[]; reason: string }[] = [];
  if (options.mode === "unregister")
    return {
      unregistered: unregistered.unregistered.length,
      unregisterFailed,
      deleted,
      notDeleted,
      otherRuns,
      warnings,
    };

  // 3. Delete the records that are confirmed ours.
  const candidates = ours ? [...ours].filter((id) => known.has(id)) : unregistered.unregistered;
  const notDeletedBecause = (ids: string[], reason: string) => {
    if (ids.length === 0) return;
    notDeleted.push({ ids, reason });
    warnings.push(
      `${ids.length} collector(s) unregistered, not deleted (they stay listed in FM as inactive): ${reason}`,
    );
  };
  if (refused) {
    notDeletedBecause(candidates, refusalReason(refused));
  } else {
    const confirm = await management.list([ourMatcher], limits);
    if (confirm.kind !== "success") {
      notDeletedBecause(
        candidates,
        isRefusal(confirm.error)
          ? refusalReason(confirm.error)
          : `ListCollectors failed: ${confirm.error.message}`,
      );
    } else {
      const targets = confirm.value
        .filter((r) => r.localAttributes[RUN_MARKER_ATTRIBUTE] === runMarker && known.has(r.id))
        .map((r) => r.id);
      const report = await management.deleteCollectors(targets, limits);
      const removed = new Set([...report.deleted, ...report.gone]);
      deleted = removed.size;
      // A record deleted is not registered either: a failed Unregister that Delete made good is done.
      unregisterFailed = unregisterFailed.filter((f) => !removed.has(f.id));
      const byReason = new Map<string, string[]>();
      for (const f of report.failed) {
        const reason =
          report.refused && f.error.includes(report.refused.message)
            ? refusalReason(report.refused)
            : f.error;
        byReason.set(reason, [...(byReason.get(reason) ?? []), f.id]);
      }
      for (const [reason, ids] of byReason) notDeletedBecause(ids, reason);
    }
  }
  return {
    unregistered: unregistered.unregistered.length,
    unregisterFailed,
    deleted,
    notDeleted,
    otherRuns,
    warnings,
  };
}

/** For callers that catch: the whole cleanup failed before it could report. */
export function cleanupCrashed(ids: readonly string[], err: unknown): FmCleanupReport {
  const error = describeError(err);
  return {
    unregistered: 0,
    unregisterFailed: ids.map((id) => ({ id, error })),
    deleted: 0,
    notDeleted: [],
    otherRuns: [],
    warnings: [],
  };
}
