/**
 * The records that cross a process boundary: the fleet configuration handed to the background process on
 * stdin, and the roster file post cleans up from. Validated with zod on read, because a file written by
 * another version of the action, or truncated by a crash, must fail loudly rather than half-work.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { PlayedStep } from "../fleet/scenario.js";
import type { FleetShape } from "../fleet/shape.js";
import { runMarkerFromEnv, withRunMarker } from "../fleet/run-marker.js";
import type { Roster } from "../fleet/types.js";
import { scenarioStepSchema } from "./scenario-schema.js";
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

/** A timeline step as the background process plays it (fleet/scenario.ts PlayedStep). */
const playedStepSchema = scenarioStepSchema.extend({
  part: z.object({ ids: z.array(z.string()), joining: z.array(collectorSchema).optional() }).optional(),
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
  /**
   * Counters count from here (docs/signals.md#values-by-collector-kind): a restarted process continues them.
   */
  fleetStartMs: z.number().int().nonnegative(),
  intervalMs: z.number().int().min(1000),
  heartbeatIntervalMs: z.number().int().min(1000),
  fmRatePerSecond: z.number().positive(),
  maxLifetimeMs: z.number().int().positive(),
  fm: z.object({ url: z.string(), stackId: z.string() }).nullable(),
  prom: z.object({ url: z.string(), user: z.string(), tenant: z.string().optional() }).nullable(),
  /**
   * This start's `fake.run` (fleet/run-marker.ts), already in every collector's attributes: cleanup, inline
   * in post too, touches only FM records that still carry it.
   */
  runMarker: z.string(),
  /** After UnregisterCollector: delete the records (absent: delete) or leave them listed as inactive. */
  cleanup: z.enum(["delete", "unregister"]).optional(),
  /** Before registering, delete leftovers of this repository (action input `sweep`). */
  sweep: z.object({ repository: z.string(), olderThanMs: z.number().int().nonnegative() }).optional(),
  /** Set when the fleet is one part of a larger roster. */
  shard: z
    .object({ index: z.number().int(), count: z.number().int(), rosterSize: z.number().int() })
    .optional(),
  /** Where unhealthy collectors fire alerts; absent: no alert is posted. */
  alertmanager: z.object({ url: z.string(), user: z.string() }).optional(),
  /** How new collectors are made (live and scenario joins); absent in a config written before timelines. */
  shape: fleetShapeSchema.optional(),
  /** The blueprint's timeline, offsets from ready. */
  scenario: z.array(playedStepSchema).optional(),
  /** Who started it, so failures name the CLI's variables or the action's inputs; absent: the CLI's. */
  speaker: z.enum(["cli", "action"]).optional(),
});
export type FleetConfig = z.infer<typeof fleetConfigSchema>;

export const fleetSecretsSchema = z.object({
  fmToken: z.string().optional(),
  promToken: z.string().optional(),
  alertmanagerToken: z.string().optional(),
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
> &
  Partial<Pick<FleetSettings, "cleanup" | "speaker">>;

/** What a start adds to its settings: its own identity, and what to do before registering. */
export interface StartOptions {
  /** This start's `fake.run`: newRunMarker(env), made once per start. Default: a local one. */
  readonly runMarker?: string;
  /** Delete this repository's leftovers before registering. */
  readonly sweep?: { readonly repository: string; readonly olderThanMs: number };
  /** How collectors that join are made (live and scenario joins). */
  readonly shape?: FleetShape;
  /** The blueprint's timeline, offsets from ready; each step cut to this part in a sharded fleet. */
  readonly scenario?: readonly PlayedStep[];
}

/** A run marker for a start from this environment (fleet/run-marker.ts), with 8 random hex digits. */
export function newRunMarker(env: NodeJS.ProcessEnv): string {
  return runMarkerFromEnv(env, randomBytes(4).toString("hex"));
}

/** Splits settings into the config (safe to write to a file) and the secrets (stdin and a 0600 file only). */
export function buildFleetConfig(
  settings: FleetConfigSettings,
  roster: Roster,
  fleetStartMs: number,
  start: StartOptions = {},
): { config: FleetConfig; secrets: FleetSecrets } {
  const { fm, prom, alertmanager } = settings.credentials;
  const runMarker = start.runMarker ?? newRunMarker({});
  return {
    config: {
      blueprint: roster.blueprint,
      collectors: roster.collectors.map((c) => withRunMarker(c, runMarker)),
      fleetStartMs,
      intervalMs: settings.intervalMs,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      fmRatePerSecond: settings.fmRatePerSecond,
      maxLifetimeMs: settings.maxLifetimeMs,
      fm: fm ? { url: fm.url, stackId: fm.stackId } : null,
      prom: prom ? { url: prom.url, user: prom.user, ...(prom.tenant ? { tenant: prom.tenant } : {}) } : null,
      runMarker,
      cleanup: settings.cleanup ?? "delete",
      ...(start.sweep ? { sweep: { ...start.sweep } } : {}),
      ...(roster.shard ? { shard: { ...roster.shard } } : {}),
      ...(alertmanager ? { alertmanager: { url: alertmanager.url, user: alertmanager.user } } : {}),
      ...(start.shape ? { shape: fleetShapeSchema.parse(start.shape) } : {}),
      ...(start.scenario && start.scenario.length > 0
        ? { scenario: z.array(playedStepSchema).parse(start.scenario) }
        : {}),
      ...(settings.speaker ? { speaker: settings.speaker } : {}),
    },
    secrets: {
      ...(fm ? { fmToken: fm.token } : {}),
      ...(prom?.token ? { promToken: prom.token } : {}),
      ...(alertmanager ? { alertmanagerToken: alertmanager.token } : {}),
    },
  };
}

/** The secrets and users of a saved fleet, for scrubbing and masking: every token and every Basic-auth user. */
export function savedSecretValues(
  config: FleetConfig | undefined,
  secrets: FleetSecrets | undefined,
): { secrets: string[]; users: string[] } {
  return {
    secrets: [secrets?.fmToken, secrets?.promToken, secrets?.alertmanagerToken].filter(
      (s): s is string => !!s,
    ),
    users: [config?.fm?.stackId, config?.prom?.user, config?.alertmanager?.user].filter(
      (s): s is string => !!s,
    ),
  };
}
