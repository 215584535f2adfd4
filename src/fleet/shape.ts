/**
 * What a fleet is made of beside its collectors: the blueprint's name, version and attributes, and its
 * environments after the env override. Enough to make a standalone collector exactly as the roster does,
 * so collectors that join a running fleet look like the ones it started with. Pure data, saved with the
 * fleet's configuration so the background process can grow the fleet.
 */
import type { Os } from "../blueprint/os.js";
import { OS_ORDER } from "../blueprint/os.js";
import type { Blueprint, PerOs } from "../blueprint/types.js";
import { localAttributes } from "./attributes.js";
import { standaloneId } from "./ids.js";
import { standaloneLabels } from "./labels.js";
import type { Collector, RosterOptions } from "./types.js";

export interface ShapeEnvironment {
  /** The name the blueprint gives it. */
  readonly declared: string;
  /** Its name after the env override: what collector IDs and the `env` attribute carry. */
  readonly name: string;
  /** The cluster label of its standalone collectors. */
  readonly cluster: string;
}

export interface FleetShape {
  readonly blueprint: string;
  /** features.fleet_management.collector_version. */
  readonly version: string;
  /** features.fleet_management.attributes. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Attributes from the run context (github.repository, github.run_id). */
  readonly context: Readonly<Record<string, string>>;
  /** In blueprint order; several may share a name after the env override. */
  readonly environments: readonly ShapeEnvironment[];
}

export function fleetShapeOf(blueprint: Blueprint, options: RosterOptions = {}): FleetShape {
  const fm = blueprint.features.fleet_management;
  return {
    blueprint: blueprint.name,
    version: fm.collector_version,
    attributes: fm.attributes,
    context: options.contextAttributes ?? {},
    environments: blueprint.environments.map((spec) => {
      const name = options.env ?? spec.name;
      // The cluster label (docs/signals.md): the cluster's name with {env} replaced, else <blueprint>-<env>.
      const cluster = spec.cluster
        ? spec.cluster.name.replaceAll("{env}", name)
        : `${blueprint.name}-${name}`;
      return { declared: spec.name, name, cluster };
    }),
  };
}

/** A standalone collector of `env`, numbered `sequence` within (env, os). */
export function makeStandaloneCollector(
  shape: FleetShape,
  env: Pick<ShapeEnvironment, "name" | "cluster">,
  os: Os,
  sequence: string,
  healthy: boolean,
): Collector {
  const id = standaloneId(shape.blueprint, env.name, os, sequence);
  return {
    id,
    name: id,
    os,
    version: shape.version,
    env: env.name,
    kind: "standalone",
    healthy,
    attributes: localAttributes({
      os,
      version: shape.version,
      env: env.name,
      blueprint: shape.attributes,
      context: shape.context,
    }),
    labels: standaloneLabels(id, os, env.cluster),
  };
}

/** The environment a selection's `env` names: by its name in the blueprint or after the env override. */
export function findEnvironment(shape: FleetShape, name: string): ShapeEnvironment | undefined {
  return (
    shape.environments.find((e) => e.name === name) ?? shape.environments.find((e) => e.declared === name)
  );
}

/**
 * New standalone collectors of `env`, numbered after every collector of their (env, os) the fleet ever
 * held, departed ones included: an ID is never used twice, so FM and Prometheus never mistake a newcomer
 * for a collector that left. The numbers keep the width the group already has (`-07` after `-06`,
 * `-00101` after `-00100`), and grow a digit only when they must (`-100` after `-99`).
 */
export function joiningCollectors(
  shape: FleetShape,
  everyone: readonly Collector[],
  add: PerOs,
  env: ShapeEnvironment,
): Collector[] {
  const joined: Collector[] = [];
  for (const os of OS_ORDER) {
    const count = add[os];
    if (count <= 0) continue;
    const prefix = `${standaloneId(shape.blueprint, env.name, os, "")}`;
    let last = 0;
    let width = 2;
    for (const c of everyone) {
      if (c.kind !== "standalone" || !c.id.startsWith(prefix)) continue;
      const digits = c.id.slice(prefix.length);
      if (!/^\d+$/.test(digits)) continue;
      last = Math.max(last, Number(digits));
      width = Math.max(width, digits.length);
    }
    for (let i = 1; i <= count; i++)
      joined.push(makeStandaloneCollector(shape, env, os, String(last + i).padStart(width, "0"), true));
  }
  return joined;
}
