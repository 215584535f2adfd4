/**
 * How one tick (or one close) reaches the receiver: its parts (one collector's series with values, or with
 * stale markers) are laid out as pre-compressed frames (compressed-fleet.ts), grouped into requests by
 * their exact compressed size, each request assembled by copying the frames and writing the values into
 * them (compressed-request.ts), and pushed, a bounded number on the wire at once. A request holds whole
 * parts, so a failed request loses whole collectors' samples, never a random subset.
 */
import { runPool } from "../core/pool.js";
import type { MetricFamily } from "../signals/types.js";
import { coverItems, type FramePiece, type FrameRef } from "./compressed-fleet.js";
import {
  createCompressedRequestBuilder,
  MAX_PREAMBLE_BYTES,
  planCompressedBatches,
  type BatchRange,
  type CompressedBatchLimits,
  type CompressedRequestBuilder,
} from "./compressed-request.js";
import { compressBlockFragment, timestampWidthOf, type CompressedBlock } from "./compressed-template.js";
import { encodeMetadata } from "./encode.js";
import type { Pusher } from "./push.js";

/** "Batches stay under ~2 MB compressed" (docs/fm-protocol.md#batch-size); the margin is for HTTP framing. */
export const DEFAULT_MAX_BATCH_BYTES = 2_000_000 - 64 * 1024;
/**
 * Bytes a request may inflate to. Mimir refuses a request whose uncompressed size passes
 * `-distributor.max-recv-msg-size`, 100 MiB by default (docs/fm-protocol.md#batch-size); a sixth of it
 * keeps clear of receivers configured lower. Frames inflate about tenfold, so a 2 MB body is ~20 MB raw.
 */
export const DEFAULT_MAX_RAW_BYTES = 16 * 1024 * 1024;

/** One collector's share of a request. */
export interface WritePart {
  /** Its series' frame. */
  readonly frames: FrameRef;
  /**
   * Writes the part's values at the timestamp into `out` from `offset` (one per series); absent: every
   * series gets a stale marker.
   */
  readonly fill?: (timestampMs: number, out: Float64Array, offset: number) => void;
}

export interface WriteOutcome {
  /** Samples (or stale markers) accepted. */
  samples: number;
  bytes: number;
  requests: number;
  failedSamples: number;
  /** Indices of the parts whose requests failed. */
  failed: Set<number>;
  /** Indices of failed parts whose samples may be stored all the same (no answer came back). */
  maybeDelivered: Set<number>;
  error?: string;
}

export interface WriteLimits {
  /** Monotonic time by which every request's retries are over. */
  deadlineMs: number;
  /** Stops further retries; requests on the wire complete. */
  signal?: AbortSignal;
  /** Stale markers: the pusher's last chance (push.ts PushInfo.cleanup). */
  cleanup?: boolean;
}

export interface TickWriter {
  write(parts: readonly WritePart[], timestampMs: number, limits: WriteLimits): Promise<WriteOutcome>;
}

export interface TickWriterOptions {
  pusher: Pusher;
  /** Type and HELP metadata, sent with every request that carries samples. */
  families: readonly MetricFamily[];
  /** Compressed bytes per request at most. Default DEFAULT_MAX_BATCH_BYTES. */
  maxBatchBytes?: number;
  /** Uncompressed bytes per request at most. Default DEFAULT_MAX_RAW_BYTES. */
  maxRawBytes?: number;
  /** Requests on the wire at once. Default 2. */
  concurrency?: number;
}

