/**
 * The fleet's counters as one record: the FM controller's and the emitter's own records, side by side,
 * written to the status file as they are, and turned into rows by one function for both the job summary
 * and the CLI. A number shows under the name its producer gave it, never renamed or summed on the way.
 */
import { z } from "zod";
import type { AlertCounters } from "../alerts/counters.js";
import { zeroAlertCounters } from "../alerts/counters.js";
import type { FmCounters } from "../fm/counters.js";
import { zeroFmCounters } from "../fm/counters.js";
import type { RemoteWriteCounters } from "../remote-write/counters.js";
import { zeroRemoteWriteCounters } from "../remote-write/counters.js";

const count = z.number().int().nonnegative();

const fmCountersSchema = z.object({
  registrations: count,
  registrationFailures: count,
  heartbeatsOk: count,
  heartbeatsFailed: count,
  heartbeatsLate: count,
  reRegistrations: count,
  retries: count,
  unregistrations: count,
  unregistrationFailures: count,
}) satisfies z.ZodType<FmCounters>;

const remoteWriteCountersSchema = z.object({
  ticks: count,
  lateTicks: count,
  samples: count,
  bytes: count,
  requests: count,
  retries: count,
  throttled: count,
  droppedSamples: count,
  staleMarkers: count,
}) satisfies z.ZodType<RemoteWriteCounters>;

const alertCountersSchema = z.object({
  posted: count,
  requests: count,
  retries: count,
  failures: count,
  resolved: count,
}) satisfies z.ZodType<AlertCounters>;

export const countersSchema = z.object({
  /** Collectors in the fleet now (joined ones counted, departed ones not). */
  collectors: count,
  /** Absent when FM is off (no credentials): metrics only. */
  fm: fmCountersSchema.optional(),
  /** Absent when remote write is off. */
  remoteWrite: remoteWriteCountersSchema.optional(),
  /** Absent without an Alertmanager. */
  alerts: alertCountersSchema.optional(),
});
export type Counters = z.infer<typeof countersSchema>;

/** Counters before anything happened, for the sides that are on. */
export function zeroCounters(
  collectors: number,
  sides: { fm: boolean; prom: boolean; alerts?: boolean },
): Counters {
  return {
    collectors,
    ...(sides.fm ? { fm: zeroFmCounters() } : {}),
    ...(sides.prom ? { remoteWrite: zeroRemoteWriteCounters() } : {}),
    ...(sides.alerts ? { alerts: zeroAlertCounters() } : {}),
  };
}

export interface CounterRow {
  readonly label: string;
  readonly value: number;
}

export interface CounterSection {
  readonly title: string;
  readonly rows: readonly CounterRow[];
}

/**
 * The rows users read, in the order they read them. A side that is off (no FM credentials, no remote
 * write) has no section, so a metrics-only run shows no row of zeros that looks like a failure.
 */
export function counterSections(counters: Counters): CounterSection[] {
  const sections: CounterSection[] = [];
  const f = counters.fm;
  const r = counters.remoteWrite;
  if (f)
    sections.push({
      title: "Fleet Management",
      rows: [
        { label: "registrations", value: f.registrations },
        { label: "registration failures", value: f.registrationFailures },
        { label: "heartbeats ok", value: f.heartbeatsOk },
        { label: "heartbeats failed", value: f.heartbeatsFailed },
        { label: "heartbeats late (> 5 s after slot)", value: f.heartbeatsLate },
        { label: "re-registrations", value: f.reRegistrations },
        { label: "retries", value: f.retries },
        { label: "unregistrations", value: f.unregistrations },
      ],
    });
  if (r)
    sections.push({
      title: "Remote write",
      rows: [
        { label: "ticks", value: r.ticks },
        { label: "late ticks", value: r.lateTicks },
        { label: "samples accepted", value: r.samples },
        { label: "dropped samples", value: r.droppedSamples },
        { label: "stale markers", value: r.staleMarkers },
        { label: "bytes (compressed)", value: r.bytes },
        { label: "requests", value: r.requests },
        { label: "retries", value: r.retries },
        { label: "throttled (429)", value: r.throttled },
      ],
    });
  const a = counters.alerts;
  if (a)
    sections.push({
      title: "Alerts",
      rows: [
        { label: "alerts posted", value: a.posted },
        { label: "alerts resolved", value: a.resolved },
        { label: "alerts not posted", value: a.failures },
        { label: "requests", value: a.requests },
        { label: "retries", value: a.retries },
      ],
    });
  return sections;
}

/** Plain text for a terminal: one line per section, `label value` pairs. */
export function formatCounterLines(sections: readonly CounterSection[]): string[] {
  return sections.map((s) => `${s.title}: ${s.rows.map((row) => `${row.label} ${row.value}`).join(" · ")}`);
}
