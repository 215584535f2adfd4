/**
 * Pre-compressed frames: a list of series' TimeSeries records (one collector's series, or several
 * collectors' in a row), each with an empty sample slot, compressed once into a snappy fragment
 * (snappy-frame.ts, frame-tokens.ts) in which every sample's 8 value bytes sit inside a literal. A request
 * is assembled by copying fragments after a preamble and writing the values straight into the compressed
 * bytes: no compression per tick, and the receiver inflates exactly the records an uncompressed encoder
 * would have written (encode.ts encodeWriteRequest).
 *
 * The timestamp varint is the same in every sample of a request, so later samples copy it from the
 * first, and only a few literal bytes per fragment need the timestamp written.
 */
import type { Series, SeriesLabels } from "../signals/types.js";
import { STALE_NAN_BITS } from "./encode.js";
import { FrameTokens, TAG_SAMPLES, TAG_TIMESERIES, type CompressedFrame } from "./frame-tokens.js";
import { varintSize, writeVarint } from "./proto-writer.js";
import { compressBlock, uncompressBlock } from "./snappy.js";

export type { CompressedFrame };

/** Metadata records (or any fixed bytes) as a self-contained fragment. */
export interface CompressedBlock {
  readonly bytes: Uint8Array;
  readonly rawLength: number;
}

/** The pre-compressed encoding of a fixed list of series. */
export interface CompressedTemplate {
  readonly seriesCount: number;
  /** The fragment for timestamps whose varint takes `timestampWidth` bytes. */
  frame(timestampWidth: number): CompressedFrame;
  /**
   * Writes the fragment at `out[at]` with series i valued `values[offset + i]` and the timestamp
   * varint `timestamp` (whose length picks the frame); returns the bytes written. `out` needs room for
   * frame(timestamp.length).bytes.length bytes.
   */
  writeSamples(
    out: Uint8Array,
    at: number,
    values: Float64Array,
    offset: number,
    timestamp: Uint8Array,
  ): number;
  /** As writeSamples, with the stale marker as every series' value. */
  writeStale(out: Uint8Array, at: number, timestamp: Uint8Array): number;
  /**
   * Takes `bytes`, a copy of the frame's fragment for timestamps of `timestampWidth` bytes that lives on
   * elsewhere (a request body, compressed-request.ts shareFrames()), as that frame's fragment from now on,
   * so the two copies are one. Whatever is written at its value and timestamp places later does not matter:
   * every use of a fragment writes its own there.
   */
  share(bytes: Uint8Array, timestampWidth: number): void;
}

/** The timestamp width of every ms timestamp from 2004 to 2109: frames are built for it, others on demand. */
export const PRESENT_WIDTH = varintSize(Date.UTC(2026, 0, 1));

/** Bytes a sample timestamp's varint takes: the frame width a request at `timestampMs` uses. */
export function timestampWidthOf(timestampMs: number): number {
  return varintSize(timestampMs);
}

/** Throws, as encode.ts encodeLabels does, when a series' labels are unsorted or repeated. */
export function createCompressedTemplate(series: readonly Series[]): CompressedTemplate {
  return createJoinedTemplate([series]);
}

/** One template over several lists of series in a row (several collectors'), numbered one after another. */
export function createJoinedTemplate(lists: readonly (readonly Series[])[]): CompressedTemplate {
  const tokens = new FrameTokens(PRESENT_WIDTH);
  for (const series of lists) for (const s of series) tokens.addSeries(s.labels);
  return templateOf(tokens.compress());
}

/** One template over several collectors' series in a row, from their unmerged labels. */
export function createCollectorsTemplate(
  collectors: readonly SeriesLabels[],
  tokens = new FrameTokens(PRESENT_WIDTH),
): CompressedTemplate {
  for (const labels of collectors) tokens.addCollector(labels);
  return templateOf(tokens.compress());
}

/**
 * A template over an already compressed frame. It keeps only the fragment: a frame for another
 * timestamp width is rebuilt from the fragment itself, so the series' label structures need not stay
 * alive.
 */
export function templateOf(initial: CompressedFrame): CompressedTemplate {
  return new FrameTemplate(initial);
}

/**
 * A class rather than closures: every template shares one set of methods, so V8 optimises the per-tick
 * code once for all of them instead of warming up a copy per template.
 */
class FrameTemplate implements CompressedTemplate {
  readonly seriesCount: number;
  private cached: CompressedFrame;

  constructor(initial: CompressedFrame) {
    this.cached = initial;
    this.seriesCount = initial.valueGaps.length;
  }

  frame(width: number): CompressedFrame {
    if (this.cached.timestampWidth !== width)
      this.cached = recompress(this.cached, range(0, this.seriesCount), width);
    return this.cached;
  }