export function createTickWriter(options: TickWriterOptions): TickWriter {
  const { pusher } = options;
  const metadata = compressBlockFragment(encodeMetadata(options.families));
  const maxBodyBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const maxRawBytes = options.maxRawBytes ?? DEFAULT_MAX_RAW_BYTES;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  // A body is a view into its builder's buffer until the next begin(): a request on the wire keeps its
  // builder until its push settles, so each request in flight has one of its own.
  const idle: CompressedRequestBuilder[] = [];
  let values = new Float64Array(1024);
  /**
   * The last layout planned. A steady fleet hands over the same part objects tick after tick (emitter.ts
   * keeps each collector's), and a part's frames and kind never change (its fields are read-only), so
   * the same parts in the same order at the same timestamp width are laid out as last time: comparing
   * the lists entry by entry touches no part, where planning reads every one.
   */
  let last: Layout | undefined;
  const layout = (parts: readonly WritePart[], width: number): Layout => {
    if (last && last.width === width && sameParts(last.parts, parts)) return last;
    let carriesSamples = false;
    for (let i = 0; i < parts.length && !carriesSamples; i++) carriesSamples = parts[i]!.fill !== undefined;
    const sizes = { maxBodyBytes, maxRawBytes, ...(carriesSamples ? { perRequest: metadata } : {}) };
    const pieces = splitOversized(
      coverItems(
        parts,
        framesOf,
        (a, b) => (parts[a]!.fill === undefined) === (parts[b]!.fill === undefined),
      ),
      parts,
      width,
      sizes,
    );
    const batches = planCompressedBatches(
      pieces.map((p) => p.template.frame(width)),
      sizes,
    );
    // Where each part's values start in its piece's.
    const valueAt = new Int32Array(parts.length);
    for (const piece of pieces)
      for (let i = piece.start, offset = 0; i < piece.end; i++) {
        valueAt[i] = offset;
        const { group, member } = parts[i]!.frames;
        offset += group.seriesStart[member + 1]! - group.seriesStart[member]!;
      }
    last = { parts: parts.slice(), width, pieces, batches, valueAt };
    return last;
  };

  return {
    async write(parts, timestampMs, limits) {
      const { pieces, batches, valueAt } = layout(parts, timestampWidthOf(timestampMs));
      const outcome: WriteOutcome = {
        samples: 0,
        bytes: 0,
        requests: 0,
        failedSamples: 0,
        failed: new Set(),
        maybeDelivered: new Set(),
      };

      await runPool(batches, concurrency, async (batch) => {
        const builder = idle.pop() ?? createCompressedRequestBuilder();
        try {
          for (let k = batch.start; k < batch.end; k++) {
            const series = pieces[k]!.template.seriesCount;
            if (values.length < series) values = new Float64Array(2 * series);
          }
          const samples = assemble(builder, parts, pieces, valueAt, batch, timestampMs, values, metadata);
          const body = builder.finish();
          const result = await pusher.push(body, {
            samples,
            deadlineMs: limits.deadlineMs,
            ...(limits.signal ? { signal: limits.signal } : {}),
            ...(limits.cleanup ? { cleanup: true } : {}),
          });
          outcome.requests++;
          if (result.ok) {
            outcome.samples += samples;
            outcome.bytes += body.length;
            return;
          }
          outcome.failedSamples += samples;
          for (let i = pieces[batch.start]!.start; i < pieces[batch.end - 1]!.end; i++) {
            outcome.failed.add(i);
            if (result.maybeDelivered) outcome.maybeDelivered.add(i);
          }
          outcome.error = result.error?.message ?? `HTTP ${result.status}`;
        } finally {
          idle.push(builder);
        }
      });
      return outcome;
    },
  };
}

/** A tick's parts laid out: pieces (runs sharing a fragment) and requests (runs of pieces). */
interface Layout {
  readonly parts: readonly WritePart[];
  readonly width: number;
  readonly pieces: readonly FramePiece[];
  readonly batches: readonly BatchRange[];
  /** Where each part's values start among its piece's. */
  readonly valueAt: Int32Array;
}

function sameParts(a: readonly WritePart[], b: readonly WritePart[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const framesOf = (part: WritePart) => part.frames;

/**
 * Writes one request's pieces into `builder` (begun at `timestampMs`), each piece's values filled into
 * `values` (room for the largest piece) by its parts; returns the samples written. A function of its own,
 * outside the async pusher loop, so it is optimised as one plain loop.
 */
function assemble(
  builder: CompressedRequestBuilder,
  parts: readonly WritePart[],
  pieces: readonly FramePiece[],
  valueAt: Int32Array,
  batch: BatchRange,
  timestampMs: number,
  values: Float64Array,
  metadata: CompressedBlock,
): number {
  let samples = 0;
  let withSamples = false;
  builder.begin(timestampMs);
  for (let k = batch.start; k < batch.end; k++) {
    const piece = pieces[k]!;
    const template = piece.template;
    if (parts[piece.start]!.fill === undefined) builder.addStaleMarkers(template);
    else {
      for (let i = piece.start; i < piece.end; i++) parts[i]!.fill!(timestampMs, values, valueAt[i]!);
      builder.addSamples(template, values, 0);
      withSamples = true;
    }
    samples += template.seriesCount;
  }
  if (withSamples) builder.addMetadata(metadata);
  return samples;
}

/**
 * A piece of several collectors that would not fit a request on its own (a limit set below a group's
 * size) travels as one piece per collector instead, so requests stay within the limits wherever one
 * collector does.
 */
function splitOversized(
  pieces: readonly FramePiece[],
  parts: readonly WritePart[],
  width: number,
  limits: CompressedBatchLimits,
): FramePiece[] {
  const extraBytes = MAX_PREAMBLE_BYTES + (limits.perRequest?.bytes.length ?? 0);
  const extraRaw = limits.perRequest?.rawLength ?? 0;
  const out: FramePiece[] = [];
  for (const piece of pieces) {
    const frame = piece.template.frame(width);
    const fits =
      frame.bytes.length + extraBytes <= limits.maxBodyBytes &&
      frame.rawLength + extraRaw <= (limits.maxRawBytes ?? Infinity);
    if (fits || piece.end - piece.start === 1) out.push(piece);
    else
      for (let i = piece.start; i < piece.end; i++) {
        const { frames } = parts[i]!;
        out.push({ template: frames.group.template([frames.member]), start: i, end: i + 1 });
      }
  }
  return out;
}
