/**
 * An independent remote-write 1.0 decoder for the local receiver and the tests: snappy via snappyjs and
 * protobuf via protobufjs reflection on the schema of prometheus/prometheus prompb/types.proto and
 * remote.proto. It shares no code with src/remote-write, so an encoder bug cannot hide behind a decoder
 * with the same bug.
 */
import protobuf from "protobufjs";
import { uncompress } from "snappyjs";

/**
 * Sample.value is read as fixed64 rather than double: the same I64 wire record, but the 64 bits arrive
 * as an integer, so the stale marker's exact bits (0x7ff0000000000002) can be checked; a double read
 * would pass through a JS number, whose NaN payload V8 may canonicalise.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: "repeated", type: "TimeSeries", id: 1 },
            metadata: { rule: "repeated", type: "MetricMetadata", id: 3 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: "repeated", type: "Label", id: 1 },
            samples: { rule: "repeated", type: "Sample", id: 2 },
          },
        },
        Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        Sample: { fields: { value: { type: "fixed64", id: 1 }, timestamp: { type: "int64", id: 2 } } },
        MetricMetadata: {
          fields: {
            type: { type: "MetricType", id: 1 },
            metricFamilyName: { type: "string", id: 2 },
            help: { type: "string", id: 4 },
            unit: { type: "string", id: 5 },
          },
          nested: {
            MetricType: {
              values: {
                UNKNOWN: 0,
                COUNTER: 1,
                GAUGE: 2,
                HISTOGRAM: 3,
                GAUGEHISTOGRAM: 4,
                SUMMARY: 5,
                INFO: 6,
                STATESET: 7,
              },
            },
          },
        },
      },
    },
  },
});
const WriteRequest = root.lookupType("prometheus.WriteRequest");

/** prometheus model/value/value.go StaleNaN. */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

/** The largest request the receiver inflates (Mimir's default max message size is 100 MiB). */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

export interface DecodedSample {
  readonly value: number;
  /** The value's IEEE-754 bits, exactly as sent. */
  readonly bits: bigint;
  readonly stale: boolean;
  readonly timestampMs: number;
}

export interface DecodedSeries {
  /** In the order sent. */
  readonly labels: readonly (readonly [string, string])[];
  readonly samples: readonly DecodedSample[];
}

export interface DecodedMetadata {
  /** MetricType name: COUNTER, GAUGE, HISTOGRAM, … */
  readonly type: string;
  readonly family: string;
  readonly help: string;
  readonly unit: string;
}

export interface DecodedWriteRequest {
  readonly timeseries: readonly DecodedSeries[];
  readonly metadata: readonly DecodedMetadata[];
}

/** Inflates a snappy block body. Throws on a corrupt or oversized stream. */
export function uncompressBody(body: Uint8Array, maxLength = MAX_DECODED_BYTES): Uint8Array {
  return uncompress(body, maxLength);
}

/** Decodes an uncompressed WriteRequest. Throws on bytes that are not one. */
export function decodeWriteRequest(bytes: Uint8Array): DecodedWriteRequest {
  const message = WriteRequest.decode(bytes);
  const plain = WriteRequest.toObject(message, {
    longs: String,
    enums: String,
    defaults: true,
  }) as PlainRequest;
  return {
    timeseries: plain.timeseries.map((ts) => ({
      labels: ts.labels.map((l) => [l.name, l.value] as const),
      samples: ts.samples.map((s) => decodeSample(BigInt(s.value), Number(s.timestamp))),
    })),
    metadata: plain.metadata.map((m) => ({
      type: m.type,
      family: m.metricFamilyName,
      help: m.help,
      unit: m.unit,
    })),
  };
}

/** uncompressBody then readWriteRequest: the receiver's path. */
export function decodeBody(body: Uint8Array, labelCache?: LabelCache): DecodedWriteRequest {
  return readWriteRequest(uncompressBody(body), labelCache);
}

/**
 * Label lists already decoded, by the bytes of their records: a sender repeats each series' labels in
 * every request, so a receiver decodes each list once. Cleared when it passes `limit` entries.
 */
export class LabelCache {
  private readonly lists = new Map<string, readonly (readonly [string, string])[]>();
  constructor(private readonly limit = 1_000_000) {}
  get(key: string): readonly (readonly [string, string])[] | undefined {
    return this.lists.get(key);
  }
  set(key: string, labels: readonly (readonly [string, string])[]): void {
    if (this.lists.size >= this.limit) this.lists.clear();
    this.lists.set(key, labels);
  }
}

const METRIC_TYPES = [
  "UNKNOWN",
  "COUNTER",
  "GAUGE",
  "HISTOGRAM",
  "GAUGEHISTOGRAM",
  "SUMMARY",
  "INFO",
  "STATESET",
];

