/**
 * Fault injection for the FM emulator: per method, a share of requests fails the way FM or the network
 * in front of it can (503 unavailable, 429 resource_exhausted with Retry-After, a reset connection), and
 * answers can be slowed down. Draws come from a seeded PRNG, so a failing run repeats exactly.
 *
 * The hostile kinds are what a broken proxy or an attacker in front of FM could send: a body that never
 * ends, a Retry-After of days, a GetConfig `hash` of megabytes, and no answer at all for half a minute.
 */
import type { Random } from "../core/clock.js";
import type { EmulatedMethod } from "./wire-schema.js";

/** Retry-After of a `hugeRetryAfter` fault: 11.6 days. */
export const HUGE_RETRY_AFTER_SECONDS = 999_999;
/** Length of a `hashBomb` fault's hash: 3 MiB, under the client's 4 MiB GetConfig cap, so it is read whole. */
export const HASH_BOMB_CHARS = 3 * 1024 * 1024;
/** How long a `hang` fault holds a request by default: twice FM's 15 s client timeout. */
export const DEFAULT_HANG_MS = 30_000;

export interface FaultSpec {
  /** Share of requests answered 503 `unavailable`, before any effect. */
  unavailable?: number;
  /** Share answered 429 `resource_exhausted` with `Retry-After: 1`, before any effect. */
  resourceExhausted?: number;
  /** Share whose connection is destroyed after the request took effect: the client never hears back. */
  reset?: number;
  /**
   * Share answered with a body that never ends, streamed until the client goes away: half are a 200 after
   * the request took effect, half a 503 before any effect.
   */
  endlessBody?: number;
  /** Share answered 429 `resource_exhausted` with `Retry-After: 999999`, before any effect. */
  hugeRetryAfter?: number;
  /**
   * GetConfig only (ignored elsewhere): share whose answer carries a `hash` of HASH_BOMB_CHARS characters,
   * streamed. The request takes effect as usual.
   */
  hashBomb?: number;
  /**
   * Share held with no answer for `hangMs`; then, half each, the request takes effect and is answered if
   * the client is still connected (nothing happens if it has gone), or the connection is closed unanswered
   * and without effect.
   */
  hang?: number;
  /** Default DEFAULT_HANG_MS. */
  hangMs?: number;
  /** Extra latency drawn uniformly from [min, max] ms. */
  latencyMs?: readonly [number, number];
  /** The first N requests naming each collector are answered 503 `unavailable`, whatever the draws. */
  failFirst?: number;
}

export type FaultPlan = Partial<Record<EmulatedMethod, FaultSpec>>;

export type FaultKind =
  "unavailable" | "resource_exhausted" | "reset" | "endless_body" | "huge_retry_after" | "hash_bomb" | "hang";

export type FaultDraw =
  | { readonly fault?: Exclude<FaultKind, "endless_body" | "hang">; readonly latencyMs: number }
  | { readonly fault: "endless_body"; readonly status: 200 | 503; readonly latencyMs: number }
  | {
      readonly fault: "hang";
      readonly hangMs: number;
      readonly then: "answer" | "close";
      readonly latencyMs: number;
    };

/** The kinds drawn from one uniform number, in this order (new kinds go last, so old seeds draw the same). */
const DRAWN: readonly (readonly [FaultKind, keyof FaultSpec])[] = [
  ["unavailable", "unavailable"],
  ["resource_exhausted", "resourceExhausted"],
  ["reset", "reset"],
  ["endless_body", "endlessBody"],
  ["huge_retry_after", "hugeRetryAfter"],
  ["hash_bomb", "hashBomb"],
  ["hang", "hang"],
];

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
    let fault: FaultKind | undefined;
    let upTo = 0;
    for (const [kind, field] of DRAWN) {
      if (kind === "hash_bomb" && method !== "GetConfig") continue;
      upTo += (spec[field] as number | undefined) ?? 0;
      if (r < upTo) {
        fault = kind;
        break;
      }
    }
    const [min, max] = spec.latencyMs ?? [0, 0];
    const latencyMs = max > 0 ? min + random() * (max - min) : 0;
    if (fault === "endless_body") return { fault, status: random() < 0.5 ? 200 : 503, latencyMs };
    if (fault === "hang")
      return {
        fault,
        hangMs: spec.hangMs ?? DEFAULT_HANG_MS,
        then: random() < 0.5 ? "answer" : "close",
        latencyMs,
      };
    return fault ? { fault, latencyMs } : { latencyMs };
  };
}
