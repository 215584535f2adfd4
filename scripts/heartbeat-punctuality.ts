/**
 * Heartbeat punctuality as FM sees it, computed from the emulator's request log alone (pure).
 *
 * A heartbeat is "seen" when a GetConfig for the collector took effect at the emulator: answered 200, or
 * processed and then reset (the emulator resets after the effect, so FM did record that heartbeat). Its time
 * is the moment the request arrived (the emulator logs arrival, before any injected latency).
 *
 * Slots. The background process anchors every collector's slots to one start (src/fm/schedule.ts), so each
 * collector's heartbeats are due at anchor + k × interval. The anchor is estimated per collector from its
 * own seen heartbeats: each time t is folded onto the first one's grid (t − round((t − t₀) / interval) ×
 * interval) and the earliest fold wins, because a heartbeat can run late but never early (only Alloy's
 * ±100 ms jitter). Slot k is **on time** when some seen heartbeat lies within ± tolerance of it (5 s: the
 * controller's own lateness bound, LATE_AFTER_MS). Every slot inside [from, to − tolerance] counts; a
 * collector never seen misses all floor((to − tolerance − from) / interval) of its slots.
 *
 * Gaps (secondary). The gap between consecutive seen heartbeats of a collector (within half an interval
 * counts as one heartbeat: a retry after a reset) is on time when it is interval ± tolerance. One late
 * heartbeat spoils two gaps, so this ratio is the stricter of the two.
 */

export interface LoggedRequest {
  readonly method: string;
  readonly time: number;
  readonly status: number;
  readonly collectorId?: string;
  readonly fault?: string;
}

export interface PunctualityOptions {
  readonly collectorIds: readonly string[];
  readonly intervalMs: number;
  /** Default 5,000 ms. */
  readonly toleranceMs?: number;
  /** Heartbeats start here (the background process reported ready). */
  readonly fromMs: number;
  /** Last moment observed. */
  readonly toMs: number;
}

export interface Punctuality {
  readonly slots: number;
  readonly onTime: number;
  /** onTime / slots; 1 when there were no slots. */
  readonly ratio: number;
  /** Delay of the first heartbeat seen after each slot (within half an interval), ms. */
  readonly delayP50Ms: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  readonly gaps: number;
  readonly gapsOnTime: number;
  readonly gapRatio: number;
  /** Collectors with at least one slot missed, at most 10, for the log. */
  readonly examples: readonly string[];
}

export const DEFAULT_TOLERANCE_MS = 5_000;

/** Seen heartbeat times per collector, sorted. */
export function seenHeartbeats(
  requests: readonly LoggedRequest[],
  fromMs: number,
  toMs: number,
): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  for (const r of requests) {
    if (r.method !== "GetConfig" || r.collectorId === undefined) continue;
    if (r.status !== 200 && r.fault !== "reset") continue;
    if (r.time < fromMs || r.time > toMs) continue;
    const times = seen.get(r.collectorId);
    if (times) times.push(r.time);
    else seen.set(r.collectorId, [r.time]);
  }
  for (const times of seen.values()) times.sort((a, b) => a - b);
  return seen;
}

export function heartbeatPunctuality(
  requests: readonly LoggedRequest[],
  options: PunctualityOptions,
): Punctuality {
  const { intervalMs, fromMs, toMs } = options;
  const tolerance = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const lastSlotMs = toMs - tolerance;
  const seen = seenHeartbeats(requests, fromMs, toMs);
  let slots = 0;
  let onTime = 0;
  let gaps = 0;
  let gapsOnTime = 0;
  const delays: number[] = [];
  const examples: string[] = [];

  for (const id of options.collectorIds) {
    const times = seen.get(id) ?? [];
    if (times.length === 0) {
      const missed = Math.max(0, Math.floor((lastSlotMs - fromMs) / intervalMs));
      slots += missed;
      if (missed > 0 && examples.length < 10) examples.push(id);
      continue;
    }
    const first = times[0]!;
    const anchor = Math.min(...times.map((t) => t - Math.round((t - first) / intervalMs) * intervalMs));
    let cursor = 0;
    let missedHere = false;
    for (let k = Math.ceil((fromMs - anchor) / intervalMs); anchor + k * intervalMs <= lastSlotMs; k++) {
      const slot = anchor + k * intervalMs;
      while (cursor < times.length && times[cursor]! < slot - tolerance) cursor++;
      const next = times[cursor];
      slots++;
      if (next !== undefined && next < slot + intervalMs / 2) delays.push(next - slot);
      if (next !== undefined && next <= slot + tolerance) onTime++;
      else missedHere = true;
    }
    if (missedHere && examples.length < 10) examples.push(id);

    let previous = first;
    for (const t of times.slice(1)) {
      if (t - previous <= intervalMs / 2) continue;
      gaps++;
      if (Math.abs(t - previous - intervalMs) <= tolerance) gapsOnTime++;
      previous = t;
    }
  }

  delays.sort((a, b) => a - b);
  const quantile = (q: number) =>
    delays.length === 0 ? 0 : delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!;
  return {
    slots,
    onTime,
    ratio: slots === 0 ? 1 : onTime / slots,
    delayP50Ms: quantile(0.5),
    delayP99Ms: quantile(0.99),
    delayMaxMs: delays.at(-1) ?? 0,
    gaps,
    gapsOnTime,
    gapRatio: gaps === 0 ? 1 : gapsOnTime / gaps,
    examples,
  };
}
