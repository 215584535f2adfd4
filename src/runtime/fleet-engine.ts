/**
 * One fleet's side effects, composed: the FM controller (register, heartbeat, unregister) and the
 * remote-write emitter (ticks, stale markers) over one shared HTTP transport, for a set of collectors that
 * changes while it runs (membership.ts). The background process, the CLI's foreground `run`, and post's
 * inline cleanup all drive this engine, so there is one cleanup path.
 */
import type { Clock, Random } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { RemoteConfigStatus } from "../fm/client.js";
import { createFmClient } from "../fm/client.js";
import { createFmController, type FmController, type FmErrorKind } from "../fm/controller.js";
import type { Collector } from "../fleet/types.js";
import { zeroRemoteWriteCounters } from "../remote-write/counters.js";
import { createEmitter, type Emitter } from "../remote-write/emitter.js";
import { createPusher } from "../remote-write/push.js";
import { CATALOG } from "../signals/catalog.js";
import { createCollectorSignals } from "../signals/model.js";
import { createHttpTransport } from "../transport/http.js";
import { createTokenBucket } from "../transport/rate-limit.js";
import type { FleetConfig, FleetSecrets } from "./config.js";
import type { Counters } from "./counters.js";
import { createMembership, type Life, type MemberView } from "./membership.js";
import type { CleanupReport } from "./status.js";
import { emptyCleanup } from "./status.js";

export interface FleetEngineOptions {
  config: FleetConfig;
  secrets: FleetSecrets;
  /**
   * Every collector the fleet ever held, with its latest identity, when a previous process changed the
   * roster (joins, upgrades). Default: the configured roster.
   */
  collectors?: readonly Collector[];
  /** Last sample timestamp a previous process wrote, so every new sample is later. */
  notBeforeMs?: number;
  /**
   * Cleaning up after another process (post, when the background process died): every collector may be
   * registered and every series open, so stop() unregisters and closes all of them.
   */
  adoptFleet?: boolean;
  /**
   * Called with every collector the fleet has held, before a change registers or opens anything new, so a
   * successor can clean up what this process started.
   */
  onMembersChanged?: (collectors: readonly Collector[]) => void;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  scrub?: (text: string) => string;
}

export interface StartReport {
  registered: number;
  firstPushSamples: number;
}

/** What a change did, collector by collector. */
export interface ChangeReport {
  /** Collectors the change applied to. */
  readonly changed: readonly string[];
  /** Collectors it could not apply to, with why. */
  readonly failed: readonly { id: string; error: string }[];
}

export interface FleetEngine {
  /** Collectors in the fleet now (departed ones left out). */
  collectors(): readonly Collector[];
  members(): readonly MemberView[];
  /**
   * Starts the metrics at once and registers every collector alongside (each with its first GetConfig).
   * Resolves once every collector is registered and the first push was accepted; throws when either
   * fails or `signal` aborts. The metrics go on either way until stop().
   */
  start(signal?: AbortSignal): Promise<StartReport>;
  /** Starts the heartbeats (the metrics run since start). */
  run(): void;
  /** New collectors: registered (with their first GetConfig) and ticking. */
  join(collectors: readonly Collector[], signal?: AbortSignal): Promise<ChangeReport>;
  /** Collectors leave as Alloy does on shutdown: UnregisterCollector, and stale markers at once. */
  leave(ids: readonly string[], signal?: AbortSignal): Promise<ChangeReport>;
  /** Killed: no more heartbeats or pushes, no Unregister, no stale markers (final cleanup still does both). */
  crash(ids: readonly string[]): ChangeReport;
  /** No more heartbeats; metrics go on. FM marks them inactive after its own window. */
  silence(ids: readonly string[]): ChangeReport;
  /** Silenced or crashed collectors heartbeat (and tick) again. */
  resume(ids: readonly string[], signal?: AbortSignal): Promise<ChangeReport>;
  /** A new identity (health, version, attributes): FM sees it on the next Register and every GetConfig. */
  update(collectors: readonly Collector[], signal?: AbortSignal): Promise<ChangeReport>;
  /** The next GetConfig of each reports this status. */
  reportConfigStatus(ids: readonly string[], status: RemoteConfigStatus): ChangeReport;
  /**
   * Stops the loops, unregisters every collector FM may hold and closes every open series. Safe to call
   * when start never ran or failed half-way (post's inline cleanup does exactly that). Never throws.
   */
  stop(options?: { deadlineMs?: number }): Promise<CleanupReport>;
  counters(): Counters;
  lastTimestampMs(): number;
  lastErrors(): Record<string, string>;
}

