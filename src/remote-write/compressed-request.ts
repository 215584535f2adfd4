/**
 * Request bodies from pre-compressed frames (compressed-template.ts): a snappy block is its uncompressed
 * length as a varint, then elements (google/snappy format_description.txt), and the fragments' elements
 * only point back into themselves, so a body is a preamble followed by the fragments as they are. Their
 * byte lengths are known before a tick starts, so requests can be sized by their real compressed size.
 *
 * Only the values and the timestamp differ from one tick's request to the next one's with the same
 * series, so a body once built is written again in place (rewrite()): no byte of it is copied again.
 */
import {
  writeFrameSamples,
  writeFrameStale,
  writeFrameTimestamp,
  writeFrameValues,
  type CompressedBlock,
  type CompressedFrame,
  type CompressedTemplate,
} from "./compressed-template.js";
import { varintSize, writeVarint } from "./proto-writer.js";

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
  /** The snappy-compressed body: a view into the builder's buffer, valid until the next begin() or rewrite(). */
  finish(): Uint8Array;
  /**
   * The body finish() returned, written again in place as if the same calls had been made at
   * `timestampMs` with `values` (each addSamples() call's series valued from its offset, as then); stale
   * markers and metadata are as they were. Returns the same view as finish(). Throws a RangeError, and
   * writes nothing, when the timestamp's varint is not as wide as begin()'s (the frames fit one width) or
   * the values do not reach every offset.
   */
  rewrite(timestampMs: number, values: Float64Array): Uint8Array;
  /**
   * Gives every template added since begin() its fragment's copy in the finished body as its own
   * (CompressedTemplate.share), so a body kept for rewrite() costs no memory twice. The next begin()
   * starts a new buffer, since the templates now hold the old one.
   */
  shareFrames(): void;
}

export function createCompressedRequestBuilder(initialCapacity = 1 << 20): CompressedRequestBuilder {
  let buf = new Uint8Array(Math.max(initialCapacity, MAX_PREAMBLE_BYTES + 64));
  let view = new DataView(buf.buffer);
  // The preamble's width is known only at finish(): room for the widest is kept in front of the elements.
  let pos = MAX_PREAMBLE_BYTES;
  let raw = 0;
  const timestampBytes = new Uint8Array(10);
  let timestamp: Uint8Array | undefined;
  let body: Uint8Array | undefined;
  /** What rewrite() writes again and shareFrames() hands out: each frame added since begin(). */
  let added: Added[] = [];
  /** Where the values of the frames added with samples end, at the farthest. */
  let valuesReach = 0;
  /** Whether templates hold views of `buf` (shareFrames()): then it is never written again from begin(). */
  let lent = false;

  const reserve = (extra: number) => {
    if (pos + extra <= buf.length) return;
    const grown = new Uint8Array(Math.max(buf.length * 2, pos + extra));
    grown.set(buf.subarray(0, pos));
    buf = grown;
    view = new DataView(buf.buffer);
  };
  /** The frame `template` adds at `pos`, room made for it (which may grow buf: before buf is read). */
  const add = (template: CompressedTemplate, valuesFrom: number): CompressedFrame => {
    if (!timestamp) throw new Error("CompressedRequestBuilder: call begin(timestampMs) first");
    const frame = template.frame(timestamp.length);
    reserve(frame.bytes.length);
    raw += frame.rawLength;
    added.push({ template, frame, at: pos, valuesFrom });
    return frame;
  };

  return {
    begin(timestampMs) {
      if (!Number.isSafeInteger(timestampMs))
        throw new RangeError(`sample timestamps are integer ms, got ${timestampMs}`);
      if (lent) {
        buf = new Uint8Array(buf.length);
        view = new DataView(buf.buffer);
        lent = false;
      }
      pos = MAX_PREAMBLE_BYTES;
      raw = 0;
      timestamp = timestampBytes.subarray(0, writeVarint(timestampBytes, 0, timestampMs));
      body = undefined;
      added = [];
      valuesReach = 0;
    },
    addSamples(template, values, offset = 0) {
      const frame = add(template, offset);
      valuesReach = Math.max(valuesReach, offset + template.seriesCount);
      pos += writeFrameSamples(buf, view, pos, frame, values, offset, timestamp!);
    },
    addStaleMarkers(template) {
      const frame = add(template, -1);
      pos += writeFrameStale(buf, view, pos, frame, timestamp!);
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
      return (body = buf.subarray(start, pos));
    },
    rewrite(timestampMs, values) {
      if (!body) throw new Error("CompressedRequestBuilder: rewrite() follows finish()");
      if (!Number.isSafeInteger(timestampMs) || varintSize(timestampMs) !== timestamp!.length)
        throw new RangeError(
          `a rewritten request keeps its ${timestamp!.length}-byte timestamps, got ${timestampMs}`,
        );
      if (values.length < valuesReach)
        throw new RangeError(`the request's values reach ${valuesReach}, only ${values.length} given`);
      writeVarint(timestampBytes, 0, timestampMs);
      for (const { frame, at, valuesFrom } of added) {
        if (valuesFrom >= 0) writeFrameValues(view, at, frame, values, valuesFrom);
        writeFrameTimestamp(buf, at, frame, timestamp!);
      }
      return body;
    },
    shareFrames() {
      if (!body) throw new Error("CompressedRequestBuilder: shareFrames() follows finish()");
      for (const { template, frame, at } of added)
        template.share(buf.subarray(at, at + frame.bytes.length), frame.timestampWidth);
      lent = true;
    },
  };
}

/** A frame added to a request: where it starts, and where its values come from (-1: stale markers). */
interface Added {
  readonly template: CompressedTemplate;
  readonly frame: CompressedFrame;
  readonly at: number;
  readonly valuesFrom: number;
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
  /**
   * Bytes of the body, with the preamble at its widest: the frames, and the per-request block if the
   * limits give one (what a builder needs to hold it without growing).
   */
  readonly bytes: number;
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
  const { extraBytes, extraRaw, maxRaw } = boundsOf(limits);
  const batches: BatchRange[] = [];
  let start = 0;
  let bytes = extraBytes;
  let raw = extraRaw;
  frames.forEach((frame, i) => {
    const nextBytes = bytes + frame.bytes.length;
    const nextRaw = raw + frame.rawLength;
    if (i > start && (nextBytes > limits.maxBodyBytes || nextRaw > maxRaw)) {
      batches.push({ start, end: i, bytes });
      start = i;
      bytes = extraBytes + frame.bytes.length;
      raw = extraRaw + frame.rawLength;
    } else {
      bytes = nextBytes;
      raw = nextRaw;
    }
  });
  if (frames.length > start) batches.push({ start, end: frames.length, bytes });
  return batches;
}

/** Whether `frame` fits a request of its own within the limits (planCompressedBatches' rule for one frame). */
export function fitsOneRequest(
  frame: Pick<CompressedFrame, "bytes" | "rawLength">,
  limits: CompressedBatchLimits,
): boolean {
  const { extraBytes, extraRaw, maxRaw } = boundsOf(limits);
  return frame.bytes.length + extraBytes <= limits.maxBodyBytes && frame.rawLength + extraRaw <= maxRaw;
}

/** What every request adds to its frames (the widest preamble, the per-request block), and its raw limit. */
function boundsOf(limits: CompressedBatchLimits) {
  return {
    extraBytes: MAX_PREAMBLE_BYTES + (limits.perRequest?.bytes.length ?? 0),
    extraRaw: limits.perRequest?.rawLength ?? 0,
    maxRaw: Math.min(limits.maxRawBytes ?? MAX_RAW_LENGTH, MAX_RAW_LENGTH),
  };
}
