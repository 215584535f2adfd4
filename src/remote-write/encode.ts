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
 * This is the straightforward encoder: one-off requests (the credentials check) and the reference the
 * tests hold the tick path to. Ticks write the same bytes from pre-compressed frames
 * (compressed-template.ts, frame-tokens.ts).
 */
import type { MetricFamily, MetricType } from "../signals/types.js";
import { ProtoWriter, utf8Length, varintSize } from "./proto-writer.js";

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

// Tag bytes of a sample's records (field << 3 | wire type).
const TAG_SAMPLE_VALUE = (SAMPLE_VALUE << 3) | 1;

/**
 * The `labels` records of one TimeSeries. Throws when the labels are not strictly sorted by name (which
 * also rules out duplicates): remote write 1.0 requires sorted, unique names, and Prometheus answers a
 * duplicate with a 500 that a sender would retry forever (docs/fm-protocol.md#labels).
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
 * A whole uncompressed WriteRequest in one call. The tick path reaches the same bytes through
 * pre-compressed frames.
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
