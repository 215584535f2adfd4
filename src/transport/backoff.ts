/**
 * Backoff arithmetic, pure so that its bounds are tested without time. Exponential backoff
 * with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the delay is drawn uniformly
 * below a ceiling that doubles per attempt, so many clients failing together do not retry together.
 */
import type { Random } from "../core/clock.js";
import type { RetryPolicy } from "./types.js";

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 250, capMs: 10_000 };

/**
 * The longest wait a Retry-After can impose. Servers ask for seconds; a value of days is a bug or an attack,
 * and honouring it froze every later push for the rest of a run (and Register for 11 days).
 */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * The wait before retry number `attempt` (1 = the first retry). A server's Retry-After is a floor, not a
 * ceiling: retrying sooner than it asked only earns another refusal. The floor itself is capped at
 * MAX_RETRY_AFTER_MS.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: Random,
  retryAfterMs?: number,
): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2 ** exponent overflows to Infinity for huge attempts; min() keeps the ceiling at capMs all the same.
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, cappedRetryAfter(retryAfterMs ?? 0));
}

/** A Retry-After wait as this client honours it: at most MAX_RETRY_AFTER_MS. */
export function cappedRetryAfter(retryAfterMs: number): number {
  return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
}

/** Why a call gave up when the server's Retry-After (`askedMs`, as asked) ends past the caller's deadline. */
export function retryAfterGiveUpMessage(askedMs: number): string {
  return `server asked to wait ${Math.round(askedMs / 1000)} s; giving up at the deadline`;
}

/**
 * Reads a Retry-After header (RFC 9110 section 10.2.3): either delay-seconds or an HTTP-date. Returns the
 * wait in ms from `nowMs` as the server asked it (uncapped, so messages can say what it asked; waits go
 * through cappedRetryAfter), 0 for a date in the past, and undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  // Hundreds of digits read as Infinity; keep the wait a finite number.
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  // A date needs a letter (a weekday or month name); this keeps Date.parse from reading stray numbers.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
