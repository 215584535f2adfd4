/**
 * A fleet's pre-compressed frames (compressed-template.ts), several collectors to a fragment.
 *
 * A fragment may only copy from its own bytes, so every label name, metric name and label value it
 * holds costs a literal the first time it appears in it. One collector's 29 series alone compress to
 * about twice the size snappy reaches over a whole request (where a collector copies those strings from
 * its neighbours); a group of 16 consecutive collectors pays for them once per 16 and lands close to it
 * (bench/rw-frames.ts measures both).
 *
 * A group's fragment is used whole when a request carries all its collectors in order, of one kind
 * (samples or stale markers). Any other run of its collectors (a crashed collector's neighbours, stale
 * markers for a few) gets a fragment cut from the group's records when first needed and kept for the
 * next ticks, which usually carry the same run. Either way the bytes on the wire inflate to the same
 * records.
 */
import type { SeriesLabels } from "../signals/types.js";
import {
  createCollectorsTemplate,
  PRESENT_WIDTH,
  selectSeries,
  type CompressedTemplate,
} from "./compressed-template.js";
import { FrameTokens } from "./frame-tokens.js";

/**
 * Collectors per group. On a 2,000-collector fleet the frames take 1.23× the bytes of snappy over whole
 * requests with groups of 16, 1.18× with 32 and 1.16× with 64 (bench/rw-frames.ts); a group is also the
 * unit that is cut again when some of its collectors drop out.
 */
export const DEFAULT_COLLECTORS_PER_GROUP = 32;

/** Consecutive collectors whose series share one fragment. */
export interface FrameGroup {
  /** Collectors in the group. */
  readonly size: number;
  /** Every member's series, one member after another. */
  readonly whole: CompressedTemplate;
  seriesCount(member: number): number;
  /**
   * Where each member's series start among the group's (member m's are `seriesStart[m] ..
   * seriesStart[m + 1]`), so a tick finds a member's values without a call per member.
   */
  readonly seriesStart: Uint32Array;
  /**
   * The series of `members` (increasing member numbers): `whole` for all of them, else a fragment cut
   * from it, kept for the next calls (one per member alone, and the last two runs of several).
   */
  template(members: readonly number[]): CompressedTemplate;
}

/** One collector's place in a group. */
export interface FrameRef {
  readonly group: FrameGroup;
  readonly member: number;
}

export interface FrameGroupOptions {
  collectorsPerGroup?: number;
}

/**
 * The frames of `collectors`, in groups of consecutive ones; returns each collector's place. Throws
 * (frame-tokens.ts) when a series' labels are unsorted or repeated.
 */
export function buildFrameGroups(
  collectors: readonly SeriesLabels[],
  options: FrameGroupOptions = {},
): FrameRef[] {
  return buildFrameGroupsOf(collectors, (labels) => labels, options);
}

/**
 * As buildFrameGroups, asking `labelsOf` for each item's labels a group at a time, so a caller that makes
 * them on demand never holds the whole fleet's label structures at once.
 */
export function buildFrameGroupsOf<T>(
  items: readonly T[],
  labelsOf: (item: T) => SeriesLabels,
  options: FrameGroupOptions = {},
): FrameRef[] {
  const size = options.collectorsPerGroup ?? DEFAULT_COLLECTORS_PER_GROUP;
  if (!(Number.isInteger(size) && size >= 1))
    throw new RangeError(`collectorsPerGroup must be a positive integer, got ${size}`);
  const refs: FrameRef[] = [];
  for (let first = 0; first < items.length; first += size) {
    const members = items.slice(first, first + size).map(labelsOf);
    // A token table per group: one for the whole fleet would keep every collector's own labels (its ID,
    // its config hash) until the end of the build, tens of MB at 10,000 collectors; re-encoding the labels
    // groups share costs far less.
    const group = createGroup(
      createCollectorsTemplate(members, new FrameTokens(PRESENT_WIDTH)),
      members.map((c) => c.own.length),
    );
    for (let member = 0; member < members.length; member++) refs.push({ group, member });
  }
  return refs;
}

/** A group of one collector over an existing template (an upgrade's new or retired series). */
export function singleFrame(template: CompressedTemplate): FrameRef {
  return { group: createGroup(template, [template.seriesCount]), member: 0 };
}

function createGroup(whole: CompressedTemplate, counts: readonly number[]): FrameGroup {
  const series = Uint32Array.from(counts);
  const firstSeries = new Uint32Array(series.length + 1);
  for (let m = 0; m < series.length; m++) firstSeries[m + 1] = firstSeries[m]! + series[m]!;
  const alone: (CompressedTemplate | undefined)[] = [];
  let recent: { key: string; template: CompressedTemplate }[] = [];
  const cut = (members: readonly number[]) =>
    selectSeries(
      whole,
      members.flatMap((m) => Array.from({ length: series[m]! }, (_, k) => firstSeries[m]! + k)),
    );
  return {
    size: series.length,
    whole,
    seriesStart: firstSeries,
    seriesCount: (member) => series[member]!,
    template(members) {
      if (members.length === series.length) return whole;
      if (members.length === 1) return (alone[members[0]!] ??= cut(members));
      const key = members.join(",");
      let found = recent.find((r) => r.key === key);
      if (!found) {
        found = { key, template: cut(members) };
        recent = [found, ...recent.slice(0, 1)];
      }
      return found.template;
    },
  };
}

/** A run of consecutive parts that travels as one fragment. */
export interface FramePiece {
  readonly template: CompressedTemplate;
  /** The parts, as positions `start .. end` in the list given to coverFrames(). */
  readonly start: number;
  readonly end: number;
}

/**
 * Pieces covering `refs` in order: each run of consecutive entries from one group, with increasing
 * members and `joinable(first, other)` between the run's first entry and each other, travels as that
 * run's fragment of the group.
 */
export function coverFrames(
  refs: readonly FrameRef[],
  joinable: (first: number, other: number) => boolean = () => true,
): FramePiece[] {
  return coverItems(refs, (ref) => ref, joinable);
}

/** As coverFrames, over items that each have a frame (`refOf`), without a list of the frames. */
export function coverItems<T>(
  items: readonly T[],
  refOf: (item: T) => FrameRef,
  joinable: (first: number, other: number) => boolean = () => true,
): FramePiece[] {
  const pieces: FramePiece[] = [];
  let k = 0;
  while (k < items.length) {
    const { group, member } = refOf(items[k]!);
    // The run is found first without a list of its members: a tick's runs are nearly all whole groups in
    // order, which need none (a tick of 10,000 collectors would otherwise build 10,000 list entries).
    let end = k + 1;
    let last = member;
    let consecutive = true;
    while (end < items.length) {
      const next = refOf(items[end]!);
      if (next.group !== group || next.member <= last || !joinable(k, end)) break;
      consecutive &&= next.member === last + 1;
      last = next.member;
      end++;
    }
    const whole = consecutive && member === 0 && end - k === group.size;
    const template = whole ? group.whole : group.template(membersOf(items, refOf, k, end));
    pieces.push({ template, start: k, end });
    k = end;
  }
  return pieces;
}

function membersOf<T>(
  items: readonly T[],
  refOf: (item: T) => FrameRef,
  start: number,
  end: number,
): number[] {
  const members: number[] = [];
  for (let i = start; i < end; i++) members.push(refOf(items[i]!).member);
  return members;
}
