/**
 * How one tick (or one close) reaches the receiver: its parts (one collector's series with values, or with
 * stale markers) are laid out as pre-compressed frames (compressed-fleet.ts), grouped into requests by
 * their exact compressed size, each request built by copying the frames and writing the values into them
 * (compressed-request.ts), and pushed, a bounded number on the wire at once. The next tick of the same
 * parts writes only its values and timestamp into those bodies again. A request holds whole parts, so a
 * failed request loses whole collectors' samples, never a random subset.
 */
import { runPool } from "../core/pool.js";
import type { MetricFamily } from "../signals/types.js";
import { coverItems, type FramePiece, type FrameRef } from "./compressed-fleet.js";
import {
  createCompressedRequestBuilder,
  fitsOneRequest,
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
   * Where its values start in the tick's values (write()'s `values`), one per series in frame order;
   * absent: every series gets a stale marker. Parts whose values lie one after another in the list's
   * order travel as one fragment and are written from the values where they are, without a copy.
   */
  readonly valuesAt?: number;
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
  /**
   * Sends `parts` at `timestampMs`, each part that carries samples valued from `values` (read while the
   * requests are assembled: the caller leaves it alone until the promise settles). Throws a RangeError,
   * before anything is sent, when a part's values lie outside `values`.
   */
  write(
    parts: readonly WritePart[],
    timestampMs: number,
    limits: WriteLimits,
    values?: Float64Array,
  ): Promise<WriteOutcome>;
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
  /**
   * The last layout planned, with its requests' bodies. A steady fleet hands over the same part objects
   * tick after tick (emitter.ts keeps each collector's), and a part's frames and values' place never
   * change (its fields are read-only), so the same parts in the same order at the same timestamp width
   * are laid out as last time (comparing the lists entry by entry touches no part, where planning reads
   * every one), and its bodies are written again in place, values and timestamps only. A body on the
   * wire must not change until its push settles: a write that finds the layout still sending (writes
   * that overlap) gets one of its own.
   */
  let last: Layout | undefined;
  /**
   * Buffers for bodies built and dropped again: a layout's first write (a close, a fleet that just
   * changed, or the first tick, whose start-up garbage is still around) keeps nothing; its second keeps
   * its bodies for the writes after it.
   */
  const idle: CompressedRequestBuilder[] = [];
  const layout = (parts: readonly WritePart[], width: number): Layout => {
    if (last && last.sending === 0 && last.width === width && sameParts(last.parts, parts)) return last;
    // Parts i and j carry their values one after another when valuesAt minus the series before them in
    // the list is the same for both (and for every part between, which joins a run only after them).
    const shift = new Float64Array(parts.length);
    let carriesSamples = false;
    let before = 0;
    for (let i = 0; i < parts.length; i++) {
      const { frames, valuesAt } = parts[i]!;
      shift[i] = valuesAt === undefined ? Number.NaN : valuesAt - before;
      carriesSamples ||= valuesAt !== undefined;
      before += frames.group.seriesStart[frames.member + 1]! - frames.group.seriesStart[frames.member]!;
    }
    const sizes = { maxBodyBytes, maxRawBytes, ...(carriesSamples ? { perRequest: metadata } : {}) };
    const pieces = splitOversized(
      // Stale parts join stale parts (NaN: both undefined), and parts with values join those whose values
      // continue theirs.
      coverItems(parts, framesOf, (a, b) => Object.is(shift[a], shift[b])),
      parts,
      width,
      sizes,
    );
    const batches = planCompressedBatches(
      pieces.map((p) => p.template.frame(width)),
      sizes,
    );
    const samples = batches.map((b) => {
      let n = 0;
      for (let k = b.start; k < b.end; k++) n += pieces[k]!.template.seriesCount;
      return n;
    });
    last = { parts: parts.slice(), width, pieces, batches, samples, requests: [], sending: 0, writes: 0 };
    return last;
  };

  return {
    async write(parts, timestampMs, limits, values = NO_VALUES) {
      const laid = layout(parts, timestampWidthOf(timestampMs));
      const { pieces, batches, requests } = laid;
      for (const { template, start } of pieces) {
        const at = parts[start]!.valuesAt;
        if (
          at !== undefined &&
          !(Number.isInteger(at) && at >= 0 && at + template.seriesCount <= values.length)
        )
          throw new RangeError(
            `part ${start}'s values start at ${at}, and ${template.seriesCount} from there are not all among the ${values.length} given`,
          );
      }
      const outcome: WriteOutcome = {
        samples: 0,
        bytes: 0,
        requests: 0,
        failedSamples: 0,
        failed: new Set(),
        maybeDelivered: new Set(),
      };

      laid.sending++;
      const keep = ++laid.writes >= 2;
      try {
        await runPool(batches, concurrency, async (batch, b) => {
          const samples = laid.samples[b]!;
          const request = requests[b];
          let body: Uint8Array;
          let lent: CompressedRequestBuilder | undefined;
          if (request) body = request.rewrite(timestampMs, values);
          else if (keep) {
            // Kept only once built whole: a build that throws leaves no half-built body behind.
            const built = createCompressedRequestBuilder(batch.bytes);
            body = assemble(built, parts, pieces, batch, timestampMs, values, metadata);
            // The body keeps its frames' only copy from now on: the templates' own copies go.
            built.shareFrames();
            requests[b] = built;
          } else {
            // At the body's size: a buffer that grew would leave its smaller self as garbage.
            lent = idle.pop() ?? createCompressedRequestBuilder(batch.bytes);
            body = assemble(lent, parts, pieces, batch, timestampMs, values, metadata);
          }
          try {
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
            // A lent buffer is free again once its push settles (its body is a view of it).
            if (lent) idle.push(lent);
          }
        });
      } finally {
        laid.sending--;
      }
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
  /** Samples (or stale markers) in each request. */
  readonly samples: readonly number[];
  /** Each request's body once built, written again by later writes. */
  readonly requests: CompressedRequestBuilder[];
  /** Writes of this layout not yet settled. */
  sending: number;
  /** Writes of this layout begun: from the second on, its bodies are kept (see `idle`). */
  writes: number;
}

const NO_VALUES = new Float64Array(0);

function sameParts(a: readonly WritePart[], b: readonly WritePart[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const framesOf = (part: WritePart) => part.frames;

/**
 * Builds one request's body in `builder` at `timestampMs`, each piece valued from `values` where its
 * first part's start (a piece's parts carry theirs one after another); returns the body.
 */
function assemble(
  builder: CompressedRequestBuilder,
  parts: readonly WritePart[],
  pieces: readonly FramePiece[],
  batch: BatchRange,
  timestampMs: number,
  values: Float64Array,
  metadata: CompressedBlock,
): Uint8Array {
  let withSamples = false;
  builder.begin(timestampMs);
  for (let k = batch.start; k < batch.end; k++) {
    const piece = pieces[k]!;
    const at = parts[piece.start]!.valuesAt;
    if (at === undefined) builder.addStaleMarkers(piece.template);
    else {
      builder.addSamples(piece.template, values, at);
      withSamples = true;
    }
  }
  if (withSamples) builder.addMetadata(metadata);
  return builder.finish();
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
  const out: FramePiece[] = [];
  for (const piece of pieces) {
    if (fitsOneRequest(piece.template.frame(width), limits) || piece.end - piece.start === 1) out.push(piece);
    else
      for (let i = piece.start; i < piece.end; i++) {
        const { frames } = parts[i]!;
        out.push({ template: frames.group.template([frames.member]), start: i, end: i + 1 });
      }
  }
  return out;
}
