/**
 * Blueprint rules that span several keys (README.md#blueprints). They read the raw parsed YAML rather than
 * the zod output, so they still run, and report, when an unrelated key is invalid: all problems at once.
 */
import { OS_ORDER } from "../blueprint/os.js";
import type { PendingProblem } from "./issues.js";
import { describeFound } from "./messages.js";
import { scenarioProblems } from "./scenario-rules.js";
import { KNOWN_FEATURE_KEYS, KNOWN_TOP_LEVEL_KEYS } from "./schema.js";
import type { Blueprint, ClusterSpec } from "./types.js";
import { formatYamlPath, hasPath, valueAt, type YamlPath } from "./yaml-path.js";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

export function relationProblems(data: unknown): PendingProblem[] {
  return [
    ...unhealthyWithinCount(data),
    ...fleetManagementNeedsEnabled(data),
    ...uniqueEnvironmentNames(data),
    ...scenarioProblems(data),
  ];
}

function unhealthyWithinCount(data: unknown): PendingProblem[] {
  const fm = valueAt(data, ["features", "fleet_management"]);
  if (!isRecord(fm)) return [];
  const counts = isRecord(fm.collectors_per_os) ? fm.collectors_per_os : {};
  const unhealthy = isRecord(fm.unhealthy_per_os) ? fm.unhealthy_per_os : {};
  const problems: PendingProblem[] = [];
  for (const os of OS_ORDER) {
    const bad = unhealthy[os];
    const count = counts[os] ?? 0;
    if (!isCount(bad) || !isCount(count) || bad <= count) continue;
    problems.push({
      path: ["features", "fleet_management", "unhealthy_per_os", os],
      anchor: "value",
      message: `expected at most ${count} (collectors_per_os.${os}), found ${bad}`,
    });
  }
  return problems;
}

function environments(data: unknown): unknown[] {
  const envs = valueAt(data, ["environments"]);
  return Array.isArray(envs) ? envs : [];
}

/** The chart only runs FM-managed collectors it deploys at all (k8s-monitoring v3 `remoteConfig`). */
function fleetManagementNeedsEnabled(data: unknown): PendingProblem[] {
  return environments(data).flatMap((_env, i): PendingProblem[] => {
    const path: YamlPath = ["environments", i, "cluster", "k8s_monitoring"];
    const k8s = valueAt(data, path);
    if (!isRecord(k8s) || k8s.fleet_management !== true || k8s.enabled === true) return [];
    const found = hasPath(data, [...path, "enabled"])
      ? `enabled: ${describeFound(k8s.enabled)}`
      : "no enabled key (it defaults to false)";
    return [
      {
        path: [...path, "fleet_management"],
        anchor: "value",
        message: `fleet_management: true expects enabled: true in the same k8s_monitoring block, found ${found}`,
      },
    ];
  });
}

function uniqueEnvironmentNames(data: unknown): PendingProblem[] {
  const firstUse = new Map<string, number>();
  const problems: PendingProblem[] = [];
  environments(data).forEach((env, i) => {
    const name = isRecord(env) ? env.name : undefined;
    if (typeof name !== "string") return;
    const first = firstUse.get(name);
    if (first === undefined) {
      firstUse.set(name, i);
      return;
    }
    problems.push({
      path: ["environments", i, "name"],
      anchor: "value",
      message: `expected a unique environment name, found ${JSON.stringify(name)} again (first used at ${formatYamlPath(["environments", first, "name"])})`,
    });
  });
  return problems;
}

/** Keys fm-action accepts but does not read: other top-level keys and other `features.*` entries. */
export function ignoredKeys(data: unknown): string[] {
  if (!isRecord(data)) return [];
  const top = Object.keys(data).filter((k) => !KNOWN_TOP_LEVEL_KEYS.includes(k));
  const features = valueAt(data, ["features"]);
  const nested = isRecord(features)
    ? Object.keys(features)
        .filter((k) => !KNOWN_FEATURE_KEYS.includes(k))
        .map((k) => formatYamlPath(["features", k]))
    : [];
  return [...top.map((k) => formatYamlPath([k])), ...nested];
}

/**
 * Whether a cluster's k8s-monitoring mirror yields at least one collector. Must agree with
 * fleet/k8s-mirror.ts (a property test holds them together): statefulset and deployment collectors always
 * run; daemonsets need nodes, and alloy-profiles only Linux nodes.
 */
function mirrorYieldsCollectors(cluster: ClusterSpec): boolean {
  const k8s = cluster.k8s_monitoring;
  if (!k8s.enabled || !k8s.fleet_management) return false;
  const f = k8s.features;
  const anyNode = cluster.nodes + cluster.windows_nodes > 0;
  return (
    f.cluster_metrics ||
    f.cluster_events ||
    (f.application_observability && (!k8s.receiver_as_daemonset || anyNode)) ||
    ((f.pod_logs || f.node_logs) && anyNode) ||
    (f.profiling && cluster.nodes > 0)
  );
}

/** README.md#blueprints: an empty roster is an error that says how to fix it. */
export function emptyRosterProblem(blueprint: Blueprint, data: unknown): PendingProblem | undefined {
  const fm = blueprint.features.fleet_management;
  const standalone = fm.enabled && OS_ORDER.some((os) => fm.collectors_per_os[os] > 0);
  const mirrored = blueprint.environments.some((env) => env.cluster && mirrorYieldsCollectors(env.cluster));
  if (standalone || mirrored) return undefined;
  const candidates: YamlPath[] = [
    ["features", "fleet_management", "collectors_per_os"],
    ["features", "fleet_management"],
    ["features"],
  ];
  const path = candidates.find((p) => hasPath(data, p)) ?? [];
  const why = fm.enabled ? "every count is 0 or absent" : "features.fleet_management.enabled is false";
  return {
    path,
    anchor: "value",
    message:
      `the blueprint yields no collectors (${why}): set a count under ` +
      `features.fleet_management.collectors_per_os (e.g. linux: 3), or enable a k8s-monitoring cluster ` +
      `mirror (environments[].cluster.k8s_monitoring with enabled: true and fleet_management: true)`,
  };
}
