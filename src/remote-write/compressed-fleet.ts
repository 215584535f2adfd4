/**
 * A fleet's pre-compressed frames (compressed-template.ts), several collectors to a fragment.
 *
 * A fragment may only copy from its own bytes, so every label name, metric name and label value it
 * holds costs a literal the first time it appears in it. One collector's 29 series alone compress to
 * about twice the size snappy reaches over a whole request (where a collector copies those strings from
 * its neighbours); a fragment of 16 consecutive collectors pays for them once per 16 and lands within
 * about 1.2× of it (bench/rw-frames.ts measures both).
 *
 * A fragment is used whole only when a request carries all its collectors; for any other subset (stale
 * markers for a few collectors, a retry of some) each collector gets a fragment of its own, cut from the
 * shared one on first use. Either way the bytes on the wire inflate to the same records.
 */
import type { Series } from "../signals/types.js";
import { createJoinedTemplate, sliceTemplate, type CompressedTemplate } from "./compressed-template.js";

/**
 * Collectors per shared fragment. Measured on a 2,000-collector fleet against snappy over whole requests:
 * 1 gives 2.09× its size, 8 gives 1.25×, 16 gives 1.19×, 32 gives 1.16×; past 16 little is left to win.
 */
export const DEFAULT_COLLECTORS_PER_FRAGMENT = 16;

export interface CompressedFleetOptions {
  collectorsPerFragment?: number;
}

/** A run of collectors that travel as one fragment. */
export interface FramePiece {
  /** The fragment: its series are the collectors' series, one collector after another. */
  readonly template: CompressedTemplate;
  /** The collectors, as positions `start .. end` in the list given to cover(). */
  readonly start: number;
  readonly end: number;
  /** The first collector's index: the piece's values start where that collector's do. */
  readonly firstCollector: number;
}

export interface CompressedFleet {
  readonly collectorCount: number;
  /** Series of collector i. */
  seriesCount(collector: number): number;
  /**
   * Pieces covering `collectors` (indices, in the order given) in that order: a shared fragment where
   * consecutive entries are all of its collectors in order, a collector's own fragment elsewhere.
   */
  cover(collectors: readonly number[], timestampWidth?: number): FramePiece[];
  /** Bytes the fragments take in memory (shared and cut ones), offsets included. */
  memoryBytes(): number;
}

/** Throws, as encode.ts encodeLabels does, when a series' labels are unsorted or repeated. */
export function createCompressedFleet(
  collectors: readonly (readonly Series[])[],
  options: CompressedFleetOptions = {},
): CompressedFleet {
  const size = options.collectorsPerFragment ?? DEFAULT_COLLECTORS_PER_FRAGMENT;
  if (!(Number.isInteger(size) && size >= 1))
    throw new RangeError(`collectorsPerFragment must be a positive integer, got ${size}`);
  const counts = Uint32Array.from(collectors, (series) => series.length);
  const shared: CompressedTemplate[] = [];
  for (let first = 0; first < collectors.length; first += size)
    shared.push(createJoinedTemplate(collectors.slice(first, first + size)));
  const own = new Map<number, CompressedTemplate>();

  /** Collector i's own fragment, cut from its shared one the first time it is asked for. */
  const ownTemplate = (i: number, width: number | undefined): CompressedTemplate => {
    let template = own.get(i);
    if (!template) {
      const group = Math.floor(i / size);
      let first = 0;
      for (let k = group * size; k < i; k++) first += counts[k]!;
      template = sliceTemplate(shared[group]!, first, counts[i]!, width);
      own.set(i, template);
    }
    return template;
  };

  return {
    collectorCount: collectors.length,
    seriesCount: (i) => counts[i]!,
    cover(list, timestampWidth) {
      const pieces: FramePiece[] = [];
      let k = 0;
      while (k < list.length) {
        const i = list[k]!;
        if (!(Number.isInteger(i) && i >= 0 && i < collectors.length))
          throw new RangeError(`no collector ${i} in a fleet of ${collectors.length}`);
        const group = Math.floor(i / size);
        const members = Math.min(size, collectors.length - group * size);
        let whole = i === group * size && k + members <= list.length;
        for (let m = 1; whole && m < members; m++) whole = list[k + m] === i + m;
        if (whole) {
          pieces.push({ template: shared[group]!, start: k, end: k + members, firstCollector: i });
          k += members;
        } else {
          pieces.push({ template: ownTemplate(i, timestampWidth), start: k, end: k + 1, firstCollector: i });
          k++;
        }
      }
      return pieces;
    },
    memoryBytes() {
      let bytes = 0;
      for (const t of shared) bytes += t.memoryBytes();
      for (const t of own.values()) bytes += t.memoryBytes();
      return bytes;
    },
  };
}
