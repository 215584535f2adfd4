/** The typed blueprint (README.md#blueprints) after validation, with every default applied. Pure data. */
import type { Os } from "../blueprint/os.js";
import type { YamlPath } from "./yaml-path.js";
import type { ScenarioEvent, Severity } from "./events.js";

export type PerOs = Readonly<Record<Os, number>>;

export interface FleetManagementSpec {
  readonly enabled: boolean;
  /** Alloy version of the standalone collectors, always with a leading "v". */
  readonly collector_version: string;
  /** Every OS key present; an absent OS counts 0. */
  readonly collectors_per_os: PerOs;
  readonly unhealthy_per_os: PerOs;
  /** Extra local attributes for every collector; keys never start with "collector.". */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface K8sFeatures {
  readonly cluster_metrics: boolean;
  readonly cluster_events: boolean;
  readonly pod_logs: boolean;
  readonly node_logs: boolean;
  readonly profiling: boolean;
  readonly application_observability: boolean;
}

/** The k8s-monitoring Helm chart v3 values the mirror reads (docs/fm-protocol.md#k8s-monitoring-chart). */
export interface K8sMonitoringSpec {
  readonly enabled: boolean;
  readonly fleet_management: boolean;
  readonly chart_version?: string | undefined;
  /** Always with a leading "v". */
  readonly alloy_version: string;
  readonly metrics_replicas: number;
  readonly receiver_as_daemonset: boolean;
  readonly features: K8sFeatures;
}

export interface ClusterSpec {
  /** May contain "{env}", replaced by the (possibly overridden) environment name. */
  readonly name: string;
  /** Linux nodes. */
  readonly nodes: number;
  readonly windows_nodes: number;
  readonly k8s_monitoring: K8sMonitoringSpec;
}

export interface EnvironmentSpec {
  readonly name: string;
  readonly cluster?: ClusterSpec | undefined;
}

/**
 * Which collectors an event acts on: every filter given, then the first `count` in roster order. Which
 * collectors an event may act on at all (crashed and departed ones are out) is fleet/selection.ts's rule.
 */
export interface ScenarioSelect {
  readonly os?: Os;
  /** An environment name of the blueprint, or the name it has after the env override. */
  readonly env?: string;
  readonly kind?: "standalone" | "k8s";
  readonly ids?: readonly string[];
  readonly count?: number;
}

/** One event and what it reads: a timeline step without its time, or a live `fm-fleet event`. */
export interface ScenarioAction {
  readonly event: ScenarioEvent;
  /** Empty: every collector the event may act on. */
  readonly select: ScenarioSelect;
  /** unhealthy: the severity of the alert that marks it (default critical). */
  readonly severity?: Severity;
  /** config-error: the error message FM shows. */
  readonly message?: string;
  /** join: new standalone collectors per OS. */
  readonly add?: PerOs;
  /** upgrade: the new Alloy version, with a leading "v". */
  readonly version?: string;
}

export interface ScenarioStep extends ScenarioAction {
  /** Offset from "ready" (every collector registered and the first push accepted). Non-decreasing. */
  readonly atMs: number;
}

export interface Blueprint {
  readonly name: string;
  /** At least one; names are unique. */
  readonly environments: readonly EnvironmentSpec[];
  readonly features: { readonly fleet_management: FleetManagementSpec };
  /** The timeline, in order; absent when the blueprint has none. */
  readonly scenario?: readonly ScenarioStep[];
}

/** A blueprint with where it came from, and notices for the user (ignored keys). */
export interface LoadedBlueprint {
  readonly blueprint: Blueprint;
  /** The path as given, or "shipped:<name>". */
  readonly file: string;
  readonly notices: string[];
  /** Line and column of a path in the source (of its key; the closest existing node when it is absent). */
  readonly locate: (path: YamlPath) => { line: number; column: number } | undefined;
}
