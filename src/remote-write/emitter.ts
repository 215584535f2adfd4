/**
 * The metrics loop (SPEC section 6): one tick per interval on the fleet's grid, each tick's samples split
 * into requests by collector, and stale markers when collectors leave.
 *
 * Ordering rules it keeps, because Prometheus rejects a whole request over one sample that goes back in
 * time (400 "out of order sample"):
 * - every request's timestamp is strictly later than every sample sent before it, across restarts too
 *   (`notBeforeMs` carries the previous process's last timestamp);
 * - one operation (tick or close) runs at a time: a tick due while the previous one is still pushing is
 *   counted late and skipped, never stacked, and stale markers wait for the tick in flight.
 */
import { systemClock, type Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { Collector } from "../fleet/types.js";
import type { SignalModel } from "../signals/types.js";
import { planBatches } from "./batch.js";
import {
  createSeriesTemplate,
  createWriteRequestEncoder,
  encodeMetadata,
  timestampWidthOf,
  type SeriesTemplate,
} from "./encode.js";
import type { Pusher, PushResult } from "./push.js";
import { compressBlock, maxRawLengthFor } from "./snappy.js";

/** SPEC section 6: "Batches stay under ~2 MB compressed"; the margin leaves room for HTTP framing. */
export const DEFAULT_MAX_BATCH_BYTES = 2_000_000 - 64 * 1024;

/**
 * Above this many series the cached frames are kept compressed (encode.ts SeriesTemplateOptions): plain
 * frames would pass ~30 MB, and the inflate costs a 10,000-collector tick ~0.15 s of CPU per 15 s.
 */
export const COMPACT_FRAMES_ABOVE_SERIES = 100_000;

export interface EmitterOptions {
  pusher: Pusher;
  model: SignalModel;
  intervalMs: number;
  fleetStartMs: number;
  /** The last sample timestamp a previous process wrote: every new sample is strictly later. */
  notBeforeMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Compressed bytes per request at most. Default DEFAULT_MAX_BATCH_BYTES. */
  maxBatchBytes?: number;
  /**
   * How long a tick's or a close's requests keep retrying. Default max(60 s, 4 intervals): a tick past it
   * is counted as dropped, and meanwhile the ticks it overlaps are counted late.
   */
  retryWindowMs?: number;
  /** Keep cached frames compressed. Default: when the model has more than COMPACT_FRAMES_ABOVE_SERIES. */
  compactFrames?: boolean;
}

export interface TickReport {
  /** Every request of the tick was accepted. */
  readonly ok: boolean;
  /** Samples accepted. */
  readonly samples: number;
  /** Compressed bytes accepted. */
  readonly bytes: number;
  readonly requests: number;
  readonly timestampMs: number;
  readonly error?: string;
}

export interface CloseReport {
  readonly ok: boolean;
  /** Collectors whose stale markers this call sent. */
  readonly collectors: number;
  /** Series closed by this call. */
  readonly seriesClosed: number;
  /** Series of the requested collectors still open (their stale markers did not get through). */
  readonly seriesOpen: number;
  /** Timestamp of the stale markers; absent when there was nothing to close. */
  readonly timestampMs?: number;
  readonly error?: string;
}

export interface EmitterStats {
  ticks: number;
  samples: number;
  bytes: number;
  retries: number;
  lateTicks: number;
  droppedSamples: number;
  staleMarkersSent: number;
  lastError?: string;
}

export interface Emitter {
  /** Pushes one tick now (at start); its timestamp is now, or just after notBeforeMs. */
  pushNow(): Promise<TickReport>;
  /** Starts the loop: one tick per grid point fleetStart + k·interval, timestamped with that grid point. */
  start(): void;
  /** Stops the loop and waits for the operation in flight; a push in flight makes no further retries. */
  stop(): Promise<void>;
  /**
   * Sends every series of `collectors` (default: all still open) once more with the stale marker, at a
   * timestamp after all earlier samples, and leaves them out of later ticks. Idempotent: collectors already
   * closed are skipped; ones whose markers failed are tried again.
   */
  closeSeries(collectors?: readonly Collector[], options?: { deadlineMs?: number }): Promise<CloseReport>;
  /** The latest sample timestamp sent or being sent (stale markers included); notBeforeMs before any. */
  lastTimestampMs(): number;
  stats(): EmitterStats;
}

/** A collector's state: open (ticking), closing (left the ticks, stale markers not yet accepted), closed. */
type SeriesState = "open" | "closing" | "closed";

interface BatchOutcome {
  samples: number;
  bytes: number;
  requests: number;
  failedSamples: number;
  /** Indices whose requests failed. */
  failed: number[];
  error?: string;
}

export function createEmitter(options: EmitterOptions): Emitter {
  const { pusher, model, intervalMs, fleetStartMs } = options;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const retryWindowMs = options.retryWindowMs ?? Math.max(60_000, 4 * intervalMs);
  const metadata = encodeMetadata(model.families);
  const rawBudget = maxRawLengthFor(options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);

  const signals = model.collectors;
  const compact = options.compactFrames ?? model.seriesPerTick > COMPACT_FRAMES_ABOVE_SERIES;
  const templates: SeriesTemplate[] = signals.map((c) => createSeriesTemplate(c.series, { compact }));
  const valueOffsets: number[] = [];
  let totalSeries = 0;
  for (const c of signals) {
    valueOffsets.push(totalSeries);
    totalSeries += c.series.length;
  }
  const values = new Float64Array(totalSeries);
  // One encoder for every request: encoding and compressing are synchronous, so no two requests share it
  // at once, and its buffer is copied by the compressor before the next await.
  const encoder = createWriteRequestEncoder();
  const state: SeriesState[] = signals.map(() => "open");
  const indexById = new Map(signals.map((c, i) => [c.collector.id, i]));

  const stats: Omit<EmitterStats, "retries"> = {
    ticks: 0,
    samples: 0,
    bytes: 0,
    lateTicks: 0,
    droppedSamples: 0,
    staleMarkersSent: 0,
  };
  let lastTs = options.notBeforeMs ?? Number.NEGATIVE_INFINITY;
  let lastTickOk = true;

  // One operation at a time (see the header comment).
  let busy = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    busy++;
    const result = tail.then(run);
    tail = result.then(
      () => busy--,
      () => busy--,
    );
    return result;
  };

  let loop: { abort: AbortController; done: Promise<void> } | undefined;
  /** Aborted by stop(): the tick in flight makes no more retries. */
  let tickAbort = new AbortController();

  /** A timestamp for work starting now: now, but strictly after everything sent before. */
  const nextTimestamp = () => Math.max(Math.floor(clock.now()), Math.floor(lastTs) + 1);

  /** The first grid point strictly after `t`. */
  const gridAfter = (t: number) =>
    fleetStartMs + (Math.floor((t - fleetStartMs) / intervalMs) + 1) * intervalMs;

  /** Encodes, compresses and pushes the collectors `indices` at one timestamp, `pusher.maxInFlight` at a time. */
  const send = async (
    indices: readonly number[],
    timestampMs: number,
    kind: "samples" | "stale",
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<BatchOutcome> => {
    const width = timestampWidthOf(timestampMs);
    const extra = kind === "samples" ? metadata.length : 0;
    const sizes = indices.map((i) => templates[i]!.frame(width).length);
    const batches = planBatches(sizes, rawBudget - extra);
    const outcome: BatchOutcome = { samples: 0, bytes: 0, requests: 0, failedSamples: 0, failed: [] };
    let next = 0;

    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const members = indices.slice(batch.start, batch.end);
        let samples = 0;
        encoder.begin(timestampMs);
        for (const i of members) {
          const template = templates[i]!;
          if (kind === "stale") encoder.addStaleMarkers(template);
          else {
            signals[i]!.valuesAt(timestampMs, values, valueOffsets[i]);
            encoder.addSamples(template, values, valueOffsets[i]);
          }
          samples += template.seriesCount;
        }
        if (kind === "samples") encoder.addMetadata(metadata);
        const body = compressBlock(encoder.finish());
        const result: PushResult = await pusher.push(body, {
          samples,
          deadlineMs,
          ...(signal ? { signal } : {}),
        });
        outcome.requests++;
        if (result.ok) {
          outcome.samples += samples;
          outcome.bytes += body.length;
        } else {
          outcome.failedSamples += samples;
          outcome.failed.push(...members);
          outcome.error = result.error?.message ?? `HTTP ${result.status}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(pusher.maxInFlight, batches.length) }, worker));
    return outcome;
  };

  const tick = async (timestampMs: number): Promise<TickReport> => {
    // Claimed before the first byte leaves: a sample may reach the receiver even if its push fails.
    lastTs = Math.max(lastTs, timestampMs);
    const open = state.flatMap((s, i) => (s === "open" ? [i] : []));
    const result = await send(open, timestampMs, "samples", clock.now() + retryWindowMs, tickAbort.signal);
    stats.ticks++;
    stats.samples += result.samples;
    stats.bytes += result.bytes;
    stats.droppedSamples += result.failedSamples;
    const ok = result.failed.length === 0;
    if (result.error) stats.lastError = result.error;
    if (!ok && lastTickOk)
      logger.warn(
        `tick at ${new Date(timestampMs).toISOString()}: ${result.failedSamples} of ` +
          `${result.samples + result.failedSamples} samples not accepted: ${result.error}`,
        "Remote write",
      );
    else if (ok && !lastTickOk) logger.info("remote write recovered: the last tick was accepted in full");
    lastTickOk = ok;
    return {
      ok,
      samples: result.samples,
      bytes: result.bytes,
      requests: result.requests,
      timestampMs,
      ...(result.error ? { error: result.error } : {}),
    };
  };

  const runLoop = async (signal: AbortSignal) => {
    let lastDue = clock.now();
    while (!signal.aborted) {
      let due = gridAfter(Math.max(lastDue, lastTs));
      try {
        await clock.sleep(due - clock.now(), signal);
      } catch {
        return;
      }
      if (due <= lastTs) continue; // a close wrote a later marker meanwhile: take the next grid point
      // Woken more than an interval late (a suspended runner, a blocked event loop): the missed grid
      // points are late ticks, and the tick goes out at the latest one, so its samples are not stale.
      const missed = Math.floor((clock.now() - due) / intervalMs);
      if (missed > 0) {
        stats.lateTicks += missed;
        due += missed * intervalMs;
      }
      lastDue = due;
      if (busy > 0) {
        stats.lateTicks++;
        logger.debug(`tick at ${new Date(due).toISOString()} skipped: the previous push is still running`);
        continue;
      }
      void exclusive(() => tick(due)).catch((err: unknown) => {
        stats.lastError = describeError(err);
        logger.error(`tick failed: ${stats.lastError}`, "Remote write");
      });
    }
  };

  return {
    pushNow: () => exclusive(() => tick(nextTimestamp())),

    start() {
      if (loop) return;
      const abort = new AbortController();
      loop = { abort, done: runLoop(abort.signal) };
    },

    async stop() {
      const current = loop;
      loop = undefined;
      current?.abort.abort();
      tickAbort.abort();
      await current?.done;
      await tail;
      tickAbort = new AbortController();
    },

    closeSeries(collectors, closeOptions) {
      let requested: number[];
      if (collectors) {
        requested = [];
        for (const c of collectors) {
          const i = indexById.get(c.id);
          if (i !== undefined) requested.push(i);
        }
      } else requested = state.map((_, i) => i);
      const toClose = requested.filter((i) => state[i] !== "closed");
      // Out of the ticks from now on, even before the markers go out.
      for (const i of toClose) state[i] = "closing";
      return exclusive(async (): Promise<CloseReport> => {
        const pending = toClose.filter((i) => state[i] === "closing");
        if (pending.length === 0) return { ok: true, collectors: 0, seriesClosed: 0, seriesOpen: 0 };
        const timestampMs = nextTimestamp();
        lastTs = timestampMs;
        const deadlineMs = closeOptions?.deadlineMs ?? clock.now() + retryWindowMs;
        const result = await send(pending, timestampMs, "stale", deadlineMs);
        const failed = new Set(result.failed);
        let seriesOpen = 0;
        for (const i of pending) {
          if (failed.has(i)) seriesOpen += templates[i]!.seriesCount;
          else state[i] = "closed";
        }
        stats.staleMarkersSent += result.samples;
        if (result.error) stats.lastError = result.error;
        if (seriesOpen > 0)
          logger.warn(
            `${seriesOpen} series could not be marked stale: ${result.error}`,
            "Remote write cleanup",
          );
        return {
          ok: seriesOpen === 0,
          collectors: pending.length - new Set(result.failed).size,
          seriesClosed: result.samples,
          seriesOpen,
          timestampMs,
          ...(result.error ? { error: result.error } : {}),
        };
      });
    },

    lastTimestampMs: () => (Number.isFinite(lastTs) ? lastTs : 0),

    stats: () => ({ ...stats, retries: pusher.stats().retries }),
  };
}
