/**
 * One of the emulator's server-side rate limits (FM: 20 req/s shared by RegisterCollector and GetConfig,
 * 3 req/s for the other collector calls, 3 req/s for the pipeline API; grafana.com fleet-management API
 * docs). It refuses rather than queues, as a server does, and says when to come back.
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
