/**
 * A Clock whose time moves only when a test says so, so 45 s heartbeats and 10 s backoffs run in
 * microseconds and deterministically. Monotonic and wall time advance together; `stepWall` moves the wall
 * clock alone, as NTP or a suspended VM would.
 */
import type { Clock } from "../../src/core/clock.js";

export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, waking each sleeper at its own time in order, and letting the promise
   * chains it resumes run (and schedule new sleeps) before time moves on.
   */
  advance(ms: number): Promise<void>;
  /** Steps the wall clock by `ms` (negative: backwards) without moving monotonic time or waking anyone. */
  stepWall(ms: number): void;
  /** Lets pending promise callbacks run without moving time. */
  settle(): Promise<void>;
  /** Sleeps not yet woken. */
  pendingSleeps(): number;
}

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

export function createFakeClock(startMs = Date.UTC(2026, 0, 1)): FakeClock {
  // Monotonic time starts where wall time does, so tests that never step the wall see one clock.
  let mono = startMs;
  let wallOffset = 0;
  let seq = 0;
  const sleepers: Sleeper[] = [];

  const settle = async () => {
    // Microtasks queued by resumed code all run before a macrotask; a few rounds cover code that awaits
    // a resolved promise between two sleeps.
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };

  return {
    now: () => mono + wallOffset,
    monotonic: () => mono,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
          return;
        }
        const sleeper: Sleeper = {
          at: mono + Math.max(0, ms),
          seq: seq++,
          wake: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = sleepers.indexOf(sleeper);
          if (i >= 0) sleepers.splice(i, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    async advance(ms) {
      const target = mono + ms;
      await settle();
      for (;;) {
        let next: Sleeper | undefined;
        for (const s of sleepers)
          if (s.at <= target && (!next || s.at < next.at || (s.at === next.at && s.seq < next.seq))) next = s;
        if (!next) break;
        sleepers.splice(sleepers.indexOf(next), 1);
        mono = Math.max(mono, next.at);
        next.wake();
        await settle();
      }
      mono = target;
      await settle();
    },
    stepWall(ms) {
      wallOffset += ms;
    },
    settle,
    pendingSleeps: () => sleepers.length,
  };
}
