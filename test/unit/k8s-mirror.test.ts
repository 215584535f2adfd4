import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import type { ClusterSpec, K8sFeatures } from "../../src/blueprint/types.js";
import { BlueprintError } from "../../src/core/errors.js";
import { mirrorPods } from "../../src/fleet/k8s-mirror.js";
import { buildRoster } from "../../src/fleet/roster.js";
import type { Collector } from "../../src/fleet/types.js";

const NO_FEATURES: K8sFeatures = {
  cluster_metrics: false,
  cluster_events: false,
  pod_logs: false,
  node_logs: false,
  profiling: false,
  application_observability: false,
};

function cluster({
  k8s,
  features,
  ...rest
}: Partial<Omit<ClusterSpec, "k8s_monitoring">> & {
  k8s?: Partial<ClusterSpec["k8s_monitoring"]>;
  features?: Partial<K8sFeatures>;
}): ClusterSpec {
  return {
    name: "prod",
    nodes: 3,
    windows_nodes: 0,
    ...rest,
    k8s_monitoring: {
      enabled: true,
      fleet_management: true,
      alloy_version: "v1.18.0",
      metrics_replicas: 1,
      receiver_as_daemonset: false,
      ...k8s,
      features: { ...NO_FEATURES, ...features },
    },
  };
}

const summary = (spec: ClusterSpec) =>
  mirrorPods("prod", spec).map((p) => `${p.collector}/${p.workloadType}/${p.os}`);

describe("feature gates (docs/fm-protocol.md#k8s-monitoring-chart)", () => {
  it("cluster_metrics: alloy-metrics statefulset, metrics_replicas pods", () => {
    expect(summary(cluster({ features: { cluster_metrics: true } }))).toEqual([
      "alloy-metrics/statefulset/linux",
    ]);
    const pods = mirrorPods(
      "prod",
      cluster({ features: { cluster_metrics: true }, k8s: { metrics_replicas: 3 } }),
    );
    expect(pods.map((p) => p.id)).toEqual(
      [0, 1, 2].map(
        (i) => `grafana-k8s-monitoring-prod-monitoring-grafana-k8s-monitoring-alloy-metrics-${i}`,
      ),
    );
  });

  it("cluster_events: one alloy-singleton deployment pod named <release>-<collector>-<hex10>-<hex5>", () => {
    const pods = mirrorPods("prod", cluster({ features: { cluster_events: true } }));
    expect(pods).toHaveLength(1);
    expect(pods[0]!.workloadType).toBe("deployment");
    expect(pods[0]!.podName).toMatch(/^grafana-k8s-monitoring-alloy-singleton-[0-9a-f]{10}-[0-9a-f]{5}$/);
    expect(pods[0]!.id).toBe(`grafana-k8s-monitoring-prod-monitoring-${pods[0]!.podName}`);
  });

  it.each(["pod_logs", "node_logs"] as const)("%s alone: one alloy-logs daemonset pod per node", (gate) => {
    const pods = mirrorPods("prod", cluster({ features: { [gate]: true } }));
    expect(pods.map((p) => p.collector)).toEqual(["alloy-logs", "alloy-logs", "alloy-logs"]);
    for (const pod of pods)
      expect(pod.id).toMatch(
        /^grafana-k8s-monitoring-prod-monitoring-alloy-logs-ip-10-0-\d{1,3}-\d{1,3}\.internal$/,
      );
  });

  it("profiling: one alloy-profiles pod per Linux node, on the same nodes as alloy-logs", () => {
    const pods = mirrorPods(
      "prod",
      cluster({ features: { pod_logs: true, profiling: true }, windows_nodes: 2 }),
    );
    const nodesOf = (collector: string) =>
      pods
        .filter((p) => p.collector === collector && p.os === "linux")
        .map((p) => p.id.split(`${collector}-`)[1]);
    expect(pods.filter((p) => p.collector === "alloy-profiles")).toHaveLength(3);
    expect(nodesOf("alloy-profiles")).toEqual(nodesOf("alloy-logs"));
  });

  it("application_observability: one alloy-receiver deployment, or a daemonset pod per node", () => {
    expect(summary(cluster({ features: { application_observability: true } }))).toEqual([
      "alloy-receiver/deployment/linux",
    ]);
    expect(
      summary(
        cluster({
          features: { application_observability: true },
          k8s: { receiver_as_daemonset: true },
          nodes: 2,
        }),
      ),
    ).toEqual(["alloy-receiver/daemonset/linux", "alloy-receiver/daemonset/linux"]);
  });

  it("windows nodes run windows daemonset collectors", () => {
    const spec = cluster({
      features: { pod_logs: true, application_observability: true },
      k8s: { receiver_as_daemonset: true },
      nodes: 1,
      windows_nodes: 2,
    });
    expect(summary(spec)).toEqual([
      "alloy-logs/daemonset/linux",
      "alloy-logs/daemonset/windows",
      "alloy-logs/daemonset/windows",
      "alloy-receiver/daemonset/linux",
      "alloy-receiver/daemonset/windows",
      "alloy-receiver/daemonset/windows",
    ]);
  });

  it("yields nothing unless both enabled and fleet_management are set", () => {
    const all = { cluster_metrics: true, cluster_events: true, pod_logs: true };
    expect(mirrorPods("prod", cluster({ features: all, k8s: { fleet_management: false } }))).toEqual([]);
    expect(mirrorPods("prod", cluster({ features: all, k8s: { enabled: false } }))).toEqual([]);
  });
});

