/**
 * TimeSeries records (remote write 1.0; prometheus/prometheus prompb/types.proto) as token streams for
 * snappy-frame.ts, so a frame is compressed without ever being written out whole:
 *
 *   record = 0x0a len(record) | label records… | 0x12 len(sample) 0x09 | value (8) | 0x10 | timestamp
 *
 * Each label record (`0x0a len 0x0a len name 0x12 len value`) is encoded once per distinct label and
 * becomes one token; the record header, the sample's tag bytes and the timestamp varint are tokens too,
 * and the value is a variable slot. The timestamp token is patched: every sample of a request carries
 * the same timestamp, written where the token lands in a literal.
 *
 * Series come either as label lists (a collector's shared labels merged with each series' own, by name,
 * as remote write 1.0 requires: sorted, unique names) or as records already encoded (a frame cut out of
 * another, or rebuilt for another timestamp width).
 */
import type { Label, SeriesLabels } from "../signals/types.js";
import { utf8Length, varintSize, writeUtf8, writeVarint } from "./proto-writer.js";
import { compressTokens, VARIABLE, type CompressedFragment, type TokenTable } from "./snappy-frame.js";

// Tag bytes (field << 3 | wire type): WriteRequest.timeseries and TimeSeries.labels (field 1, LEN),
// TimeSeries.samples (field 2, LEN), Sample.value (field 1, I64), Sample.timestamp (field 2, VARINT),
// Label.name (field 1, LEN) and Label.value (field 2, LEN).
export const TAG_TIMESERIES = 0x0a;
const TAG_LABEL = 0x0a;
export const TAG_SAMPLES = 0x12;
const TAG_SAMPLE_VALUE = 0x09;
const TAG_SAMPLE_TIMESTAMP = 0x10;
const TAG_LABEL_NAME = 0x0a;
const TAG_LABEL_VALUE = 0x12;

/**
 * Records compressed into one fragment, with where each sample's value and timestamp bytes sit. The places
 * share one buffer of their own, so their views are off V8's heap whatever their length (V8 keeps small
 * typed arrays of their own on its heap and larger ones off it, and optimised code that saw one kind gives
 * way on the other), and the fragment's bytes can move (compressed-template.ts share()) without them.
 */
export interface CompressedFrame {
  /** Snappy elements (no preamble). */
  readonly bytes: Uint8Array;
  /** Bytes the records take once inflated. */
  readonly rawLength: number;
  /**
   * Where the series' 8 little-endian value bytes go in `bytes`, as gaps: series i's at series i - 1's
   * place plus `valueGaps[i]` (the first's at `valueGaps[0]`). Gaps take 2 bytes each (4 when a record is
   * over 64 KiB), half of what places would, and a tick reads one per sample.
   */
  readonly valueGaps: Uint16Array | Uint32Array;
  /**
   * The literal bytes that hold the timestamp: entry e gets byte `e & 15` of the timestamp varint at
   * `bytes[e >>> 4]`. Every other timestamp byte is a copy of one of these.
   */
  readonly timestampPatches: Uint32Array;
  readonly timestampWidth: number;
}

/**
 * A fragment (views into the compressor's scratch) as a frame of its own: the bytes copied out, the places
 * as gaps and patches in one buffer (see CompressedFrame).
 */
function frameOf(fragment: CompressedFragment, timestampWidth: number): CompressedFrame {
  const { bytes, rawLength, variableAt, patchedAt } = fragment;
  const patchCount = patchedAt.length * timestampWidth;
  let wide = false;
  for (let i = 0, last = 0; i < variableAt.length && !wide; last = variableAt[i++]!)
    wide = variableAt[i]! - last > 0xffff;
  const gapBytes = wide ? 4 : 2;
  const gapsAt = 4 * patchCount;
  const buffer = new ArrayBuffer(gapsAt + gapBytes * variableAt.length);
  const own = new Uint8Array(new ArrayBuffer(bytes.length));
  own.set(bytes);
  const patches = new Uint32Array(buffer, 0, patchCount);
  // Byte k of the timestamp goes to byte k of each literal that holds the patched token.
  let e = 0;
  for (const at of patchedAt) for (let k = 0; k < timestampWidth; k++) patches[e++] = (at + k) * 16 + k;
  const gaps = wide
    ? new Uint32Array(buffer, gapsAt, variableAt.length)
    : new Uint16Array(buffer, gapsAt, variableAt.length);
  for (let i = 0, last = 0; i < variableAt.length; last = variableAt[i++]!) gaps[i] = variableAt[i]! - last;
  return { bytes: own, rawLength, valueGaps: gaps, timestampPatches: patches, timestampWidth };
}

/**
 * Collects series as tokens and compresses them into frames. The label records it has encoded stay
 * shared by every frame it builds, so a fleet's common labels (cluster, job, the metric names) are
 * encoded once; drop the builder once the frames are built.
 */
