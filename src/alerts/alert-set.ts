/**
 * One firing alert per unhealthy collector, kept alive the way Prometheus keeps its alerts alive: every
 * firing alert is re-posted every minute with `endsAt` four minutes ahead, so Alertmanager resolves it by
 * itself within four minutes if this process dies; a recovery, a leave or cleanup posts it with
 * `endsAt` = now, which resolves it at once (docs/fm-protocol.md#collector-status-and-alerts).
 *
 * Posts go out one at a time, in the order they were asked for: Alertmanager keeps the `endsAt` of the post
 * it received last, so a re-post that overtook a resolve would bring the alert back.
 * A failing Alertmanager costs only alerts: posts never throw, failures are counted and logged, firing
 * alerts go again at the next re-post, and resolves not yet accepted are tried again with every post.
 */
import { createSteadyWall, type Clock } from "../core/clock.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { Collector } from "../fleet/types.js";
import {
  ALERT_SEVERITIES,
  collectorAlert,
  DEFAULT_SEVERITY,
  postableAlert,
  type AlertSeverity,
  type CollectorAlert,
} from "./alert.js";
import type { AlertmanagerClient, PostLimits } from "./client.js";
import type { AlertCounters } from "./counters.js";

/** Prometheus' `--rules.alert.resend-delay` default (prometheus/prometheus cmd/prometheus/main.go). */
export const RESEND_INTERVAL_MS = 60_000;
/** `endsAt` of a firing alert: four resend delays ahead, as Prometheus sets it (rules/alerting.go). */
export const ALERT_LIFETIME_MS = 4 * RESEND_INTERVAL_MS;
/** How long one re-post keeps retrying: less than the resend interval, so re-posts never pile up. */
const RESEND_WINDOW_MS = 30_000;

export interface AlertSetOptions {
  client: AlertmanagerClient;
  /** The client's counters record: the set adds the resolved alerts to it. */
  counters: AlertCounters;
  clock: Clock;
  logger?: Logger;
  resendIntervalMs?: number;
  lifetimeMs?: number;
}

/** A collector to fire an alert for, and how loud. */
export interface FiringCollector {
  readonly collector: Collector;
  /** Default critical (FM shows it red); warning shows yellow. */
  readonly severity?: AlertSeverity;
}

export interface AlertPostReport {
  /** Every alert of the post was accepted (true when there was nothing to post). */
  readonly ok: boolean;
  readonly error?: string;
}

export interface ResolveAllReport {
  /** Collectors whose alerts this call resolved (an adopted collector counts once, in either severity). */
  readonly resolved: number;
  /** Collectors whose alert may still be firing in Alertmanager: its resolve was not accepted. */
  readonly unresolved: readonly string[];
  readonly error?: string;
}

export interface AlertSet {
  /**
   * Fires one alert per collector, or changes its severity (the old alert resolves), and posts the changes
   * at once, with any change an earlier failed post left behind. A collector already firing with the same
   * alert is left alone (and nothing is posted if nothing changed). After resolveAll, does nothing.
   */
  fire(collectors: readonly FiringCollector[], limits?: PostLimits): Promise<AlertPostReport>;
  /**
   * Resolves the alerts of these collectors (those not firing are skipped) and posts at once, with any
   * change an earlier failed post left behind.
   */
  resolve(ids: readonly string[], limits?: PostLimits): Promise<AlertPostReport>;
  /**
   * Alerts another process may have left firing, in either severity (post cleaning up after a dead
   * background process): resolveAll resolves them too.
   */
  adopt(collectors: readonly Collector[]): void;
  /** Starts the re-posts (every minute, on the monotonic clock). Idempotent. */
  start(): void;
  /**
   * Stops the re-posts, cuts short any post on the wire, and resolves every alert fired or adopted, until
   * `deadlineMs` (monotonic). Afterwards the set fires nothing. Never throws.
   */
  resolveAll(options: { deadlineMs: number }): Promise<ResolveAllReport>;
  /** Collectors firing now, with their severity. */
  firing(): readonly { collectorId: string; severity: AlertSeverity }[];
  counters(): AlertCounters;
  /** The last post's error, until a post succeeds. */
  lastError(): string | undefined;
}

interface Fired {
  readonly alert: CollectorAlert;
  /** Wall time the alert started: kept on every re-post, and on its resolve. */
  readonly startsAtMs: number;
  /** Resolved in case another process fired it: not counted as resolved, since it may never have fired. */
  readonly adopted?: boolean;
}

