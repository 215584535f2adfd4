/**
 * The fleet's metrics (docs/fm-protocol.md#remote-write): one tick per interval on the fleet's grid
 * (tick-scheduler.ts), written by tick-writer.ts, for a set of collectors that changes while it runs.
 * Each collector's series are open (in every tick), dropped (a crash: out of the ticks, no stale markers),
 * closing (stale markers on their way) or closed. A collector whose identity changes (an upgrade) keeps
 * its series, except those whose labels change: the old ones get a stale marker, the new ones start.
 *
 * Ordering rules it keeps, because Prometheus refuses a whole request over one sample that goes back in
 * time (400 "out of order sample"):
 * - every timestamp is strictly later than every sample sent before it, across restarts (`notBeforeMs`
 *   carries the previous process's last timestamp) and across wall-clock steps (createSteadyWall);
 * - one operation (tick or close) runs at a time: stale markers wait for the tick in flight.
 */
import { createSteadyWall, systemClock, type Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { Collector } from "../fleet/types.js";
import type { CollectorSignals, MetricFamily } from "../signals/types.js";
import { zeroRemoteWriteCounters, type RemoteWriteCounters } from "./counters.js";
import { buildFrameGroups, buildFrameGroupsOf, singleFrame, type FrameRef } from "./compressed-fleet.js";
import { vanishedSeries } from "./compressed-template.js";
import type { Pusher } from "./push.js";
import { linkedSignal } from "../transport/linked-signal.js";
import { createTickScheduler } from "./tick-scheduler.js";
import { createTickWriter, type WritePart } from "./tick-writer.js";

/** A tick's (or a close's) requests retry for 4 intervals, but never less than 10 s nor more than 60 s. */
export function retryWindowFor(intervalMs: number): number {
  return Math.min(60_000, Math.max(10_000, 4 * intervalMs));
}

export interface EmitterOptions {
  pusher: Pusher;
  /** The counters record this emitter fills (and the pusher adds to). */
  counters?: RemoteWriteCounters;
  families: readonly MetricFamily[];
  /**
   * The collectors at start. Their signals are made (signalsFor) a group at a time while the frames are
   * built, and only their values and frames are kept: the fleet's label structures never exist at once.
   */
  collectors: readonly Collector[];
  /** The signals of a collector that joins or changes identity. */
  signalsFor: (collector: Collector) => CollectorSignals;
  intervalMs: number;
  fleetStartMs: number;
  /** The last sample timestamp a previous process wrote: every new sample is strictly later. */
  notBeforeMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Compressed bytes per request at most. */
  maxBatchBytes?: number;
  /** Requests on the wire at once. Default 2. */
  concurrency?: number;
  /** How long a tick's or a close's requests keep retrying. Default retryWindowFor(intervalMs). */
  retryWindowMs?: number;
  /**
   * The starting collectors' series may be open already (another process pushed them and died): closeSeries
   * closes them even if this emitter never ticked.
   */
  adopted?: boolean;
}

export interface TickReport {
  /** Every request of the tick was accepted. */
  readonly ok: boolean;
  /** Samples accepted. */
  readonly samples: number;
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

export interface Emitter {
  /**
   * Pushes one tick now (the first, at start); its timestamp is now, or just after notBeforeMs. Aborting
   * `signal` ends its retries. A failure is not logged: the caller reports it (a failed start says why).
   */
  pushNow(signal?: AbortSignal): Promise<TickReport>;
  /** Starts the ticks on the grid. */
  start(): void;
  /**
   * The report of the first tick that starts after this call: the push that carries every change made
   * before it (a new health or version). Rejects when `signal` aborts first.
   */
  nextTick(signal?: AbortSignal): Promise<TickReport>;
  /**
   * Stops the ticks. The tick in flight keeps retrying until half the time left before `deadlineMs` (at
   * once without one), so the stale markers that follow still have time.
   */
  stop(options?: { deadlineMs?: number }): Promise<void>;
  /** Collectors that join: their series start with the next tick. Known ones that were closed reopen. */
  add(collectors: readonly Collector[]): void;
  /** A collector's new identity (health, version): series whose labels change are closed, new ones start. */
  update(collector: Collector): void;
  /**
   * The values of these collectors changed and their labels did not (a new received configuration changes
   * the running components): their signals are built again by signalsFor from the next tick on.
   */
  refresh(ids: readonly string[]): void;
  /** Out of the ticks without stale markers, as a crashed process goes (closeSeries still closes them). */
  drop(ids: readonly string[]): void;
  /** Dropped collectors tick again. */
  reopen(ids: readonly string[]): void;
  /**
   * Sends every series of the collectors `ids` (default: every collector not yet closed) once more with the
   * stale marker, at a timestamp after all earlier samples, and leaves them out of later ticks. Idempotent:
   * closed collectors are skipped, ones whose markers failed are tried again.
   */
  closeSeries(ids?: readonly string[], options?: { deadlineMs?: number }): Promise<CloseReport>;
  /** Series sent and not yet closed with an accepted stale marker (dropped ones included). */
  openSeries(): number;
  /** The latest sample timestamp sent or being sent (stale markers included); notBeforeMs before any. */
  lastTimestampMs(): number;
  counters(): RemoteWriteCounters;
  lastError(): string | undefined;
}

type SeriesState = "open" | "dropped" | "closing" | "closed";

interface Entry {
  /** Its identity now: refresh builds its values again from it. */
  collector: Collector;
  /** Writes the collector's values at a time (CollectorSignals.valuesAt). */
  values: CollectorSignals["valuesAt"];
  /** Its series' pre-compressed frame. */
  frames: FrameRef;
  /**
   * Its share of a tick (`frames`, valued from where its values are in the tick's), made again only when
   * either changes, so a steady tick allocates nothing per collector and the writer keeps its layout.
   */
  tickPart: WritePart;
  state: SeriesState;
  /** Series of a former identity owed a stale marker (an upgrade's old alloy_build_info). */
  retired: FrameRef[];
  /**
   * Whether any sample of it may be stored: one whose every push was refused (a wrong token, a receiver
   * answering 503 throughout) has nothing to close.
   */
  sent: boolean;
}

export function createEmitter(options: EmitterOptions): Emitter {
  // Fields, not `options`, are kept: the starting collectors' signals must not outlive this call.
  const { pusher, intervalMs, fleetStartMs, signalsFor } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const counters = options.counters ?? zeroRemoteWriteCounters();
  const retryWindowMs = options.retryWindowMs ?? retryWindowFor(intervalMs);
  const wallNow = createSteadyWall(clock);
  const writer = createTickWriter({
    pusher,
    families: options.families,
    ...(options.maxBatchBytes !== undefined ? { maxBatchBytes: options.maxBatchBytes } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });

  /** In roster order, joined collectors last. */
  const entries = new Map<string, Entry>();
  /** Entries for collectors that (re)start together: their frames are built as groups. */
  const entriesOf = (collectors: readonly Collector[], sent: boolean): Entry[] => {
    const values: CollectorSignals["valuesAt"][] = [];
    const frames = buildFrameGroupsOf(collectors, (collector) => {
      const signals = signalsFor(collector);
      values.push(signals.valuesAt);
      return signals.labels;
    });
    return frames.map((ref, i) => ({
      collector: collectors[i]!,
      values: values[i]!,
      frames: ref,
      tickPart: { frames: ref, valuesAt: 0 },
      state: "open",
      retired: [],
      sent,
    }));
  };
  const seen = new Set<string>();
  for (const { id } of options.collectors) {
    if (seen.has(id)) throw new RangeError(`two collectors share the ID ${id}: their series would collide`);
    seen.add(id);
  }
  entriesOf(options.collectors, options.adopted ?? false).forEach((entry, i) =>
    entries.set(options.collectors[i]!.id, entry),
  );

  const seriesIn = ({ group, member }: FrameRef) => group.seriesCount(member);
  const seriesOf = (entry: Entry) =>
    entry.retired.reduce((n, r) => n + seriesIn(r), entry.sent ? seriesIn(entry.frames) : 0);

  /** The open collectors' values at the tick being sent, one after another in the order of `entries`. */
  let tickValues = new Float64Array(0);

  let lastTs = options.notBeforeMs ?? Number.NEGATIVE_INFINITY;
  let lastTickOk = true;
  let lastError: string | undefined;

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
  /** Aborted when a stop's grace ends: the tick in flight makes no more retries. */
  let tickAbort = new AbortController();

  /** A timestamp for work starting now: now, but strictly after everything sent before. */
  const nextTimestamp = () => Math.max(Math.floor(wallNow()), Math.floor(lastTs) + 1);

  /** Callers of nextTick waiting for a tick to start. */
  let tickWaiters: ((report: TickReport) => void)[] = [];

  /** `quiet`: the caller reports a failure itself (the first push, which decides whether the start fails). */
  const tick = async (timestampMs: number, signal?: AbortSignal, quiet = false): Promise<TickReport> => {
    const waiting = tickWaiters;
    tickWaiters = [];
    try {
      const report = await tickOnce(timestampMs, signal, quiet);
      for (const resolve of waiting) resolve(report);
      return report;
    } catch (err) {
      const failed = { ok: false, samples: 0, bytes: 0, requests: 0, timestampMs, error: describeError(err) };
      for (const resolve of waiting) resolve(failed);
      throw err;
    }
  };

  const tickOnce = async (timestampMs: number, signal?: AbortSignal, quiet = false): Promise<TickReport> => {
    // Claimed before the first byte leaves: a sample may reach the receiver even if its push fails.
    lastTs = Math.max(lastTs, timestampMs);
    // Part i belongs to owners[i]; retiredOf[i] is the retired frame it closes, if it is one.
    const parts: WritePart[] = [];
    const owners: Entry[] = [];
    const retiredOf: (FrameRef | undefined)[] = [];
    let valuesAt = 0;
    for (const entry of entries.values()) {
      if (entry.state !== "open") continue;
      // Where its values go this tick: the same place as last tick while the fleet stands still.
      if (entry.tickPart.valuesAt !== valuesAt) entry.tickPart = { frames: entry.frames, valuesAt };
      parts.push(entry.tickPart);
      owners.push(entry);
      retiredOf.push(undefined);
      valuesAt += seriesIn(entry.frames);
      for (const retired of entry.retired) {
        parts.push({ frames: retired });
        owners.push(entry);
        retiredOf.push(retired);
      }
    }
    // Every value of the tick is computed before its first request leaves, so all of them describe one
    // instant, whatever a refresh() does while requests are on the wire.
    if (tickValues.length < valuesAt) tickValues = new Float64Array(valuesAt);
    for (let i = 0; i < parts.length; i++)
      if (!retiredOf[i]) owners[i]!.values(timestampMs, tickValues, parts[i]!.valuesAt);
    const stop = linkedSignal([tickAbort.signal, signal]);
    const result = await writer
      .write(
        parts,
        timestampMs,
        { deadlineMs: clock.monotonic() + retryWindowMs, signal: stop.signal },
        tickValues,
      )
      .finally(() => stop.dispose());
    owners.forEach((entry, i) => {
      const retired = retiredOf[i];
      const stored = !result.failed.has(i);
      if (!retired) entry.sent ||= stored || result.maybeDelivered.has(i);
      else if (stored) entry.retired = entry.retired.filter((t) => t !== retired);
    });
    counters.ticks++;
    counters.samples += result.samples;
    counters.bytes += result.bytes;
    counters.droppedSamples += result.failedSamples;
    const ok = result.failed.size === 0;
    if (result.error) lastError = result.error;
    if (!ok && lastTickOk && !quiet)
      logger.warn(
        `tick at ${new Date(timestampMs).toISOString()}: ${result.failedSamples} of ` +
          `${result.samples + result.failedSamples} samples not accepted: ${result.error}`,
        "Remote write",
      );
    else if (ok && !lastTickOk) logger.info("remote write recovered: the last tick was accepted in full");
    // A quiet tick's failure was never said here: the next one that fails is the first to warn.
    if (!quiet) lastTickOk = ok;
    return {
      ok,
      samples: result.samples,
      bytes: result.bytes,
      requests: result.requests,
      timestampMs,
      ...(result.error ? { error: result.error } : {}),
    };
  };

  const scheduler = createTickScheduler({
    clock,
    wallNow,
    intervalMs,
    fleetStartMs,
    lastTimestampMs: () => lastTs,
    busy: () => busy > 0,
    late: (count, dueMs) => {
      counters.lateTicks += count;
      logger.debug(`${count} tick(s) late at ${new Date(dueMs).toISOString()}`);
    },
    tick: (dueMs) => {
      void exclusive(() => tick(dueMs)).catch((err: unknown) => {
        lastError = describeError(err);
        logger.error(`tick failed: ${lastError}`, "Remote write");
      });
    },
  });

  return {
    pushNow: (signal) => exclusive(() => tick(nextTimestamp(), signal, true)),

    start: () => scheduler.start(),

    nextTick(signal) {
      return new Promise<TickReport>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        const onAbort = () => {
          tickWaiters = tickWaiters.filter((w) => w !== waiter);
          reject(signal!.reason as Error);
        };
        const waiter = (report: TickReport) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(report);
        };
        tickWaiters.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },

    async stop(stopOptions) {
      await scheduler.stop();
      const graceMs =
        stopOptions?.deadlineMs === undefined ? 0 : (stopOptions.deadlineMs - clock.monotonic()) / 2;
      const grace = new AbortController();
      const stopping = new Error("stopping");
      const abortAtGraceEnd =
        graceMs <= 0
          ? Promise.resolve(tickAbort.abort(stopping))
          : clock.sleep(graceMs, grace.signal).then(
              () => tickAbort.abort(stopping),
              () => undefined,
            );
      await tail;
      grace.abort();
      await abortAtGraceEnd;
      tickAbort = new AbortController();
    },

    add(collectors) {
      const starting = collectors.filter((c) => {
        const state = entries.get(c.id)?.state;
        return state === undefined || state === "closed" || state === "closing";
      });
      entriesOf(starting, false).forEach((entry, i) => {
        const id = starting[i]!.id;
        entries.set(id, { ...entry, retired: entries.get(id)?.retired ?? [] });
      });
    },

    update(collector) {
      const entry = entries.get(collector.id);
      if (!entry) return;
      const signals = signalsFor(collector);
      const frames = buildFrameGroups([signals.labels])[0]!;
      if (entry.sent) {
        const vanished = vanishedSeries(
          entry.frames.group.template([entry.frames.member]),
          frames.group.whole,
        );
        if (vanished) entry.retired.push(singleFrame(vanished));
      }
      entry.collector = collector;
      entry.values = signals.valuesAt;
      entry.frames = frames;
      entry.tickPart = { frames, valuesAt: 0 };
    },

    refresh(ids) {
      for (const id of ids) {
        const entry = entries.get(id);
        // Same labels, so the frames (and the tick's part) stay; a tick in flight has its values already.
        if (!entry) continue;
        entry.values = signalsFor(entry.collector).valuesAt;
      }
    },

    drop(ids) {
      for (const id of ids) {
        const entry = entries.get(id);
        if (entry?.state === "open") entry.state = "dropped";
      }
    },

    reopen(ids) {
      for (const id of ids) {
        const entry = entries.get(id);
        if (entry?.state === "dropped") entry.state = "open";
      }
    },

    closeSeries(ids, closeOptions) {
      const requested = ids
        ? ids.map((id) => entries.get(id)).filter((e) => e !== undefined)
        : [...entries.values()];
      const toClose = requested.filter((e) => e.state !== "closed");
      // Out of the ticks from now on, even before the markers go out.
      for (const e of toClose) e.state = "closing";
      return exclusive(async (): Promise<CloseReport> => {
        const pending = toClose.filter((e) => e.state === "closing");
        const parts: WritePart[] = [];
        const owners: Entry[] = [];
        for (const entry of pending) {
          if (entry.sent) {
            parts.push({ frames: entry.frames });
            owners.push(entry);
          }
          for (const retired of entry.retired) {
            parts.push({ frames: retired });
            owners.push(entry);
          }
        }
        if (parts.length === 0) {
          for (const entry of pending) entry.state = "closed";
          return { ok: true, collectors: 0, seriesClosed: 0, seriesOpen: 0 };
        }
        const timestampMs = nextTimestamp();
        lastTs = timestampMs;
        const deadlineMs = closeOptions?.deadlineMs ?? clock.monotonic() + retryWindowMs;
        const result = await writer.write(parts, timestampMs, { deadlineMs, cleanup: true });
        const failedEntries = new Set([...result.failed].map((i) => owners[i]!));
        let seriesOpen = 0;
        for (const entry of pending) {
          if (failedEntries.has(entry)) seriesOpen += seriesOf(entry);
          else {
            entry.state = "closed";
            entry.sent = false;
            entry.retired = [];
          }
        }
        counters.staleMarkers += result.samples;
        if (result.error) lastError = result.error;
        if (seriesOpen > 0)
          logger.warn(
            `${seriesOpen} series could not be marked stale: ${result.error}`,
            "Remote write cleanup",
          );
        return {
          ok: seriesOpen === 0,
          collectors: pending.length - failedEntries.size,
          seriesClosed: result.samples,
          seriesOpen,
          timestampMs,
          ...(result.error ? { error: result.error } : {}),
        };
      });
    },

    openSeries: () => [...entries.values()].reduce((n, e) => n + (e.state === "closed" ? 0 : seriesOf(e)), 0),
    lastTimestampMs: () => (Number.isFinite(lastTs) ? lastTs : 0),
    counters: () => ({ ...counters }),
    lastError: () => lastError,
  };
}
