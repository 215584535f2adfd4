/**
 * prometheus.WriteRequest encoding (remote write 1.0; prometheus/prometheus prompb/remote.proto and
 * types.proto):
 *
 *   WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label          { string name = 1; string value = 2; }
 *   Sample         { double value = 1; int64 timestamp = 2; }
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 *
 * A series' labels never change between ticks (SignalModel contract), and every series of a request
 * carries one sample at the same timestamp. So each collector's TimeSeries records are assembled once
 * into a frame with empty sample slots; a tick copies the frame and patches 8 value bytes and the
 * timestamp varint per series. Lengths never need computing per tick: a Sample's size depends only on
 * how many bytes the timestamp varint takes, which is the same (6) for every ms timestamp from 2004 to 2109.
 */
import type { MetricFamily, MetricType, Series } from "../signals/types.js";
import { ProtoWriter, utf8Length, varintSize, writeVarint } from "./proto-writer.js";
import { compressBlock, uncompressInto } from "./snappy.js";

/** prompb MetricMetadata.MetricType values (UNKNOWN=0, COUNTER=1, GAUGE=2, HISTOGRAM=3, …). */
export const METRIC_TYPE_CODE: Readonly<Record<MetricType, number>> = { counter: 1, gauge: 2, histogram: 3 };

/**
 * The staleness marker (prometheus model/value/value.go StaleNaN): a NaN whose bits are exactly
 * 0x7ff0000000000002. A JS NaN is 0x7ff8000000000000, and V8 may canonicalise NaN payloads when it
 * stores numbers, so the marker is written as these little-endian bytes, never through a number.
 */
export const STALE_NAN_BITS = 0x7ff0000000000002n;
const STALE_NAN_LE = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f);

// Field numbers, as named in the schema above.
const WRITE_REQUEST_TIMESERIES = 1;
const WRITE_REQUEST_METADATA = 3;
const TIMESERIES_LABELS = 1;
const TIMESERIES_SAMPLES = 2;
const LABEL_NAME = 1;
const LABEL_VALUE = 2;
const SAMPLE_VALUE = 1;
const SAMPLE_TIMESTAMP = 2;
const METADATA_TYPE = 1;
const METADATA_FAMILY_NAME = 2;
const METADATA_HELP = 4;

// Tag bytes of the records the frame holds (field << 3 | wire type).
const TAG_SAMPLES = (TIMESERIES_SAMPLES << 3) | 2;
const TAG_SAMPLE_VALUE = (SAMPLE_VALUE << 3) | 1;
const TAG_SAMPLE_TIMESTAMP = (SAMPLE_TIMESTAMP << 3) | 0;

/**
 * The `labels` records of one TimeSeries. Throws when the labels are not strictly sorted by name (which
 * also rules out duplicates): remote write 1.0 requires sorted, unique names, and Prometheus answers a
 * duplicate with a 500 that a sender would retry forever (SPEC section 6).
 */
export function encodeLabels(labels: readonly (readonly [string, string])[]): Uint8Array {
  const writer = new ProtoWriter(labelsSize(labels) + 1);
  writeLabels(writer, labels);
  return writer.finish();
}

/** Checks the labels (see encodeLabels) and returns the bytes their records take. */
function labelsSize(labels: readonly (readonly [string, string])[]): number {
  let size = 0;
  let previous: string | undefined;
  for (const [name, value] of labels) {
    if (name === "") throw new Error("a label has an empty name");
    if (previous !== undefined && !(previous < name))
      throw new Error(
        previous === name
          ? `label ${name} appears twice`
          : `labels are not sorted by name: ${previous} before ${name}`,
      );
    previous = name;
    // An empty value is the same as no label to Prometheus; remote write 1.0 says not to send one.
    if (value === "") continue;
    const message = labelMessageSize(utf8Length(name), utf8Length(value));
    size += 1 + varintSize(message) + message;
  }
  return size;
}

function writeLabels(writer: ProtoWriter, labels: readonly (readonly [string, string])[]): void {
  for (const [name, value] of labels) {
    if (value === "") continue;
    writer
      .lenHeader(TIMESERIES_LABELS, labelMessageSize(utf8Length(name), utf8Length(value)))
      .stringField(LABEL_NAME, name)
      .stringField(LABEL_VALUE, value);
  }
}

