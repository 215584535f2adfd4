/**
 * The records that cross a process boundary: the fleet configuration handed to the background process on
 * stdin, and the roster file post cleans up from. Validated with zod on read, because a file written by
 * another version of the action, or truncated by a crash, must fail loudly rather than half-work.
 */
import { z } from "zod";
import type { ScenarioStep } from "../blueprint/types.js";
import type { FleetShape } from "../fleet/shape.js";
import type { Roster } from "../fleet/types.js";
import { scenarioStepSchema } from "./event-request.js";
import type { FleetSettings } from "../settings/types.js";

export const collectorSchema = z.object({
  id: z.string(),
  name: z.string(),
  os: z.enum(["linux", "windows", "darwin"]),
  version: z.string(),
  env: z.string(),
  kind: z.enum(["standalone", "k8s"]),
  healthy: z.boolean(),
  attributes: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()),
});

const fleetShapeSchema = z.object({
  blueprint: z.string(),
  version: z.string(),
  attributes: z.record(z.string(), z.string()),
  context: z.record(z.string(), z.string()),
  environments: z.array(z.object({ declared: z.string(), name: z.string(), cluster: z.string() })),
}) satisfies z.ZodType<FleetShape>;

/** Everything the engine needs except secrets. Safe to write to a file. */
export const fleetConfigSchema = z.object({
  blueprint: z.string(),
  collectors: z.array(collectorSchema),
  /** Counters count from here (SPEC section 6): a restarted process continues them. */
  fleetStartMs: z.number().int().nonnegative(),
  intervalMs: z.number().int().min(1000),
  heartbeatIntervalMs: z.number().int().min(1000),
  fmRatePerSecond: z.number().positive(),
  maxLifetimeMs: z.number().int().positive(),
  fm: z.object({ url: z.string(), stackId: z.string() }).nullable(),
  prom: z.object({ url: z.string(), user: z.string(), tenant: z.string().optional() }).nullable(),
  /** How new collectors are made (live and scenario joins); absent in a config written before timelines. */
  shape: fleetShapeSchema.optional(),
  /** The blueprint's timeline, offsets from ready. */
  scenario: z.array(scenarioStepSchema).optional(),
});
export type FleetConfig = z.infer<typeof fleetConfigSchema>;

export const fleetSecretsSchema = z.object({
  fmToken: z.string().optional(),
  promToken: z.string().optional(),
});
export type FleetSecrets = z.infer<typeof fleetSecretsSchema>;

/** What main writes to the background process's stdin: one JSON document, then EOF. */
export const daemonHandoffSchema = z.object({
  config: fleetConfigSchema,
  secrets: fleetSecretsSchema,
  stateDir: z.string(),
  /** Random per-run value; the status file echoes it so post knows the PID it kills is ours. */
  nonce: z.string(),
  /** The process that started the daemon (the runner's worker, or a shell): gone → the daemon stops itself. */
  watchPid: z.number().int().optional(),
  /** Last sample timestamp a previous process wrote: new samples must be later. */
  notBeforeMs: z.number().optional(),
});
export type DaemonHandoff = z.infer<typeof daemonHandoffSchema>;

/** The fleet settings a config is made from (the rest, such as the start timeout, stay with the starter). */
export type FleetConfigSettings = Pick<
  FleetSettings,
  "intervalMs" | "heartbeatIntervalMs" | "fmRatePerSecond" | "maxLifetimeMs" | "credentials"
>;

/** Splits settings into the config (safe to write to a file) and the secrets (stdin and a 0600 file only). */
export function buildFleetConfig(
  settings: FleetConfigSettings,
  roster: Roster,
  fleetStartMs: number,
  timeline: { shape?: FleetShape; scenario?: readonly ScenarioStep[] } = {},
): { config: FleetConfig; secrets: FleetSecrets } {
  const { fm, prom } = settings.credentials;
  return {
    config: {
      blueprint: roster.blueprint,
      collectors: roster.collectors.map((c) => ({ ...c })),
      fleetStartMs,
      intervalMs: settings.intervalMs,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      fmRatePerSecond: settings.fmRatePerSecond,
      maxLifetimeMs: settings.maxLifetimeMs,
      fm: fm ? { url: fm.url, stackId: fm.stackId } : null,
      prom: prom ? { url: prom.url, user: prom.user, ...(prom.tenant ? { tenant: prom.tenant } : {}) } : null,
      ...(timeline.shape ? { shape: fleetShapeSchema.parse(timeline.shape) } : {}),
      ...(timeline.scenario && timeline.scenario.length > 0
        ? { scenario: z.array(scenarioStepSchema).parse(timeline.scenario) }
        : {}),
    },
    secrets: { ...(fm ? { fmToken: fm.token } : {}), ...(prom?.token ? { promToken: prom.token } : {}) },
  };
}
