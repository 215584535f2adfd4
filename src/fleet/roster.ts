/**
 * Blueprint × env override → the ordered roster of fake collectors (README.md#blueprints;
 * docs/fm-protocol.md#k8s-monitoring-chart). Pure: the same input gives the same roster on every run and
 * machine.
 */
import type { Blueprint, EnvironmentSpec } from "../blueprint/types.js";
import { formatYamlPath, type YamlPath } from "../blueprint/yaml-path.js";
import { BlueprintError, type BlueprintProblem } from "../core/errors.js";
import { checkAttributeLimit } from "./attribute-limit.js";
import { localAttributes } from "./attributes.js";
import { isValidCollectorId, MAX_ID_LENGTH, sequenceNumber } from "./ids.js";
import { mirrorAttributes, mirrorLabels, mirrorPods } from "./k8s-mirror.js";
import { fleetShapeOf, makeStandaloneCollector } from "./shape.js";
import { type Collector, type Roster, type RosterOptions } from "./types.js";
import { OS_ORDER } from "../blueprint/os.js";

/** One blueprint environment after the env override. */
interface ResolvedEnvironment {
  readonly index: number;
  readonly spec: EnvironmentSpec;
  readonly name: string;
  /**
   * The cluster label: the cluster's name with `{env}` replaced, else `<blueprint>-<env>`
   * (docs/signals.md#target-labels-on-every-series).
   */
  readonly cluster: string;
}

/** A collector and the blueprint key that shaped its ID, to point at when the ID is unusable. */
interface Placed {
  readonly collector: Collector;
  readonly origin: YamlPath;
}

/**
 * The largest fleet one run may make. The blueprint format caps each OS count at 10,000
 * (README.md#blueprints) but not the total, and many environments with large clusters multiply. 50,000
 * collectors is already 1.45 M series, ten times Mimir's default tenant limit, and ~55 minutes of FM start-up
 * at 15 req/s: anything beyond is a typo, not a test.
 */
export const MAX_ROSTER_SIZE = 50_000;

function rosterTooLarge(count: number, env: ResolvedEnvironment, file: string): BlueprintError {
  return new BlueprintError(file, [
    {
      path: formatYamlPath(["environments", env.index]),
      message: `the roster has more than ${MAX_ROSTER_SIZE} collectors (at least ${count} by this environment): lower the counts, nodes or environments`,
    },
  ]);
}

export function buildRoster(blueprint: Blueprint, options: RosterOptions = {}): Roster {
  const environments = blueprint.environments.map((spec, index): ResolvedEnvironment => {
    const name = options.env ?? spec.name;
    const cluster = spec.cluster ? spec.cluster.name.replaceAll("{env}", name) : `${blueprint.name}-${name}`;
    return { index, spec, name, cluster };
  });
  const context = options.contextAttributes ?? {};
  const placed = standaloneCollectors(blueprint, environments, context);
  for (const env of environments) {
    placed.push(...mirroredCollectors(blueprint, env, context));
    // Checked as the roster grows, so a blueprint asking for millions fails before it can exhaust memory.
    if (placed.length > MAX_ROSTER_SIZE)
      throw rosterTooLarge(placed.length, env, options.source ?? blueprint.name);
  }
  checkIds(placed, options.source ?? blueprint.name, options.env);
  checkAttributeLimit(
    placed.map((p) => p.collector),
    {
      source: options.source ?? blueprint.name,
      blueprintAttributes: blueprint.features.fleet_management.attributes,
      ...(options.locate ? { locate: options.locate } : {}),
    },
  );
  return { blueprint: blueprint.name, collectors: placed.map((p) => p.collector) };
}

/**
 * Each OS's collectors are dealt round-robin across the environments in blueprint order, and numbered per
 * (environment name, OS) after the env override, so environments renamed to the same name share one
 * sequence and never collide.
 */
