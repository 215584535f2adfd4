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

/** uncompressBody then decodeWriteRequest. */
export function decodeBody(body: Uint8Array): DecodedWriteRequest {
  return decodeWriteRequest(uncompressBody(body));
}

function decodeSample(bits: bigint, timestampMs: number): DecodedSample {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return { value: view.getFloat64(0), bits, stale: bits === STALE_NAN_BITS, timestampMs };
}

interface PlainRequest {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: string; timestamp: string }[];
  }[];
  metadata: { type: string; metricFamilyName: string; help: string; unit: string }[];
}
