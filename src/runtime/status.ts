/**
 * The background process's status file: its only channel to main (readiness) and post (counters, cleanup
 * result), since a process that outlives main can write no step file
 * (docs/fm-protocol.md#state-and-step-files). Replaced atomically on every change.
 */
import { z } from "zod";
import type { ReceivedPipelines } from "../fleet/pipeline-check.js";
import { countersSchema } from "./counters.js";
import { readJsonFile, writeFileAtomic } from "./files.js";
import { healthCountsSchema, timelineRecordSchema } from "./timeline.js";

export const cleanupReportSchema = z.object({
  /** Collectors FM no longer lists as registered (unregistered now, or already gone). */
  unregistered: z.number().int(),
  /** Collectors that could not be unregistered, with the reason. */
  unregisterFailed: z.array(z.object({ id: z.string(), error: z.string() })),
  /** What cleanup was asked to do with FM's records after unregistering (input `cleanup`). */
  mode: z.enum(["delete", "unregister"]).optional(),
  /** Records removed from FM's list (delete mode), those already gone included. */
  deleted: z.number().int().optional(),
  /**
   * Collectors unregistered but still listed in FM as inactive, grouped by why (FM refused the management
   * calls, the deadline passed). A warning, never an incomplete cleanup: nothing is left registered.
   */
  notDeleted: z.array(z.object({ ids: z.array(z.string()), reason: z.string() })).optional(),
  /**
   * Collectors another run registered again since this one did (another `fake.run`): left alone, with the
   * run that holds them.
   */
  otherRuns: z.array(z.object({ id: z.string(), run: z.string() })).optional(),
  warnings: z.array(z.string()),
  /** Series closed with a stale marker. */
  seriesClosed: z.number().int(),
  /** Series left open, with the reason. */
  seriesOpen: z.number().int(),
  seriesError: z.string().optional(),
  /** Alerts resolved at cleanup, one per collector (absent without an Alertmanager). */
  alertsResolved: z.number().int().optional(),
  /** Collectors whose alert may still be firing: its resolve was not accepted (it expires within 4 minutes). */
  alertsFiring: z.number().int().optional(),
  alertsError: z.string().optional(),
  complete: z.boolean(),
});
export type CleanupReport = z.infer<typeof cleanupReportSchema>;

/** What one collector received last from FM (fleet/pipeline-check.ts ReceivedPipelines). */
export const receivedPipelinesSchema = z.object({
  pipelines: z.array(z.string()),
  status: z.enum(["APPLIED", "FAILED"]),
  error: z.string().optional(),
}) satisfies z.ZodType<ReceivedPipelines>;

export const phaseSchema = z.enum(["starting", "ready", "failed", "stopping", "stopped"]);
export type Phase = z.infer<typeof phaseSchema>;

export const statusSchema = z.object({
  pid: z.number().int(),
  nonce: z.string(),
  phase: phaseSchema,
  startedAtMs: z.number(),
  updatedAtMs: z.number(),
  counters: countersSchema,
  /** Last sample timestamp written, so a successor continues after it. */
  lastTimestampMs: z.number(),
  lastErrors: z.record(z.string(), z.string()),
  /** The local control channel's endpoint (runtime/control.ts), once the process listens on it. */
  control: z.string().optional(),
  /** Why start failed, or why the process stopped on its own (max-lifetime, parent gone). */
  reason: z.string().optional(),
  /** Warnings of the start (leftovers swept, IDs held by another live run), for main to show. */
  startWarnings: z.array(z.string()).optional(),
  cleanup: cleanupReportSchema.optional(),
  /**
   * What each collector received from FM, by ID, once its first GetConfig was answered: main checks the
   * expectations against it, post shows it in the summary. Absent when FM is off.
   */
  received: z.record(z.string(), receivedPipelinesSchema).optional(),
  /** From ready on: when offsets count from, each timeline step and live event, what it changed. */
  timeline: timelineRecordSchema.optional(),
  /** From ready on: collectors by what FM and Prometheus see of them. */
  health: healthCountsSchema.optional(),
});
export type Status = z.infer<typeof statusSchema>;

export function writeStatus(path: string, status: Status): void {
  writeFileAtomic(path, JSON.stringify(status, null, 2));
}

/** The status, or undefined when there is none yet or it cannot be read as one. */
export function readStatus(path: string): Status | undefined {
  try {
    const parsed = statusSchema.safeParse(readJsonFile(path));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A cleanup with nothing to do: nothing was registered or pushed. */
export function emptyCleanup(): CleanupReport {
  return {
    unregistered: 0,
    unregisterFailed: [],
    warnings: [],
    seriesClosed: 0,
    seriesOpen: 0,
    complete: true,
  };
}