  writeSamples(
    out: Uint8Array,
    at: number,
    values: Float64Array,
    offset: number,
    timestamp: Uint8Array,
  ): number {
    return writeFrameSamples(out, viewOf(out), at, this.frame(timestamp.length), values, offset, timestamp);
  }

  writeStale(out: Uint8Array, at: number, timestamp: Uint8Array): number {
    return writeFrameStale(out, viewOf(out), at, this.frame(timestamp.length), timestamp);
  }

  share(bytes: Uint8Array, timestampWidth: number): void {
    const f = this.cached;
    if (f.timestampWidth !== timestampWidth || bytes.length !== f.bytes.length)
      throw new RangeError(`a ${bytes.length}-byte copy is not this template's ${timestampWidth}-byte frame`);
    // Written out in frameOf's order (frame-tokens.ts), not spread: one object shape for every frame, so the
    // per-tick writers that read them stay optimised.
    this.cached = {
      bytes,
      rawLength: f.rawLength,
      valueGaps: f.valueGaps,
      timestampPatches: f.timestampPatches,
      timestampWidth: f.timestampWidth,
    };
  }
}

/**
 * Writes `frame` at `out[at]` (`view` over the same bytes) with series i valued `values[offset + i]` and
 * the timestamp varint `timestamp` (frame.timestampWidth bytes); returns the bytes written.
 */
export function writeFrameSamples(
  out: Uint8Array,
  view: DataView,
  at: number,
  frame: CompressedFrame,
  values: Float64Array,
  offset: number,
  timestamp: Uint8Array,
): number {
  out.set(frame.bytes, at);
  writeFrameValues(view, at, frame, values, offset);
  writeFrameTimestamp(out, at, frame, timestamp);
  return frame.bytes.length;
}

/**
 * Series i's value `values[offset + i]` at its place in a copy of `frame` at `view`'s byte `at`: the one
 * per-sample step of a tick, so four to an iteration (bench/rw-frames.ts times it against copying the
 * same bytes).
 */
export function writeFrameValues(
  view: DataView,
  at: number,
  frame: CompressedFrame,
  values: Float64Array,
  offset: number,
): void {
  const gaps = frame.valueGaps;
  const n = gaps.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    view.setFloat64((at += gaps[i]!), values[offset + i]!, true);
    view.setFloat64((at += gaps[i + 1]!), values[offset + i + 1]!, true);
    view.setFloat64((at += gaps[i + 2]!), values[offset + i + 2]!, true);
    view.setFloat64((at += gaps[i + 3]!), values[offset + i + 3]!, true);
  }
  for (; i < n; i++) view.setFloat64((at += gaps[i]!), values[offset + i]!, true);
}

/** As writeFrameSamples, with the stale marker as every series' value. */
export function writeFrameStale(
  out: Uint8Array,
  view: DataView,
  at: number,
  frame: CompressedFrame,
  timestamp: Uint8Array,
): number {
  out.set(frame.bytes, at);
  const gaps = frame.valueGaps;
  // As two 32-bit halves, so no NaN passes through a number (which may change its payload).
  for (let i = 0, q = at; i < gaps.length; i++) {
    view.setUint32((q += gaps[i]!), STALE_LOW, true);
    view.setUint32(q + 4, STALE_HIGH, true);
  }
  writeFrameTimestamp(out, at, frame, timestamp);
  return frame.bytes.length;
}

/** The timestamp varint `timestamp` (frame.timestampWidth bytes) into a copy of `frame` at `out[at]`. */
export function writeFrameTimestamp(
  out: Uint8Array,
  at: number,
  frame: CompressedFrame,
  timestamp: Uint8Array,
): void {
  const patches = frame.timestampPatches;
  for (let i = 0; i < patches.length; i++) {
    const e = patches[i]!;
    out[at + (e >>> 4)] = timestamp[e & 15]!;
  }
}

/** The stale marker's low and high 32 bits. */
const STALE_LOW = Number(STALE_NAN_BITS & 0xffffffffn);
const STALE_HIGH = Number(STALE_NAN_BITS >> 32n);

/** One DataView per output buffer, not one per call. */
let lastView: DataView | undefined;
let lastViewOf: Uint8Array | undefined;
function viewOf(out: Uint8Array): DataView {
  if (lastViewOf !== out) {
    lastView = new DataView(out.buffer, out.byteOffset, out.byteLength);
    lastViewOf = out;
  }
  return lastView!;
}

/**
 * A template of series `first .. first + count` of `template` (e.g. one collector out of a fragment that
 * holds several), built from the fragment's own bytes.
 */
export function sliceTemplate(
  template: CompressedTemplate,
  first: number,
  count: number,
  timestampWidth = PRESENT_WIDTH,
): CompressedTemplate {
  if (!(first >= 0 && count >= 0 && first + count <= template.seriesCount))
    throw new RangeError(
      `series ${first}..${first + count} are not all in a template of ${template.seriesCount}`,
    );
  return templateOf(recompress(template.frame(timestampWidth), range(first, first + count), timestampWidth));
}