/**
 * The same decoding as decodeWriteRequest, walking the wire format by hand (protobuf.dev "Encoding"):
 * about ten times faster than protobufjs reflection, so the local receiver keeps up with a fleet of
 * thousands of collectors pushing every second or two. decodeWriteRequest stays the tests' oracle, and
 * the tests hold the two to the same results. Throws on bytes that are not a WriteRequest.
 */
export function readWriteRequest(bytes: Uint8Array, labelCache?: LabelCache): DecodedWriteRequest {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`malformed WriteRequest: ${what} at byte ${pos}`);
  };
  const varint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      if (pos >= buf.length || scale > 2 ** 63) fail("truncated varint");
      const byte = buf[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  /** An int64 varint as a number (negative values come as 10-byte two's complement). */
  const int64 = (): number => {
    const start = pos;
    const value = varint();
    if (pos - start < 8) return value;
    // Past 2^53 a double loses bits: read it again exactly.
    let exact = 0n;
    for (let i = pos - 1; i >= start; i--) exact = (exact << 7n) | BigInt(buf[i]! & 0x7f);
    return Number(BigInt.asIntN(64, exact));
  };
  const end = (length: number): number => {
    if (pos + length > buf.length) fail("field past the end");
    return pos + length;
  };
  const skip = (wireType: number): void => {
    if (wireType === 0) varint();
    else if (wireType === 1) pos = end(8);
    else if (wireType === 2) pos = end(varint());
    else if (wireType === 5) pos = end(4);
    else fail(`wire type ${wireType}`);
  };
  const string = (): string => {
    const stop = end(varint());
    const text = buf.toString("utf8", pos, stop);
    pos = stop;
    return text;
  };

  const timeseries: DecodedSeries[] = [];
  const metadata: DecodedMetadata[] = [];
  while (pos < buf.length) {
    const tag = varint();
    if (tag === 0x0a) {
      const stop = end(varint());
      // The label records come first (as every sender writes them): a list seen before is reused.
      const labelsStart = pos;
      let labelsEnd = pos;
      while (labelsEnd < stop && buf[labelsEnd] === 0x0a) {
        pos = labelsEnd + 1;
        labelsEnd = end(varint());
      }
      if (labelsEnd > stop) fail("label past the end of its TimeSeries");
      pos = labelsStart;
      const key =
        labelCache && labelsEnd > labelsStart ? buf.toString("latin1", labelsStart, labelsEnd) : undefined;
      const known = key === undefined ? undefined : labelCache!.get(key);
      // A cached list is shared (callers never change one); a stray label after the samples copies it.
      let labels = (known ?? []) as (readonly [string, string])[];
      let shared = known !== undefined;
      if (known) pos = labelsEnd;
      const samples: DecodedSample[] = [];
      while (pos < stop) {
        const field = varint();
        if (field === 0x0a) {
          const labelEnd = end(varint());
          let name = "";
          let value = "";
          while (pos < labelEnd) {
            const t = varint();
            if (t === 0x0a) name = string();
            else if (t === 0x12) value = string();
            else skip(t & 7);
          }
          if (shared) labels = [...labels];
          shared = false;
          labels.push([name, value]);
        } else if (field === 0x12) {
          const sampleEnd = end(varint());
          let bits = 0n;
          let timestampMs = 0;
          while (pos < sampleEnd) {
            const t = varint();
            if (t === 0x09) {
              end(8);
              bits = view.getBigUint64(pos, true);
              pos += 8;
            } else if (t === 0x10) timestampMs = int64();
            else skip(t & 7);
          }
          samples.push(decodeSample(bits, timestampMs));
        } else skip(field & 7);
      }
      if (pos !== stop) fail("TimeSeries length");
      if (key !== undefined && !known) labelCache!.set(key, labels);
      timeseries.push({ labels, samples });
    } else if (tag === 0x1a) {
      const stop = end(varint());
      const entry = { type: "UNKNOWN", family: "", help: "", unit: "" };
      while (pos < stop) {
        const t = varint();
        if (t === 0x08) entry.type = METRIC_TYPES[varint()] ?? "UNKNOWN";
        else if (t === 0x12) entry.family = string();
        else if (t === 0x22) entry.help = string();
        else if (t === 0x2a) entry.unit = string();
        else skip(t & 7);
      }
      metadata.push(entry);
    } else skip(tag & 7);
  }
  return { timeseries, metadata };
}

const sampleBits = new BigUint64Array(1);
const sampleValue = new Float64Array(sampleBits.buffer);

function decodeSample(bits: bigint, timestampMs: number): DecodedSample {
  sampleBits[0] = bits;
  return { value: sampleValue[0]!, bits, stale: bits === STALE_NAN_BITS, timestampMs };
}

interface PlainRequest {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: string; timestamp: string }[];
  }[];
  metadata: { type: string; metricFamilyName: string; help: string; unit: string }[];
}
