/**
 * Request bodies from pre-compressed frames (compressed-template.ts): a snappy block is its uncompressed
 * length as a varint, then elements (google/snappy format_description.txt), and the fragments' elements
 * only point back into themselves, so a body is a preamble followed by the fragments as they are. Their
 * byte lengths are known before a tick starts, so requests can be sized by their real compressed size.
 */
import {
  writeFrameSamples,
  writeFrameStale,
  type CompressedBlock,
  type CompressedFrame,
  type CompressedTemplate,
} from "./compressed-template.js";
import { writeVarint } from "./proto-writer.js";

/** The preamble is a varint of a length below 2^32: 5 bytes at most. */
export const MAX_PREAMBLE_BYTES = 5;
const MAX_RAW_LENGTH = 2 ** 32 - 1;

/** Builds one request body at a time into a reused buffer; the same calls as encode.ts WriteRequestEncoder. */
export interface CompressedRequestBuilder {
  /** Starts a request whose samples all carry `timestampMs` (integer ms since the epoch). */
  begin(timestampMs: number): void;
  /** Appends every series of `template`, series i valued `values[offset + i]`. */
  addSamples(template: CompressedTemplate, values: Float64Array, offset?: number): void;
  /** Appends every series of `template` with the stale marker as its value. */
  addStaleMarkers(template: CompressedTemplate): void;
  /** Appends fixed records (the metadata) compressed by compressBlockFragment. */
  addMetadata(block: CompressedBlock): void;
  /** Bytes the body would take if finished now. */
  readonly length: number;
  /** Bytes the body inflates to (the WriteRequest's size). */
  readonly rawLength: number;
  /** The snappy-compressed body: a view into the builder's buffer, valid until the next begin(). */
  finish(): Uint8Array;
}

export function createCompressedRequestBuilder(initialCapacity = 1 << 20): CompressedRequestBuilder {
  let buf = new Uint8Array(Math.max(initialCapacity, MAX_PREAMBLE_BYTES + 64));
  let view = new DataView(buf.buffer);
  // The preamble's width is known only at finish(): room for the widest is kept in front of the elements.
  let pos = MAX_PREAMBLE_BYTES;
  let raw = 0;
  const timestampBytes = new Uint8Array(10);
  let timestamp: Uint8Array | undefined;

  const reserve = (extra: number) => {
    if (pos + extra <= buf.length) return;
    const grown = new Uint8Array(Math.max(buf.length * 2, pos + extra));
    grown.set(buf.subarray(0, pos));
    buf = grown;
    view = new DataView(buf.buffer);
  };
  const frameOf = (template: CompressedTemplate): CompressedFrame => {
    if (!timestamp) throw new Error("CompressedRequestBuilder: call begin(timestampMs) first");
    const frame = template.frame(timestamp.length);
    reserve(frame.bytes.length);
    raw += frame.rawLength;
    return frame;
  };

  return {
    begin(timestampMs) {
      if (!Number.isSafeInteger(timestampMs))
        throw new RangeError(`sample timestamps are integer ms, got ${timestampMs}`);
      pos = MAX_PREAMBLE_BYTES;
      raw = 0;
      timestamp = timestampBytes.subarray(0, writeVarint(timestampBytes, 0, timestampMs));
    },
    addSamples(template, values, offset = 0) {
      const frame = frameOf(template); // may grow buf: before buf is read
      pos += writeFrameSamples(buf, view, pos, frame, values, offset, timestamp!);
    },
    addStaleMarkers(template) {
      const frame = frameOf(template); // may grow buf: before buf is read
      pos += writeFrameStale(buf, pos, frame, timestamp!);
    },
    addMetadata(block) {
      reserve(block.bytes.length);
      buf.set(block.bytes, pos);
      pos += block.bytes.length;
      raw += block.rawLength;
    },
    get length() {
      return pos - MAX_PREAMBLE_BYTES + preambleWidth(raw);
    },
    get rawLength() {
      return raw;
    },
    finish() {
      if (raw > MAX_RAW_LENGTH)
        throw new RangeError(`a snappy block holds at most ${MAX_RAW_LENGTH} bytes, this one ${raw}`);
      const start = MAX_PREAMBLE_BYTES - preambleWidth(raw);
      writeVarint(buf, start, raw);
      return buf.subarray(start, pos);
    },
  };
}

function preambleWidth(rawLength: number): number {
  let width = 1;
  while (rawLength >= 128) {
    rawLength = Math.floor(rawLength / 128);
    width++;
  }
  return width;
}

/** Consecutive frames that travel in one request. */
export interface BatchRange {
  /** First frame index, inclusive. */
  readonly start: number;
  /** Last frame index, exclusive. */
  readonly end: number;
}

export interface CompressedBatchLimits {
  /** Compressed body bytes per request at most. */
  maxBodyBytes: number;
  /** Uncompressed bytes per request at most (a receiver's decoded-size limit). Default: snappy's 2^32 - 1. */
  maxRawBytes?: number;
  /** Fixed bytes every request also carries (the metadata fragment), if any. */
  perRequest?: CompressedBlock;
}

/**
 * Groups consecutive frames into requests whose bodies (preamble, frames, the per-request block) stay
 * within the limits, by their exact sizes. A frame too large on its own still gets a request (alone).
 */
export function planCompressedBatches(
  frames: readonly Pick<CompressedFrame, "bytes" | "rawLength">[],
  limits: CompressedBatchLimits,
): BatchRange[] {
  const extraBytes = MAX_PREAMBLE_BYTES + (limits.perRequest?.bytes.length ?? 0);
  const extraRaw = limits.perRequest?.rawLength ?? 0;
  const maxRaw = Math.min(limits.maxRawBytes ?? MAX_RAW_LENGTH, MAX_RAW_LENGTH);
  const batches: BatchRange[] = [];
  let start = 0;
  let bytes = extraBytes;
  let raw = extraRaw;
  frames.forEach((frame, i) => {
    const nextBytes = bytes + frame.bytes.length;
    const nextRaw = raw + frame.rawLength;
    if (i > start && (nextBytes > limits.maxBodyBytes || nextRaw > maxRaw)) {
      batches.push({ start, end: i });
      start = i;
      bytes = extraBytes + frame.bytes.length;
      raw = extraRaw + frame.rawLength;
    } else {
      bytes = nextBytes;
      raw = nextRaw;
    }
  });
  if (frames.length > start) batches.push({ start, end: frames.length });
  return batches;
}
