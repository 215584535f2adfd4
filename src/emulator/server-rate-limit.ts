/**
 * The emulator's side of FM's `requests_per_second:collector` limit (20 req/s by default, shared by
 * RegisterCollector and GetConfig; SPEC section 5). It refuses rather than queues, as a server does, and
 * says when to come back.
 */
export interface ServerRateLimit {
  /** Takes a token, or returns how long until one is free (ms). */
  tryTake(nowMs: number): { ok: true } | { ok: false; retryAfterMs: number };
}

export function createServerRateLimit(options: { ratePerSecond: number; burst?: number }): ServerRateLimit {
  const intervalMs = 1000 / options.ratePerSecond;
  // One second's worth of burst, as token buckets in front of APIs commonly allow.
  const burst = options.burst ?? Math.max(1, Math.round(options.ratePerSecond));
  let tokens = burst;
  let refilledAt: number | undefined;
  return {
    tryTake(nowMs) {
      tokens = Math.min(burst, tokens + (refilledAt === undefined ? 0 : (nowMs - refilledAt) / intervalMs));
      refilledAt = nowMs;
      if (tokens >= 1) {
        tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: (1 - tokens) * intervalMs };
    },
  };
}