export function createAlertSet(options: AlertSetOptions): AlertSet {
  const { client, clock, counters } = options;
  const logger = options.logger ?? silentLogger;
  const resendIntervalMs = options.resendIntervalMs ?? RESEND_INTERVAL_MS;
  const lifetimeMs = options.lifetimeMs ?? ALERT_LIFETIME_MS;
  // Alert times leave the process: wall time, but never going back, so a resolve cannot end before it starts.
  const wall = createSteadyWall(clock);

  /** Firing alerts by collector ID: one per collector. */
  const firing = new Map<string, Fired>();
  /** Collectors whose alert changed since it was last accepted. */
  const dirty = new Set<string>();
  /** Alerts to resolve, by label set, until Alertmanager accepts the resolve. */
  const resolving = new Map<string, Fired>();
  const closing = new AbortController();
  let closed = false;
  let loop: { abort: AbortController; done: Promise<void> } | undefined;
  let lastError: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const keyOf = (alert: CollectorAlert) => JSON.stringify(Object.entries(alert.labels).sort());

  /** Runs posts one after the other, in the order asked. */
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Posts the pending resolves and the changed firing alerts (`all`: every firing alert). */
  const flush = (all: boolean, limits: PostLimits, final = false): Promise<AlertPostReport> =>
    serial(async () => {
      if (closed && !final) return { ok: true };
      const now = wall();
      const resolves = [...resolving.entries()];
      const fires = [...firing.entries()].filter(([id]) => all || dirty.has(id));
      for (const [id] of fires) dirty.delete(id);
      if (resolves.length + fires.length === 0) return { ok: true };
      const result = await client.post(
        [
          ...resolves.map(([, f]) => postableAlert(f.alert, f.startsAtMs, Math.max(now, f.startsAtMs))),
          ...fires.map(([, f]) => postableAlert(f.alert, f.startsAtMs, now + lifetimeMs)),
        ],
        { ...limits, stops: [...(limits.stops ?? []), ...(final ? [] : [closing.signal])] },
      );
      resolves.forEach(([key, f], i) => {
        if (!result.accepted[i] || resolving.get(key) !== f) return;
        resolving.delete(key);
        if (!f.adopted) counters.resolved++;
      });
      // A firing alert not accepted goes again with the next post (or re-post), unless it changed since.
      fires.forEach(([id, f], i) => {
        if (!result.accepted[resolves.length + i] && firing.get(id) === f) dirty.add(id);
      });
      if (!result.stopped) lastError = result.error?.message;
      return result.error ? { ok: false, error: result.error.message } : { ok: true };
    });

  const run = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      try {
        await clock.sleep(resendIntervalMs, signal);
      } catch {
        return;
      }
      await flush(true, { signal, deadlineMs: clock.monotonic() + RESEND_WINDOW_MS });
    }
  };

  return {
    fire(collectors, limits = {}) {
      if (closed) return Promise.resolve({ ok: true });
      const startsAtMs = wall();
      let changed = false;
      for (const { collector, severity = DEFAULT_SEVERITY } of collectors) {
        const alert = collectorAlert(collector, severity);
        const key = keyOf(alert);
        const current = firing.get(collector.id);
        if (current && keyOf(current.alert) === key) {
          // Same alert; a new version or OS changes only its annotations, which the next post carries.
          if (JSON.stringify(current.alert.annotations) !== JSON.stringify(alert.annotations)) {
            firing.set(collector.id, { alert, startsAtMs: current.startsAtMs });
            dirty.add(collector.id);
            changed = true;
          }
          continue;
        }
        // A new severity is a new label set, so a new alert: the old one resolves.
        if (current) resolving.set(keyOf(current.alert), current);
        resolving.delete(key);
        firing.set(collector.id, { alert, startsAtMs });
        dirty.add(collector.id);
        changed = true;
      }
      // Nothing new: what an earlier failed post left waits for the next change or re-post.
      return changed ? flush(false, limits) : Promise.resolve({ ok: true });
    },

    resolve(ids, limits = {}) {
      if (closed) return Promise.resolve({ ok: true });
      let changed = false;
      for (const id of ids) {
        const current = firing.get(id);
        if (!current) continue;
        firing.delete(id);
        dirty.delete(id);
        resolving.set(keyOf(current.alert), current);
        changed = true;
      }
      return changed ? flush(false, limits) : Promise.resolve({ ok: true });
    },

    adopt(collectors) {
      const now = wall();
      for (const collector of collectors)
        for (const severity of ALERT_SEVERITIES) {
          const alert = collectorAlert(collector, severity);
          const key = keyOf(alert);
          // Alertmanager keeps the earliest startsAt of an alert it knows, so `now` loses nothing; an alert
          // it never had is stored already resolved, and no receiver hears of it.
          if (!resolving.has(key)) resolving.set(key, { alert, startsAtMs: now, adopted: true });
        }
    },

    start() {
      if (loop || closed) return;
      const abort = new AbortController();
      loop = { abort, done: run(abort.signal) };
    },

    async resolveAll({ deadlineMs }) {
      if (!closed) {
        closed = true;
        loop?.abort.abort();
        // Posts on the wire are cut short: what they carried is resolved below anyway.
        closing.abort(new Error("resolving every alert"));
        for (const current of firing.values()) resolving.set(keyOf(current.alert), current);
        firing.clear();
        dirty.clear();
      }
      await loop?.done;
      const collectorsOf = (fired: Iterable<Fired>) => new Set([...fired].map((f) => f.alert.collectorId));
      const pending = collectorsOf(resolving.values());
      const report = await flush(false, { deadlineMs }, true);
      const unresolved = [...collectorsOf(resolving.values())].sort();
      if (unresolved.length > 0)
        logger.warn(
          `the alerts of ${unresolved.length} collectors may still be firing in Alertmanager; each expires by itself within ${lifetimeMs / 60_000} minutes of its last post`,
        );
      return {
        resolved: pending.size - unresolved.length,
        unresolved,
        ...(report.error ? { error: report.error } : {}),
      };
    },

    firing: () =>
      [...firing.values()].map((f) => ({ collectorId: f.alert.collectorId, severity: f.alert.severity })),
    counters: () => counters,
    lastError: () => lastError,
  };
}