export class FrameTokens implements TokenTable {
  bytes = new Uint8Array(64 * 1024);
  start = new Int32Array(1024);
  length = new Int32Array(1024);
  count = 0;
  private used = 0;
  /** Label records by `name=value` (unambiguous: a name holds no `=`). */
  private readonly byText = new Map<string, number>();
  private readonly headers = new Map<number, number>();
  /**
   * How a series' own labels merge with its collector's, by the collector's label names and the own list
   * (which the signal model shares between collectors): the same for every collector of a fleet's shape.
   */
  private readonly plans = new Map<string, Map<readonly Label[], Int16Array>>();
  private readonly ownTokens = new Map<readonly Label[], number[]>();
  private readonly sampleTags: number;
  private readonly timestampTag: number;
  /** The timestamp varint's token: its bytes are written per request. */
  readonly patched: number;
  private readonly sampleSize: number;
  private stream = new Int32Array(4096);
  private streamLength = 0;
  private series = 0;
  /** Where each series starts in the stream. */
  private starts = new Int32Array(256);

  constructor(readonly timestampWidth: number) {
    if (!(Number.isInteger(timestampWidth) && timestampWidth >= 1 && timestampWidth <= 10))
      throw new RangeError(`a timestamp varint takes 1 to 10 bytes, got ${timestampWidth}`);
    this.sampleSize = 1 + 8 + 1 + timestampWidth;
    this.sampleTags = this.token(Uint8Array.of(TAG_SAMPLES, this.sampleSize, TAG_SAMPLE_VALUE));
    this.timestampTag = this.token(Uint8Array.of(TAG_SAMPLE_TIMESTAMP));
    this.patched = this.token(new Uint8Array(timestampWidth));
  }

  /**
   * Appends one collector's series: each one's own labels merged with the shared ones by name. Throws
   * when a merged list is not strictly sorted by name (which rules out a name given twice) or a name is
   * empty: remote write 1.0 requires sorted, unique names, and Prometheus answers a duplicate with a 500
   * that a sender would retry forever (docs/fm-protocol.md#labels).
   */
  addCollector(labels: SeriesLabels): void {
    const shared = labels.shared;
    let names = "";
    // Indexing, not destructuring: see signals/labels.ts labelPairs.
    for (let i = 0; i < shared.length; i++) names += `${shared[i]![0]}\0`;
    let plans = this.plans.get(names);
    if (!plans) this.plans.set(names, (plans = new Map<readonly Label[], Int16Array>()));
    const sharedTokens = shared.map((label) => this.label(label));
    for (const own of labels.own) {
      let plan = plans.get(own);
      if (!plan) plans.set(own, (plan = mergePlan(shared, own)));
      let ownTokens = this.ownTokens.get(own);
      if (!ownTokens) this.ownTokens.set(own, (ownTokens = own.map((label) => this.label(label))));
      const header = this.reserveSeries(plan.length);
      const stream = this.stream;
      const lengths = this.length;
      let n = this.streamLength;
      let size = 0;
      for (let k = 0; k < plan.length; k++) {
        const e = plan[k]!;
        const token = e >= 0 ? sharedTokens[e]! : ownTokens[~e]!;
        if (token < 0) continue; // an empty value: no record (remote write 1.0)
        stream[n++] = token;
        size += lengths[token]!;
      }
      this.streamLength = n;
      this.endSeries(header, size);
    }
  }

  /** Appends one series from its complete label list (sorted by name). */
  addSeries(labels: readonly Label[]): void {
    this.addCollector({ shared: [], own: [labels] });
  }

  /**
   * Appends the records `first .. first + count` of `raw` (records as encoded, `starts` their offsets
   * and, last, the end of the last), each with a fresh sample slot of this builder's width.
   */
  addRecords(raw: Uint8Array, starts: Uint32Array, indices: Iterable<number>): void {
    for (const r of indices) {
      const end = starts[r + 1]!;
      let p = starts[r]! + 1;
      while (raw[p]! & 0x80) p++;
      p++;
      const header = this.reserveSeries(0);
      let size = 0;
      while (p < end && raw[p] === TAG_LABEL) {
        let length = 0;
        let scale = 1;
        let q = p + 1;
        for (; raw[q]! & 0x80; q++, scale *= 128) length += (raw[q]! & 0x7f) * scale;
        length += raw[q]! * scale;
        const next = q + 1 + length;
        const token = this.recordToken(raw, p, next);
        if (this.streamLength >= this.stream.length) this.growStream(1);
        this.stream[this.streamLength++] = token;
        size += next - p;
        p = next;
      }
      if (raw[p] !== TAG_SAMPLES) throw new Error(`record ${r} has no sample after its labels`);
      this.endSeries(header, size);
    }
  }

  /** Series appended since the last compress(). */
  get pendingSeries(): number {
    return this.series;
  }

  /** Compresses the series appended since the last call into one frame, and starts a new one. */
  compress(): CompressedFrame {
    const fragment = compressTokens(this, this.stream, this.streamLength, this.starts, this.series);
    if (fragment.variableAt.length !== this.series)
      throw new Error(`frame of ${this.series} series has ${fragment.variableAt.length} value slots`);
    this.streamLength = 0;
    this.series = 0;
    return frameOf(fragment, this.timestampWidth);
  }

