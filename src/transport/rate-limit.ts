/**
 * A client-side token bucket. FM shares one `requests_per_second:collector` budget (20 req/s by default)
 * between RegisterCollector and GetConfig per stack (docs/fm-protocol.md#rate-limits); the client stays
 * below it (default 15 req/s) so a fleet never trips the server's limiter.
 *
 * Waiters queue first come, first served behind one pacing loop; a waiter that gives up (its signal aborts)
 * leaves the queue without spending a token, so an overloaded fleet drops late calls instead of piling up
 * a backlog that makes every later call late too.
 */
import { abortReason, systemClock, type Clock } from "../core/clock.js";
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

interface Waiter {
  resolve: () => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

// Tokens are fractional; this absorbs floating-point dust so a full token is not missed by 1e-15.
const EPSILON = 1e-9;

export function createTokenBucket(options: TokenBucketOptions): RateLimiter {
  const { ratePerSecond } = options;
  const burst = options.burst ?? 1;
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
    throw new RangeError(`rate must be a positive number of requests per second, got ${ratePerSecond}`);
  if (!(burst >= 1) || !Number.isInteger(burst))
    throw new RangeError(`burst must be a whole number of at least 1, got ${burst}`);
  const clock = options.clock ?? systemClock;
  const intervalMs = 1000 / ratePerSecond;
  let tokens = burst;
  let refilledAt = clock.monotonic();
  const waiters: Waiter[] = [];
  let pacing = false;

  const refill = () => {
    const now = clock.monotonic();
    tokens = Math.min(burst, tokens + (now - refilledAt) / intervalMs);
    refilledAt = now;
  };

  // The one loop that hands out tokens to queued waiters, sleeping until the next token is due.
  const pace = async () => {
    pacing = true;
    try {
      while (waiters.length > 0) {
        refill();
        if (tokens >= 1 - EPSILON) {
          tokens = Math.max(0, tokens - 1);
          const waiter = waiters.shift()!;
          waiter.signal?.removeEventListener("abort", waiter.onAbort);
          waiter.resolve();
        } else {
          // Whole milliseconds, rounded up: a clock in ms since 1970 cannot move by less, and rounding up keeps
          // the rate at or just under the limit (15/s paces at 67 ms, 14.9/s), never over it.
          await clock.sleep(Math.max(1, Math.ceil((1 - tokens) * intervalMs)));
        }
      }
    } finally {
      pacing = false;
    }
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      refill();
      if (waiters.length === 0 && tokens >= 1 - EPSILON) {
        tokens = Math.max(0, tokens - 1);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          signal,
          onAbort: () => {
            const at = waiters.indexOf(waiter);
            if (at >= 0) waiters.splice(at, 1);
            reject(abortReason(signal!));
          },
        };
        signal?.addEventListener("abort", waiter.onAbort, { once: true });
        waiters.push(waiter);
        if (!pacing) void pace();
      });
    },
  };
}
