/**
 * Pre-compressed frames: a list of series' TimeSeries records (the frame encode.ts builds, with an empty
 * sample slot per series; one collector's series, or several collectors' in a row) compressed once into a snappy fragment (snappy-frame.ts) in which every
 * sample's 8 value bytes sit inside a literal. A request is then assembled by copying fragments after a
 * preamble and writing the values straight into the compressed bytes: no compression per tick, and the
 * receiver inflates exactly the bytes the uncompressed frame would have been.
 *
 * The timestamp varint is the same in every sample of a request, so its bytes are "tied"
 * (snappy-frame.ts): later samples copy them from the first, and only a few literal bytes per fragment
 * need the timestamp written.
 */
import type { Series } from "../signals/types.js";
import { createSeriesTemplate, STALE_NAN_BITS, type SeriesFrame } from "./encode.js";
import { varintSize, writeVarint } from "./proto-writer.js";
import { uncompressBlock } from "./snappy.js";
import { compressFragment, type CompressedFragment } from "./snappy-frame.js";

/** Records as a self-contained snappy fragment, for timestamps of one varint width. */
export interface CompressedFrame {
  /** Snappy elements (no preamble). */
  readonly bytes: Uint8Array;
  /** Bytes the records take once inflated. */
  readonly rawLength: number;
  /** Where series i's 8 little-endian value bytes go in `bytes`. */
  readonly valueOffsets: Uint32Array;
  /**
   * The literal bytes that hold the timestamp: entry e gets byte `e & 15` of the timestamp varint at
   * `bytes[e >>> 4]`. Every other timestamp byte is a copy of one of these.
   */
  readonly timestampPatches: Uint32Array;
  readonly timestampWidth: number;
}

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
  /** Bytes the cached frame's arrays take. */
  memoryBytes(): number;
}

/** The timestamp width of every ms timestamp from 2004 to 2109: built at once, others on demand. */
const PRESENT_WIDTH = varintSize(Date.UTC(2026, 0, 1));

/** Throws, as encode.ts encodeLabels does, when a series' labels are unsorted or repeated. */
export function createCompressedTemplate(series: readonly Series[]): CompressedTemplate {
  return templateOf(compressSeriesFrame(createSeriesTemplate(series).frame(PRESENT_WIDTH)));
}

/**
 * One template over several lists of series in a row (several collectors'), their series numbered one
 * list after another. Each list is encoded on its own and the records joined in a reused buffer, so
 * building many templates leaves only small buffers behind for the collector.
 */
export function createJoinedTemplate(lists: readonly (readonly Series[])[]): CompressedTemplate {
  return templateOf(
    compressSeriesFrames(lists.map((series) => createSeriesTemplate(series).frame(PRESENT_WIDTH))),
  );
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
    this.seriesCount = initial.valueOffsets.length;
  }

  frame(width: number): CompressedFrame {
    if (this.cached.timestampWidth !== width)
      this.cached = compressSeriesFrame(
        uncompressedRecords(this.cached, 0, this.cached.valueOffsets.length, width),
      );
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
    return writeFrameStale(out, at, this.frame(timestamp.length), timestamp);
  }

  memoryBytes(): number {
    const f = this.cached;
    return f.bytes.byteLength + f.valueOffsets.byteLength + f.timestampPatches.byteLength;
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
  const offsets = frame.valueOffsets;
  for (let i = 0; i < offsets.length; i++) view.setFloat64(at + offsets[i]!, values[offset + i]!, true);
  writeTimestamp(out, at, frame.timestampPatches, timestamp);
  return frame.bytes.length;
}

/** As writeFrameSamples, with the stale marker as every series' value. */
export function writeFrameStale(
  out: Uint8Array,
  at: number,
  frame: CompressedFrame,
  timestamp: Uint8Array,
): number {
  out.set(frame.bytes, at);
  const offsets = frame.valueOffsets;
  for (let i = 0; i < offsets.length; i++) out.set(STALE_NAN_LE, at + offsets[i]!);
  writeTimestamp(out, at, frame.timestampPatches, timestamp);
  return frame.bytes.length;
}

function writeTimestamp(out: Uint8Array, at: number, patches: Uint32Array, timestamp: Uint8Array): void {
  for (let i = 0; i < patches.length; i++) {
    const e = patches[i]!;
    out[at + (e >>> 4)] = timestamp[e & 15]!;
  }
}

/** The little-endian bytes of the stale marker, written as bytes so no NaN passes through a number. */
const STALE_NAN_LE = (() => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, STALE_NAN_BITS, true);
  return bytes;
})();

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
  const frame = template.frame(timestampWidth);
  return templateOf(compressSeriesFrame(uncompressedRecords(frame, first, count, timestampWidth)));
}

/** Reused to join frames: as large as the largest joined frame so far. */
let joined = new Uint8Array(0);

/** Compresses the records of plain frames of one timestamp width, one frame after another, as one fragment. */
export function compressSeriesFrames(frames: readonly SeriesFrame[]): CompressedFrame {
  if (frames.length === 1) return compressSeriesFrame(frames[0]!);
  let length = 0;
  let series = 0;
  for (const frame of frames) {
    if (frame.compact) throw new Error("compressSeriesFrames needs plain frames, not compact ones");
    if (frame.timestampWidth !== frames[0]!.timestampWidth)
      throw new RangeError("frames of different timestamp widths cannot be joined");
    length += frame.length;
    series += frame.valueOffsets.length;
  }
  if (joined.length < length) joined = new Uint8Array(Math.max(length, 2 * joined.length));
  const valueOffsets = new Uint32Array(series);
  let at = 0;
  let i = 0;
  for (const frame of frames) {
    joined.set(frame.bytes.subarray(0, frame.length), at);
    for (const v of frame.valueOffsets) valueOffsets[i++] = at + v;
    at += frame.length;
  }
  return compressSeriesFrame({
    bytes: joined.subarray(0, length),
    compact: false,
    length,
    valueOffsets,
    timestampWidth: frames[0]?.timestampWidth ?? PRESENT_WIDTH,
  });
}

