/**
 * Plays a blueprint's timeline on a running fleet, and applies live events (`fm-fleet event`) to it: each
 * step at its offset from "ready" on the monotonic clock, one change at a time, through the fleet engine.
 * What each change is comes from fleet/scenario.ts (pure); this file only schedules, applies, waits for
 * the first effect FM or Prometheus accepted, and records what each step changed for the status file, the
 * job summary and `fm-fleet status`.
 */
import type { ScenarioEvent } from "../blueprint/events.js";
import type { ScenarioAction } from "../blueprint/types.js";
import { systemClock, type Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { planEvent, planPart, type FleetChange, type PlayedStep } from "../fleet/scenario.js";
import { describeSelect, type FleetView } from "../fleet/selection.js";
import type { FleetShape } from "../fleet/shape.js";
import type { ChangeReport, FleetEngine } from "./fleet-engine.js";
import type { EffectRecord, HealthCounts, TimelineEntry, TimelineRecord } from "./timeline.js";

export interface ScenarioPlayerOptions {
  engine: FleetEngine;
  /** The blueprint's timeline; may be empty (live events only). In a sharded fleet each step has its part. */
  steps: readonly PlayedStep[];
  /** Needed for join; without it a join adds nobody and says why. */
  shape?: FleetShape;
  clock?: Clock;
  logger?: Logger;
  /** Offsets are divided by this (the demo plays a 9-minute incident in half a minute). Default 1. */
  timeScale?: number;
  /** Called when a step's or event's first effect was accepted (or could not be). */
  onEffect?: (entry: TimelineEntry) => void;
  /** Called whenever the record changes, so the status file can follow. */
  onChange?: () => void;
}

export interface AppliedEvent {
  readonly entry: TimelineEntry;
  /** Resolves when the first effect was accepted, or could not be; never rejects. */
  readonly effect: Promise<EffectRecord>;
}

export interface ScenarioPlayer {
  /** The fleet is ready now: offsets count from this moment. Starts the timeline. */
  start(): void;
  /** Applies one event now, after any change in progress; `signal` ends the wait for its effect. */
  apply(action: ScenarioAction, options?: { signal?: AbortSignal }): Promise<AppliedEvent>;
  record(): TimelineRecord;
  health(): HealthCounts;
  /** Ends the timeline (steps not yet run stay pending) and waits for a change in progress. */
  stop(): Promise<void>;
}

/** The record keeps the latest entries; live events can come in any number. */
const MAX_ENTRIES = 1000;

export function createScenarioPlayer(options: ScenarioPlayerOptions): ScenarioPlayer {
  const { engine, steps } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const scale = options.timeScale ?? 1;
  const configErrors = new Set<string>();
  const entries: TimelineEntry[] = [];
  const stopping = new AbortController();
  let ready: { wallMs: number; monoMs: number } | undefined;
  let nextStep = 0;
  let loop: Promise<void> | undefined;
  // One change at a time: a selection sees every change made before it.
  let tail: Promise<unknown> = Promise.resolve();

  const changed = () => options.onChange?.();
  const offsetNow = () => (ready ? Math.round(clock.monotonic() - ready.monoMs) : 0);

  const view = (): FleetView => ({ members: engine.members(), configErrors });

  const remember = (entry: TimelineEntry) => {
    entries.push(entry);
    if (entries.length > MAX_ENTRIES) entries.splice(0, entries.length - MAX_ENTRIES);
    changed();
  };

  /** Calls the engine for one change; returns what it did and how to wait for its first effect. */
  async function execute(
    change: FleetChange,
    signal: AbortSignal,
  ): Promise<{
    report: ChangeReport;
    effect: (signal?: AbortSignal) => Promise<Omit<EffectRecord, "atMs">>;
  }> {
    type Effect = Omit<EffectRecord, "atMs">;
    const immediate = () => Promise.resolve<Effect>({ ok: true, via: "none" });
    /** The engine call itself was the first effect (a Register or Unregister FM answered). */
    const settled = (report: ChangeReport, via: EffectRecord["via"]) => () =>
      Promise.resolve<Effect>({ ok: report.failed.length === 0, via, ...failure(report) });
    switch (change.kind) {
      case "update": {
        const upgrade = change.collectors.some((c) => {
          const before = engine.members().find((m) => m.collector.id === c.id)?.collector;
          return before !== undefined && before.version !== c.version;
        });
        const report = await engine.update(change.collectors, signal, {
          ...(change.severity ? { severity: change.severity } : {}),
        });
        // An upgrade is accepted once FM took the Register with the new version (done above) and the
        // push with the new alloy_build_info went through; a change of health, once that push did.
        if (upgrade && report.changed.length === 0) return { report, effect: settled(report, "register") };
        return { report, effect: (s) => pushEffect(s) };
      }
      case "config-status": {
        const report = engine.reportConfigStatus(
          change.ids,
          change.failed
            ? { status: "RemoteConfigStatuses_FAILED", errorMessage: change.message ?? "" }
            : { status: "RemoteConfigStatuses_APPLIED" },
        );
        for (const id of report.changed) {
          if (change.failed) configErrors.add(id);
          else configErrors.delete(id);
        }
        if (engine.counters().fm === undefined) return { report, effect: immediate };
        return {
          report,
          effect: async (s) => {
            await engine.configStatusSent(report.changed, s);
            return { ok: true, via: "heartbeat" as const };
          },
        };
      }
      case "silence":
        return { report: engine.silence(change.ids), effect: immediate };
      case "crash":
        return { report: engine.crash(change.ids), effect: immediate };
      case "resume": {
        // Heartbeats start again from their next slot (one FM forgot was registered again above); a
        // crashed collector's metrics come back with the next push.
        const crashed = new Set(
          engine
            .members()
            .filter((m) => m.life === "crashed")
            .map((m) => m.collector.id),
        );
        const report = await engine.resume(change.ids, signal);
        if (report.failed.length > 0 || !report.changed.some((id) => crashed.has(id)))
          return { report, effect: settled(report, "none") };
        return { report, effect: (s) => pushEffect(s) };
      }
      case "leave": {
        for (const id of change.ids) configErrors.delete(id);
        const report = await engine.leave(change.ids, signal);
        return { report, effect: settled(report, "unregister") };
      }
      case "join": {
        const report = await engine.join(change.collectors, signal);
        return { report, effect: settled(report, "register") };
      }
    }
  }

  async function pushEffect(signal?: AbortSignal): Promise<Omit<EffectRecord, "atMs">> {
    if (engine.counters().remoteWrite === undefined) return { ok: true, via: "none" };
    const push = await engine.nextPush(signal);
    return {
      ok: push.ok,
      via: "push",
      ...(push.timestampMs !== undefined ? { timestampMs: push.timestampMs } : {}),
      ...(push.error ? { error: push.error } : {}),
    };
  }

  /** An entry that changed nothing: recorded, and reported as an effect that never came. */
  function unconfirmed(entry: TimelineEntry, error: string): AppliedEvent {
    remember(entry);
    const record: EffectRecord = { ok: false, via: "none", atMs: clock.now(), error };
    options.onEffect?.(entry);
    return { entry, effect: Promise.resolve(record) };
  }

  function apply(
    action: ScenarioAction | PlayedStep,
    source: { step?: number; plannedOffsetMs?: number },
    signal?: AbortSignal,
  ): Promise<AppliedEvent> {
    const run = async (): Promise<AppliedEvent> => {
      const plan =
        "part" in action && action.part
          ? planPart({ ...action, part: action.part }, view())
          : planEvent(action, view(), options.shape);
      const base: Omit<TimelineEntry, "changed" | "failed"> = {
        ...(source.step !== undefined ? { step: source.step } : {}),
        source: source.step !== undefined ? "scenario" : "live",
        event: action.event,
        select: action.event === "join" ? describeJoin(action) : describeSelect(action.select),
        ...(source.plannedOffsetMs !== undefined ? { plannedOffsetMs: source.plannedOffsetMs } : {}),
        ranAtMs: clock.now(),
        ranOffsetMs: offsetNow(),
        warnings: [...plan.warnings],
      };
      if (plan.ids.length === 0) {
        const entry: TimelineEntry = { ...base, changed: [], failed: [] };
        for (const w of plan.warnings) logger.warn(`${label(entry)}: ${w}`, "Scenario");
        return unconfirmed(entry, plan.warnings.join("; "));
      }
      let executed: Awaited<ReturnType<typeof execute>>;
      try {
        executed = await execute(plan.change, stopping.signal);
      } catch (err) {
        const entry: TimelineEntry = {
          ...base,
          changed: [],
          failed: plan.ids.map((id) => ({ id, error: describeError(err) })),
        };
        return unconfirmed(entry, describeError(err));
      }
      const entry: TimelineEntry = {
        ...base,
        changed: [...executed.report.changed],
        failed: [...executed.report.failed],
      };
      for (const f of entry.failed) logger.warn(`${label(entry)}: ${f.id}: ${f.error}`, "Scenario");
      logger.info(
        `${label(entry)}: ${entry.changed.length} changed${entry.changed.length ? ` (${abbreviate(entry.changed)})` : ""}`,
      );
      remember(entry);
      const waitSignal = signal ? AbortSignal.any([signal, stopping.signal]) : stopping.signal;
      const effect = executed
        .effect(waitSignal)
        .catch((err: unknown) => ({ ok: false, via: "none" as const, error: describeError(err) }))
        .then((outcome): EffectRecord => {
          const record: EffectRecord = { ...outcome, atMs: clock.now() };
          // Entries are replaced, not mutated: a status write may be reading the record.
          const at = entries.indexOf(entry);
          const done: TimelineEntry = { ...entry, effect: record };
          if (at >= 0) entries[at] = done;
          changed();
          options.onEffect?.(done);
          return record;
        });
      return { entry, effect };
    };
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  }

  async function playTimeline(): Promise<void> {
    while (nextStep < steps.length && !stopping.signal.aborted) {
      const step = steps[nextStep]!;
      const dueMono = ready!.monoMs + step.atMs / scale;
      const wait = dueMono - clock.monotonic();
      if (wait > 0) {
        try {
          await clock.sleep(wait, stopping.signal);
        } catch {
          return;
        }
      }
      nextStep++;
      await apply(step, { step: nextStep, plannedOffsetMs: step.atMs });
    }
  }

  return {
    start() {
      if (ready) return;
      ready = { wallMs: clock.now(), monoMs: clock.monotonic() };
      changed();
      if (steps.length > 0)
        loop = playTimeline().catch((err: unknown) =>
          logger.error(`timeline stopped: ${describeError(err)}`, "Scenario"),
        );
    },

    apply: (action, applyOptions = {}) => apply(action, {}, applyOptions.signal),

    record: () => ({
      ...(ready ? { readyAtMs: ready.wallMs } : {}),
      timeScale: scale,
      entries: [...entries],
      pending: steps.slice(nextStep).map((step, i) => ({
        step: nextStep + i + 1,
        event: step.event,
        select: step.event === "join" ? describeJoin(step) : describeSelect(step.select),
        plannedOffsetMs: step.atMs,
      })),
    }),

    health: () => healthOf(view()),

    async stop() {
      stopping.abort(new Error("the fleet is stopping"));
      await loop;
      await tail.catch(() => undefined);
    },
  };
}

export function healthOf(view: FleetView): HealthCounts {
  const counts = { healthy: 0, unhealthy: 0, inactive: 0, departed: 0 };
  for (const { collector, life } of view.members) {
    if (life === "departed") counts.departed++;
    else if (life !== "running") counts.inactive++;
    else if (!collector.healthy || view.configErrors.has(collector.id)) counts.unhealthy++;
    else counts.healthy++;
  }
  return counts;
}

function failure(report: ChangeReport): { error?: string } {
  const first = report.failed[0];
  return first ? { error: `${first.id}: ${first.error}` } : {};
}

function describeJoin(action: ScenarioAction): string {
  const add = action.add ?? { linux: 0, windows: 0, darwin: 0 };
  const parts = Object.entries(add)
    .filter(([, n]) => n > 0)
    .map(([os, n]) => `${os} ${n}`);
  return `add ${parts.join(", ") || "nobody"}${action.select.env ? ` in env ${action.select.env}` : ""}`;
}

function label(entry: TimelineEntry): string {
  return entry.step !== undefined ? `step ${entry.step} (${entry.event})` : `event ${entry.event}`;
}

function abbreviate(ids: readonly string[]): string {
  return ids.length <= 4 ? ids.join(", ") : `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more`;
}

export type { ScenarioEvent };
