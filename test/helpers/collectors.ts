/**
 * Collectors built by hand, shaped as README.md#blueprints; docs/fm-protocol.md#k8s-monitoring-chart;
 * docs/signals.md describe them, for tests of code that consumes a roster without depending on the roster
 * builder.
 */
import type { Collector } from "../../src/fleet/types.js";
import type { Os } from "../../src/blueprint/os.js";

export interface StandaloneSpec {
  blueprint?: string;
  env?: string;
  os?: Os;
  /** 1-based number within (env, os): the NN of the ID. */
  index?: number;
  version?: string;
  healthy?: boolean;
}

/** A standalone collector: ID `<blueprint>-<env>-<os>-<NN>`, cluster label `<blueprint>-<env>`. */
export function standaloneCollector(spec: StandaloneSpec = {}): Collector {
  const { blueprint = "fleet-management", env = "ci", os = "linux", index = 1 } = spec;
  const version = spec.version ?? "v1.18.1";
  const id = `${blueprint}-${env}-${os}-${String(index).padStart(2, "0")}`;
  const cluster = `${blueprint}-${env}`;
  return {
    id,
    name: id,
    os,
    version,
    env,
    kind: "standalone",
    healthy: spec.healthy ?? true,
    attributes: { "collector.os": os, "collector.version": version, env, fake: "true" },
    labels: sortedRecord({
      job: "integrations/alloy",
      namespace: "infra",
      cluster,
      k8s_cluster_name: cluster,
      instance: `${id}:12345`,
      collector_id: id,
      os,
    }),
  };
}

export type K8sWorkload =
  "alloy-metrics" | "alloy-singleton" | "alloy-logs" | "alloy-receiver" | "alloy-profiles";

export interface K8sSpec {
  workload?: K8sWorkload;
  cluster?: string;
  env?: string;
  /** Ordinal of the pod (statefulset) or node number (daemonset). */
  index?: number;
  version?: string;
  os?: Os;
  healthy?: boolean;
}

const RELEASE = "grafana-k8s-monitoring";
const WORKLOAD_TYPE: Record<K8sWorkload, "statefulset" | "deployment" | "daemonset"> = {
  "alloy-metrics": "statefulset",
  "alloy-singleton": "deployment",
  "alloy-logs": "daemonset",
  "alloy-receiver": "deployment",
  "alloy-profiles": "daemonset",
};

/**
 * A collector of the k8s-monitoring mirror (docs/fm-protocol.md#k8s-monitoring-chart), with fixed stand-ins
 * for hashed parts.
 */
export function k8sCollector(spec: K8sSpec = {}): Collector {
  const {
    workload = "alloy-metrics",
    cluster = "prod-eu-west-1",
    env = "prod",
    index = 0,
    os = "linux",
  } = spec;
  const version = spec.version ?? "v1.18.0";
  const workloadType = WORKLOAD_TYPE[workload];
  const node = `ip-10-0-${index}-${10 + index}.internal`;
  const pod =
    workloadType === "statefulset"
      ? `${RELEASE}-${workload}-${index}`
      : workloadType === "deployment"
        ? `${RELEASE}-${workload}-5d8f7c9b6a-x7k2p`
        : `${RELEASE}-${workload}-${["q4w8z", "m2n6v", "k9j3h"][index % 3]}`;
  const id =
    workloadType === "daemonset"
      ? `${RELEASE}-${cluster}-monitoring-${workload}-${node}`
      : `${RELEASE}-${cluster}-monitoring-${pod}`;
  return {
    id,
    name: id,
    os,
    version,
    env,
    kind: "k8s",
    healthy: spec.healthy ?? true,
    attributes: {
      "collector.os": os,
      "collector.version": version,
      env,
      fake: "true",
      platform: "kubernetes",
      source: "k8s-monitoring",
      release: RELEASE,
      cluster,
      namespace: "monitoring",
      workloadName: workload,
      workloadType,
    },
    labels: sortedRecord({
      job: "integrations/alloy",
      namespace: "monitoring",
      cluster,
      k8s_cluster_name: cluster,
      instance: `10.0.${index}.${20 + index}:12345`,
      collector_id: id,
      os,
      pod,
      container: "alloy",
      workload: `${RELEASE}-${workload}`,
      workload_type: workloadType === "deployment" ? "replicaset" : workloadType,
      app: workload,
      source: "kubernetes",
    }),
  };
}

/** `count` standalone collectors of one OS, numbered from 01. */
export function standaloneFleet(count: number, spec: Omit<StandaloneSpec, "index"> = {}): Collector[] {
  return Array.from({ length: count }, (_, i) => standaloneCollector({ ...spec, index: i + 1 }));
}

/** One collector of each kind the signal model distinguishes, healthy and unhealthy. */
export function mixedFleet(): Collector[] {
  const workloads: K8sWorkload[] = [
    "alloy-metrics",
    "alloy-singleton",
    "alloy-logs",
    "alloy-receiver",
    "alloy-profiles",
  ];
  return [
    standaloneCollector({ os: "linux", index: 1 }),
    standaloneCollector({ os: "linux", index: 2, healthy: false }),
    standaloneCollector({ os: "windows", index: 1, version: "v1.17.1" }),
    standaloneCollector({ os: "darwin", index: 1, version: "v1.16.3" }),
    ...workloads.map((workload) => k8sCollector({ workload })),
    k8sCollector({ workload: "alloy-logs", index: 1, healthy: false }),
  ];
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