/** Default time cleanup may take when the caller gives no deadline. */
const DEFAULT_CLEANUP_MS = 60_000;

export function createFleetEngine(options: FleetEngineOptions): FleetEngine {
  const { config, secrets } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const initial = options.collectors ?? config.collectors;
  const membership = createMembership(initial);
  const transport = createHttpTransport({ connections: 16 });

  let fm: FmController | undefined;
  if (config.fm) {
    if (!secrets.fmToken) throw new Error("FM is configured but its token was not handed over");
    const client = createFmClient({
      baseUrl: config.fm.url,
      stackId: config.fm.stackId,
      token: secrets.fmToken,
      transport,
      ...(options.scrub ? { scrub: options.scrub } : {}),
    });
    fm = createFmController({
      client,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      rateLimiter: createTokenBucket({ ratePerSecond: config.fmRatePerSecond, clock }),
      clock,
      random,
      logger,
    });
    if (options.adoptFleet) fm.adopt(initial);
  }

  let emitter: Emitter | undefined;
  if (config.prom) {
    const signalOptions = { fleetStartMs: config.fleetStartMs, intervalMs: config.intervalMs };
    const signalsFor = (c: Collector) => createCollectorSignals(c, signalOptions);
    const counters = zeroRemoteWriteCounters();
    const pusher = createPusher({
      url: config.prom.url,
      ...(config.prom.user ? { user: config.prom.user } : {}),
      ...(secrets.promToken ? { token: secrets.promToken } : {}),
      ...(config.prom.tenant ? { tenant: config.prom.tenant } : {}),
      transport,
      counters,
      clock,
      random,
      logger,
      ...(options.scrub ? { scrub: options.scrub } : {}),
    });
    emitter = createEmitter({
      pusher,
      counters,
      families: CATALOG,
      collectors: initial,
      signalsFor,
      intervalMs: config.intervalMs,
      fleetStartMs: config.fleetStartMs,
      ...(options.notBeforeMs !== undefined ? { notBeforeMs: options.notBeforeMs } : {}),
      adopted: options.adoptFleet ?? false,
      clock,
      logger,
    });
  }

  let running = false;
  let stopped: Promise<CleanupReport> | undefined;
  const persist = () => options.onMembersChanged?.(membership.everyone());

  /** Applies a life change to the members it is allowed for; returns the ones it applied to. */
  const transition = (
    ids: readonly string[],
    to: Life,
  ): { changed: string[]; failed: ChangeReport["failed"] } => {
    const changed: string[] = [];
    const failed: { id: string; error: string }[] = [];
    for (const id of ids) {
      const problem = membership.set(id, to);
      if (problem) failed.push({ id, error: problem });
      else changed.push(id);
    }
    return { changed, failed };
  };

  return {
    collectors: () => membership.present(),
    members: () => membership.views(),

    async start(signal) {
      // A failure on one side ends the other side's wait: there is no ready fleet to wait for.
      const failure = new AbortController();
      const onAbort = () => failure.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort();
      try {
        const metrics = (async () => {
          if (!emitter) return 0;
          const first = emitter.pushNow(failure.signal);
          // Metrics run on the fleet's grid from now on, whatever FM does (registration runs alongside).
          emitter.start();
          const tick = await first;
          if (!tick.ok)
            throw new Error(`the first remote-write push failed: ${tick.error ?? "unknown error"}`);
          return tick.samples;
        })();
        const registration = (async () => {
          if (!fm) return 0;
          const report = await fm.register(membership.present(), { signal: failure.signal });
          if (report.failed.length > 0) {
            const sample = report.failed
              .slice(0, 3)
              .map((f) => `${f.id}: ${f.error}`)
              .join("; ");
            throw new Error(
              `${report.failed.length} of ${membership.present().length} collectors could not be registered (${sample})`,
            );
          }
          return report.registered;
        })();
        const fail = (err: unknown) => {
          failure.abort(err);
          throw err;
        };
        const [firstPushSamples, registered] = await Promise.all([
          metrics.catch(fail),
          registration.catch(fail),
        ]);
        return { registered, firstPushSamples };
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
    },

    run() {
      if (running || stopped) return;
      running = true;
      fm?.startHeartbeats();
      emitter?.start();
    },

    async join(collectors, signal) {
      const added = membership.add(collectors);
      persist();
      emitter?.add(added);
      const report = fm ? await fm.register(added, signal ? { signal } : {}) : { registered: 0, failed: [] };
      const failedIds = new Set(report.failed.map((f) => f.id));
      return { changed: added.map((c) => c.id).filter((id) => !failedIds.has(id)), failed: report.failed };
    },

    async leave(ids, signal) {
      const { changed, failed } = transition(ids, "departed");
      const [unregistered, closed] = await Promise.all([
        fm?.unregister(changed, signal ? { signal } : {}),
        emitter?.closeSeries(changed),
      ]);
      const problems = [...failed, ...(unregistered?.failed ?? [])];
      if (closed && !closed.ok)
        problems.push({ id: changed.join(","), error: `stale markers not accepted: ${closed.error ?? ""}` });
      const failedIds = new Set(problems.map((p) => p.id));
      return { changed: changed.filter((id) => !failedIds.has(id)), failed: problems };
    },

    crash(ids) {
      const result = transition(ids, "crashed");
      fm?.pause(result.changed);
      emitter?.drop(result.changed);
      return result;
    },

    silence(ids) {
      const result = transition(ids, "silenced");
      fm?.pause(result.changed);
      return result;
    },

    async resume(ids, signal) {
      const result = transition(ids, "running");
      emitter?.reopen(result.changed);
      const report = fm
        ? await fm.resume(result.changed, signal ? { signal } : {})
        : { registered: 0, failed: [] };
      return { changed: result.changed, failed: [...result.failed, ...report.failed] };
    },

    async update(collectors, signal) {
      const known = membership.replace(collectors);
      persist();
      for (const c of known) emitter?.update(c);
      const failed: { id: string; error: string }[] = [];
      if (fm)
        for (const c of known) {
          const report = await fm.update(c, signal ? { signal } : {});
          failed.push(...report.failed);
        }
      const failedIds = new Set(failed.map((f) => f.id));
      return { changed: known.map((c) => c.id).filter((id) => !failedIds.has(id)), failed };
    },

    reportConfigStatus(ids, status) {
      const present = new Set(membership.present().map((c) => c.id));
      const changed = ids.filter((id) => present.has(id));
      for (const id of changed) fm?.reportConfigStatus(id, status);
      return {
        changed,
        failed: ids.filter((id) => !present.has(id)).map((id) => ({ id, error: "not in the fleet" })),
      };
    },

    stop(stopOptions) {
      stopped ??= (async (): Promise<CleanupReport> => {
        const deadlineMs = stopOptions?.deadlineMs ?? clock.monotonic() + DEFAULT_CLEANUP_MS;
        const report: CleanupReport = emptyCleanup();
        // Stop the loops first so no heartbeat re-registers a collector we are about to unregister; the
        // tick in flight finishes its retries within the deadline, so its samples land before the markers.
        await Promise.allSettled([fm?.stopHeartbeats(), emitter?.stop({ deadlineMs })]);
        // Unregister and close series side by side: they share nothing but the deadline.
        await Promise.all([
          (async () => {
            if (!fm) return;
            try {
              const u = await fm.unregisterAll({ deadlineMs });
              report.unregistered = u.unregistered.length;
              report.unregisterFailed = u.failed;
              report.warnings.push(...u.warnings);
            } catch (err) {
              report.unregisterFailed = membership
                .everyone()
                .map((c) => ({ id: c.id, error: describeError(err) }));
            }
          })(),
          (async () => {
            if (!emitter) return;
            try {
              const closed = await emitter.closeSeries(undefined, { deadlineMs });
              report.seriesClosed = closed.seriesClosed;
              report.seriesOpen = closed.seriesOpen;
              if (closed.error) report.seriesError = closed.error;
            } catch (err) {
              report.seriesOpen = emitter.openSeries();
              report.seriesError = describeError(err);
            }
          })(),
        ]);
        report.complete = report.unregisterFailed.length === 0 && report.seriesOpen === 0;
        await transport.close().catch(() => undefined);
        return report;
      })();
      return stopped;
    },

    counters: () => ({
      collectors: membership.present().length,
      ...(fm ? { fm: fm.counters() } : {}),
      ...(emitter ? { remoteWrite: emitter.counters() } : {}),
    }),
    lastTimestampMs: () => emitter?.lastTimestampMs() ?? 0,
    lastErrors: () => {
      const errors: Record<string, string> = {};
      for (const [kind, message] of Object.entries(fm?.lastErrors() ?? {}) as [FmErrorKind, string][])
        errors[`fm.${kind}`] = message;
      const pushError = emitter?.lastError();
      if (pushError) errors["remote-write"] = pushError;
      return errors;
    },
  };
}
