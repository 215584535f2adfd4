/**
 * Per-collector randomness that is a pure function of the collector ID (docs/signals.md: values are
 * deterministic functions of collector, series and time, and distinct between peers).
 */
import { hash } from "node:crypto";
import type { Random } from "../core/clock.js";

/**
 * Lowercase SHA-256 hex of a string: the `hash` label of `alloy_config_hash`
 * (docs/signals.md#alloy_config_hash).
 */
export function sha256Hex(text: string): string {
  return hash("sha256", text, "hex");
}

/**
 * The generator, seeded with 128 bits of SHA-256(id). core's mulberry32 takes a 32-bit seed, so among
 * 10,000 collectors two would share a stream with a probability near 1 %; sfc32 over four digest words
 * makes that negligible. The `salt` keeps streams used for different purposes independent.
 *
 * There is one generator, and seeding restarts it: draw one collector's numbers before seeding for the
 * next (createValueWriter does). A closure per collector cost more to create and optimise than the draws.
 */
export function seedRandom(id: string, salt: string): Random {
  const digest = hash("sha256", `${salt}\0${id}`, "buffer");
  // Kept as 32-bit integers: sfc32 only adds, shifts and xors them, all modulo 2^32.
  sfc[0] = digest.readInt32LE(0);
  sfc[1] = digest.readInt32LE(4);
  sfc[2] = digest.readInt32LE(8);
  sfc[3] = digest.readInt32LE(12);
  // The first outputs of sfc32 still correlate with the seed words; discard them as its author advises.
  for (let i = 0; i < 12; i++) nextSfc32();
  return nextSfc32;
}

/** sfc32's state: a, b, c, d. */
const sfc = new Int32Array(4);

/** sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG), public domain. */
function nextSfc32(): number {
  const a = sfc[0]!;
  const b = sfc[1]!;
  const c = sfc[2]!;
  const d = sfc[3]!;
  const t = (((a + b) | 0) + d) | 0;
  sfc[3] = (d + 1) | 0;
  sfc[0] = b ^ (b >>> 9);
  sfc[1] = (c + (c << 3)) | 0;
  sfc[2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return (t >>> 0) / 4294967296;
}

/** A uniform number in [lo, hi). */
export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** A uniform integer in [lo, hi]. */
export function uniformInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor((hi - lo + 1) * random());
}
