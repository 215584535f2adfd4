/**
 * The record of a fleet's timeline (each step or live event, when it ran, the collectors it changed, the
 * first effect FM or Prometheus accepted) and its health counts, as the status file carries them, and the
 * plain text `fm-fleet plan` and `fm-fleet status` print. Validated with zod on read like every record
 * that crosses a process boundary.
 */
import { z } from "zod";
import { SCENARIO_EVENTS } from "../blueprint/events.js";
import { formatDuration } from "../core/duration.js";
import type { PlannedStep } from "../fleet/scenario.js";
import { describeSelect } from "../fleet/selection.js";

export const effectRecordSchema = z.object({
  ok: z.boolean(),
  /** What carried it: a push, a heartbeat (GetConfig), a Register or Unregister, or nothing (at once). */
  via: z.enum(["push", "heartbeat", "register", "unregister", "none"]),
  /** Wall time it was accepted (or given up). */
  atMs: z.number(),
  /** The push's sample timestamp, for a PromQL query at exactly that moment. */
  timestampMs: z.number().optional(),
  error: z.string().optional(),
});
export type EffectRecord = z.infer<typeof effectRecordSchema>;

export const timelineEntrySchema = z.object({
  /** 1-based number of the blueprint step; absent for a live event. */
  step: z.number().int().positive().optional(),
  source: z.enum(["scenario", "live"]),
  event: z.enum(SCENARIO_EVENTS),
  /** The selection in words (`os linux, count 2`). */
  select: z.string(),
  plannedOffsetMs: z.number().optional(),
  ranAtMs: z.number(),
  /** Offset from ready when it ran. */
  ranOffsetMs: z.number(),
  changed: z.array(z.string()),
  failed: z.array(z.object({ id: z.string(), error: z.string() })),
  warnings: z.array(z.string()),
  effect: effectRecordSchema.optional(),
});
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const timelineRecordSchema = z.object({
  /** When offsets count from (the action's `ready-at` output). */
  readyAtMs: z.number().optional(),
  /** Offsets were divided by this (the demo); 1 in a real run. */
  timeScale: z.number().positive(),
  entries: z.array(timelineEntrySchema),
  /** Steps not run yet (or never, when the fleet stopped first). */
  pending: z.array(
    z.object({
      step: z.number().int().positive(),
      event: z.enum(SCENARIO_EVENTS),
      select: z.string(),
      plannedOffsetMs: z.number(),
    }),
  ),
});
export type TimelineRecord = z.infer<typeof timelineRecordSchema>;

export const healthCountsSchema = z.object({
  /** Running, up and without a configuration error. */
  healthy: z.number().int().nonnegative(),
  /** Running, and up=0 or reporting a configuration error. */
  unhealthy: z.number().int().nonnegative(),
  /** Silenced or crashed: no heartbeats, so FM marks them inactive after its window. */
  inactive: z.number().int().nonnegative(),
  /** Left the fleet (unregistered). */
  departed: z.number().int().nonnegative(),
});
export type HealthCounts = z.infer<typeof healthCountsSchema>;

/** `healthy 14 · unhealthy 2 · inactive 1 · departed 1`. */
export function formatHealth(health: HealthCounts): string {
  return `healthy ${health.healthy} · unhealthy ${health.unhealthy} · inactive ${health.inactive} · departed ${health.departed}`;
}

/** `+2m` for an offset from ready. */
export function formatOffset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`;
}

/** The timeline a blueprint would play, for `fm-fleet plan` and the action's log. */
export function formatTimelinePlan(steps: readonly PlannedStep[]): string[] {
  if (steps.length === 0) return [];
  const rows = steps.map((s) => [
    String(s.index + 1),
    formatOffset(s.step.atMs),
    s.step.event,
    describeStep(s),
    abbreviate(s.ids),
  ]);
  const lines = align([["STEP", "AT", "EVENT", "SELECT", "COLLECTORS"], ...rows]);
  const warnings = steps.flatMap((s) => s.warnings.map((w) => `  Warning: step ${s.index + 1} ${w}`));
  return [
    `Timeline (${steps.length} ${steps.length === 1 ? "step" : "steps"}, offsets from ready):`,
    ...lines.map((l) => `  ${l}`),
    ...warnings,
  ];
}

/** What happened so far and what is still to come, for `fm-fleet status`. */
export function formatTimelineRecord(record: TimelineRecord): string[] {
  if (record.entries.length === 0 && record.pending.length === 0) return [];
  const rows = [
    ...record.entries.map((e) => [
      e.step !== undefined ? String(e.step) : "live",
      formatOffset(e.ranOffsetMs),
      e.event,
      e.select,
      e.changed.length > 0 ? abbreviate(e.changed) : "nobody",
      describeEffect(e),
    ]),
    ...record.pending.map((p) => [
      String(p.step),
      formatOffset(p.plannedOffsetMs / record.timeScale),
      p.event,
      p.select,
      "",
      "pending",
    ]),
  ];
  const ready =
    record.readyAtMs !== undefined ? ` (ready at ${new Date(record.readyAtMs).toISOString()})` : "";
  return [
    `timeline${ready}:`,
    ...align([["STEP", "RAN", "EVENT", "SELECT", "CHANGED", "EFFECT"], ...rows]).map((l) => `  ${l}`),
    ...record.entries.flatMap((e) =>
      e.warnings.map((w) => `  warning: ${e.step !== undefined ? `step ${e.step}` : `live ${e.event}`} ${w}`),
    ),
  ];
}

export function describeEffect(entry: TimelineEntry): string {
  if (!entry.effect) return entry.changed.length > 0 ? "waiting" : "";
  if (entry.changed.length === 0) return "";
  return effectWords(entry.effect, entry.ranAtMs);
}

/** `push accepted after 1.2s`: what carried a change made at `sinceMs`. */
export function effectWords(effect: EffectRecord, sinceMs: number): string {
  if (!effect.ok) return `not accepted${effect.error ? `: ${effect.error}` : ""}`;
  const after = formatDuration(Math.max(0, effect.atMs - sinceMs));
  switch (effect.via) {
    case "push":
      return `push accepted after ${after}`;
    case "heartbeat":
      return `heartbeat accepted after ${after}`;
    case "register":
      return "registered";
    case "unregister":
      return "unregistered, series closed";
    case "none":
      return "at once";
  }
}

function describeStep(s: PlannedStep): string {
  const { step } = s;
  if (step.event === "join") {
    const add = step.add ?? { linux: 0, windows: 0, darwin: 0 };
    const parts = Object.entries(add)
      .filter(([, n]) => n > 0)
      .map(([os, n]) => `${os} ${n}`);
    return `add ${parts.join(", ")}${step.select.env ? ` in env ${step.select.env}` : ""}`;
  }
  const extra =
    step.event === "upgrade"
      ? ` → ${step.version}`
      : step.event === "unhealthy"
        ? ` (${step.severity ?? "critical"})`
        : step.event === "config-error" && step.message
          ? ` "${step.message.length > 40 ? `${step.message.slice(0, 40)}…` : step.message}"`
          : "";
  return `${describeSelect(step.select)}${extra}`;
}

function abbreviate(ids: readonly string[]): string {
  return ids.length <= 3 ? ids.join(", ") : `${ids.slice(0, 2).join(", ")} and ${ids.length - 2} more`;
}

function align(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? "").length)));
  return rows.map((row) =>
    row
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join("  ")
      .trimEnd(),
  );
}
