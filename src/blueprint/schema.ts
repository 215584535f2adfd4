/**
 * The blueprint schema (README.md#blueprints). Sections fm-action owns are closed: an unknown key there is a
 * typo to report, not to ignore. The document root and `features` stay open because blueprints written for
 * the wider synthkit tool carry keys fm-action does not use (the loader lists those in one notice).
 */
import * as z from "zod";
import { closestMatch } from "../core/did-you-mean.js";
import { MAX_DURATION_MS, parseDuration } from "../core/duration.js";
import { unsafeCharacterIn } from "./characters.js";
import { MAX_JOIN_PER_OS, SCENARIO_EVENTS, SEVERITIES, UPGRADE_VERSION_RE } from "./events.js";
import { describeFound, expecting } from "./messages.js";
import { BLUEPRINT_NAME_MAX, ENV_NAME_MAX, isValidName, nameRule } from "./names.js";
import type {
  Blueprint,
  ClusterSpec,
  EnvironmentSpec,
  FleetManagementSpec,
  K8sFeatures,
  K8sMonitoringSpec,
  PerOs,
  ScenarioStep,
} from "./types.js";

export const DEFAULT_ENVIRONMENT = "ci";
export const DEFAULT_COLLECTOR_VERSION = "v1.18.1";
/**
 * The Alloy image k8s-monitoring 3.8.12, the last v3 chart, ships (docs/fm-protocol.md#k8s-monitoring-chart).
 */
export const DEFAULT_K8S_ALLOY_VERSION = "v1.18.0";
export const MAX_COLLECTORS_PER_OS = 10_000;
export const MAX_ATTRIBUTE_KEY = 100;
export const MAX_ATTRIBUTE_VALUE = 150;

/**
 * A mapping with a fixed set of keys. The unknown-key message names the allowed keys; the problem builder
 * (issues.ts) adds which key was found, one problem per key.
 */
function closedMap<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `expected one of ${allowed}` : expecting("a mapping")(issue),
  });
}

const flag = (fallback: boolean) => z.boolean({ error: expecting("true or false") }).default(fallback);

const integer = (min: number, max: number) =>
  z
    .number({ error: expecting(`an integer from ${min} to ${max}`) })
    .int()
    .min(min)
    .max(max);

const name = (what: string, max: number) =>
  z.string({ error: expecting(`${what} of ${nameRule(max)}`) }).refine((value) => isValidName(value, max));

const perOs: z.ZodType<PerOs> = closedMap({
  linux: integer(0, MAX_COLLECTORS_PER_OS).optional(),
  windows: integer(0, MAX_COLLECTORS_PER_OS).optional(),
  darwin: integer(0, MAX_COLLECTORS_PER_OS).optional(),
}).transform((counts) => ({
  linux: counts.linux ?? 0,
  windows: counts.windows ?? 0,
  darwin: counts.darwin ?? 0,
}));

