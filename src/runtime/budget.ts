/**
 * How long cleanup may take. Unregistering goes through the client's rate limit (one call per collector),
 * so a fixed budget that suits 19 collectors would cut a 1,000-collector fleet's cleanup short at 15 req/s
 * (67 s of calls). Deleting the records adds management calls at their own 3 req/s (two listings and one
 * BulkDeleteCollectors per 100 IDs, fm/cleanup.ts). The budget grows with the roster: 30 s of slack plus
 * 1.5× the paced time.
 */
import { BULK_DELETE_BATCH, MANAGEMENT_RATE_PER_SECOND } from "../fm/management.js";

const SLACK_MS = 30_000;
/** Post waits this much longer than the daemon's own budget before it steps in. */
const STOP_MARGIN_MS = 30_000;

export function cleanupBudgetMs(collectors: number, fmRatePerSecond: number): number {
  const managementCalls = 3 + Math.ceil(collectors / BULK_DELETE_BATCH);
  const pacedMs = (collectors / fmRatePerSecond + managementCalls / MANAGEMENT_RATE_PER_SECOND) * 1000;
  return SLACK_MS + Math.ceil(pacedMs * 1.5);
}

export function stopWaitMs(collectors: number, fmRatePerSecond: number): number {
  return cleanupBudgetMs(collectors, fmRatePerSecond) + STOP_MARGIN_MS;
}
