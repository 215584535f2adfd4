/**
 * The events a fleet takes, on a blueprint's timeline (`scenario:`) or live (`fm-fleet event`), and which
 * fields each one reads. One vocabulary for both, so a step that is valid in a blueprint is valid on the
 * command line and means the same. What each event does to FM and to the metrics is in
 * docs/architecture.md#a-living-fleet; the selection rules are in fleet/selection.ts.
 */

export const SCENARIO_EVENTS = [
  "unhealthy",
  "healthy",
  "config-error",
  "config-ok",
  "silence",
  "resume",
  "crash",
  "leave",
  "join",
  "upgrade",
] as const;
export type ScenarioEvent = (typeof SCENARIO_EVENTS)[number];

export const SEVERITIES = ["critical", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DEFAULT_SEVERITY: Severity = "critical";

/** What a collector whose remote configuration failed reports when the step gives no message. */
export const DEFAULT_CONFIG_ERROR = "the remote configuration failed to load";

/** An upgrade's target: an Alloy release tag, pre-releases included (v1.19.0, v1.19.0-rc.1). */
export const UPGRADE_VERSION_RE = /^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Collectors one join may add per OS. A join is a handful of machines, not a second fleet. */
export const MAX_JOIN_PER_OS = 1000;

export const SELECT_KEYS = ["os", "env", "kind", "ids", "count"] as const;

/** The fields beside `event` (and `at`) a step may carry, and which event reads each. */
export const EVENT_FIELD: Readonly<
  Record<
    "severity" | "message" | "add" | "version",
    { readonly event: ScenarioEvent; readonly required: boolean }
  >
> = {
  severity: { event: "unhealthy", required: false },
  message: { event: "config-error", required: false },
  add: { event: "join", required: true },
  version: { event: "upgrade", required: true },
};

/** `join` reads only `select.env` (where the new collectors go); it selects nobody. */
export const JOIN_SELECT_KEYS: readonly string[] = ["env"];

export function isScenarioEvent(value: unknown): value is ScenarioEvent {
  return typeof value === "string" && (SCENARIO_EVENTS as readonly string[]).includes(value);
}
