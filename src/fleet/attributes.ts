/**
 * Local attributes as sent to FM on RegisterCollector and every GetConfig
 * (docs/fm-protocol.md#local-attributes-and-liveness).
 */
import type { Os } from "../blueprint/os.js";

export interface AttributeSources {
  readonly os: Os;
  readonly version: string;
  readonly env: string;
  /** The blueprint's features.fleet_management.attributes. */
  readonly blueprint: Readonly<Record<string, string>>;
  /** From the run (github.repository, github.run_id inside GitHub Actions). */
  readonly context: Readonly<Record<string, string>>;
  /** What the collector's deployment adds (the k8s-monitoring chart's remoteConfig attributes). */
  readonly deployment?: Readonly<Record<string, string>>;
}

/**
 * `collector.os` and `collector.version` drive FM's Operating System and Alloy version columns and must be on
 * every heartbeat; `collector.ID` is never sent (FM derives it). `fake=true` marks the fleet as synthetic so
 * leftovers can be told from real collectors. Later sources win on a shared key.
 */
export function localAttributes(sources: AttributeSources): Record<string, string> {
  return {
    "collector.os": sources.os,
    "collector.version": sources.version,
    env: sources.env,
    fake: "true",
    ...sources.blueprint,
    ...sources.context,
    ...sources.deployment,
  };
}
