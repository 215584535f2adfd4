/**
 * Retry as a wrapper around a send that returns an outcome (after RetryingTransport in
 * open-telemetry/opentelemetry-js experimental/packages/otlp-exporter-base/src/retrying-transport.ts): the
 * send decides what is retryable, this decides when and whether to try again.
 */
import { systemClock, type Clock, type Random } from "../core/clock.js";
import { backoffDelay, cappedRetryAfter, DEFAULT_RETRY_POLICY, retryAfterGiveUpMessage } from "./backoff.js";
import type { RetryPolicy, SendOutcome } from "./types.js";

export interface RetryInfo {
  /** The retry about to be made: 1 = the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Why the previous attempt failed. */
  readonly error: Error;
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: Random;
  /** Monotonic time (clock.monotonic()) after which no attempt starts; a wait that would pass it gives up. */
  deadlineMs?: number;
  /** Stops waiting; the last outcome is returned. */
  signal?: AbortSignal;
  /**
   * A Retry-After that ends past the deadline: "give-up" (default: an attempt that starts too late gains the
   * caller nothing) or "backoff": ignore it and keep to the ordinary backoff until the deadline. For calls
   * that are the last chance to undo something (cleanup): another refusal costs less than leaving it behind,
   * and a wait of days from a broken or hostile server is not one to honour by giving up.
   */
  retryAfterPastDeadline?: RetryAfterPastDeadline;
  onRetry?: (info: RetryInfo) => void;
}

export type RetryAfterPastDeadline = "give-up" | "backoff";

/**
 * Calls `send(1)`, then `send(2)`, … while it returns a retryable outcome, sleeping a jittered backoff in
 * between. Returns the first success or failure, or the last retryable outcome when the attempts, the
 * deadline or the signal run out. A `send` that throws is a bug, not a transient error: it propagates.
 */
export async function withRetry<T>(
  send: (attempt: number) => Promise<SendOutcome<T>>,
  options: RetryOptions = {},
): Promise<SendOutcome<T>> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const maxAttempts = policy.maxAttempts ?? Number.POSITIVE_INFINITY;

  for (let attempt = 1; ; attempt++) {
    const outcome = await send(attempt);
    if (outcome.kind !== "retryable") return outcome;
    if (attempt >= maxAttempts || options.signal?.aborted) return outcome;

    const ignoreRetryAfter =
      options.retryAfterPastDeadline === "backoff" &&
      options.deadlineMs !== undefined &&
      outcome.retryAfterMs !== undefined &&
      clock.monotonic() + cappedRetryAfter(outcome.retryAfterMs) >= options.deadlineMs;
    const delayMs = backoffDelay(
      attempt,
      policy,
      random,
      ignoreRetryAfter ? undefined : outcome.retryAfterMs,
    );
    // Give up rather than sleep past the deadline: the caller (a heartbeat slot, a shutdown budget) has
    // nothing to gain from an attempt that starts too late.
    if (options.deadlineMs !== undefined && clock.monotonic() + delayMs >= options.deadlineMs) {
      // Say so when it is the server that asked for the wait: "no answer" would be untrue.
      const askedPastDeadline =
        outcome.retryAfterMs !== undefined && clock.monotonic() + outcome.retryAfterMs >= options.deadlineMs;
      return askedPastDeadline
        ? { ...outcome, gaveUp: retryAfterGiveUpMessage(outcome.retryAfterMs) }
        : outcome;
    }

    options.onRetry?.({ attempt, delayMs, error: outcome.error });
    try {
      await clock.sleep(delayMs, options.signal);
    } catch {
      return outcome;
    }
  }
}
