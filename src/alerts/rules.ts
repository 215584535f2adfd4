/**
 * A Prometheus rule group whose alerts FM can attribute to a collector: each keeps the `collector_id` label
 * and carries a `severity` (docs/fm-protocol.md#collector-status-and-alerts). The alloy-mixin's
 * UnhealthyComponents alert sums `by (cluster, namespace, job)` and so drops `collector_id`
 * (grafana/alloy operations/alloy-mixin/alerts/controller.libsonnet); the same expression here keeps it.
 * For users who load rules into Mimir with mimirtool, or into a Prometheus with `rule_files`. Pure.
 */
import { stringify } from "yaml";
import { ALLOY_JOB } from "../fleet/labels.js";
import type { AlertSeverity } from "./alert.js";

export const RULE_GROUP_NAME = "alloy-collectors-fleet-management";
export const DOWN_ALERT = "AlloyCollectorDown";
export const UNHEALTHY_COMPONENTS_ALERT = "AlloyCollectorUnhealthyComponents";

export interface RuleGroupOptions {
  readonly severity: AlertSeverity;
  /** How long the condition must hold before the alert fires; 0: at the first evaluation. */
  readonly forMs: number;
}

export function ruleGroupYaml(options: RuleGroupOptions): string {
  const selector = `job="${ALLOY_JOB}"`;
  // A function, not one shared object: the YAML writer would print a shared object as an anchor and alias.
  const labels = () => ({ severity: options.severity, source: "fleet-management" });
  const forClause = options.forMs > 0 ? { for: promDuration(options.forMs) } : {};
  const document = {
    groups: [
      {
        name: RULE_GROUP_NAME,
        rules: [
          {
            alert: DOWN_ALERT,
            // No aggregation: the alert keeps every label of the series, collector_id among them.
            expr: `up{${selector}} == 0`,
            ...forClause,
            labels: labels(),
            annotations: {
              summary: "Alloy collector {{ $labels.collector_id }} is down",
              description:
                "{{ $labels.instance }} (collector {{ $labels.collector_id }}, cluster {{ $labels.cluster }}) reports up == 0.",
            },
          },
          {
            alert: UNHEALTHY_COMPONENTS_ALERT,
            expr:
              `sum by (cluster, namespace, job, collector_id) ` +
              `(alloy_component_controller_running_components{${selector}, health_type!="healthy"}) > 0`,
            ...forClause,
            labels: labels(),
            annotations: {
              summary: "Alloy collector {{ $labels.collector_id }} has unhealthy components",
              description:
                "Collector {{ $labels.collector_id }} (cluster {{ $labels.cluster }}) runs {{ $value }} components that are not healthy.",
            },
          },
        ],
      },
    ],
  };
  const header = [
    `# Alerts Fleet Management can attribute to a collector: each keeps collector_id and has severity ${options.severity}.`,
    "# Load with: mimirtool rules load <this file>, or list it under rule_files in prometheus.yml.",
  ];
  return `${header.join("\n")}\n${stringify(document, { lineWidth: 0 })}`;
}

/** A Prometheus duration (prometheus/common model.ParseDuration): units largest first, whole numbers only. */
export function promDuration(ms: number): string {
  const units: [string, number][] = [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join("") : "0s";
}