/** A template of the series `indices` (increasing) of `template`, built from the fragment's own bytes. */
export function selectSeries(template: CompressedTemplate, indices: readonly number[]): CompressedTemplate {
  for (let k = 0; k < indices.length; k++)
    if (!(
      indices[k]! >= 0 &&
      indices[k]! < template.seriesCount &&
      (k === 0 || indices[k]! > indices[k - 1]!)
    ))
      throw new RangeError(
        `series ${indices.join(",")} are not increasing series of a template of ${template.seriesCount}`,
      );
  return templateOf(recompress(template.frame(PRESENT_WIDTH), indices, PRESENT_WIDTH));
}

/**
 * The series of `before` whose labels no series of `after` has (an upgrade's retired alloy_build_info),
 * as a template of their own; undefined when every one is still there.
 */
export function vanishedSeries(
  before: CompressedTemplate,
  after: CompressedTemplate,
): CompressedTemplate | undefined {
  const old = recordsOf(before.frame(PRESENT_WIDTH));
  const now = recordsOf(after.frame(PRESENT_WIDTH));
  const kept = new Set<string>();
  for (let i = 0; i < now.starts.length - 1; i++) kept.add(labelBytesOf(now, i));
  const vanished: number[] = [];
  for (let i = 0; i < old.starts.length - 1; i++) if (!kept.has(labelBytesOf(old, i))) vanished.push(i);
  if (vanished.length === 0) return undefined;
  const tokens = new FrameTokens(PRESENT_WIDTH);
  tokens.addRecords(old.raw, old.starts, vanished);
  return templateOf(tokens.compress());
}

/** Fixed bytes (encode.ts encodeMetadata's records) as a fragment: a snappy block without its preamble. */
export function compressBlockFragment(raw: Uint8Array): CompressedBlock {
  const block = compressBlock(raw);
  let preamble = 0;
  while (block[preamble]! & 0x80) preamble++;
  return { bytes: block.slice(preamble + 1), rawLength: raw.length };
}

/** Records `indices` of `frame`, each with a fresh sample slot for timestamps of `width` bytes. */
function recompress(frame: CompressedFrame, indices: Iterable<number>, width: number): CompressedFrame {
  const { raw, starts } = recordsOf(frame);
  const tokens = new FrameTokens(width);
  tokens.addRecords(raw, starts, indices);
  return tokens.compress();
}

function* range(from: number, to: number): Iterable<number> {
  for (let i = from; i < to; i++) yield i;
}

interface Records {
  readonly raw: Uint8Array;
  /** Where each record starts, and last where the last one ends. */
  readonly starts: Uint32Array;
}

/** The records of `frame`, inflated, with where each starts. */
function recordsOf(frame: CompressedFrame): Records {
  const preamble = new Uint8Array(10);
  const preambleLength = writeVarint(preamble, 0, frame.rawLength);
  const block = new Uint8Array(preambleLength + frame.bytes.length);
  block.set(preamble.subarray(0, preambleLength));
  block.set(frame.bytes, preambleLength);
  const raw = uncompressBlock(block);
  const series = frame.valueGaps.length;
  const starts = new Uint32Array(series + 1);
  let r = 0;
  for (let i = 0; i < series; i++) {
    if (raw[r] !== TAG_TIMESERIES) throw new Error(`frame record ${i} does not start a TimeSeries`);
    starts[i] = r;
    let length = 0;
    let scale = 1;
    let p = r + 1;
    for (; raw[p]! & 0x80; p++, scale *= 128) length += (raw[p]! & 0x7f) * scale;
    length += raw[p]! * scale;
    r = p + 1 + length;
  }
  starts[series] = r;
  if (r !== raw.length) throw new Error("frame has bytes after its last record");
  return { raw, starts };
}

/** Record i's label records, as a string of their bytes (equal labels, equal strings). */
function labelBytesOf(records: Records, i: number): string {
  const { raw, starts } = records;
  let p = starts[i]! + 1;
  while (raw[p]! & 0x80) p++;
  const from = ++p;
  // Label fields (tag 0x0a) until the sample's (0x12).
  while (raw[p] === TAG_TIMESERIES) {
    let length = 0;
    let scale = 1;
    let q = p + 1;
    for (; raw[q]! & 0x80; q++, scale *= 128) length += (raw[q]! & 0x7f) * scale;
    p = q + 1 + length + raw[q]! * scale;
  }
  if (raw[p] !== TAG_SAMPLES) throw new Error(`frame record ${i} has no sample after its labels`);
  return Buffer.from(raw.buffer, raw.byteOffset + from, p - from).toString("latin1");
}