/** Reused for the (start, length) runs of every frame compressed. */
let runs = new Uint32Array(0);

/** Compresses an uncompressed frame from encode.ts (a plain one: its bytes are the records). */
export function compressSeriesFrame(frame: SeriesFrame): CompressedFrame {
  if (frame.compact) throw new Error("compressSeriesFrame needs a plain frame, not a compact one");
  const width = frame.timestampWidth;
  if (width > 10) throw new RangeError(`a timestamp varint takes at most 10 bytes, got ${width}`);
  const series = frame.valueOffsets.length;
  if (runs.length < 4 * series) runs = new Uint32Array(4 * series);
  const variable = runs.subarray(0, 2 * series);
  const tied = runs.subarray(2 * series, 4 * series);
  frame.valueOffsets.forEach((v, i) => {
    variable[2 * i] = v;
    variable[2 * i + 1] = 8;
    tied[2 * i] = v + 9;
    tied[2 * i + 1] = width;
  });
  const fragment = compressFragment(frame.bytes, { variable, tied });
  return { ...locate(fragment, frame.valueOffsets, width), timestampWidth: width };
}

/** Maps the raw value and timestamp positions to where they sit in the fragment's literals. */
function locate(
  fragment: CompressedFragment,
  rawValueOffsets: Uint32Array,
  width: number,
): Omit<CompressedFrame, "timestampWidth"> {
  const { literals } = fragment;
  const count = literals.length / 3;
  const valueOffsets = new Uint32Array(rawValueOffsets.length);
  const patches: number[] = [];
  let l = 0;
  /** The fragment position of raw byte r if it is in a literal, else -1; r must not decrease. */
  const find = (r: number): number => {
    while (l < count && literals[3 * l + 1]! <= r) l++;
    return l < count && literals[3 * l]! <= r ? literals[3 * l + 2]! + r - literals[3 * l]! : -1;
  };
  rawValueOffsets.forEach((v, i) => {
    const at = find(v);
    // snappy-frame.ts keeps variable bytes in literals and literals whole, so this cannot happen.
    if (at < 0 || find(v + 7) !== at + 7) throw new Error(`value ${i} is not inside one literal`);
    valueOffsets[i] = at;
    for (let k = 0; k < width; k++) {
      const t = find(v + 9 + k);
      if (t >= 0) patches.push(t * 16 + k);
    }
  });
  return {
    bytes: fragment.bytes,
    rawLength: fragment.rawLength,
    valueOffsets,
    timestampPatches: Uint32Array.from(patches),
  };
}

/** Compresses fixed bytes (encode.ts encodeMetadata's records) into a fragment. */
export function compressBlockFragment(raw: Uint8Array): CompressedBlock {
  const { bytes, rawLength } = compressFragment(raw);
  return { bytes, rawLength };
}

// The records' tag bytes, as encode.ts lays them out: TimeSeries (WriteRequest field 1, LEN), samples
// (TimeSeries field 2, LEN), Sample.value (field 1, I64) and Sample.timestamp (field 2, VARINT).
const TAG_TIMESERIES = 0x0a;
const TAG_SAMPLES = 0x12;
const TAG_SAMPLE_VALUE = 0x09;
const TAG_SAMPLE_TIMESTAMP = 0x10;

/** The records of `frame`, inflated, with where each starts (and, last, where the last one ends). */
function recordsOf(frame: CompressedFrame): { raw: Uint8Array; starts: Uint32Array } {
  const preamble = new Uint8Array(10);
  const preambleLength = writeVarint(preamble, 0, frame.rawLength);
  const block = new Uint8Array(preambleLength + frame.bytes.length);
  block.set(preamble.subarray(0, preambleLength));
  block.set(frame.bytes, preambleLength);
  const raw = uncompressBlock(block);
  const series = frame.valueOffsets.length;
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

/**
 * The uncompressed frame of records `first .. first + count` of `frame`, laid out for timestamps of
 * `width` bytes: each record's labels kept, its sample slot written afresh.
 */
function uncompressedRecords(
  frame: CompressedFrame,
  first: number,
  count: number,
  width: number,
): SeriesFrame {
  const { raw, starts } = recordsOf(frame);
  const slotFrom = 2 + 1 + 8 + 1 + frame.timestampWidth;
  const bytes = new Uint8Array(starts[first + count]! - starts[first]! + count * (10 + width));
  const valueOffsets = new Uint32Array(count);
  let w = 0;
  for (let i = 0; i < count; i++) {
    const start = starts[first + i]!;
    const end = starts[first + i + 1]!;
    let labelsStart = start + 1;
    while (raw[labelsStart]! & 0x80) labelsStart++;
    labelsStart++;
    const labels = raw.subarray(labelsStart, end - slotFrom);
    bytes[w++] = TAG_TIMESERIES;
    w = writeVarint(bytes, w, labels.length + 2 + 10 + width);
    bytes.set(labels, w);
    w += labels.length;
    bytes[w++] = TAG_SAMPLES;
    bytes[w++] = 10 + width;
    bytes[w++] = TAG_SAMPLE_VALUE;
    valueOffsets[i] = w;
    w += 8;
    bytes[w++] = TAG_SAMPLE_TIMESTAMP;
    w += width;
  }
  return { bytes: bytes.slice(0, w), compact: false, length: w, valueOffsets, timestampWidth: width };
}