/** A Label message: two LEN fields with one-byte tags. */
function labelMessageSize(nameBytes: number, valueBytes: number): number {
  return 1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes;
}

/** `metadata` records (type and HELP) for every family, ready to append to a request. */
export function encodeMetadata(families: readonly MetricFamily[]): Uint8Array {
  const writer = new ProtoWriter(4096);
  for (const family of families) {
    const entry = new ProtoWriter(family.help.length + family.name.length + 16)
      .varintField(METADATA_TYPE, METRIC_TYPE_CODE[family.type])
      .stringField(METADATA_FAMILY_NAME, family.name)
      .stringField(METADATA_HELP, family.help);
    writer.bytesField(WRITE_REQUEST_METADATA, entry.finish());
  }
  return writer.finish();
}

/** A series with any number of samples, for the general-purpose encodeWriteRequest. */
export interface WriteSeries {
  readonly labels: readonly (readonly [string, string])[];
  /** In timestamp order. */
  readonly samples: readonly {
    readonly value: number;
    readonly timestampMs: number;
    readonly stale?: boolean;
  }[];
}

/**
 * A whole uncompressed WriteRequest in one call: the straightforward path, for one-off requests (the
 * credentials check, tests). The tick path below reaches the same bytes through cached frames.
 */
export function encodeWriteRequest(
  timeseries: readonly WriteSeries[],
  families: readonly MetricFamily[] = [],
): Uint8Array {
  const writer = new ProtoWriter(4096);
  for (const series of timeseries) {
    const record = new ProtoWriter(1024).raw(encodeLabels(series.labels));
    for (const sample of series.samples) {
      const body = new ProtoWriter(24);
      if (sample.stale) body.raw(Uint8Array.of(TAG_SAMPLE_VALUE, ...STALE_NAN_LE));
      else body.doubleField(SAMPLE_VALUE, sample.value);
      body.varintField(SAMPLE_TIMESTAMP, sample.timestampMs);
      record.bytesField(TIMESERIES_SAMPLES, body.finish());
    }
    writer.bytesField(WRITE_REQUEST_TIMESERIES, record.finish());
  }
  return writer.raw(encodeMetadata(families)).finish();
}

/** One collector's TimeSeries records with a sample slot each, for timestamps of one varint width. */
export interface SeriesFrame {
  /** The records, or (compact frames) their snappy block. */
  readonly bytes: Uint8Array;
  readonly compact: boolean;
  /** Bytes the records take in a request. */
  readonly length: number;
  /** Where each series' 8 value bytes go; the timestamp varint starts 9 bytes later. */
  readonly valueOffsets: Uint32Array;
  readonly timestampWidth: number;
}

/** The cached encoding of a fixed list of series (one collector's). */
export interface SeriesTemplate {
  readonly seriesCount: number;
  frame(timestampWidth: number): SeriesFrame;
}

export interface SeriesTemplateOptions {
  /**
   * Keep the frame snappy-compressed (about 6× smaller) and inflate it into each request. Frames take
   * ~300 bytes per series, 85 MB for 10,000 collectors; compact ones trade that memory for an inflate
   * per tick (~0.5 µs per series).
   */
  compact?: boolean;
}

/** Throws, as encodeLabels does, when a series' labels are unsorted or repeated. */
export function createSeriesTemplate(
  series: readonly Series[],
  options: SeriesTemplateOptions = {},
): SeriesTemplate {
  const compact = options.compact ?? false;
  // Built now, for the width of every present-day timestamp, so bad labels fail at start-up.
  let cached = buildFrame(series, varintSize(Date.UTC(2026, 0, 1)), compact);
  return {
    seriesCount: series.length,
    frame(timestampWidth) {
      if (cached.timestampWidth !== timestampWidth) cached = buildFrame(series, timestampWidth, compact);
      return cached;
    },
  };
}

/** Reused for every frame, so a frame costs one allocation of its exact size. */
const frameWriter = new ProtoWriter(64 * 1024);