/** Semantic versions as Alloy tags them, pre-releases included (v1.19.0-rc.3). */
const SEMVER = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?`;

const collectorVersion = z
  .string({ error: expecting("an Alloy version like v1.18.1") })
  .regex(new RegExp(`^v${SEMVER}$`));

const alloyVersion = z
  .string({ error: expecting(`an Alloy version like "1.18.0" or v1.18.0`) })
  .regex(new RegExp(`^v?${SEMVER}$`))
  .transform((v) => (v.startsWith("v") ? v : `v${v}`));

const chartVersion = z
  .string({ error: expecting(`a chart version like "3.8.12" (quoted, so YAML keeps it a string)`) })
  .regex(new RegExp(`^${SEMVER}$`));

/**
 * Attributes reach FM, its UI and every log that quotes them: no control or bidirectional-formatting
 * characters (characters.ts), which would hide what a key or value really says.
 */
const printable = (what: string) => ({
  error: (issue: { input?: unknown }) =>
    `expected ${what} without control or bidirectional-formatting characters, found ${unsafeCharacterIn(String(issue.input)) ?? "one"}`,
});

/**
 * FM refuses attribute keys over 100 chars and values over 150 (docs/fm-protocol.md#attribute-limits);
 * collector.* is ours.
 */
const attributes = z.record(
  z
    .string({
      error: expecting(
        `an attribute key of 1 to ${MAX_ATTRIBUTE_KEY} chars that does not start with "collector."`,
      ),
    })
    .min(1)
    .max(MAX_ATTRIBUTE_KEY)
    .refine((key) => !key.startsWith("collector."))
    .refine((key) => unsafeCharacterIn(key) === undefined, printable("an attribute key")),
  z
    .string({
      error: expecting(`a string of at most ${MAX_ATTRIBUTE_VALUE} chars (quote numbers and booleans)`),
    })
    .max(MAX_ATTRIBUTE_VALUE)
    .refine((value) => unsafeCharacterIn(value) === undefined, printable("an attribute value")),
  { error: expecting("a mapping of attribute names to strings") },
);

const fleetManagement: z.ZodType<FleetManagementSpec> = closedMap({
  enabled: flag(true),
  collector_version: collectorVersion.default(DEFAULT_COLLECTOR_VERSION),
  collectors_per_os: perOs.prefault({}),
  unhealthy_per_os: perOs.prefault({}),
  attributes: attributes.default({}),
});

const k8sFeatures: z.ZodType<K8sFeatures> = closedMap({
  cluster_metrics: flag(true),
  cluster_events: flag(true),
  pod_logs: flag(true),
  node_logs: flag(false),
  profiling: flag(false),
  application_observability: flag(false),
});

const k8sMonitoring: z.ZodType<K8sMonitoringSpec> = closedMap({
  enabled: flag(false),
  fleet_management: flag(false),
  chart_version: chartVersion.optional(),
  alloy_version: alloyVersion.default(DEFAULT_K8S_ALLOY_VERSION),
  metrics_replicas: integer(1, 100).default(1),
  receiver_as_daemonset: flag(false),
  features: k8sFeatures.prefault({}),
});

/** `{env}` may appear anywhere; the rest must be valid in a collector ID. */
const clusterName = z
  .string({
    error: expecting(`a cluster name of lowercase letters, digits, "." and "-", optionally with {env}`),
  })
  .regex(/^(?:[a-z0-9]|\{env\})(?:[a-z0-9.-]|\{env\})*$/);

const cluster: z.ZodType<ClusterSpec> = closedMap({
  name: clusterName,
  nodes: integer(0, 1000).default(3),
  windows_nodes: integer(0, 1000).default(0),
  k8s_monitoring: k8sMonitoring.prefault({}),
});

const environment: z.ZodType<EnvironmentSpec> = closedMap({
  name: name("an environment name", ENV_NAME_MAX),
  cluster: cluster.optional(),
});

// ---- scenario: the timeline (steps at offsets from ready) ----

/** Steps one timeline may hold: a CI job's incident, not a load test. */
export const MAX_SCENARIO_STEPS = 1000;

const offset = z
  .string({
    error: expecting('a duration from ready such as 30s, 2m or 1m30s (units required; "0s" for at once)'),
  })
  .refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms <= MAX_DURATION_MS;
  })
  .transform((text) => parseDuration(text)!);

const eventName = z.enum(SCENARIO_EVENTS, {
  error: (issue) => {
    const found = issue.input;
    const hint = typeof found === "string" ? closestMatch(found, SCENARIO_EVENTS) : undefined;
    return `expected one of ${SCENARIO_EVENTS.join(", ")}, found ${describeFound(found)}${hint ? `: did you mean ${hint}?` : ""}`;
  },
});

const select = closedMap({
  os: z.enum(["linux", "windows", "darwin"], { error: expecting("linux, windows or darwin") }).optional(),
  env: name("an environment name", ENV_NAME_MAX).optional(),
  kind: z.enum(["standalone", "k8s"], { error: expecting("standalone or k8s") }).optional(),
  ids: z
    .array(z.string({ error: expecting("a collector ID") }).min(1), {
      error: expecting("a list of collector IDs"),
    })
    .min(1)
    .optional(),
  // Up to the largest roster (fleet/roster.ts MAX_ROSTER_SIZE); fewer present is a warning, not an error.
  count: integer(1, 50_000).optional(),
});

const joinCounts = closedMap({
  linux: integer(0, MAX_JOIN_PER_OS).optional(),
  windows: integer(0, MAX_JOIN_PER_OS).optional(),
  darwin: integer(0, MAX_JOIN_PER_OS).optional(),
}).transform((counts) => ({
  linux: counts.linux ?? 0,
  windows: counts.windows ?? 0,
  darwin: counts.darwin ?? 0,
}));

const scenarioStep = closedMap({
  at: offset,
  event: eventName,
  select: select.optional(),
  severity: z.enum(SEVERITIES, { error: expecting(SEVERITIES.join(" or ")) }).optional(),
  message: z
    .string({ error: expecting("an error message of 1 to 1000 chars") })
    .min(1)
    .max(1000)
    .optional(),
  add: joinCounts.optional(),
  version: z
    .string({ error: expecting("an Alloy version like v1.19.0") })
    .regex(UPGRADE_VERSION_RE)
    .optional(),
}).transform((step): ScenarioStep => ({
  atMs: step.at,
  event: step.event,
  select: step.select ?? {},
  ...(step.event === "unhealthy" ? { severity: step.severity ?? "critical" } : {}),
  ...(step.message !== undefined ? { message: step.message } : {}),
  ...(step.add !== undefined ? { add: step.add } : {}),
  ...(step.version !== undefined ? { version: step.version } : {}),
}));

const scenario = z
  .array(scenarioStep, { error: expecting("a list of steps, each with at and event") })
  .max(MAX_SCENARIO_STEPS);

export const blueprintSchema: z.ZodType<Blueprint> = z.object(
  {
    name: name("a blueprint name", BLUEPRINT_NAME_MAX),
    environments: z
      .array(environment, { error: expecting("a list of at least one environment") })
      .min(1)
      .default([{ name: DEFAULT_ENVIRONMENT }]),
    features: z
      .object({ fleet_management: fleetManagement.prefault({}) }, { error: expecting("a mapping") })
      .prefault({}),
    scenario: scenario.optional(),
  },
  { error: expecting("a mapping with at least a name") },
);

/** Keys the schema reads; anything else at these levels is reported once as ignored. */
export const KNOWN_TOP_LEVEL_KEYS: readonly string[] = ["name", "environments", "features", "scenario"];
export const KNOWN_FEATURE_KEYS: readonly string[] = ["fleet_management"];
