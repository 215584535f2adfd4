/**
 * The fleet's life in FM (SPEC section 5): register every collector with its first GetConfig, heartbeat
 * each one every interval, follow roster changes, and unregister on the way out. Every call goes through
 * one rate limiter and the shared retry wrapper; configuration errors stop everything at once.
 */
import { setMaxListeners } from "node:events";
import { systemClock, type Clock, type Random } from "../core/clock.js";
import { describeError, FmApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import type { Collector } from "../fleet/types.js";
import { DeadlineError, linkedSignal } from "../transport/linked-signal.js";
import { withRetry } from "../transport/retry.js";
import type { RateLimiter, RetryPolicy, SendOutcome } from "../transport/types.js";
import type { CallOptions, FmClient, GetConfigResult } from "./client.js";
import { isFatalCode } from "./connect.js";
import { FmRejectedError } from "./guidance.js";
import { createHeartbeatScheduler, type BeatSlot } from "./heartbeat-scheduler.js";
import { runPool } from "./pool.js";
import { LATE_AFTER_MS } from "./schedule.js";
import { createWarnThrottle } from "./warn-throttle.js";

export { heartbeatCapacityWarning } from "./schedule.js";

export interface FmControllerOptions {
  client: FmClient;
  collectors: readonly Collector[];
  heartbeatIntervalMs: number;
  /** Shared by RegisterCollector, GetConfig and UnregisterCollector (SPEC section 5: default 15 req/s). */
  rateLimiter: RateLimiter;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Backoff policy; without a deadline, Register and Unregister stop after 10 attempts. */
  retry?: Partial<RetryPolicy>;
  /** Collectors registered or unregistered at the same time. Default 16. */
  concurrency?: number;
  /**
   * The collectors may already be registered by another process (cleanup from a saved roster after the
   * background process died): unregisterAll then unregisters every one. Default false: only collectors this
   * controller sent a RegisterCollector for are unregistered.
   */
  assumeRegistered?: boolean;
}

export interface RegisterReport {
  /** Collectors registered now, whether by this call or an earlier one. */
  registered: number;
  failed: { id: string; error: string }[];
}

export interface UnregisterReport {
  /** Every collector unregistered so far (not_found counts as done), in roster order. */
  unregistered: string[];
  failed: { id: string; error: string }[];
  warnings: string[];
}

export type FmErrorKind = "register" | "heartbeat" | "unregister" | "fatal";

export interface FmStats {
  registrations: number;
  registrationFailures: number;
  heartbeatsOk: number;
  heartbeatsFailed: number;
  /** Heartbeats sent more than 5 s after their slot, or skipped because the previous one still ran. */
  heartbeatsLate: number;
  reRegistrations: number;
  retries: number;
  unregistrations: number;
  lastErrors: Partial<Record<FmErrorKind, string>>;
}

export interface FmController {
  registerAll(signal?: AbortSignal): Promise<RegisterReport>;
  startHeartbeats(): void;
  stopHeartbeats(): Promise<void>;
  unregisterAll(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<UnregisterReport>;
  reconcile(next: readonly Collector[]): Promise<{ added: Collector[]; departed: Collector[] }>;
  stats(): FmStats;
}

/** One collector's standing with FM. */
interface Member {
  collector: Collector;
  registered: boolean;
  /**
   * A RegisterCollector was sent (or another process may have sent one) and FM did not refuse it: the
   * collector may exist in FM even if no answer came back, so cleanup must unregister it.
   */
  mayBeRegistered: boolean;
  unregistered: boolean;
  /** Last non-empty hash received, echoed on the next GetConfig (SPEC section 5). */
  hash: string;
  /** New content arrived: the next GetConfig reports it applied, once. */
  reportApplied: boolean;
  /** A registration is running; a heartbeat slot that finds it skips. */
  registering: boolean;
}

const DEFAULT_ATTEMPTS_WITHOUT_DEADLINE = 10;

export function createFmController(options: FmControllerOptions): FmController {
  const { client, rateLimiter, heartbeatIntervalMs } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 16;
  const warn = createWarnThrottle(logger, clock);

  let members = options.collectors.map(newMember);
  const stats: Omit<FmStats, "lastErrors"> = {
    registrations: 0,
    registrationFailures: 0,
    heartbeatsOk: 0,
    heartbeatsFailed: 0,
    heartbeatsLate: 0,
    reRegistrations: 0,
    retries: 0,
    unregistrations: 0,
  };
  const lastErrors: FmStats["lastErrors"] = {};
  let fatal: FmRejectedError | undefined;
  // Aborted on a fatal error so every queued and waiting call stops at once.
  const fatalStop = new AbortController();
  // Every call in flight listens to it; Node's 10-listener leak warning would be a false alarm.
  setMaxListeners(0, fatalStop.signal);
  let registering: Promise<RegisterReport> | undefined;
  let unregistering: Promise<UnregisterReport> | undefined;

  const scheduler = createHeartbeatScheduler<Member>({
    clock,
    random,
    intervalMs: heartbeatIntervalMs,
    beat: heartbeat,
    skipped: () => stats.heartbeatsLate++,
  });

  function newMember(collector: Collector): Member {
    return {
      collector,
      registered: false,
      mayBeRegistered: options.assumeRegistered ?? false,
      unregistered: false,
      hash: "",
      reportApplied: false,
      registering: false,
    };
  }

  function noteError(kind: FmErrorKind, error: Error, id?: string) {
    lastErrors[kind] = error.message;
    warn(kind, id ? `FM ${kind} ${id}: ${error.message}` : `FM ${kind}: ${error.message}`);
  }

  /** A configuration error: remember it, say what to check once, and stop every other call. */
  function stopOnFatal(error: FmApiError): FmRejectedError {
    if (!fatal) {
      fatal = FmRejectedError.from(error);
      lastErrors.fatal = fatal.message;
      logger.error(fatal.message, "Fleet Management refused the configuration");
      fatalStop.abort(fatal);
    }
    return fatal;
  }

  const isFatal = (error: Error): error is FmApiError =>
    error instanceof FmApiError && isFatalCode(error.code);
  const hasCode = (outcome: SendOutcome<unknown>, code: string) =>
    outcome.kind !== "success" && outcome.error instanceof FmApiError && outcome.error.code === code;

  /**
   * One FM call with rate limiting and retries. Each attempt waits for its own token; with a deadline, the
   * wait for a token, the backoff and the HTTP timeout all end by it.
   */
  async function send<T>(
    call: (callOptions: CallOptions, attempt: number) => Promise<SendOutcome<T>>,
    limits: { deadlineMs?: number; signal?: AbortSignal },
  ): Promise<SendOutcome<T>> {
    const { deadlineMs } = limits;
    // Stops waiting for tokens and backoffs on the caller's stop, a fatal error, or the deadline.
    const wait = linkedSignal(
      [limits.signal, fatalStop.signal],
      deadlineMs === undefined ? undefined : { clock, atMs: deadlineMs },
    );
    const waitSignal = wait.signal;
    try {
      return await withRetry(
        async (attempt) => {
          if (deadlineMs !== undefined && clock.now() >= deadlineMs)
            return { kind: "failure", error: new Error("the deadline passed") };
          try {
            await rateLimiter.acquire(waitSignal);
          } catch (err) {
            const reason =
              err instanceof DeadlineError ? "no rate-limit token before the deadline" : describeError(err);
            return { kind: "failure", error: new Error(reason, { cause: err }) };
          }
          const callOptions: CallOptions = {};
          if (deadlineMs !== undefined) {
            const remainingMs = deadlineMs - clock.now();
            if (remainingMs <= 0) return { kind: "failure", error: new Error("the deadline passed") };
            callOptions.timeoutMs = Math.min(15_000, remainingMs);
          }
          return call(callOptions, attempt);
        },
        {
          policy: {
            ...(deadlineMs === undefined ? { maxAttempts: DEFAULT_ATTEMPTS_WITHOUT_DEADLINE } : {}),
            ...options.retry,
          },
          clock,
          random,
          signal: waitSignal,
          ...(deadlineMs !== undefined ? { deadlineMs } : {}),
          onRetry: () => stats.retries++,
        },
      );
    } finally {
      wait.dispose();
    }
  }

  /** The bookkeeping after a GetConfig answered: echo its hash, acknowledge new content once. */
  function applyConfig(member: Member, result: GetConfigResult, reportedApplied: boolean) {
    if (reportedApplied) member.reportApplied = false;
    if (result.hash) member.hash = result.hash;
    if (!result.notModified && result.content !== undefined) member.reportApplied = true;
  }

  async function getConfig(
    member: Member,
    limits: { deadlineMs?: number; signal?: AbortSignal; slotMs?: number },
  ) {
    const reportApplied = member.reportApplied;
    const outcome = await send((callOptions, attempt) => {
      if (attempt === 1 && limits.slotMs !== undefined && clock.now() - limits.slotMs > LATE_AFTER_MS)
        stats.heartbeatsLate++;
      return client.getConfig(member.collector, {
        ...callOptions,
        ...(member.hash ? { hash: member.hash } : {}),
        ...(reportApplied ? { remoteConfigStatus: { status: "RemoteConfigStatuses_APPLIED" } } : {}),
      });
    }, limits);
    if (outcome.kind === "success") applyConfig(member, outcome.value, reportApplied);
    return outcome;
  }

  /** Registers one collector; resolves with the error when it could not. */
  async function register(
    member: Member,
    limits: { deadlineMs?: number; signal?: AbortSignal },
  ): Promise<Error | undefined> {
    const outcome = await send((callOptions) => {
      member.mayBeRegistered = true;
      return client.register(member.collector, callOptions);
    }, limits);
    // Register is an upsert; a server that says already_exists has the collector all the same (SPEC section 5).
    if (outcome.kind === "success" || hasCode(outcome, "already_exists")) {
      member.registered = true;
      member.unregistered = false;
      stats.registrations++;
      return undefined;
    }
    // A definite refusal (401, 403, 400 …) means FM did not create it; a timeout or reset might have.
    const refused =
      outcome.error instanceof FmApiError && outcome.error.status >= 400 && outcome.error.status < 500;
    if (refused && !member.registered) member.mayBeRegistered = false;
    if (isFatal(outcome.error)) return stopOnFatal(outcome.error);
    stats.registrationFailures++;
    noteError("register", outcome.error, member.collector.id);
    return outcome.error;
  }

  function recordHeartbeat(member: Member, outcome: SendOutcome<GetConfigResult>) {
    if (outcome.kind === "success") {
      stats.heartbeatsOk++;
      return;
    }
    stats.heartbeatsFailed++;
    if (isFatal(outcome.error)) stopOnFatal(outcome.error);
    else noteError("heartbeat", outcome.error, member.collector.id);
  }

  /** Register, then the first GetConfig right after it, as Alloy does at start. */
  async function enrol(member: Member, signal: AbortSignal | undefined): Promise<string | undefined> {
    member.registering = true;
    try {
      const error = await register(member, { signal });
      if (error) return error.message;
      if (!fatal) recordHeartbeat(member, await getConfig(member, { signal }));
      return undefined;
    } finally {
      member.registering = false;
    }
  }

  async function heartbeat(member: Member, slot: BeatSlot): Promise<void> {
    if (member.registering || !member.registered || fatal) return;
    const limits = { deadlineMs: slot.budgetEndMs, slotMs: slot.slotMs, signal: slot.signal };
    try {
      let outcome = await getConfig(member, limits);
      // Stopped while waiting for a token or a backoff: no heartbeat happened, so none failed either.
      if (outcome.kind !== "success" && slot.signal.aborted) return;
      // FM no longer knows the collector (deleted in the UI, say): register it again, then heartbeat.
      if (hasCode(outcome, "not_found") && scheduler.running) {
        // If this fails, the collector stays marked registered, so its next slot tries again.
        stats.reRegistrations++;
        member.hash = "";
        member.registering = true;
        const error = await register(member, limits).finally(() => (member.registering = false));
        if (!error) outcome = await getConfig(member, { deadlineMs: slot.budgetEndMs, signal: slot.signal });
      }
      recordHeartbeat(member, outcome);
      if (fatal) void scheduler.stop();
    } catch (err) {
      stats.heartbeatsFailed++;
      noteError("heartbeat", err instanceof Error ? err : new Error(String(err)), member.collector.id);
    }
  }

  // A function, not an inline check: `fatal` changes while registration awaits.
  function throwIfFatal() {
    if (fatal) throw fatal;
  }

  async function registerMembers(targets: Member[], signal?: AbortSignal): Promise<RegisterReport> {
    throwIfFatal();
    const failed: RegisterReport["failed"] = [];
    const stop = linkedSignal([signal, fatalStop.signal]);
    const attempted = new Set<Member>();
    await runPool(
      targets,
      concurrency,
      async (member) => {
        attempted.add(member);
        const error = await enrol(member, stop.signal);
        if (error !== undefined && !fatal) failed.push({ id: member.collector.id, error });
      },
      stop.signal,
    ).finally(() => stop.dispose());
    throwIfFatal();
    for (const member of targets)
      if (!attempted.has(member))
        failed.push({ id: member.collector.id, error: `not registered: ${describeError(signal?.reason)}` });
    return { registered: members.filter((m) => m.registered).length, failed: inRosterOrder(failed, targets) };
  }

  async function unregisterMembers(
    targets: Member[],
    limits: { deadlineMs?: number; signal?: AbortSignal },
  ): Promise<UnregisterReport> {
    const failed: UnregisterReport["failed"] = [];
    const warnings: string[] = [];
    // A separate stop, so an unimplemented UnregisterCollector ends the sweep without looking fatal.
    const sweep = new AbortController();
    const link = linkedSignal([sweep.signal, fatalStop.signal, limits.signal]);
    const stop = link.signal;
    const attempted = new Set<Member>();
    let unimplemented = false;

    await runPool(
      targets,
      concurrency,
      async (member) => {
        attempted.add(member);
        const outcome = await send((callOptions) => client.unregister(member.collector.id, callOptions), {
          ...limits,
          signal: stop,
        });
        // not_found: FM has no such collector, which is what we wanted (SPEC section 5).
        if (outcome.kind === "success" || hasCode(outcome, "not_found")) {
          member.unregistered = true;
          member.registered = false;
          member.mayBeRegistered = false;
          stats.unregistrations++;
        } else if (hasCode(outcome, "unimplemented")) {
          unimplemented = true;
          sweep.abort();
        } else if (isFatal(outcome.error)) {
          failed.push({ id: member.collector.id, error: stopOnFatal(outcome.error).message });
        } else if (!unimplemented) {
          failed.push({ id: member.collector.id, error: outcome.error.message });
          noteError("unregister", outcome.error, member.collector.id);
        }
      },
      stop,
    ).finally(() => link.dispose());

    const left = targets.filter((m) => !m.unregistered && !failed.some((f) => f.id === m.collector.id));
    if (unimplemented) {
      warnings.push(
        `FM does not implement UnregisterCollector (unimplemented): ${left.length} collector(s) stay listed and ` +
          `go inactive after 30 minutes without heartbeats.`,
      );
    } else {
      const why = fatal
        ? fatal.message
        : attempted.size < targets.length
          ? `not unregistered before the deadline or stop (${describeError(stop.reason ?? "stopped")})`
          : "not unregistered";
      for (const m of left) failed.push({ id: m.collector.id, error: why });
    }
    for (const w of warnings) logger.warn(w, "FM cleanup");
    return {
      unregistered: members.filter((m) => m.unregistered).map((m) => m.collector.id),
      failed: inRosterOrder(failed, targets),
      warnings,
    };
  }

  return {
    registerAll(signal) {
      registering ??= registerMembers(
        members.filter((m) => !m.registered),
        signal,
      ).finally(() => (registering = undefined));
      return registering;
    },

    startHeartbeats() {
      if (fatal) return;
      scheduler.start(members);
    },

    stopHeartbeats: () => scheduler.stop(),

    unregisterAll(unregisterOptions = {}) {
      unregistering ??= (async () => {
        // No heartbeat may re-register a collector while it is being unregistered.
        await scheduler.stop();
        if (registering) await registering.catch(() => undefined);
        // Never sent, or refused: FM has no such collector, so there is nothing to unregister (and a
        // collector that a 401 kept out must not be reported as left behind).
        for (const m of members) if (!m.registered && !m.mayBeRegistered) m.unregistered = true;
        return unregisterMembers(
          members.filter((m) => !m.unregistered),
          unregisterOptions,
        );
      })().finally(() => (unregistering = undefined));
      return unregistering;
    },

    async reconcile(next) {
      const byId = new Map(members.map((m) => [m.collector.id, m]));
      const nextIds = new Set(next.map((c) => c.id));
      const departedMembers = members.filter((m) => !nextIds.has(m.collector.id));
      const added = next.filter((c) => !byId.has(c.id));
      const changed: Member[] = [];
      members = next.map((c) => {
        const known = byId.get(c.id);
        if (!known) return newMember(c);
        if (!sameAttributes(known.collector, c)) changed.push(known);
        known.collector = c;
        return known;
      });
      if (scheduler.running) scheduler.replan(members);
      if (departedMembers.length > 0) await unregisterMembers(departedMembers, {});
      // Register is an upsert: registering a changed collector again replaces its attributes in FM.
      const toRegister = [...changed, ...members.filter((m) => !byId.has(m.collector.id))];
      if (toRegister.length > 0) await registerMembers(toRegister);
      return { added, departed: departedMembers.map((m) => m.collector) };
    },

    stats: () => ({ ...stats, lastErrors: { ...lastErrors } }),
  };
}

/** Calls finish in any order; reports list collectors as the roster does. */
function inRosterOrder<F extends { id: string }>(failed: F[], roster: readonly Member[]): F[] {
  const position = new Map(roster.map((m, i) => [m.collector.id, i]));
  return [...failed].sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
}

function sameAttributes(a: Collector, b: Collector): boolean {
  const ka = Object.keys(a.attributes);
  return (
    a.name === b.name &&
    ka.length === Object.keys(b.attributes).length &&
    ka.every((k) => a.attributes[k] === b.attributes[k])
  );
}
