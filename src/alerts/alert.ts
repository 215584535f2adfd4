/**
 * The alert an unhealthy fake collector fires, as data: its labels (which are its identity in Alertmanager)
 * and annotations, and the JSON body of the Alertmanager v2 API. FM ties an alert to a collector by its
 * `collector_id` label and colours it by `severity`: critical red, anything else yellow
 * (docs/fm-protocol.md#collector-status-and-alerts). Pure: the same collector gives the same alert.
 */
import type { Collector } from "../fleet/types.js";
import { ALLOY_JOB } from "../fleet/labels.js";

export const ALERT_NAME = "FakeAlloyCollectorUnhealthy";
export const ALERT_SEVERITIES = ["critical", "warning"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const DEFAULT_SEVERITY: AlertSeverity = "critical";

/** One alert as fm-action keeps it: everything but the times of a particular post. */
export interface CollectorAlert {
  readonly collectorId: string;
  readonly severity: AlertSeverity;
  /** The alert's identity: Alertmanager tells alerts apart by their label set alone. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * A postable alert of the v2 API (prometheus/alertmanager api/v2/openapi.yaml, `postableAlert`): times are
 * RFC 3339. `generatorURL` is optional there and left out: a fake alert has no rule or graph to link to.
 */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
}

/**
 * The labels: `collector_id` and `severity` are what FM reads; `source="fleet-management"` is what older FM
 * pages ask for; `job` and `cluster` match the collector's series, so the alert sits beside them in
 * Grafana; `fake="true"` tells a person reading the alert that no real collector is in trouble.
 */
export function collectorAlert(collector: Collector, severity: AlertSeverity): CollectorAlert {
  const cluster = collector.labels.cluster ?? "";
  return {
    collectorId: collector.id,
    severity,
    labels: {
      alertname: ALERT_NAME,
      collector_id: collector.id,
      severity,
      source: "fleet-management",
      job: ALLOY_JOB,
      cluster,
      fake: "true",
    },
    annotations: {
      summary: `Fake Alloy collector ${collector.id} is unhealthy`,
      description:
        `fm-action's fake collector ${collector.id} (${collector.os}, Alloy ${collector.version}, cluster ${cluster}) ` +
        "reports up=0 and unhealthy components. No real collector is affected; the alert resolves when the " +
        "collector recovers or leaves, or when the fake fleet is cleaned up.",
    },
  };
}

/** The body of one post: firing alerts end at `endsAtMs` in the future, resolved ones at the post time. */
export function postableAlert(alert: CollectorAlert, startsAtMs: number, endsAtMs: number): PostableAlert {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(startsAtMs).toISOString(),
    endsAt: new Date(endsAtMs).toISOString(),
  };
}

/** A key for the label set, equal exactly when Alertmanager sees the same alert. */
export function alertKey(alert: CollectorAlert): string {
  return `${alert.collectorId}\u0000${alert.severity}`;
}

/** Whether `text` is a severity fm-action posts. */
export function isAlertSeverity(text: string): text is AlertSeverity {
  return (ALERT_SEVERITIES as readonly string[]).includes(text);
}
