/**
 * A client-side token bucket. FM shares one `requests_per_second:collector` budget (20 req/s by default)
 * between RegisterCollector and GetConfig per stack (SPEC section 5, FM collector API docs); the client stays
 * below it (default 15 req/s) so a fleet never trips the server's limiter.
 *
 * Implemented as GCRA ("virtual scheduling"): each acquire reserves the next theoretical arrival time, so
 * waiters are served first come, first served, with one sleep each and no polling timer.
 */
import { systemClock, type Clock } from "../core/clock.js";
import type { RateLimiter } from "./types.js";

export interface TokenBucketOptions {
  ratePerSecond: number;
  /**
   * Calls allowed back to back after a quiet spell. Default 1: calls are evenly paced, so the rate measured
   * over any one-second window stays at or below `ratePerSecond`.
   */
  burst?: number;
  clock?: Clock;
}

export function createTokenBucket(options: TokenBucketOptions): RateLimiter {
  const { ratePerSecond } = options;
  const burst = options.burst ?? 1;
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
    throw new RangeError(`rate must be a positive number of requests per second, got ${ratePerSecond}`);
  if (!(burst >= 1) || !Number.isInteger(burst))
    throw new RangeError(`burst must be a whole number of at least 1, got ${burst}`);
  const clock = options.clock ?? systemClock;
  const intervalMs = 1000 / ratePerSecond;
  const toleranceMs = (burst - 1) * intervalMs;
  // The theoretical arrival time of the next call at the steady rate.
  let nextArrival = Number.NEGATIVE_INFINITY;

  return {
    async acquire(signal) {
      if (signal?.aborted) throw abortReason(signal);
      const now = clock.now();
      const arrival = Math.max(nextArrival, now);
      // The slot is reserved before sleeping, so concurrent callers queue behind each other. A caller that
      // aborts does not give its slot back: the bucket errs on the slow side, never the fast one.
      nextArrival = arrival + intervalMs;
      const waitMs = arrival - toleranceMs - now;
      if (waitMs > 0) await clock.sleep(waitMs, signal);
    },
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