function buildFrame(series: readonly Series[], timestampWidth: number, compact: boolean): SeriesFrame {
  const sampleSize = 1 + 8 + 1 + timestampWidth;
  const valueOffsets = new Uint32Array(series.length);
  const writer = frameWriter.reset();
  series.forEach((s, i) => {
    writer.lenHeader(WRITE_REQUEST_TIMESERIES, labelsSize(s.labels) + 2 + sampleSize);
    writeLabels(writer, s.labels);
    writer.byte(TAG_SAMPLES).byte(sampleSize).byte(TAG_SAMPLE_VALUE);
    valueOffsets[i] = writer.skip(8);
    writer.byte(TAG_SAMPLE_TIMESTAMP).skip(timestampWidth);
  });
  const length = writer.length;
  const bytes = compact ? compressBlock(writer.written()) : writer.finish();
  return { bytes, compact, length, valueOffsets, timestampWidth };
}

/** Bytes a sample timestamp's varint takes: the frame width a request at `timestampMs` uses. */
export function timestampWidthOf(timestampMs: number): number {
  return varintSize(timestampMs);
}

/** Builds one WriteRequest at a time into a reused buffer. */
export interface WriteRequestEncoder {
  /** Starts a request whose samples all carry `timestampMs` (integer ms since the epoch). */
  begin(timestampMs: number): void;
  /** Appends every series of `template`, series i with the value `values[offset + i]`. */
  addSamples(template: SeriesTemplate, values: Float64Array, offset?: number): void;
  /** Appends every series of `template` with the stale marker as its value. */
  addStaleMarkers(template: SeriesTemplate): void;
  /** Appends records made by encodeMetadata. */
  addMetadata(block: Uint8Array): void;
  /** The request so far: a view into the encoder's buffer, valid until the next begin(). */
  finish(): Uint8Array;
}

export function createWriteRequestEncoder(initialCapacity = 1 << 20): WriteRequestEncoder {
  let buf = new Uint8Array(initialCapacity);
  let view = new DataView(buf.buffer);
  let pos = 0;
  const timestamp = new Uint8Array(10);
  let timestampWidth = 0;

  const reserve = (extra: number) => {
    if (pos + extra <= buf.length) return;
    const grown = new Uint8Array(Math.max(buf.length * 2, pos + extra));
    grown.set(buf.subarray(0, pos));
    buf = grown;
    view = new DataView(buf.buffer);
  };

  /** Copies (or inflates) the frame and writes the timestamp into each slot; returns the frame and where it starts. */
  const copyFrame = (template: SeriesTemplate): [SeriesFrame, number] => {
    if (timestampWidth === 0) throw new Error("WriteRequestEncoder: call begin(timestampMs) first");
    const frame = template.frame(timestampWidth);
    reserve(frame.length);
    const start = pos;
    if (frame.compact) uncompressInto(frame.bytes, buf, start);
    else buf.set(frame.bytes, start);
    const offsets = frame.valueOffsets;
    for (let i = 0; i < offsets.length; i++) {
      const at = start + offsets[i]! + 9;
      for (let j = 0; j < timestampWidth; j++) buf[at + j] = timestamp[j]!;
    }
    pos += frame.length;
    return [frame, start];
  };

  return {
    begin(timestampMs) {
      if (!Number.isSafeInteger(timestampMs))
        throw new RangeError(`sample timestamps are integer ms, got ${timestampMs}`);
      pos = 0;
      timestampWidth = writeVarint(timestamp, 0, timestampMs);
    },
    addSamples(template, values, offset = 0) {
      const [frame, start] = copyFrame(template);
      const offsets = frame.valueOffsets;
      for (let i = 0; i < offsets.length; i++)
        view.setFloat64(start + offsets[i]!, values[offset + i]!, true);
    },
    addStaleMarkers(template) {
      const [frame, start] = copyFrame(template);
      for (const at of frame.valueOffsets) buf.set(STALE_NAN_LE, start + at);
    },
    addMetadata(block) {
      reserve(block.length);
      buf.set(block, pos);
      pos += block.length;
    },
    finish() {
      return buf.subarray(0, pos);
    },
  };
}
