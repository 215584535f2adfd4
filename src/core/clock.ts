/**
 * Time as a dependency, so tests drive 45 s heartbeats with fake time instead of sleeping.
 *
 * Two clocks, because they answer different questions. Wall time (`now`) stamps what leaves the process:
 * sample timestamps, alert times, status files. It may step backwards or forwards (NTP, a suspended VM, a
 * user fixing the date). Monotonic time (`monotonic`) measures how long things take: pacing, deadlines,
 * backoff, heartbeat slots. It never steps, so a 120 s backward step of the wall clock cannot starve a
 * rate limiter or stretch a deadline (Node.js docs, `performance.now()`: "monotonic").
 *
 * Every `deadlineMs`, `atMs` and `dueMs` in this code base is on the monotonic clock and never crosses a
 * process boundary; wall times that do (status files, sample timestamps) are named `…TimestampMs`/`…AtMs`
 * in records and say so.
 */
import { performance } from "node:perf_hooks";

export interface Clock {
  /** Wall time: milliseconds since the epoch. For timestamps only; it may step. */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin. For durations, deadlines and pacing. */
  monotonic(): number;
  /** Resolves after `ms` of monotonic time, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        // setTimeout fires at once for anything above 2^31-1 ms; the callers' waits are capped below it.
        Math.min(MAX_TIMER_MS, Math.max(0, ms)),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** The longest delay a Node.js timer can wait (Node.js docs, `setTimeout`: larger values become 1). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The reason an aborted signal carries, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

/** A source of uniform numbers in [0, 1): Math.random in production, seeded in tests. */
export type Random = () => number;

/** mulberry32: a small, fast, seedable PRNG; good enough for jitter and fault injection, not for secrets. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Wall time that never goes back: the wall clock, but after a backward step it keeps counting from where it
 * was, by monotonic time, until the wall clock catches up. Sample timestamps come from it, so a clock step
 * can neither stamp a sample before one already sent (Prometheus refuses the whole request: "out of order
 * sample") nor make a counter computed from the timestamp go down.
 */
export function createSteadyWall(clock: Clock): () => number {
  let anchorWall = clock.now();
  let anchorMono = clock.monotonic();
  return () => {
    const wall = clock.now();
    const steady = anchorWall + (clock.monotonic() - anchorMono);
    if (wall >= steady) {
      // In step, or the wall clock stepped forward: follow it from here on.
      anchorWall = wall;
      anchorMono = clock.monotonic();
      return wall;
    }
    return steady;
  };
}
