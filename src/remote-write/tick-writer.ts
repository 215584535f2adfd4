/**
 * How one tick (or one close) reaches the receiver: its parts (one collector's series with values, or with
 * stale markers) are grouped into requests that stay under the compressed-size limit, each request is
 * encoded into one reused buffer, compressed and pushed, a bounded number on the wire at once. A request
 * holds whole parts, so a failed request loses whole collectors' samples, never a random subset.
 */
import { runPool } from "../core/pool.js";
import type { MetricFamily } from "../signals/types.js";
import { planBatches } from "./batch.js";
import {
  createWriteRequestEncoder,
  encodeMetadata,
  timestampWidthOf,
  type SeriesTemplate,
} from "./encode.js";
import type { Pusher } from "./push.js";
import { compressBlock, maxRawLengthFor } from "./snappy.js";

/** "Batches stay under ~2 MB compressed" (docs/fm-protocol.md#remote-write); the margin is for HTTP framing. */
export const DEFAULT_MAX_BATCH_BYTES = 2_000_000 - 64 * 1024;

/** One collector's share of a request. */
export interface WritePart {
  readonly template: SeriesTemplate;
  /** Writes the part's values at the timestamp into `out` from 0; absent: every series gets a stale marker. */
  readonly fill?: (timestampMs: number, out: Float64Array) => void;
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
  /** Requests on the wire at once. Default 2. */
  concurrency?: number;
}

export function createTickWriter(options: TickWriterOptions): TickWriter {
  const { pusher } = options;
  const metadata = encodeMetadata(options.families);
  const rawBudget = maxRawLengthFor(options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  // One encoder for every request: encoding and compressing are synchronous, so no two requests share it at
  // once, and the compressor copies its buffer before the next await.
  const encoder = createWriteRequestEncoder();
  let values = new Float64Array(64);

  return {
    async write(parts, timestampMs, limits) {
      const width = timestampWidthOf(timestampMs);
      const carriesSamples = parts.some((p) => p.fill);
      const sizes = parts.map((p) => p.template.frame(width).length);
      const batches = planBatches(sizes, rawBudget - (carriesSamples ? metadata.length : 0));
      const outcome: WriteOutcome = {
        samples: 0,
        bytes: 0,
        requests: 0,
        failedSamples: 0,
        failed: new Set(),
        maybeDelivered: new Set(),
      };

      await runPool(batches, concurrency, async (batch) => {
        let samples = 0;
        let withSamples = false;
        encoder.begin(timestampMs);
        for (let i = batch.start; i < batch.end; i++) {
          const part = parts[i]!;
          if (part.fill) {
            if (values.length < part.template.seriesCount)
              values = new Float64Array(part.template.seriesCount);
            part.fill(timestampMs, values);
            encoder.addSamples(part.template, values, 0);
            withSamples = true;
          } else encoder.addStaleMarkers(part.template);
          samples += part.template.seriesCount;
        }
        if (withSamples) encoder.addMetadata(metadata);
        const body = compressBlock(encoder.finish());
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
        } else {
          outcome.failedSamples += samples;
          for (let i = batch.start; i < batch.end; i++) {
            outcome.failed.add(i);
            if (result.maybeDelivered) outcome.maybeDelivered.add(i);
          }
          outcome.error = result.error?.message ?? `HTTP ${result.status}`;
        }
      });
      return outcome;
    },
  };
}
