/**
 * The background process's status file: its only channel to main (readiness) and post (counters, cleanup
 * result), since a process that outlives main can write no step file (actions.md section 1.2). Replaced
 * atomically on every change.
 */
import { z } from "zod";
import { readJsonFile, writeFileAtomic } from "./files.js";

export const cleanupReportSchema = z.object({
  /** Collectors FM no longer lists as registered (unregistered now, or already gone). */
  unregistered: z.number().int(),
  /** Collectors that could not be unregistered, with the reason. */
  unregisterFailed: z.array(z.object({ id: z.string(), error: z.string() })),
  warnings: z.array(z.string()),
  /** Series closed with a stale marker. */
  seriesClosed: z.number().int(),
  /** Series left open, with the reason. */
  seriesOpen: z.number().int(),
  seriesError: z.string().optional(),
  complete: z.boolean(),
});
export type CleanupReport = z.infer<typeof cleanupReportSchema>;

export const countersSchema = z.object({
  collectors: z.number().int(),
  registrations: z.number().int(),
  registrationFailures: z.number().int(),
  heartbeatsOk: z.number().int(),
  heartbeatsFailed: z.number().int(),
  heartbeatsLate: z.number().int(),
  reRegistrations: z.number().int(),
  fmRetries: z.number().int(),
  ticks: z.number().int(),
  lateTicks: z.number().int(),
  samples: z.number().int(),
  bytes: z.number().int(),
  pushRetries: z.number().int(),
  droppedSamples: z.number().int(),
});
export type Counters = z.infer<typeof countersSchema>;

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
  cleanup: cleanupReportSchema.optional(),
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

export function emptyCounters(collectors = 0): Counters {
  return {
    collectors,
    registrations: 0,
    registrationFailures: 0,
    heartbeatsOk: 0,
    heartbeatsFailed: 0,
    heartbeatsLate: 0,
    reRegistrations: 0,
    fmRetries: 0,
    ticks: 0,
    lateTicks: 0,
    samples: 0,
    bytes: 0,
    pushRetries: 0,
    droppedSamples: 0,
  };
}
