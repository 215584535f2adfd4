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
 * A generator seeded with 128 bits of SHA-256(id). core's mulberry32 takes a 32-bit seed, so among 10,000
 * collectors two would share a stream with a probability near 1 %; sfc32 over four digest words makes that
 * negligible. The `salt` keeps streams used for different purposes independent.
 */
export function randomForId(id: string, salt: string): Random {
  const digest = hash("sha256", `${salt}\0${id}`, "buffer");
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next: Random = () => {
    // sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG), public domain.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of sfc32 still correlate with the seed words; discard them as its author advises.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform number in [lo, hi). */
export function uniform(random: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

/** A uniform integer in [lo, hi]. */
export function uniformInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor((hi - lo + 1) * random());
}
