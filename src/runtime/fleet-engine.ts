/**
 * One fleet's side effects, composed: the FM controller (register, heartbeat, unregister), the
 * remote-write emitter (ticks, stale markers) and, when an Alertmanager is configured, the alert set (one
 * firing alert per unhealthy collector) over one shared HTTP transport, for a set of collectors that
 * changes while it runs (membership.ts). The background process, the CLI's foreground `run`, and post's
 * inline cleanup all drive this engine, so there is one cleanup path.
 */
import { createAlertSet, type AlertSet } from "../alerts/alert-set.js";
import type { AlertSeverity } from "../alerts/alert.js";
import { createAlertmanagerClient } from "../alerts/client.js";
import { zeroAlertCounters } from "../alerts/counters.js";
import type { Clock, Random } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { describeError, FmApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { RemoteConfigStatus } from "../fm/client.js";
import { createFmClient } from "../fm/client.js";
import { cleanUpFleetInFm } from "../fm/cleanup.js";
import { createFmController, type FmController, type FmErrorKind } from "../fm/controller.js";
import { createFmManagement, type FmManagement } from "../fm/management.js";
import { describeHolders, FAKE_MATCHER, heldByOthers } from "../fm/ownership.js";
import { sweepLeftovers } from "../fm/sweep.js";
import { formatMatcher } from "../fleet/matchers.js";
import { withRunMarker } from "../fleet/run-marker.js";
import { createReceivedConfigs } from "../fm/received-configs.js";
import type { ReceivedPipelines } from "../fleet/pipeline-check.js";
import type { Collector } from "../fleet/types.js";
import { zeroRemoteWriteCounters } from "../remote-write/counters.js";
import { createEmitter, type Emitter } from "../remote-write/emitter.js";
import { createPusher } from "../remote-write/push.js";
import { hintFor } from "../settings/hints.js";
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
   * With adoptFleet: the receiver never accepted a sample of this fleet (the status file's counters say so),
   * so no series is open and stop() owes it no stale marker.
   */
  seriesNeverAccepted?: boolean;
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
  /** What the user should know about the start: IDs another live run holds, a sweep that failed. */
  warnings: string[];
}

/** What a change did, collector by collector. */
export interface ChangeReport {
  /** Collectors the change applied to. */
  readonly changed: readonly string[];
  /** Collectors it could not apply to, with why. */
  readonly failed: readonly { id: string; error: string }[];
}

/** Options of an identity change. */
export interface UpdateOptions {
  /**
   * The severity of the alert each listed collector fires when it is unhealthy after the update: critical
   * (FM shows it red, the default) or warning (yellow). A collector already firing with another severity
   * has its alert replaced. Without an Alertmanager it changes nothing.
   */
  readonly severity?: Readonly<Record<string, AlertSeverity>>;
}

/** What the first push after a change made of it. */
export interface PushOutcome {
  readonly ok: boolean;
  /** The push's sample timestamp; absent when remote write is off. */
  readonly timestampMs?: number;
  readonly error?: string;
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
  /**
   * A new identity (health, version, attributes). Metrics carry it from the next tick; FM sees new
   * attributes (a version) on a Register sent at once and on every later GetConfig; a change of health
   * alone sends nothing to FM, as Alloy's health is not an attribute. A collector turning unhealthy fires
   * its alert, one turning healthy resolves it.
   */
  update(
    collectors: readonly Collector[],
    signal?: AbortSignal,
    options?: UpdateOptions,
  ): Promise<ChangeReport>;
  /** The next GetConfig of each reports this status. */
  reportConfigStatus(ids: readonly string[], status: RemoteConfigStatus): ChangeReport;
  /**
   * The first push that starts after this call: it carries every change of health and version made
   * before it. Resolves at once with ok when remote write is off.
   */
  nextPush(signal?: AbortSignal): Promise<PushOutcome>;
  /**
   * Resolves once the status reportConfigStatus gave each of `ids` went out on a GetConfig that FM
   * accepted; at once when FM is off. Rejects when `signal` aborts first.
   */
  configStatusSent(ids: readonly string[], signal?: AbortSignal): Promise<void>;
  /**
   * Stops the loops, unregisters every collector FM may hold and closes every open series. Safe to call
   * when start never ran or failed half-way (post's inline cleanup does exactly that). Never throws.
   */
  stop(options?: { deadlineMs?: number }): Promise<CleanupReport>;
  counters(): Counters;
  /**
   * What each collector received last from FM (pipelines, APPLIED or FAILED with the parser's message), by
   * ID; a collector whose first GetConfig has not been answered yet is absent.
   */
  receivedConfigs(): Record<string, ReceivedPipelines>;
  lastTimestampMs(): number;
  lastErrors(): Record<string, string>;
}

/** How often configStatusSent looks whether the heartbeat carrying a status went out. */
const STATUS_POLL_MS = 100;

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Default time cleanup may take when the caller gives no deadline. */
const DEFAULT_CLEANUP_MS = 60_000;
/** Longest the sweep before registering may take (it deletes in batches at 3 req/s). */
const SWEEP_MS = 30_000;
/** Longest the check for other runs holding our IDs may delay registering (one call). */
const OWNERSHIP_CHECK_MS = 10_000;

export function createFleetEngine(options: FleetEngineOptions): FleetEngine {
  const { config, secrets } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  // Every collector this engine registers carries this start's marker, whoever built it (joins, upgrades).
  const stamp = (c: Collector) => withRunMarker(c, config.runMarker);
  const cleanupMode = config.cleanup ?? "delete";
  /** FM's last failed answer to the check before registering (management calls). */
  let preflightError: string | undefined;
  const speaker = config.speaker ?? "cli";
  /** A failure the user's settings can cause, as the one sentence that says what to check. */
  const explain = (failure: string) => hintFor(failure, speaker) ?? failure;
  const initial = (options.collectors ?? config.collectors).map(stamp);
  const membership = createMembership(initial);
  const transport = createHttpTransport({ connections: 16 });
  // What each collector made of its config: its FM status, and the running components its metrics show.
  const received = createReceivedConfigs();
  let emitter: Emitter | undefined;

  let fm: FmController | undefined;
  let management: FmManagement | undefined;
  if (config.fm) {
    if (!secrets.fmToken) throw new Error("FM is configured but its token was not handed over");
    const client = createFmClient({
      baseUrl: config.fm.url,
      stackId: config.fm.stackId,
      token: secrets.fmToken,
      transport,
      logger,
      ...(options.scrub ? { scrub: options.scrub } : {}),
    });
    fm = createFmController({
      client,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      rateLimiter: createTokenBucket({ ratePerSecond: config.fmRatePerSecond, clock }),
      clock,
      random,
      logger,
      speaker,
      judgeConfig: (collector, content) => {
        const outcome = received.receive(collector.id, content);
        if (outcome.componentsChanged) emitter?.refresh([collector.id]);
        return outcome.status;
      },
    });
    // Management calls have their own FM limit, so their own bucket (fm/management.ts).
    management = createFmManagement({
      client,
      clock,
      random,
      // FM's last answer to the check before registering, for a start stopped before any Register got one.
      onRetry: ({ error }) => {
        if (error instanceof FmApiError) preflightError = error.message;
      },
    });
    if (options.adoptFleet) fm.adopt(initial);
  }

  if (config.prom) {
    const signalOptions = { fleetStartMs: config.fleetStartMs, intervalMs: config.intervalMs };
    const signalsFor = (c: Collector) =>
      createCollectorSignals(c, { ...signalOptions, receivedComponents: received.components(c.id) });
    const counters = zeroRemoteWriteCounters();
    const pusher = createPusher({
      url: config.prom.url,
      ...(config.prom.user ? { user: config.prom.user } : {}),
      ...(secrets.promToken ? { token: secrets.promToken } : {}),
      ...(config.prom.tenant ? { tenant: config.prom.tenant } : {}),
      transport,
      counters,
      maxPauseMs: config.intervalMs,
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
      adopted: (options.adoptFleet ?? false) && !options.seriesNeverAccepted,
      clock,
      logger,
    });
  }

  // Alerts: one per unhealthy collector, fired at start and on changes, resolved on recovery, leave and stop.
  let alerts: AlertSet | undefined;
  if (config.alertmanager) {
    if (!secrets.alertmanagerToken)
      throw new Error("Alertmanager is configured but its token was not handed over");
    const counters = zeroAlertCounters();
    alerts = createAlertSet({
      client: createAlertmanagerClient({
        url: config.alertmanager.url,
        user: config.alertmanager.user,
        token: secrets.alertmanagerToken,
        transport,
        counters,
        clock,
        random,
        logger,
        explain: (error) => hintFor(error, speaker),
        ...(options.scrub ? { scrub: options.scrub } : {}),
      }),
      counters,
      clock,
      logger,
    });
    if (options.adoptFleet) alerts.adopt(initial.filter((c) => !c.healthy));
  }
  /** Fires the unhealthy collectors' alerts and resolves the healthy ones'; never fails the change. */
  const syncAlerts = async (
    collectors: readonly Collector[],
    signal?: AbortSignal,
    severity: Readonly<Record<string, AlertSeverity>> = {},
  ) => {
    if (!alerts) return;
    const limits = signal ? { signal } : {};
    const sick = collectors.filter((c) => !c.healthy);
    const well = collectors.filter((c) => c.healthy).map((c) => c.id);
    try {
      await Promise.all([
        sick.length > 0
          ? alerts.fire(
              sick.map((c) => ({ collector: c, ...(severity[c.id] ? { severity: severity[c.id] } : {}) })),
              limits,
            )
          : undefined,
        well.length > 0 ? alerts.resolve(well, limits) : undefined,
      ]);
    } catch (err) {
      logger.warn(`alerts: ${describeError(err)}`);
    }
  };

  let running = false;
  let stopped: Promise<CleanupReport> | undefined;
  const persist = () => options.onMembersChanged?.(membership.everyone());

  /**
   * Before registering: sweep this repository's leftovers when asked, and warn when a live run holds our
   * IDs (one ListCollectors of fake collectors). Bounded and never fatal: metrics are already running.
   */
  async function preflight(signal: AbortSignal): Promise<string[]> {
    const warnings: string[] = [];
    if (!management) return warnings;
    if (config.sweep) {
      const { repository, olderThanMs } = config.sweep;
      const swept = await sweepLeftovers({
        management,
        matchers: [formatMatcher({ name: "github.repository", op: "=", value: repository })],
        olderThanMs,
        nowMs: clock.now(),
        dryRun: false,
        limits: { deadlineMs: clock.monotonic() + SWEEP_MS, signal },
      });
      if (swept.listError)
        warnings.push(`sweep: could not list the leftovers of ${repository}: ${swept.listError}`);
      else
        logger.info(
          `sweep: ${swept.deleted.length} leftover(s) of ${repository} deleted (${swept.stale.length} inactive for over ${Math.round(olderThanMs / 60_000)} min among ${swept.listed} fake collectors)`,
        );
      if (swept.failed.length > 0)
        warnings.push(
          `sweep: ${swept.failed.length} leftover(s) of ${repository} could not be deleted: ${swept.failed[0]!.error}`,
        );
    }
    const listed = await management.list([FAKE_MATCHER], {
      deadlineMs: clock.monotonic() + OWNERSHIP_CHECK_MS,
      signal,
    });
    if (listed.kind === "success") {
      const ids = membership.present().map((c) => c.id);
      const held = heldByOthers(ids, listed.value, config.runMarker, { liveOnly: true });
      if (held.length > 0)
        warnings.push(
          `${held.length} of this fleet's collector IDs are in use by another live run: ${describeHolders(held)}. ` +
            `Registering takes them over, and that run's cleanup will then leave them to this one. ` +
            (speaker === "cli"
              ? "Give each run its own env with --env, e.g. --env pr-<pull request number>."
              : "Give each run its own env with input env, e.g. env: pr-<pull request number>."),
        );
    } else {
      if (listed.error instanceof FmApiError) preflightError = listed.error.message;
      logger.debug(`could not check whether another run holds these IDs: ${listed.error.message}`);
    }
    for (const w of warnings) logger.warn(w, "Fleet Management");
    return warnings;
  }

  /**
   * Why registering failed, in one sentence: FM's own answer (the last a register call got, not the stop
   * that cut the others short), with what to check when the settings can cause it.
   */
  function registrationFailure(failed: readonly { id: string; error: string }[]): string {
    const total = membership.present().length;
    // A start stopped before any Register got an answer still has the check's answer from the same FM.
    const answer = fm?.lastErrors().register ?? preflightError;
    const head = `${failed.length} of ${total} collectors could not be registered`;
    if (answer) return `${head}: ${explain(answer)}`;
    const sample = failed
      .slice(0, 3)
      .map((f) => `${f.id}: ${f.error}`)
      .join("; ");
    return `${head} (${sample})`;
  }

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
            throw new Error(`the first remote-write push failed: ${explain(tick.error ?? "unknown error")}`);
          return tick.samples;
        })();
        const warnings: string[] = [];
        const registration = (async () => {
          if (!fm) return 0;
          warnings.push(
            ...(await preflight(failure.signal).catch((err: unknown) => {
              // Never fatal: the check and the sweep only inform or tidy; registering goes on.
              const warning = `could not check FM for leftovers and other runs: ${describeError(err)}`;
              logger.warn(warning, "Fleet Management");
              return [warning];
            })),
          );
          const report = await fm.register(membership.present(), { signal: failure.signal });
          if (report.failed.length > 0) throw new Error(registrationFailure(report.failed));
          return report.registered;
        })();
        const fail = (err: unknown) => {
          failure.abort(err);
          throw err;
        };
        // Alerts go alongside and never fail the start: a failing Alertmanager is counted and logged.
        alerts?.start();
        const firing = syncAlerts(membership.present(), failure.signal);
        const [firstPushSamples, registered] = await Promise.all([
          metrics.catch(fail),
          registration.catch(fail),
          firing,
        ]);
        return { registered, firstPushSamples, warnings };
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
      const added = membership.add(collectors.map(stamp));
      persist();
      emitter?.add(added);
      const [report] = await Promise.all([
        fm ? fm.register(added, signal ? { signal } : {}) : { registered: 0, failed: [] },
        syncAlerts(
          added.filter((c) => !c.healthy),
          signal,
        ),
      ]);
      const failedIds = new Set(report.failed.map((f) => f.id));
      return { changed: added.map((c) => c.id).filter((id) => !failedIds.has(id)), failed: report.failed };
    },

    async leave(ids, signal) {
      const { changed, failed } = transition(ids, "departed");
      const [unregistered, closed] = await Promise.all([
        fm?.unregister(changed, signal ? { signal } : {}),
        emitter?.closeSeries(changed),
        alerts?.resolve(changed, signal ? { signal } : {}),
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

    async update(collectors, signal, updateOptions) {
      const before = new Map(membership.everyone().map((c) => [c.id, c]));
      const known = membership.replace(collectors.map(stamp));
      persist();
      for (const c of known) emitter?.update(c);
      const failed: { id: string; error: string }[] = [];
      const firing = syncAlerts(known, signal, updateOptions?.severity);
      const seenByFm = (c: Collector) => {
        const old = before.get(c.id);
        return !old || old.name !== c.name || !sameRecord(old.attributes, c.attributes);
      };
      if (fm)
        for (const c of known.filter(seenByFm)) {
          const report = await fm.update(c, signal ? { signal } : {});
          failed.push(...report.failed);
        }
      await firing;
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

    async nextPush(signal) {
      if (!emitter) return { ok: true };
      const tick = await emitter.nextTick(signal);
      return { ok: tick.ok, timestampMs: tick.timestampMs, ...(tick.error ? { error: tick.error } : {}) };
    },

    async configStatusSent(ids, signal) {
      if (!fm) return;
      const controller = fm;
      while (ids.some((id) => controller.statusPending(id))) await clock.sleep(STATUS_POLL_MS, signal);
    },

    stop(stopOptions) {
      stopped ??= (async (): Promise<CleanupReport> => {
        const deadlineMs = stopOptions?.deadlineMs ?? clock.monotonic() + DEFAULT_CLEANUP_MS;
        const report: CleanupReport = {
          ...emptyCleanup(),
          ...(fm ? { mode: cleanupMode, deleted: 0 } : {}),
        };
        // Stop the loops first so no heartbeat re-registers a collector we are about to unregister; the
        // tick in flight finishes its retries within the deadline, so its samples land before the markers.
        await Promise.allSettled([fm?.stopHeartbeats(), emitter?.stop({ deadlineMs })]);
        // Unregister, close series and resolve alerts side by side: they share nothing but the deadline.
        await Promise.all([
          (async () => {
            if (!fm || !management) return;
            try {
              const r = await cleanUpFleetInFm({
                controller: fm,
                management,
                runMarker: config.runMarker,
                mode: cleanupMode,
                ids: membership.everyone().map((c) => c.id),
                limits: { deadlineMs },
                logger,
              });
              report.unregistered = r.unregistered;
              report.unregisterFailed = r.unregisterFailed;
              report.deleted = r.deleted;
              report.notDeleted = r.notDeleted;
              report.otherRuns = r.otherRuns.map((h) => ({ id: h.id, run: h.run }));
              report.warnings.push(...r.warnings);
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
              if (closed.error) report.seriesError = explain(closed.error);
            } catch (err) {
              report.seriesOpen = emitter.openSeries();
              report.seriesError = describeError(err);
            }
          })(),
          (async () => {
            if (!alerts) return;
            const resolved = await alerts.resolveAll({ deadlineMs });
            report.alertsResolved = resolved.resolved;
            report.alertsFiring = resolved.unresolved.length;
            if (resolved.error) report.alertsError = resolved.error;
          })(),
        ]);
        report.complete =
          report.unregisterFailed.length === 0 && report.seriesOpen === 0 && (report.alertsFiring ?? 0) === 0;
        await transport.close().catch(() => undefined);
        return report;
      })();
      return stopped;
    },

    counters: () => ({
      collectors: membership.present().length,
      ...(fm ? { fm: fm.counters() } : {}),
      ...(emitter ? { remoteWrite: emitter.counters() } : {}),
      ...(alerts ? { alerts: { ...alerts.counters() } } : {}),
    }),
    receivedConfigs: () => received.all(),
    lastTimestampMs: () => emitter?.lastTimestampMs() ?? 0,
    lastErrors: () => {
      const errors: Record<string, string> = {};
      for (const [kind, message] of Object.entries(fm?.lastErrors() ?? {}) as [FmErrorKind, string][])
        errors[`fm.${kind}`] = message;
      const pushError = emitter?.lastError();
      if (pushError) errors["remote-write"] = pushError;
      const alertError = alerts?.lastError();
      if (alertError) errors.alerts = alertError;
      return errors;
    },
  };
}
