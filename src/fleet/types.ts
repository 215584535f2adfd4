/** The roster's data model: collectors as FM and Mimir see them. Pure data: no behaviour lives here. */
import type { EnvName } from "../blueprint/names.js";
import type { YamlPath } from "../blueprint/yaml-path.js";

import type { Os } from "../blueprint/os.js";

export type CollectorKind = "standalone" | "k8s";

export interface Collector {
  /** FM collector ID: at most 128 chars of [a-z0-9.-]. */
  readonly id: string;
  /** Display name; equals id. */
  readonly name: string;
  readonly os: Os;
  /** Alloy version, always with a leading "v" (e.g. v1.18.1). */
  readonly version: string;
  /** Environment name after the env override. */
  readonly env: string;
  readonly kind: CollectorKind;
  /** false: the collector reports up=0 and unhealthy components. */
  readonly healthy: boolean;
  /** Local attributes exactly as sent to FM: collector.os, collector.version, env, fake, blueprint attributes, k8s attributes. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Base labels of every series this collector emits, keys sorted by name. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface Roster {
  /** Blueprint name. */
  readonly blueprint: string;
  readonly collectors: readonly Collector[];
  /** Set when `collectors` is one part of the fleet (fleet/shard.ts): which part, of how large a roster. */
  readonly shard?: { readonly index: number; readonly count: number; readonly rosterSize: number };
}

/** Inputs to the roster beside the blueprint. */
export interface RosterOptions {
  /** The `env` override (input `env`, flag `--env`): replaces every environment's name. Already checked. */
  env?: EnvName;
  /** Extra local attributes from the run context (github.repository, github.run_id inside GitHub Actions). */
  contextAttributes?: Readonly<Record<string, string>>;
  /** Where the blueprint came from (a path or "shipped:<name>"), to name it in errors; default its name. */
  source?: string;
  /** Line and column of a blueprint path in its source, for errors to point at (LoadedBlueprint.locate). */
  locate?: (path: YamlPath) => { line: number; column: number } | undefined;
}
