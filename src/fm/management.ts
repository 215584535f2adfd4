/**
 * FM's management calls as cleanup and sweep make them (docs/fm-protocol.md#management-api): ListCollectors
 * by matchers, GetCollector, DeleteCollector and BulkDeleteCollectors. They have a rate limit of their own,
 * 3 req/s per stack (docs/fm-protocol.md#rate-limits), so they go through a token bucket of their own and
 * never take a token a heartbeat needs; retries and deadlines follow the shared call policy
 * (transport/call-policy.ts), and errors are the client's FmApiError.
 *
 * BulkDeleteCollectors is atomic: one ID FM does not know fails the whole request with not_found and
 * deletes nothing (grafana/fleet-management-api `api/collector/v1/collector.proto`). So deleting a set
 * falls back to one DeleteCollector per ID after a not_found, where not_found means already gone.
 */
import { systemClock, type Clock, type Random } from "../core/clock.js";
import { FmApiError } from "../core/errors.js";
import { callWithPolicy, type CallLimits } from "../transport/call-policy.js";
import { createTokenBucket } from "../transport/rate-limit.js";
import type { RetryInfo } from "../transport/retry.js";
import type { RateLimiter, RetryPolicy, SendOutcome } from "../transport/types.js";
import {
  DEFAULT_CALL_TIMEOUT_MS,
  type CallOptions,
  type FmCollectorInfo,
  type FmManagementCalls,
} from "./client.js";

/** FM's limit for collector-service calls but Register and GetConfig (docs/fm-protocol.md#rate-limits). */
export const MANAGEMENT_RATE_PER_SECOND = 3;

/**
 * IDs per BulkDeleteCollectors request. FM publishes no limit; 100 keeps a request small, and bounds the
 * per-ID fallback after a not_found to 100 calls (33 s at 3 req/s).
 */
export const BULK_DELETE_BATCH = 100;

const ATTEMPTS_WITHOUT_DEADLINE = 10;

export interface FmManagementOptions {
  client: FmManagementCalls;
  /** Default: a bucket of its own at 3 req/s. */
  rateLimiter?: RateLimiter;
  clock?: Clock;
  random?: Random;
  /** Backoff policy; a call given no deadline stops after 10 attempts. */
  retry?: Partial<RetryPolicy>;
  /** Called on every retry, with why the attempt before failed (to count them, or keep FM's last answer). */
  onRetry?: (info: RetryInfo) => void;
}

/** What deleting a set of collectors did, ID by ID. */
export interface DeleteReport {
  /** Removed by this call. */
  readonly deleted: string[];
  /** Already gone when we asked (not_found): nothing is left of them either. */
  readonly gone: string[];
  /** Still in FM, with why. */
  readonly failed: { id: string; error: string }[];
  /** FM refuses management calls to these credentials (permission_denied, unimplemented): no more tries. */
  readonly refused?: FmApiError;
}

export interface FmManagement {
  list(matchers: readonly string[], limits?: CallLimits): Promise<SendOutcome<FmCollectorInfo[]>>;
  get(id: string, limits?: CallLimits): Promise<SendOutcome<FmCollectorInfo>>;
  delete(id: string, limits?: CallLimits): Promise<SendOutcome<void>>;
  bulkDelete(ids: readonly string[], limits?: CallLimits): Promise<SendOutcome<void>>;
  /** BulkDeleteCollectors in batches, one DeleteCollector per ID of a batch FM answered not_found. */
  deleteCollectors(ids: readonly string[], limits?: CallLimits): Promise<DeleteReport>;
}

/**
 * FM will not take management calls from these credentials: the token lacks the fleet-management scopes
 * (permission_denied, unauthenticated), or the URL serves no management API (unimplemented). Asking again,
 * or for the next collector, gets the same answer.
 */
export function isRefusal(error: Error): error is FmApiError {
  return (
    error instanceof FmApiError &&
    (error.code === "permission_denied" || error.code === "unimplemented" || error.code === "unauthenticated")
  );
}

export const hasCode = (outcome: SendOutcome<unknown>, code: string): boolean =>
  outcome.kind !== "success" && outcome.error instanceof FmApiError && outcome.error.code === code;

export function createFmManagement(options: FmManagementOptions): FmManagement {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const rateLimiter =
    options.rateLimiter ?? createTokenBucket({ ratePerSecond: MANAGEMENT_RATE_PER_SECOND, clock });

  const send = <T>(
    call: (callOptions: CallOptions) => Promise<SendOutcome<T>>,
    limits: CallLimits,
  ): Promise<SendOutcome<T>> =>
    callWithPolicy((attempt) => call({ timeoutMs: attempt.timeoutMs, signal: attempt.signal }), {
      policy: {
        rateLimiter,
        timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
        retry: {
          ...(limits.deadlineMs === undefined ? { maxAttempts: ATTEMPTS_WITHOUT_DEADLINE } : {}),
          ...options.retry,
        },
      },
      clock,
      random,
      limits,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });

  const management: FmManagement = {
    list: (matchers, limits = {}) => send((c) => client.listCollectors(matchers, c), limits),
    get: (id, limits = {}) => send((c) => client.getCollector(id, c), limits),
    delete: (id, limits = {}) => send((c) => client.deleteCollector(id, c), limits),
    bulkDelete: (ids, limits = {}) => send((c) => client.bulkDeleteCollectors(ids, c), limits),

    async deleteCollectors(ids, limits = {}) {
      const deleted: string[] = [];
      const gone: string[] = [];
      const failed: { id: string; error: string }[] = [];
      let refused: FmApiError | undefined;
      const unique = [...new Set(ids)];
      const refuse = (rest: readonly string[]) => {
        for (const id of rest) failed.push({ id, error: `not deleted: ${refused!.message}` });
      };

      for (let at = 0; at < unique.length; at += BULK_DELETE_BATCH) {
        const batch = unique.slice(at, at + BULK_DELETE_BATCH);
        if (refused) {
          refuse(batch);
          continue;
        }
        const outcome = await management.bulkDelete(batch, limits);
        if (outcome.kind === "success") {
          deleted.push(...batch);
          continue;
        }
        if (isRefusal(outcome.error)) {
          refused = outcome.error;
          refuse(batch);
          continue;
        }
        if (!hasCode(outcome, "not_found")) {
          for (const id of batch) failed.push({ id, error: outcome.error.message });
          continue;
        }
        // Atomic: one of them is gone and nothing was deleted. Each on its own; not_found is done.
        for (const [i, id] of batch.entries()) {
          const one = await management.delete(id, limits);
          if (one.kind === "success") deleted.push(id);
          else if (hasCode(one, "not_found")) gone.push(id);
          else if (isRefusal(one.error)) {
            refused = one.error;
            refuse(batch.slice(i));
            break;
          } else failed.push({ id, error: one.error.message });
        }
      }
      return { deleted, gone, failed, ...(refused ? { refused } : {}) };
    },
  };
  return management;
}