describe("names and addresses", () => {
  it("are stable and differ between clusters", () => {
    const spec = cluster({ features: { cluster_events: true, pod_logs: true } });
    expect(mirrorPods("prod", spec)).toEqual(mirrorPods("prod", spec));
    const prodIds = new Set(mirrorPods("prod", spec).map((p) => p.podName));
    for (const pod of mirrorPods("staging", spec)) expect(prodIds.has(pod.podName)).toBe(false);
  });

  it("stay unique with many nodes", () => {
    const pods = mirrorPods(
      "big",
      cluster({ features: { pod_logs: true, profiling: true }, nodes: 1000, windows_nodes: 1000 }),
    );
    expect(pods).toHaveLength(3000);
    expect(new Set(pods.map((p) => p.id)).size).toBe(3000);
    expect(new Set(pods.map((p) => p.podIp)).size).toBe(3000);
  });
});

describe("collectors in the roster", () => {
  const roster = buildRoster(
    parseBlueprint(
      `
name: k
environments:
  - name: prod
    cluster:
      name: eu-{env}
      k8s_monitoring:
        enabled: true
        fleet_management: true
        chart_version: "3.8.12"
        alloy_version: "1.17.1"
        features: {cluster_metrics: false, cluster_events: true, pod_logs: false}
features:
  fleet_management:
    attributes: {team: platform}
`,
      "k.yaml",
    ).blueprint,
    { contextAttributes: { "github.run_id": "9" } },
  );
  const [singleton] = roster.collectors as [Collector];

  it("carry the chart's remoteConfig attributes after the common ones", () => {
    expect(singleton.attributes).toEqual({
      "collector.os": "linux",
      "collector.version": "v1.17.1",
      env: "prod",
      fake: "true",
      team: "platform",
      "github.run_id": "9",
      platform: "kubernetes",
      source: "k8s-monitoring",
      sourceVersion: "3.8.12",
      release: "grafana-k8s-monitoring",
      cluster: "eu-prod",
      namespace: "monitoring",
      workloadName: "alloy-singleton",
      workloadType: "deployment",
    });
    expect(singleton).toMatchObject({
      kind: "k8s",
      healthy: true,
      version: "v1.17.1",
      env: "prod",
      name: singleton.id,
    });
  });

  it("carry the scrape's target labels, a deployment reporting replicaset", () => {
    expect(singleton.labels).toEqual({
      app: "alloy-singleton",
      cluster: "eu-prod",
      collector_id: singleton.id,
      container: "alloy",
      instance: expect.stringMatching(/^10\.1\.\d{1,3}\.\d{1,3}:12345$/) as unknown,
      job: "integrations/alloy",
      k8s_cluster_name: "eu-prod",
      namespace: "monitoring",
      os: "linux",
      pod: singleton.id.replace("grafana-k8s-monitoring-eu-prod-monitoring-", ""),
      source: "kubernetes",
      workload: "grafana-k8s-monitoring-alloy-singleton",
      workload_type: "replicaset",
    });
    expect(Object.keys(singleton.labels)).toEqual(Object.keys(singleton.labels).sort());
  });

  it("leave out sourceVersion when no chart_version is set", () => {
    const bp = parseBlueprint(
      "name: k\nenvironments: [{name: a, cluster: {name: c, k8s_monitoring: {enabled: true, fleet_management: true}}}]\n",
      "k.yaml",
    ).blueprint;
    for (const c of buildRoster(bp).collectors) expect(c.attributes).not.toHaveProperty("sourceVersion");
  });
});

describe("the loader's empty-roster rule agrees with the mirror", () => {
  const GATES = Object.keys(NO_FEATURES) as (keyof K8sFeatures)[];

  it("for every gate combination, node mix and receiver mode", () => {
    for (let mask = 0; mask < 1 << GATES.length; mask++) {
      const features = Object.fromEntries(GATES.map((gate, bit) => [gate, (mask & (1 << bit)) !== 0]));
      for (const [nodes, windowsNodes] of [
        [0, 0],
        [0, 1],
        [1, 0],
      ] as const) {
        for (const receiverAsDaemonset of [false, true]) {
          const spec = cluster({
            name: "c",
            nodes,
            windows_nodes: windowsNodes,
            features,
            k8s: { receiver_as_daemonset: receiverAsDaemonset },
          });
          let accepted = true;
          try {
            parseBlueprint(
              `name: e\nenvironments: [{name: a, cluster: ${JSON.stringify(spec)}}]\n`,
              "e.yaml",
            );
          } catch (err) {
            if (!(err instanceof BlueprintError) || !err.message.includes("yields no collectors")) throw err;
            accepted = false;
          }
          expect({ features, nodes, windowsNodes, receiverAsDaemonset, accepted }).toEqual({
            features,
            nodes,
            windowsNodes,
            receiverAsDaemonset,
            accepted: mirrorPods("c", spec).length > 0,
          });
        }
      }
    }
  });
});
