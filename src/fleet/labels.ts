/**
 * Base labels on every series a collector emits (docs/fm-protocol.md#k8s-monitoring-chart;
 * docs/signals.md#target-labels-on-every-series).
 */
import type { Os } from "../blueprint/os.js";

/** The job the Grafana Cloud "Alloy Health" integration and the alloy-mixin select on. */
export const ALLOY_JOB = "integrations/alloy";
/** Alloy's HTTP server port (`--server.http.listen-addr` default), where its /metrics lives. */
export const ALLOY_HTTP_PORT = 12345;
const STANDALONE_NAMESPACE = "infra";

export interface TargetLabels {
  readonly id: string;
  readonly os: Os;
  readonly cluster: string;
  readonly namespace: string;
  readonly instance: string;
}

/**
 * `cluster` and `k8s_cluster_name` both carry the cluster, as k8s-monitoring's destination external labels
 * do; `collector_id` is what FM's health views key on. Never a `blueprint` label: it is not a real Alloy label.
 */
export function baseLabels(
  target: TargetLabels,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return sortedByKey({
    job: ALLOY_JOB,
    namespace: target.namespace,
    cluster: target.cluster,
    k8s_cluster_name: target.cluster,
    instance: target.instance,
    collector_id: target.id,
    os: target.os,
    ...extra,
  });
}

/** A standalone host's labels: `instance` is `<id>:12345` and the namespace is `infra`. */
export function standaloneLabels(id: string, os: Os, cluster: string): Record<string, string> {
  return baseLabels({
    id,
    os,
    cluster,
    namespace: STANDALONE_NAMESPACE,
    instance: `${id}:${ALLOY_HTTP_PORT}`,
  });
}

export function sortedByKey(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
