/**
 * The Alloy collectors the grafana/k8s-monitoring Helm chart v3 runs in one cluster with Fleet Management
 * turned on (grafana/k8s-monitoring-helm chart v3.8.12 `values.yaml`, `collectors/named-defaults/*.yaml` and
 * `templates/collectors/_collector_remoteConfig.tpl`, summarised in
 * docs/fm-protocol.md#k8s-monitoring-chart).
 */
import type { ClusterSpec, K8sFeatures } from "../blueprint/types.js";
import {
  clusterNodes,
  createPodIpPool,
  daemonSetPodSuffix,
  deploymentPodSuffix,
  type K8sNode,
} from "./k8s-names.js";
import { ALLOY_HTTP_PORT, baseLabels } from "./labels.js";
import type { Os } from "../blueprint/os.js";

export const K8S_RELEASE = "grafana-k8s-monitoring";
export const K8S_NAMESPACE = "monitoring";

export type WorkloadType = "statefulset" | "deployment" | "daemonset";

/** One pod of the chart that registers with FM as a collector. */
export interface MirrorPod {
  readonly id: string;
  /** The chart's collector name, e.g. `alloy-metrics`. */
  readonly collector: string;
  readonly workloadType: WorkloadType;
  readonly podName: string;
  readonly podIp: string;
  /** The node OS; statefulset and deployment pods run on Linux nodes. */
  readonly os: Os;
}

interface ChartCollector {
  readonly collector: string;
  /** Whether the blueprint's feature gates enable it (docs/fm-protocol.md#k8s-monitoring-chart). */
  readonly enabledBy: (features: K8sFeatures) => boolean;
  readonly workload: (cluster: ClusterSpec) => WorkloadType;
  /** Nodes a daemonset runs on. */
  readonly nodeOs?: readonly Os[];
}

/** In the chart's own order. Each feature's default collector is the one the chart assigns it. */
const CHART_COLLECTORS: readonly ChartCollector[] = [
  { collector: "alloy-metrics", enabledBy: (f) => f.cluster_metrics, workload: () => "statefulset" },
  { collector: "alloy-singleton", enabledBy: (f) => f.cluster_events, workload: () => "deployment" },
  {
    collector: "alloy-logs",
    enabledBy: (f) => f.pod_logs || f.node_logs,
    workload: () => "daemonset",
    nodeOs: ["linux", "windows"],
  },
  {
    // eBPF profiling (pyroscope.ebpf: root, host PID namespace, Linux capabilities) has no Windows
    // counterpart, so alloy-profiles only lands on Linux nodes.
    collector: "alloy-profiles",
    enabledBy: (f) => f.profiling,
    workload: () => "daemonset",
    nodeOs: ["linux"],
  },
  {
    collector: "alloy-receiver",
    enabledBy: (f) => f.application_observability,
    workload: (c) => (c.k8s_monitoring.receiver_as_daemonset ? "daemonset" : "deployment"),
    nodeOs: ["linux", "windows"],
  },
];

/**
 * The pods in chart order, empty unless both `enabled` and `fleet_management` are set. `clusterName` is the
 * cluster's name with `{env}` already replaced.
 */
export function mirrorPods(clusterName: string, cluster: ClusterSpec): MirrorPod[] {
  const k8s = cluster.k8s_monitoring;
  if (!k8s.enabled || !k8s.fleet_management) return [];
  const nodes = clusterNodes(clusterName, cluster.nodes, cluster.windows_nodes);
  const podIp = createPodIpPool(clusterName);
  // Statefulset and deployment pods: `<release>-<cluster>-<namespace>-<pod>`; daemonset pods:
  // `<release>-<cluster>-<namespace>-<collector>-<node>` (GCLOUD_FM_COLLECTOR_ID in the chart).
  const prefix = `${K8S_RELEASE}-${clusterName}-${K8S_NAMESPACE}`;
  const pods: MirrorPod[] = [];

  for (const chart of CHART_COLLECTORS) {
    if (!chart.enabledBy(k8s.features)) continue;
    const { collector } = chart;
    const workloadType = chart.workload(cluster);
    const workload = `${K8S_RELEASE}-${collector}`;
    const add = (podName: string, index: number, os: Os, id: string) =>
      pods.push({ id, collector, workloadType, podName, podIp: podIp(collector, index), os });

    if (workloadType === "statefulset") {
      for (let ordinal = 0; ordinal < k8s.metrics_replicas; ordinal++) {
        const podName = `${workload}-${ordinal}`;
        add(podName, ordinal, "linux", `${prefix}-${podName}`);
      }
    } else if (workloadType === "deployment") {
      // Both deployments run one replica (the chart's default for alloy-singleton and alloy-receiver).
      const podName = `${workload}-${deploymentPodSuffix(clusterName, collector, 0)}`;
      add(podName, 0, "linux", `${prefix}-${podName}`);
    } else {
      nodes.forEach((node: K8sNode, index) => {
        if (!(chart.nodeOs ?? ["linux"]).includes(node.os)) return;
        const podName = `${workload}-${daemonSetPodSuffix(clusterName, collector, index)}`;
        add(podName, index, node.os, `${prefix}-${collector}-${node.name}`);
      });
    }
  }
  return pods;
}

/** The chart's remoteConfig attributes (`_collector_remoteConfig.tpl`); empty values are dropped as there. */
export function mirrorAttributes(
  pod: MirrorPod,
  clusterName: string,
  cluster: ClusterSpec,
): Record<string, string> {
  const chartVersion = cluster.k8s_monitoring.chart_version;
  return {
    platform: "kubernetes",
    source: "k8s-monitoring",
    ...(chartVersion ? { sourceVersion: chartVersion } : {}),
    release: K8S_RELEASE,
    cluster: clusterName,
    namespace: K8S_NAMESPACE,
    workloadName: pod.collector,
    workloadType: pod.workloadType,
  };
}

/**
 * Labels the chart's Alloy integration scrape attaches (feature-integrations `_integration_alloy.tpl`):
 * `instance` is the pod IP with Alloy's port, and a Deployment's pods report their ReplicaSet as the
 * workload type while `workload` keeps the Deployment name.
 */
export function mirrorLabels(pod: MirrorPod, clusterName: string): Record<string, string> {
  return baseLabels(
    {
      id: pod.id,
      os: pod.os,
      cluster: clusterName,
      namespace: K8S_NAMESPACE,
      instance: `${pod.podIp}:${ALLOY_HTTP_PORT}`,
    },
    {
      pod: pod.podName,
      container: "alloy",
      workload: `${K8S_RELEASE}-${pod.collector}`,
      workload_type: pod.workloadType === "deployment" ? "replicaset" : pod.workloadType,
      app: pod.collector,
      source: "kubernetes",
    },
  );
}
