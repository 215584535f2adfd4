/**
 * When ticks happen: one per grid point fleetStart + k·interval, stamped with that grid point, so every
 * collector's samples sit on one grid however late a tick runs. A grid point that finds the previous push
 * still running is counted late and skipped, never stacked. Woken more than an interval late (a suspended
 * runner, a blocked event loop), the missed points are late ticks and the tick goes out at the latest one.
 * The scheduler knows nothing of remote write; `tick` does the work (the FM side's twin is
 * fm/heartbeat-scheduler.ts).
 */
import type { Clock } from "../core/clock.js";

export interface TickSchedulerOptions {
  clock: Clock;
  /** Sample time: wall time that never goes back (core/clock.ts createSteadyWall). */
  wallNow: () => number;
  intervalMs: number;
  /** The grid's origin, in wall time. */
  fleetStartMs: number;
  /** The latest timestamp already used: the next grid point is strictly after it. */
  lastTimestampMs: () => number;
  /** Whether the previous tick (or a close) is still running. */
  busy: () => boolean;
  /** Starts the tick at `timestampMs`; must not throw. */
  tick: (timestampMs: number) => void;
  /** Called with the number of grid points that passed without a tick. */
  late: (count: number, dueMs: number) => void;
}

export interface TickScheduler {
  start(): void;
  /** Stops scheduling; a tick already started is not waited for here. */
  stop(): Promise<void>;
}

export function createTickScheduler(options: TickSchedulerOptions): TickScheduler {
  const { clock, wallNow, intervalMs, fleetStartMs } = options;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  let loop: { abort: AbortController; done: Promise<void> } | undefined;

  /** The first grid point strictly after `t`. */
  const gridAfter = (t: number) =>
    fleetStartMs + (Math.floor((t - fleetStartMs) / intervalMs) + 1) * intervalMs;

  const run = async (signal: AbortSignal) => {
    let lastDue = wallNow();
    while (!signal.aborted) {
      let due = gridAfter(Math.max(lastDue, options.lastTimestampMs()));
      try {
        await clock.sleep(due - wallNow(), signal);
      } catch {
        return;
      }
      if (due <= options.lastTimestampMs()) continue; // a close wrote a later marker meanwhile
      const missed = Math.floor((wallNow() - due) / intervalMs);
      if (missed > 0) {
        options.late(missed, due);
        due += missed * intervalMs;
      }
      lastDue = due;
      if (options.busy()) {
        options.late(1, due);
        continue;
      }
      options.tick(due);
    }
  };

  return {
    start() {
      if (loop) return;
      const abort = new AbortController();
      loop = { abort, done: run(abort.signal) };
    },
    async stop() {
      const current = loop;
      loop = undefined;
      current?.abort.abort();
      await current?.done;
    },
  };
}
