/**
 * One call's policy, shared by the FM client calls and remote-write pushes: wait for a rate-limit token,
 * bound the attempt's timeout by what is left of the deadline, and retry retryable outcomes with backoff
 * (retry.ts) until the deadline, the attempts or the caller's stop run out. The sender only classifies
 * answers; what to do with them lives here, once (after OpenTelemetry JS's RetryingTransport,
 * open-telemetry/opentelemetry-js experimental/packages/otlp-exporter-base/src/retrying-transport.ts).
 */
import type { Clock, Random } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { DeadlineError, linkedSignal } from "./linked-signal.js";
import { withRetry, type RetryAfterPastDeadline, type RetryInfo } from "./retry.js";
import type { RateLimiter, RetryPolicy, SendOutcome } from "./types.js";

export interface CallPolicy {
  readonly retry: Partial<RetryPolicy>;
  /** Longest single attempt; shortened to what is left before the deadline. */
  readonly timeoutMs: number;
  /** Every attempt, retries included, waits for a token of its own. */
  readonly rateLimiter?: RateLimiter;
}

/** Where one call must end. */
export interface CallLimits {
  /** Monotonic time by which every attempt, wait and backoff is over. */
  readonly deadlineMs?: number;
  /** Stop waiting for tokens and backoffs; an attempt on the wire is aborted too. */
  readonly signal?: AbortSignal | undefined;
}

export interface Attempt {
  /** 1 for the first attempt. */
  readonly number: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface CallOptions {
  readonly policy: CallPolicy;
  readonly clock: Clock;
  readonly random: Random;
  readonly limits: CallLimits;
  /** More reasons to stop than the caller's (a fatal error elsewhere in the fleet, say). */
  readonly stops?: readonly (AbortSignal | undefined)[];
  /** Default "give-up"; "backoff" for cleanup (retry.ts). */
  readonly retryAfterPastDeadline?: RetryAfterPastDeadline;
  readonly onRetry?: (info: RetryInfo) => void;
}

/** Runs `attempt` under `policy`; resolves with the first success or failure, or the last retryable outcome. */
export async function callWithPolicy<T>(
  attempt: (a: Attempt) => Promise<SendOutcome<T>>,
  options: CallOptions,
): Promise<SendOutcome<T>> {
  const { policy, clock, limits } = options;
  const { deadlineMs } = limits;
  // The deadline timer only serves to end a wait for a rate-limit token; backoffs and attempts check the
  // deadline themselves, so a call without a limiter arms no timer.
  const wait = linkedSignal(
    [limits.signal, ...(options.stops ?? [])],
    deadlineMs === undefined || !policy.rateLimiter ? undefined : { clock, atMs: deadlineMs },
  );
  const fail = (message: string, cause?: unknown): SendOutcome<T> => ({
    kind: "failure",
    error: new Error(message, cause === undefined ? undefined : { cause }),
  });
  try {
    return await withRetry(
      async (number) => {
        if (deadlineMs !== undefined && clock.monotonic() >= deadlineMs) return fail("the deadline passed");
        if (wait.signal.aborted) return fail(`stopped: ${describeError(wait.signal.reason)}`);
        if (policy.rateLimiter) {
          try {
            await policy.rateLimiter.acquire(wait.signal);
          } catch (err) {
            return fail(
              err instanceof DeadlineError
                ? "not sent: the deadline passed while it waited for its turn under the rate limit"
                : describeError(err),
              err,
            );
          }
        }
        let timeoutMs = policy.timeoutMs;
        if (deadlineMs !== undefined) {
          const remainingMs = deadlineMs - clock.monotonic();
          if (remainingMs <= 0) return fail("the deadline passed");
          timeoutMs = Math.min(timeoutMs, remainingMs);
        }
        return attempt({ number, timeoutMs: Math.max(1, Math.ceil(timeoutMs)), signal: wait.signal });
      },
      {
        policy: policy.retry,
        clock,
        random: options.random,
        signal: wait.signal,
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        ...(options.retryAfterPastDeadline ? { retryAfterPastDeadline: options.retryAfterPastDeadline } : {}),
      },
    );
  } finally {
    wait.dispose();
  }
}
