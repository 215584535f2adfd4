/**
 * Fault injection for the FM emulator: per method, a share of requests fails the way FM or the network
 * in front of it can (503 unavailable, 429 resource_exhausted with Retry-After, a reset connection), and
 * answers can be slowed down. Draws come from a seeded PRNG, so a failing run repeats exactly.
 */
import type { Random } from "../core/clock.js";
import type { EmulatedMethod } from "./wire-schema.js";

export interface FaultSpec {
  /** Share of requests answered 503 `unavailable`, before any effect. */
  unavailable?: number;
  /** Share answered 429 `resource_exhausted` with `Retry-After: 1`, before any effect. */
  resourceExhausted?: number;
  /** Share whose connection is destroyed after the request took effect: the client never hears back. */
  reset?: number;
  /** Extra latency drawn uniformly from [min, max] ms. */
  latencyMs?: readonly [number, number];
  /** The first N requests naming each collector are answered 503 `unavailable`, whatever the draws. */
  failFirst?: number;
}

export type FaultPlan = Partial<Record<EmulatedMethod, FaultSpec>>;

export type FaultKind = "unavailable" | "resource_exhausted" | "reset";

export interface FaultDraw {
  readonly fault?: FaultKind;
  readonly latencyMs: number;
}

export function createFaultInjector(
  plan: FaultPlan,
  random: Random,
): (method: EmulatedMethod, collectorId?: string) => FaultDraw {
  const seen = new Map<string, number>();
  return (method, collectorId) => {
    const spec = plan[method];
    if (!spec) return { latencyMs: 0 };
    if (spec.failFirst && collectorId !== undefined) {
      const key = `${method} ${collectorId}`;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      if (count <= spec.failFirst) return { fault: "unavailable", latencyMs: 0 };
    }
    const r = random();
    const unavailable = spec.unavailable ?? 0;
    const exhausted = unavailable + (spec.resourceExhausted ?? 0);
    const reset = exhausted + (spec.reset ?? 0);
    const fault: FaultKind | undefined =
      r < unavailable
        ? "unavailable"
        : r < exhausted
          ? "resource_exhausted"
          : r < reset
            ? "reset"
            : undefined;
    const [min, max] = spec.latencyMs ?? [0, 0];
    const latencyMs = max > 0 ? min + random() * (max - min) : 0;
    return fault ? { fault, latencyMs } : { latencyMs };
  };
}