function standaloneCollectors(
  blueprint: Blueprint,
  environments: readonly ResolvedEnvironment[],
  context: Readonly<Record<string, string>>,
): Placed[] {
  const fm = blueprint.features.fleet_management;
  if (!fm.enabled) return [];
  const shape = fleetShapeOf(blueprint, { contextAttributes: context });
  const placed: Placed[] = [];
  for (const os of OS_ORDER) {
    const count = fm.collectors_per_os[os];
    const dealt = Array.from({ length: count }, (_, i) => environments[i % environments.length]!);
    const groupSize = new Map<string, number>();
    for (const env of dealt) groupSize.set(env.name, (groupSize.get(env.name) ?? 0) + 1);
    const next = new Map<string, number>();
    // The LAST N of an OS in dealing order are unhealthy: the first collectors, the ones a user reads
    // first in FM and in `plan`, stay healthy, and the choice stays stable when a count grows.
    const firstUnhealthy = count - fm.unhealthy_per_os[os];

    dealt.forEach((env, i) => {
      const seq = next.get(env.name) ?? 0;
      next.set(env.name, seq + 1);
      const collector = makeStandaloneCollector(
        shape,
        env,
        os,
        sequenceNumber(seq, groupSize.get(env.name)!),
        i < firstUnhealthy,
      );
      placed.push({ collector, origin: ["environments", env.index, "name"] });
    });
  }
  return placed;
}

function mirroredCollectors(
  blueprint: Blueprint,
  env: ResolvedEnvironment,
  context: Readonly<Record<string, string>>,
): Placed[] {
  const cluster = env.spec.cluster;
  if (!cluster) return [];
  const version = cluster.k8s_monitoring.alloy_version;
  return mirrorPods(env.cluster, cluster).map((pod) => ({
    collector: {
      id: pod.id,
      name: pod.id,
      os: pod.os,
      version,
      env: env.name,
      kind: "k8s",
      healthy: true,
      attributes: localAttributes({
        os: pod.os,
        version,
        env: env.name,
        blueprint: blueprint.features.fleet_management.attributes,
        context,
        deployment: mirrorAttributes(pod, env.cluster, cluster),
      }),
      labels: mirrorLabels(pod, env.cluster),
    },
    origin: ["environments", env.index, "cluster", "name"],
  }));
}

/**
 * README.md#blueprints: IDs are unique, at most 128 chars of [a-z0-9.-]; anything else is a blueprint error.
 * One problem per blueprint key: a cluster whose every pod ID is too long is one thing to fix, not nine, and
 * the longest ID says by how much.
 */
function checkIds(placed: readonly Placed[], source: string, envOverride: string | undefined): void {
  const problems = new Map<string, BlueprintProblem & { excess?: number }>();
  const firstOrigin = new Map<string, YamlPath>();
  const withEnv = envOverride === undefined ? "" : ` (with env "${envOverride}")`;
  for (const { collector, origin } of placed) {
    const { id } = collector;
    const path = formatYamlPath(origin);
    const excess = id.length - MAX_ID_LENGTH;
    if (excess > 0) {
      if ((problems.get(path)?.excess ?? 0) < excess)
        problems.set(path, {
          path,
          excess,
          message: `yields collector ID "${id}"${withEnv}, ${id.length} chars: FM allows at most ${MAX_ID_LENGTH}, so shorten it by ${excess}`,
        });
    } else if (!isValidCollectorId(id)) {
      if (!problems.has(path))
        problems.set(path, {
          path,
          message: `yields collector ID "${id}"${withEnv}: expected only lowercase letters, digits, "." and "-"`,
        });
    } else {
      const first = firstOrigin.get(id);
      if (first === undefined) firstOrigin.set(id, origin);
      else if (!problems.has(path))
        problems.set(path, {
          path,
          message: `yields collector ID "${id}"${withEnv} again (first from ${formatYamlPath(first)}): IDs must be unique, so give the clusters different names`,
        });
    }
  }
  if (problems.size > 0)
    throw new BlueprintError(
      source,
      [...problems.values()].map(({ path, message }) => ({ path, message })),
    );
}
