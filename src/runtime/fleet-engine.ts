/**
 * One fleet's side effects, composed: the FM controller (register, heartbeat, unregister) and the
 * remote-write emitter (ticks, stale markers) over one shared HTTP transport. The background process, the
 * CLI's foreground `run`, and post's inline cleanup all drive the same engine, so there is one cleanup path.
 */
import type { Clock, Random } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { createFmClient } from "../fm/client.js";
import { createFmController, heartbeatCapacityWarning, type FmController } from "../fm/controller.js";
import type { Collector } from "../fleet/types.js";
import { createEmitter, type Emitter } from "../remote-write/emitter.js";
import { createPusher } from "../remote-write/push.js";
import { createSignalModel } from "../signals/model.js";
import { createHttpTransport } from "../transport/http.js";
import { createTokenBucket } from "../transport/rate-limit.js";
import type { FleetConfig, FleetSecrets } from "./config.js";
import type { CleanupReport, Counters } from "./status.js";
import { emptyCleanup, emptyCounters } from "./status.js";

export interface FleetEngineOptions {
  config: FleetConfig;
  secrets: FleetSecrets;
  /** Last sample timestamp a previous process wrote, so every new sample is later (SPEC section 6). */
  notBeforeMs?: number;
  /**
   * Cleaning up after another process (post, when the background process died): every collector may be
   * registered, so stop() unregisters all of them rather than only those this engine registered.
   */
  adoptFleet?: boolean;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  scrub?: (text: string) => string;
}

export interface StartReport {
  registered: number;
  firstPushSamples: number;
}

export interface FleetEngine {
  readonly collectors: readonly Collector[];
  /** Registers every collector (with its first GetConfig) and makes the first push. Throws on a fatal error. */
  start(signal?: AbortSignal): Promise<StartReport>;
  /** Starts the heartbeat and tick loops. */
  run(): void;
  /**
   * Stops the loops, unregisters every collector and closes every series with stale markers. Safe to call
   * when start never ran or failed half-way (post's inline cleanup does exactly that). Never throws.
   */
  stop(options?: { deadlineMs?: number }): Promise<CleanupReport>;
  counters(): Counters;
  lastTimestampMs(): number;
  lastErrors(): Record<string, string>;
}

export function createFleetEngine(options: FleetEngineOptions): FleetEngine {
  const { config, secrets } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const collectors = config.collectors as readonly Collector[];
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
      collectors,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      rateLimiter: createTokenBucket({ ratePerSecond: config.fmRatePerSecond, clock }),
      clock,
      random,
      logger,
      assumeRegistered: options.adoptFleet ?? false,
    });
    const warning = heartbeatCapacityWarning(
      collectors.length,
      config.heartbeatIntervalMs,
      config.fmRatePerSecond,
    );
    if (warning) logger.warn(warning, "FM rate limit");
  }

  let emitter: Emitter | undefined;
  let seriesPerTick = 0;
  if (config.prom) {
    const model = createSignalModel(collectors, {
      fleetStartMs: config.fleetStartMs,
      intervalMs: config.intervalMs,
    });
    seriesPerTick = model.seriesPerTick;
    const pusher = createPusher({
      url: config.prom.url,
      ...(config.prom.user ? { user: config.prom.user } : {}),
      ...(secrets.promToken ? { token: secrets.promToken } : {}),
      ...(config.prom.tenant ? { tenant: config.prom.tenant } : {}),
      transport,
      clock,
      random,
      logger,
      ...(options.scrub ? { scrub: options.scrub } : {}),
    });
    emitter = createEmitter({
      pusher,
      model,
      intervalMs: config.intervalMs,
      fleetStartMs: config.fleetStartMs,
      ...(options.notBeforeMs !== undefined ? { notBeforeMs: options.notBeforeMs } : {}),
      clock,
      logger,
    });
  }

  let running = false;
  let stopped: Promise<CleanupReport> | undefined;

  const counters = (): Counters => {
    const c = emptyCounters(collectors.length);
    if (fm) {
      const s = fm.stats();
      c.registrations = s.registrations;
      c.registrationFailures = s.registrationFailures;
      c.heartbeatsOk = s.heartbeatsOk;
      c.heartbeatsFailed = s.heartbeatsFailed;
      c.heartbeatsLate = s.heartbeatsLate;
      c.reRegistrations = s.reRegistrations;
      c.fmRetries = s.retries;
    }
    if (emitter) {
      const s = emitter.stats();
      c.ticks = s.ticks;
      c.lateTicks = s.lateTicks;
      c.samples = s.samples;
      c.bytes = s.bytes;
      c.pushRetries = s.retries;
      c.droppedSamples = s.droppedSamples;
    }
    return c;
  };

  return {
    collectors,
    async start(signal) {
      let registered = 0;
      if (fm) {
        const report = await fm.registerAll(signal);
        registered = report.registered;
        if (report.failed.length > 0) {
          const sample = report.failed
            .slice(0, 3)
            .map((f) => `${f.id}: ${f.error}`)
            .join("; ");
          throw new Error(
            `${report.failed.length} of ${collectors.length} collectors could not be registered (${sample})`,
          );
        }
      }
      let firstPushSamples = 0;
      if (emitter) {
        const tick = await emitter.pushNow();
        if (!tick.ok) throw new Error(`the first remote-write push failed: ${tick.error ?? "unknown error"}`);
        firstPushSamples = tick.samples;
      }
      return { registered, firstPushSamples };
    },
    run() {
      if (running || stopped) return;
      running = true;
      fm?.startHeartbeats();
      emitter?.start();
    },
    stop(stopOptions) {
      stopped ??= (async (): Promise<CleanupReport> => {
        const deadlineMs = stopOptions?.deadlineMs ?? clock.now() + 60_000;
        const report: CleanupReport = emptyCleanup();
        // Stop the loops first so no heartbeat re-registers a collector we are about to unregister.
        await Promise.allSettled([fm?.stopHeartbeats(), emitter?.stop()]);
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
              report.unregisterFailed = collectors.map((c) => ({ id: c.id, error: describeError(err) }));
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
              report.seriesOpen = seriesPerTick;
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
    counters,
    lastTimestampMs: () => emitter?.lastTimestampMs() ?? 0,
    lastErrors: () => {
      const errors: Record<string, string> = {};
      for (const [kind, message] of Object.entries(fm?.stats().lastErrors ?? {}))
        errors[`fm.${kind}`] = message;
      const pushError = emitter?.stats().lastError;
      if (pushError) errors["remote-write"] = pushError;
      return errors;
    },
  };
}
