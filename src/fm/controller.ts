/**
 * The fleet's life in FM (docs/fm-protocol.md#collector-api): register collectors as they join, each with
 * its first GetConfig right after (as Alloy does at start), heartbeat every registered collector once per
 * interval, pause and resume heartbeats, register again with a new identity, and unregister collectors as
 * they leave. The set of collectors changes while it runs. Every call goes through one rate limiter and the
 * shared call policy (transport/call-policy.ts); a configuration error (401, 403, 400) stops every call.
 */
import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { systemClock, type Clock, type Random } from "../core/clock.js";
import { describeError, FmApiError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { runPool } from "../core/pool.js";
import type { Collector } from "../fleet/types.js";
import { callWithPolicy, type CallLimits, type CallPolicy } from "../transport/call-policy.js";
import { linkedSignal } from "../transport/linked-signal.js";
import type { RateLimiter, RetryPolicy, SendOutcome } from "../transport/types.js";
import {
  DEFAULT_CALL_TIMEOUT_MS,
  type CallOptions,
  type FmClient,
  type GetConfigResult,
  type RemoteConfigStatus,
} from "./client.js";
import { isFatalCode } from "./connect.js";
import { zeroFmCounters, type FmCounters } from "./counters.js";
import type { Speaker } from "../settings/hints.js";
import { FmRejectedError } from "./guidance.js";
import { createHeartbeatScheduler, type BeatSlot } from "./heartbeat-scheduler.js";
import { isHeartbeating, newMember, owesUnregister, type Member } from "./member.js";
import { LATE_AFTER_MS } from "./schedule.js";
import { createWarnThrottle } from "./warn-throttle.js";

export interface FmControllerOptions {
  client: FmClient;
  heartbeatIntervalMs: number;
  /** Shared by RegisterCollector, GetConfig and UnregisterCollector (default 15 req/s). */
  rateLimiter: RateLimiter;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Backoff policy; a call given no deadline stops after 10 attempts. */
  retry?: Partial<RetryPolicy>;
  /** Collectors registered or unregistered at the same time. Default 16. */
  concurrency?: number;
  /**
   * What a collector makes of new content it received: the status its next GetConfig reports
   * (docs/fm-protocol.md#remote-config-status). Default: applied.
   */
  judgeConfig?: (collector: Collector, content: string) => RemoteConfigStatus;
  /** Whose words a refusal names the settings in: the CLI's variables or the action's inputs. Default cli. */
  speaker?: Speaker;
}

export interface RegisterReport {
  /** Collectors of this call that FM now holds. */
  registered: number;
  failed: { id: string; error: string }[];
}

export interface UnregisterReport {
  /** Collectors of this call that FM no longer lists as registered (not_found counts as done), in order. */
  unregistered: string[];
  failed: { id: string; error: string }[];
  warnings: string[];
}

export type FmErrorKind = "register" | "heartbeat" | "unregister" | "fatal";

export interface FmController {
  /**
   * Registers collectors, new ones or known ones FM does not hold, each followed by its first GetConfig
   * within one heartbeat interval. Heartbeats include them from their next slot. Rejects with the
   * FmRejectedError when FM refuses the configuration.
   */
  register(collectors: readonly Collector[], limits?: CallLimits): Promise<RegisterReport>;
  /** Collectors another process may have registered (post cleaning up after a dead one): cleanup unregisters them. */
  adopt(collectors: readonly Collector[]): void;
  startHeartbeats(): void;
  /** Stops the heartbeats and waits for those running. */
  stopHeartbeats(): Promise<void>;
  /** No more heartbeats for these collectors (silence, crash); FM keeps them until it marks them inactive. */
  pause(ids: readonly string[]): void;
  /** Heartbeats again (a not_found re-registers); a collector FM does not hold is registered. */
  resume(ids: readonly string[], limits?: CallLimits): Promise<RegisterReport>;
  /** A new identity (version, attributes): registered again, so FM shows it, and sent on every later GetConfig. */
  update(collector: Collector, limits?: CallLimits): Promise<RegisterReport>;
  /** The next GetConfig of `id` reports this status, once. */
  reportConfigStatus(id: string, status: RemoteConfigStatus): void;
  /** Whether a status given to reportConfigStatus still waits for a GetConfig that FM accepts. */
  statusPending(id: string): boolean;
  /** Unregisters these collectors (they leave the fleet): no more heartbeats, whatever the outcome. */
  unregister(ids: readonly string[], limits?: CallLimits): Promise<UnregisterReport>;
  /** Stops the heartbeats and unregisters every collector FM may hold. */
  unregisterAll(limits?: CallLimits): Promise<UnregisterReport>;
  /** Collectors FM may hold registered from us: what cleanup owes an Unregister, in roster order. */
  owed(): string[];
  /**
   * Collectors FM may hold any record of from us, registered or since unregistered: every one FM accepted
   * a Register for (or may have), and every adopted one. Empty: FM never heard of this fleet.
   */
  recorded(): string[];
  /**
   * These collectors are no longer ours (another run registered them since): no heartbeat, no Unregister.
   * Cleanup calls it after FM's list showed another run's marker on them.
   */
  release(ids: readonly string[]): void;
  counters(): FmCounters;
  lastErrors(): Partial<Record<FmErrorKind, string>>;
  /** The last content and hash each collector received. */
  config(id: string): { content?: string; hash: string } | undefined;
}

const ATTEMPTS_WITHOUT_DEADLINE = 10;

export function createFmController(options: FmControllerOptions): FmController {
  const { client, rateLimiter, heartbeatIntervalMs } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 16;
  const judge = options.judgeConfig ?? (() => ({ status: "RemoteConfigStatuses_APPLIED" as const }));
  const warn = createWarnThrottle(logger, clock);
  const speaker = options.speaker ?? "cli";

  /** Every collector ever known, by ID; `order` keeps roster order (joined ones at the end). */
  const byId = new Map<string, Member>();
  /** Collectors that heartbeat, in roster order: the scheduler spreads them over the interval. */
  let beating: Member[] = [];
  const contents = new Map<string, string>();
  /** IDs FM may hold a record of (recorded()). */
  const recorded = new Set<string>();
  const counters = zeroFmCounters();
  const lastErrors: Partial<Record<FmErrorKind, string>> = {};
  let fatal: FmRejectedError | undefined;
  /** Whether a heartbeat logged the refusal already. */
  let refusalSaid = false;
  // Aborted on a fatal error so every queued and waiting call stops at once.
  const fatalStop = new AbortController();
  // Every call in flight listens to it; Node's 10-listener leak warning would be a false alarm.
  setMaxListeners(0, fatalStop.signal);

  const scheduler = createHeartbeatScheduler<Member>({
    clock,
    random,
    intervalMs: heartbeatIntervalMs,
    beat: heartbeat,
    skipped: () => counters.heartbeatsLate++,
  });

  const policyFor = (limits: CallLimits): CallPolicy => ({
    rateLimiter,
    timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
    retry: {
      ...(limits.deadlineMs === undefined ? { maxAttempts: ATTEMPTS_WITHOUT_DEADLINE } : {}),
      ...options.retry,
    },
  });

  /**
   * One FM call under the shared policy; stops on the caller's signal, the deadline, or (unless the call is
   * cleanup, which must still run after a fatal answer) a fatal error elsewhere in the fleet.
   */
  const send = <T>(
    call: (callOptions: CallOptions, attempt: number) => Promise<SendOutcome<T>>,
    limits: CallLimits,
    purpose: "run" | "cleanup" = "run",
  ): Promise<SendOutcome<T>> =>
    callWithPolicy((attempt) => call({ timeoutMs: attempt.timeoutMs }, attempt.number), {
      policy: policyFor(limits),
      clock,
      random,
      limits,
      stops: purpose === "run" ? [fatalStop.signal] : [],
      // Cleanup is the last chance to unregister: a Retry-After it cannot honour is no reason to stop trying.
      retryAfterPastDeadline: purpose === "cleanup" ? "backoff" : "give-up",
      onRetry: () => counters.retries++,
    });

  function noteError(kind: FmErrorKind, error: Error, id?: string) {
    lastErrors[kind] = error.message;
    warn(kind, id ? `FM ${kind} ${id}: ${error.message}` : `FM ${kind}: ${error.message}`);
  }

  /**
   * A configuration error: remember it and stop every other call. Not logged here: a register call throws it
   * to its caller, which reports it, and a heartbeat logs it once (heartbeat()).
   */
  function stopOnFatal(error: FmApiError): FmRejectedError {
    if (!fatal) {
      fatal = FmRejectedError.from(error, speaker);
      lastErrors.fatal = fatal.message;
      fatalStop.abort(fatal);
    }
    return fatal;
  }

  const isFatal = (error: Error): error is FmApiError =>
    error instanceof FmApiError && isFatalCode(error.code);
  const hasCode = (outcome: SendOutcome<unknown>, code: string) =>
    outcome.kind !== "success" && outcome.error instanceof FmApiError && outcome.error.code === code;

  const memberOf = (collector: Collector): Member => {
    let member = byId.get(collector.id);
    if (!member) {
      member = newMember(collector, false);
      byId.set(collector.id, member);
    } else member.collector = collector;
    return member;
  };

  /** Which collectors heartbeat changed: re-spread them over the interval from the next slot. */
  function replan() {
    // A paused collector keeps its slot, so silence and resume do not shift everyone else's.
    beating = [...byId.values()].filter((m) => m.phase.kind !== "absent" && m.phase.kind !== "unregistering");
    if (scheduler.running) scheduler.replan(beating);
  }

  /**
   * Echo the hash; content not received before is judged once, and its status reported on the next
   * GetConfig. proto3 JSON leaves empty content out, so an answer that is neither `notModified` nor carries
   * content is the empty content FM sends when no pipeline matches (docs/fm-protocol.md#pipelines): Alloy
   * reads it like any other (grafana/alloy `internal/service/remotecfg/config_manager.go`).
   */
  function applyConfig(member: Member, result: GetConfigResult) {
    if (result.hash) member.hash = result.hash;
    if (result.notModified) return;
    const content = result.content ?? "";
    const digest = createHash("sha256").update(content).digest("base64");
    if (member.received === digest) return;
    member.received = digest;
    if (content !== "") contents.set(member.collector.id, content);
    member.pendingStatus = judge(member.collector, content);
  }

  /** One GetConfig: echoes the hash, carries the pending status once, and applies the answer. */
  async function sendGetConfig(member: Member, limits: CallLimits & { slotMs?: number }) {
    const status = member.pendingStatus;
    const outcome = await send((callOptions, attempt) => {
      if (attempt === 1 && limits.slotMs !== undefined && clock.monotonic() - limits.slotMs > LATE_AFTER_MS)
        counters.heartbeatsLate++;
      return client.getConfig(member.collector, {
        ...callOptions,
        ...(member.hash ? { hash: member.hash } : {}),
        ...(status ? { remoteConfigStatus: status } : {}),
      });
    }, limits);
    if (outcome.kind === "success") {
      // Reported: clear it, unless a newer status arrived while the call was on the wire.
      if (member.pendingStatus === status) member.pendingStatus = undefined;
      applyConfig(member, outcome.value);
    }
    return outcome;
  }

  /**
   * A GetConfig, and when the content it brought failed to load, one more at once that reports the
   * failure, as Alloy does instead of waiting for its next poll (grafana/alloy
   * `internal/service/remotecfg/config_manager.go`, notifyStatusUpdate). An APPLIED status waits for the
   * next heartbeat. If the report fails, the status stays pending and the next heartbeat carries it.
   */
  async function getConfig(member: Member, limits: CallLimits & { slotMs?: number }) {
    const outcome = await sendGetConfig(member, limits);
    if (outcome.kind === "success" && member.pendingStatus?.status === "RemoteConfigStatuses_FAILED") {
      const report = await sendGetConfig(member, { deadlineMs: limits.deadlineMs, signal: limits.signal });
      if (report.kind !== "success" && isFatal(report.error)) stopOnFatal(report.error);
    }
    return outcome;
  }

  function recordHeartbeat(member: Member, outcome: SendOutcome<GetConfigResult>) {
    if (outcome.kind === "success") {
      counters.heartbeatsOk++;
      return;
    }
    counters.heartbeatsFailed++;
    if (isFatal(outcome.error)) stopOnFatal(outcome.error);
    else noteError("heartbeat", outcome.error, member.collector.id);
  }

  /**
   * RegisterCollector for one member; resolves with the error when FM does not hold it afterwards. A
   * failure is logged only when `report` is "log" (a heartbeat's re-registration, which no caller reports);
   * register() hands its failures to its caller, which says them once.
   */
  async function sendRegister(
    member: Member,
    limits: CallLimits,
    report: "caller" | "log" = "caller",
  ): Promise<Error | undefined> {
    const heartbeats = member.phase.kind === "registered" ? member.phase.heartbeats : "on";
    const before = member.phase;
    // Whether a request may have created it without our hearing so: no answer came back, yet it may have
    // left this machine (a timeout, a reset), or a 200 came whose body could not be read. Any other HTTP
    // answer but success says FM did not create it.
    let ambiguous = false;
    // FM's last answer (or the network's): a stop or deadline that ends the retries says nothing about FM.
    let lastAnswer: FmApiError | undefined;
    const outcome = await send(async (callOptions) => {
      member.phase = { kind: "registering" };
      const attempt = await client.register(member.collector, callOptions);
      if (attempt.kind !== "success" && attempt.error instanceof FmApiError) {
        lastAnswer = attempt.error;
        ambiguous ||= (attempt.error.status === 0 && !attempt.error.notSent) || attempt.error.status === 200;
      }
      return attempt;
    }, limits);
    // Register is an upsert; already_exists means FM has the collector all the same.
    if (outcome.kind === "success" || hasCode(outcome, "already_exists")) {
      member.phase = { kind: "registered", heartbeats };
      recorded.add(member.collector.id);
      counters.registrations++;
      return undefined;
    }
    if (ambiguous) recorded.add(member.collector.id);
    const held = before.kind === "registered" || before.kind === "uncertain";
    member.phase = ambiguous ? { kind: "uncertain" } : held ? before : { kind: "absent" };
    // Counted as FM saw them: a refusal, fatal or not, is a failure; a call abandoned because FM refused the
    // credentials on another one is not (that refusal is the failure, said once by whoever reports it).
    if (isFatal(outcome.error)) {
      counters.registrationFailures++;
      return stopOnFatal(outcome.error);
    }
    if (fatal) return fatal;
    counters.registrationFailures++;
    const error =
      outcome.error instanceof FmApiError || !lastAnswer
        ? outcome.error
        : new Error(`${outcome.error.message}; FM's last answer: ${lastAnswer.message}`);
    if (lastAnswer) lastErrors.register = lastAnswer.message;
    if (report === "log") noteError("register", error, member.collector.id);
    return error;
  }

  /** Register, then the first GetConfig within one heartbeat interval, as Alloy does at start. */
  async function enrol(member: Member, limits: CallLimits): Promise<string | undefined> {
    const error = await sendRegister(member, limits);
    if (error) return error.message;
    if (!fatal) {
      const firstBeat = { deadlineMs: clock.monotonic() + heartbeatIntervalMs, signal: limits.signal };
      recordHeartbeat(member, await getConfig(member, firstBeat));
    }
    return undefined;
  }

  async function heartbeat(member: Member, slot: BeatSlot): Promise<void> {
    if (!isHeartbeating(member) || fatal) return;
    const limits = { deadlineMs: slot.budgetEndMs, slotMs: slot.slotMs, signal: slot.signal };
    // A refusal found by a heartbeat has no caller to throw to: say it here, once for the fleet.
    const sayRefusal = () => {
      if (fatal && !refusalSaid) {
        refusalSaid = true;
        logger.error(fatal.message, "Fleet Management refused the configuration");
      }
    };
    try {
      let outcome = await getConfig(member, limits);
      // Stopped while waiting for a token or a backoff: no heartbeat happened, so none failed either.
      if (outcome.kind !== "success" && slot.signal.aborted) return;
      // FM no longer knows the collector (deleted in the UI, say): register it again, then heartbeat.
      if (hasCode(outcome, "not_found") && isHeartbeating(member)) {
        counters.reRegistrations++;
        member.hash = "";
        const error = await sendRegister(member, limits, "log");
        // If this failed, the collector stays owed an Unregister and its next slot tries again.
        if (error && member.phase.kind === "uncertain")
          member.phase = { kind: "registered", heartbeats: "on" };
        if (!error) outcome = await getConfig(member, { deadlineMs: slot.budgetEndMs, signal: slot.signal });
      }
      recordHeartbeat(member, outcome);
      sayRefusal();
      if (fatal) void scheduler.stop();
    } catch (err) {
      counters.heartbeatsFailed++;
      noteError("heartbeat", err instanceof Error ? err : new Error(String(err)), member.collector.id);
    }
  }

  function throwIfFatal() {
    if (fatal) throw fatal;
  }

  async function registerMembers(targets: Member[], limits: CallLimits): Promise<RegisterReport> {
    throwIfFatal();
    const failed: RegisterReport["failed"] = [];
    const attempted = new Set<Member>();
    let registered = 0;
    const pool = linkedSignal([limits.signal, fatalStop.signal]);
    await runPool(
      targets,
      concurrency,
      async (member) => {
        attempted.add(member);
        const error = await enrol(member, { ...limits, signal: pool.signal });
        if (error === undefined) registered++;
        else if (!fatal) failed.push({ id: member.collector.id, error });
      },
      pool.signal,
    ).finally(() => pool.dispose());
    replan();
    throwIfFatal();
    for (const member of targets)
      if (!attempted.has(member))
        failed.push({
          id: member.collector.id,
          error: `not registered: ${describeError(limits.signal?.reason ?? "stopped")}`,
        });
    return { registered, failed: inOrder(failed, targets) };
  }

  async function unregisterMembers(targets: Member[], limits: CallLimits): Promise<UnregisterReport> {
    const unregistered: string[] = [];
    const failed: UnregisterReport["failed"] = [];
    const warnings: string[] = [];
    // Cleanup runs after a fatal answer too (a 400 on one GetConfig says nothing about Unregister), so it
    // has its own stop: an unimplemented UnregisterCollector, or credentials FM refuses, end the sweep.
    const sweepStop = new AbortController();
    const sweep = linkedSignal([sweepStop.signal, limits.signal]);
    let refusal: string | undefined;
    const attempted = new Set<Member>();
    let unimplemented = false;

    await runPool(
      targets,
      concurrency,
      async (member) => {
        attempted.add(member);
        const id = member.collector.id;
        member.phase = { kind: "unregistering" };
        const outcome = await send(
          (callOptions) => client.unregister(id, callOptions),
          { ...limits, signal: sweep.signal },
          "cleanup",
        );
        if (outcome.kind === "success" || hasCode(outcome, "not_found")) {
          member.phase = { kind: "absent" };
          unregistered.push(id);
          counters.unregistrations++;
          return;
        }
        member.phase = { kind: "uncertain" };
        if (hasCode(outcome, "unimplemented")) {
          unimplemented = true;
          sweepStop.abort(outcome.error);
        } else if (isFatal(outcome.error)) {
          const message = FmRejectedError.from(outcome.error, speaker).message;
          failed.push({ id, error: message });
          lastErrors.unregister = message;
          // The same credentials fail every other call the same way: stop asking.
          if (outcome.error.code !== "invalid_argument") {
            refusal ??= `${outcome.error.code} (HTTP ${outcome.error.status})`;
            sweepStop.abort(outcome.error);
          }
        } else if (!unimplemented) {
          failed.push({ id, error: outcome.error.message });
          noteError("unregister", outcome.error, id);
        }
      },
      sweep.signal,
    ).finally(() => sweep.dispose());

    const left = targets.filter((m) => owesUnregister(m) && !failed.some((f) => f.id === m.collector.id));
    if (unimplemented) {
      // Not a failure: FM will mark them inactive after 30 minutes without heartbeats.
      warnings.push(
        `FM does not implement UnregisterCollector (unimplemented): ${left.length} collector(s) stay listed and ` +
          `go inactive after 30 minutes without heartbeats.`,
      );
      for (const m of left) m.phase = { kind: "absent" };
    } else {
      const why = refusal
        ? `not unregistered: FM answered ${refusal} to an earlier UnregisterCollector, so the others were not tried`
        : attempted.size < targets.length
          ? `not unregistered before the deadline or stop (${describeError(sweep.signal.reason ?? "stopped")})`
          : "not unregistered";
      for (const m of left) failed.push({ id: m.collector.id, error: why });
    }
    counters.unregistrationFailures += failed.length;
    for (const w of warnings) logger.warn(w, "FM cleanup");
    return { unregistered: inOrder(unregistered, targets), failed: inOrder(failed, targets), warnings };
  }

  const known = (ids: readonly string[]) =>
    ids.map((id) => byId.get(id)).filter((m): m is Member => m !== undefined);

  return {
    register(collectors, limits = {}) {
      const targets = collectors.map(memberOf).filter((m) => m.phase.kind !== "registered");
      return registerMembers(targets, limits);
    },

    adopt(collectors) {
      for (const c of collectors) {
        const member = memberOf(c);
        recorded.add(c.id);
        if (member.phase.kind === "absent") member.phase = { kind: "uncertain" };
      }
      replan();
    },

    startHeartbeats() {
      if (fatal) return;
      replan();
      scheduler.start(beating);
    },

    stopHeartbeats: () => scheduler.stop(),

    pause(ids) {
      for (const m of known(ids))
        if (m.phase.kind === "registered") m.phase = { kind: "registered", heartbeats: "paused" };
    },

    async resume(ids, limits = {}) {
      const targets = known(ids);
      const toRegister: Member[] = [];
      for (const m of targets) {
        if (m.phase.kind === "registered") m.phase = { kind: "registered", heartbeats: "on" };
        else toRegister.push(m);
      }
      const report = toRegister.length
        ? await registerMembers(toRegister, limits)
        : { registered: 0, failed: [] };
      return { registered: report.registered + targets.length - toRegister.length, failed: report.failed };
    },

    async update(collector, limits = {}) {
      const member = memberOf(collector);
      if (member.phase.kind !== "registered") return { registered: 0, failed: [] };
      const error = await sendRegister(member, limits);
      throwIfFatal();
      return error
        ? { registered: 0, failed: [{ id: collector.id, error: error.message }] }
        : { registered: 1, failed: [] };
    },

    reportConfigStatus(id, status) {
      const member = byId.get(id);
      if (member) member.pendingStatus = status;
    },

    statusPending: (id) => byId.get(id)?.pendingStatus !== undefined,

    async unregister(ids, limits = {}) {
      const targets = known(ids).filter(owesUnregister);
      // Out of the heartbeats first, so no heartbeat re-registers a collector on its way out.
      for (const m of targets) m.phase = { kind: "unregistering" };
      replan();
      const report = await unregisterMembers(targets, limits);
      replan();
      return report;
    },

    async unregisterAll(limits = {}) {
      // No heartbeat may re-register a collector while it is being unregistered.
      await scheduler.stop();
      return unregisterMembers([...byId.values()].filter(owesUnregister), limits);
    },

    owed: () => [...byId.values()].filter(owesUnregister).map((m) => m.collector.id),
    recorded: () => [...recorded],

    release(ids) {
      for (const m of known(ids)) m.phase = { kind: "absent" };
      replan();
    },

    counters: () => ({ ...counters }),
    lastErrors: () => ({ ...lastErrors }),
    config(id) {
      const member = byId.get(id);
      if (!member) return undefined;
      const content = contents.get(id);
      return { ...(content !== undefined ? { content } : {}), hash: member.hash };
    },
  };
}

/** Calls finish in any order; reports list collectors as the roster does. */
function inOrder<F extends { id: string } | string>(items: F[], roster: readonly Member[]): F[] {
  const position = new Map(roster.map((m, i) => [m.collector.id, i]));
  const idOf = (f: F) => (typeof f === "string" ? f : f.id);
  return [...items].sort((a, b) => (position.get(idOf(a)) ?? 0) - (position.get(idOf(b)) ?? 0));
}
