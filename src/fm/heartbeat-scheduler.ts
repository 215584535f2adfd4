/**
 * One loop over a min-heap of due times drives every collector's heartbeat (README.md#what-happens-when):
 * collector i of N beats at i/N of the interval, jittered, each slot anchored to the start so lateness never
 * accumulates. A target whose previous beat is still running skips its slot rather than overlap it.
 * The scheduler knows nothing of FM; the beat callback does the call.
 */
import { setMaxListeners } from "node:events";
import type { Clock, Random } from "../core/clock.js";
import { createMinHeap } from "./min-heap.js";
import {
  firstRoundAtOrAfter,
  heartbeatBudgetEndMs,
  jitterMs,
  maxJitterMs,
  slotMs,
  type HeartbeatPlan,
} from "./schedule.js";

export interface BeatSlot {
  /** Un-jittered slot time. */
  readonly slotMs: number;
  /** Time by which this beat, its retries included, must be over so the next one is not overlapped. */
  readonly budgetEndMs: number;
  /** Aborts when the scheduler stops: stop waiting for tokens and backoffs; a call in flight may finish. */
  readonly signal: AbortSignal;
}

export interface HeartbeatSchedulerOptions<T> {
  clock: Clock;
  random: Random;
  intervalMs: number;
  /** Runs one heartbeat. Must not throw; its promise ends when the beat is over. */
  beat: (target: T, slot: BeatSlot) => Promise<void>;
  /** Called instead of `beat` when the target's previous beat is still running at its next slot. */
  skipped?: (target: T, slot: BeatSlot) => void;
}

export interface HeartbeatScheduler<T> {
  /** Spreads `targets` over the interval from now on. No-op when already running. */
  start(targets: readonly T[]): void;
  /** Re-spreads a changed fleet over the same anchor, from the next slot on. */
  replan(targets: readonly T[]): void;
  /** Stops scheduling and waits for the beats that are running. Safe when never started. */
  stop(): Promise<void>;
  readonly running: boolean;
}

interface Entry<T> {
  readonly target: T;
  readonly index: number;
  readonly round: number;
  readonly dueMs: number;
  readonly generation: number;
  readonly seq: number;
}

export function createHeartbeatScheduler<T>(options: HeartbeatSchedulerOptions<T>): HeartbeatScheduler<T> {
  const { clock, random, intervalMs } = options;
  const heap = createMinHeap<Entry<T>>((a, b) => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq));
  const busy = new Set<T>();
  const beats = new Set<Promise<void>>();
  let plan: HeartbeatPlan | undefined;
  let generation = 0;
  let seq = 0;
  let loop: Promise<void> | undefined;
  let stopping = false;
  let stopped = new AbortController();
  let wake: (() => void) | undefined;

  const enqueue = (target: T, index: number, round: number) => {
    if (!plan) return;
    const jitter = jitterMs(random, maxJitterMs(plan.count, plan.intervalMs));
    const dueMs = slotMs(plan, index, round) + jitter;
    const top = heap.peek();
    heap.push({ target, index, round, dueMs, generation, seq: seq++ });
    if (!top || dueMs < top.dueMs) wake?.();
  };

  const fill = (targets: readonly T[]) => {
    heap.clear();
    generation++;
    const now = clock.monotonic();
    targets.forEach((target, index) => enqueue(target, index, firstRoundAtOrAfter(plan!, index, now)));
  };

  // Sleeps until `dueMs` (forever when undefined) or until woken by an earlier entry or by stop().
  const waitUntil = async (dueMs: number | undefined) => {
    const alarm = new AbortController();
    wake = () => alarm.abort();
    try {
      if (dueMs === undefined)
        await new Promise<void>((resolve) => alarm.signal.addEventListener("abort", () => resolve()));
      else await clock.sleep(dueMs - clock.monotonic(), alarm.signal);
    } catch {
      // Woken early: the loop looks at the heap again.
    } finally {
      wake = undefined;
    }
  };

  const run = async () => {
    while (!stopping) {
      const next = heap.peek();
      if (!next || next.dueMs > clock.monotonic()) {
        await waitUntil(next?.dueMs);
        continue;
      }
      heap.pop();
      if (next.generation !== generation || !plan) continue;
      // The next round is queued before this one runs, so the slot sequence never depends on call latency.
      enqueue(next.target, next.index, next.round + 1);
      const slot = slotMs(plan, next.index, next.round);
      const beatSlot: BeatSlot = {
        slotMs: slot,
        budgetEndMs: heartbeatBudgetEndMs(slot, intervalMs, plan.count),
        signal: stopped.signal,
      };
      if (busy.has(next.target)) {
        options.skipped?.(next.target, beatSlot);
        continue;
      }
      busy.add(next.target);
      // `beat` promises not to throw; the catch keeps a broken promise from killing the loop all the same.
      const beat = options
        .beat(next.target, beatSlot)
        .catch(() => undefined)
        .finally(() => {
          busy.delete(next.target);
          beats.delete(beat);
        });
      beats.add(beat);
    }
  };

  return {
    start(targets) {
      if (loop) return;
      stopping = false;
      stopped = new AbortController();
      // Every running beat listens to it; Node's 10-listener leak warning would be a false alarm.
      setMaxListeners(0, stopped.signal);
      plan = { startMs: clock.monotonic(), intervalMs, count: targets.length };
      fill(targets);
      loop = run();
    },
    replan(targets) {
      if (!plan || !loop) return;
      plan = { ...plan, count: targets.length };
      fill(targets);
      wake?.();
    },
    async stop() {
      if (!loop) return;
      stopping = true;
      stopped.abort(new Error("heartbeats stopped"));
      wake?.();
      await loop;
      await Promise.allSettled([...beats]);
      loop = undefined;
      plan = undefined;
      heap.clear();
    },
    get running() {
      return loop !== undefined && !stopping;
    },
  };
}
