/**
 * Heartbeat timing as pure arithmetic (README.md#what-happens-when): every collector calls GetConfig once per
 * interval, and across the fleet the calls are spread evenly over the interval, with a little jitter, never
 * in one burst. Slots are anchored to the fleet's start so they never drift, however late a call runs.
 */
import type { Random } from "../core/clock.js";
import { formatDuration } from "../core/duration.js";

/** Alloy jitters its poll by ±100 ms (`baseJitter`, grafana/alloy internal/service/remotecfg). */
export const ALLOY_JITTER_MS = 100;

/** A heartbeat that starts this long after its slot counts as late (FmStats.heartbeatsLate). */
export const LATE_AFTER_MS = 5_000;

export interface HeartbeatPlan {
  readonly startMs: number;
  readonly intervalMs: number;
  readonly count: number;
}

/** Collector `index` of `count` beats at index/count of the interval. */
export function phaseMs(index: number, count: number, intervalMs: number): number {
  return count <= 0 ? 0 : Math.floor((index * intervalMs) / count);
}

/** The un-jittered time of collector `index`'s heartbeat number `round` (0 = the first after start). */
export function slotMs(plan: HeartbeatPlan, index: number, round: number): number {
  return plan.startMs + phaseMs(index, plan.count, plan.intervalMs) + round * plan.intervalMs;
}

/** The first round of collector `index` whose slot is at or after `nowMs`. */
export function firstRoundAtOrAfter(plan: HeartbeatPlan, index: number, nowMs: number): number {
  const first = slotMs(plan, index, 0);
  return nowMs <= first ? 0 : Math.ceil((nowMs - first) / plan.intervalMs);
}

/**
 * Largest jitter either side of a slot: Alloy's ±100 ms, but never more than half the gap between two
 * neighbouring collectors, so jitter cannot reorder the fleet or bunch it up.
 */
export function maxJitterMs(count: number, intervalMs: number): number {
  return count <= 0 ? 0 : Math.min(ALLOY_JITTER_MS, intervalMs / count / 2);
}

/** A draw in [-max, +max). */
export function jitterMs(random: Random, max: number): number {
  return (random() * 2 - 1) * max;
}

/**
 * The time by which a heartbeat, its retries and a re-registration must be over: before the same
 * collector's next slot (less its jitter and a margin), so two heartbeats of one collector never overlap.
 */
export function heartbeatBudgetEndMs(slot: number, intervalMs: number, count: number): number {
  const margin = Math.min(1_000, intervalMs / 10);
  return slot + intervalMs - maxJitterMs(count, intervalMs) - margin;
}

/**
 * Share of the client's rate that heartbeats can count on. The rest goes to retries (with FM faults the soak
 * measured ~17 % extra calls) and to the pacing loop's timer lateness: the strict per-second bucket delivered
 * 14.84 req/s at 15, and bench/scale.ts found 132 of a 135-collector bound on time, 135 itself late.
 */
export const HEARTBEAT_RATE_SHARE = 0.9;

/**
 * A warning when `collectorCount` collectors cannot all heartbeat every `heartbeatIntervalMs` within the
 * client's `ratePerSecond` (README.md#limits-worth-knowing), with the numbers and what to change; undefined
 * when they can.
 */
export function heartbeatCapacityWarning(
  collectorCount: number,
  heartbeatIntervalMs: number,
  ratePerSecond: number,
): string | undefined {
  const needed = collectorCount / (heartbeatIntervalMs / 1000);
  const usable = ratePerSecond * HEARTBEAT_RATE_SHARE;
  if (needed <= usable) return undefined;
  const shortestMs = Math.ceil(collectorCount / usable) * 1000;
  const mostCollectors = Math.floor((usable * heartbeatIntervalMs) / 1000);
  return (
    `${collectorCount} collectors heartbeating every ${formatDuration(heartbeatIntervalMs)} need ` +
    `${round1(needed)} GetConfig calls per second, above ${round1(usable)} req/s (90 % of the client's limit of ` +
    `${ratePerSecond} req/s, leaving room for retries) ` +
    `(FM allows 20 req/s per stack by default for RegisterCollector and GetConfig together): heartbeats ` +
    `will run late. Use a heartbeat interval of at least ${formatDuration(shortestMs)}, or at most ` +
    `${mostCollectors} collectors.`
  );
}

function round1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