  /** Leaves room for a series of `labels` label tokens (more grow the stream); returns where its header goes. */
  private reserveSeries(labels: number): number {
    if (this.streamLength + labels + 5 > this.stream.length) this.growStream(labels + 5);
    if (this.series >= this.starts.length) {
      const grown = new Int32Array(2 * this.starts.length);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.series] = this.streamLength;
    return this.streamLength++;
  }

  private endSeries(header: number, labelBytes: number): void {
    if (this.streamLength + 4 > this.stream.length) this.growStream(4);
    this.stream[header] = this.header(labelBytes + 2 + this.sampleSize);
    this.stream[this.streamLength++] = this.sampleTags;
    this.stream[this.streamLength++] = VARIABLE;
    this.stream[this.streamLength++] = this.timestampTag;
    this.stream[this.streamLength++] = this.patched;
    this.series++;
  }

  private growStream(extra: number): void {
    const grown = new Int32Array(Math.max(2 * this.stream.length, this.streamLength + extra));
    grown.set(this.stream.subarray(0, this.streamLength));
    this.stream = grown;
  }

  /** The token of a label record; -1 for an empty value, which is not sent. */
  private label(label: Label): number {
    const name = label[0];
    const value = label[1];
    if (name === "") throw new Error("a label has an empty name");
    if (value === "") return -1;
    const text = `${name}=${value}`;
    let token = this.byText.get(text);
    if (token === undefined) {
      token = this.labelRecord(name, value);
      this.byText.set(text, token);
    }
    return token;
  }

  private labelRecord(name: string, value: string): number {
    const nameBytes = utf8Length(name);
    const valueBytes = utf8Length(value);
    const message = 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
    const token = this.allocate(1 + varintSize(message) + message);
    const b = this.bytes;
    let p = this.start[token]!;
    b[p++] = TAG_LABEL;
    p = writeVarint(b, p, message);
    b[p++] = TAG_LABEL_NAME;
    p = writeVarint(b, p, nameBytes);
    p = writeUtf8(b, p, name);
    b[p++] = TAG_LABEL_VALUE;
    p = writeVarint(b, p, valueBytes);
    writeUtf8(b, p, value);
    return token;
  }

  /** The token of an encoded label record `raw[from .. to)`, by its bytes. */
  private recordToken(raw: Uint8Array, from: number, to: number): number {
    let text = "";
    for (let i = from; i < to; i++) text += String.fromCharCode(raw[i]!);
    let token = this.byText.get(text);
    if (token === undefined) {
      token = this.token(raw.subarray(from, to));
      this.byText.set(text, token);
    }
    return token;
  }

  private header(recordLength: number): number {
    let token = this.headers.get(recordLength);
    if (token === undefined) {
      const bytes = new Uint8Array(11);
      bytes[0] = TAG_TIMESERIES;
      token = this.token(bytes.subarray(0, writeVarint(bytes, 1, recordLength)));
      this.headers.set(recordLength, token);
    }
    return token;
  }

  private token(bytes: Uint8Array): number {
    const token = this.allocate(bytes.length);
    this.bytes.set(bytes, this.start[token]);
    return token;
  }

  private allocate(size: number): number {
    if (this.count >= this.start.length) {
      const start = new Int32Array(2 * this.start.length);
      const length = new Int32Array(2 * this.length.length);
      start.set(this.start);
      length.set(this.length);
      this.start = start;
      this.length = length;
    }
    if (this.used + size > this.bytes.length) {
      const bytes = new Uint8Array(Math.max(2 * this.bytes.length, this.used + size));
      bytes.set(this.bytes.subarray(0, this.used));
      this.bytes = bytes;
    }
    const token = this.count++;
    this.start[token] = this.used;
    this.length[token] = size;
    this.used += size;
    return token;
  }
}

/**
 * The merged order of `shared` and `own` (each sorted by name): entry k is shared[e] for e ≥ 0 and
 * own[~e] otherwise. Throws when the merged names are not strictly increasing or one is empty.
 */
function mergePlan(shared: readonly Label[], own: readonly Label[]): Int16Array {
  const plan = new Int16Array(shared.length + own.length);
  let previous = "";
  for (let i = 0, j = 0, k = 0; k < plan.length; k++) {
    const fromShared = j >= own.length || (i < shared.length && shared[i]![0] < own[j]![0]);
    const name = fromShared ? shared[i]![0] : own[j]![0];
    if (name === "") throw new Error("a label has an empty name");
    if (k > 0 && !(previous < name))
      throw new Error(
        previous === name
          ? `label ${name} appears twice`
          : `labels are not sorted by name: ${previous} before ${name}`,
      );
    previous = name;
    plan[k] = fromShared ? i++ : ~j++;
  }
  return plan;
}
