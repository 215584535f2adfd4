/**
 * One fleet spread over several jobs, e.g. the legs of a GitHub Actions matrix: part i of n owns the
 * collectors at 0-based roster positions k with k mod n = i - 1. The roster is always computed whole, so
 * every part keeps the IDs (and numbering) of the whole fleet; the parts are disjoint and together they
 * are the roster. Dealing round-robin rather than in blocks spreads every OS and environment over the
 * parts. Pure.
 */
import type { Roster } from "./types.js";

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** The part of `items` that `shard` owns, in roster order. */
export function shardPart<T>(items: readonly T[], shard: Shard): T[] {
  if (!Number.isInteger(shard.count) || shard.count < 1)
    throw new RangeError(`a fleet splits into at least 1 part, not ${shard.count}`);
  if (!Number.isInteger(shard.index) || shard.index < 1 || shard.index > shard.count)
    throw new RangeError(`part ${shard.index} does not exist in ${shard.count} parts`);
  return items.filter((_, k) => k % shard.count === shard.index - 1);
}

/** The roster of one part, saying which part of how large a fleet it is; the whole roster without a shard. */
export function shardRoster(roster: Roster, shard: Shard | undefined): Roster {
  if (shard === undefined) return roster;
  return {
    ...roster,
    collectors: shardPart(roster.collectors, shard),
    shard: { index: shard.index, count: shard.count, rosterSize: roster.collectors.length },
  };
}
