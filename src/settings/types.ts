/** The typed settings each use gets from parseSettings. Pure data. */
import type { EnvName } from "../blueprint/names.js";
import type { Credentials, FmCredentials } from "./credentials.js";
import type { Expectations } from "./expectations.js";
import type { Speaker } from "./hints.js";
import type { ShardSetting } from "./rules.js";

/** What cleanup does with FM's records after UnregisterCollector. */
export type CleanupMode = "delete" | "unregister";

/** Which fleet: what the roster is built from. */
export interface RosterSettings {
  readonly blueprint: string;
  /** The env override, already checked against the environment-name rule. */
  readonly env?: EnvName;
  /** github.repository and github.run_id inside GitHub Actions; {} elsewhere. */
  readonly contextAttributes: Readonly<Record<string, string>>;
  /** One part of the roster; undefined: the whole fleet. */
  readonly shard?: ShardSetting;
}

/** A fleet to start, whichever frontend starts it. */
export interface FleetSettings extends RosterSettings {
  readonly intervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fmRatePerSecond: number;
  readonly startTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly cleanup: CleanupMode;
  readonly credentials: Credentials;
  /** Which frontend started it: failures name its settings (the CLI's variables, the action's inputs). */
  readonly speaker?: Speaker;
}

/** The action's main step. */
export interface ActionSettings {
  readonly fleet: FleetSettings;
  readonly dryRun: boolean;
  /** Delete this repository's leftovers from FM before registering. */
  readonly sweep: boolean;
  /** How long ago FM must have marked a leftover inactive (`fm-fleet sweep --older-than`'s default). */
  readonly sweepOlderThanMs: number;
  readonly failOnCleanupError: boolean;
  /** Which pipelines each collector should receive (input expect-pipelines); undefined: no check. */
  readonly expectations?: Expectations;
  /** A mismatch fails main (default); false: a warning. */
  readonly expectPipelinesFail: boolean;
  /** Plain-words notes for the log (FM off, mixed-up users, …). */
  readonly notices: readonly string[];
}

/** `fm-fleet plan`. */
export interface PlanSettings {
  readonly roster: RosterSettings;
  readonly intervalMs: number;
  /** With the rate, what the capacity warning is computed from, as a live run would. */
  readonly heartbeatIntervalMs: number;
  readonly fmRatePerSecond: number;
  readonly json: boolean;
}

/** `fm-fleet run`. */
export interface RunSettings {
  readonly fleet: FleetSettings;
  /** Stop after this long; undefined: at Ctrl-C. */
  readonly durationMs?: number;
  readonly notices: readonly string[];
}

/** `fm-fleet start`. */
export interface StartSettings {
  readonly fleet: FleetSettings;
  /** As given (relative to the working directory), or the default. */
  readonly stateDir: string;
  readonly notices: readonly string[];
}

/** `fm-fleet stop` and `fm-fleet status`. */
export interface StateDirSettings {
  readonly stateDir: string;
  readonly json: boolean;
}

/** `fm-fleet sweep`. */
export interface SweepSettings {
  /** Undefined only when a problem was reported. */
  readonly fm: FmCredentials;
  readonly olderThanMs: number;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly notices: readonly string[];
}

/** `fm-fleet pipelines`: FM only, no metrics. */
export interface PipelinesSettings {
  /** Credentials hold FM's only: remote write is not read. */
  readonly fleet: FleetSettings;
  /** The --expect file, as given (relative to the working directory). */
  readonly expectFile?: string;
  readonly json: boolean;
  readonly notices: readonly string[];
}

export interface CliSettings {
  readonly plan: PlanSettings;
  readonly run: RunSettings;
  readonly start: StartSettings;
  readonly stop: StateDirSettings;
  readonly status: StateDirSettings;
  readonly sweep: SweepSettings;
  readonly pipelines: PipelinesSettings;
}
