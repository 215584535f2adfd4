/**
 * The shipped blueprints (README.md#blueprints), embedded so the bundled action and CLI need no files on
 * disk. blueprints/<name>.yaml holds the same text for users to read and copy; a unit test keeps the two
 * identical byte for byte, so edit both together.
 */

export const SHIPPED_NAMES = [
  "fleet-management",
  "synthetic-monitoring",
  "k8s-monitoring",
  "incident",
] as const;
export type ShippedName = (typeof SHIPPED_NAMES)[number];

export function isShippedName(ref: string): ref is ShippedName {
  return (SHIPPED_NAMES as readonly string[]).includes(ref);
}

export const SHIPPED_BLUEPRINTS: Readonly<Record<ShippedName, string>> = {
  "fleet-management": `# fleet-management: a fleet of standalone Alloy collectors on three operating systems.
#
# Use it by name (\`blueprint: fleet-management\` in the action, \`fm-fleet plan fleet-management\` on the
# command line) or copy this file into your repository and edit it. \`fm-fleet plan <file>\` shows the roster
# and the series a blueprint yields without touching the network.

# Part of every collector ID: <name>-<env>-<os>-<NN>, e.g. fleet-management-ci-linux-01.
# Lowercase letters, digits and "-", at most 40 chars.
name: fleet-management

# No \`environments\` list: the fleet lives in one environment named "ci". Set the action's \`env\` input
# (e.g. \`env: pr-\${{ github.event.number }}\`) to give each pull request its own fleet.
#
# environments:
#   - name: staging
#   - name: prod            # several environments: each OS's collectors are dealt round-robin across them

features:
  fleet_management:
    enabled: true
    # The Alloy version the collectors report (FM's "Alloy version" column, alloy_build_info).
    collector_version: v1.18.1
    # How many collectors per operating system: linux, windows and darwin are the only keys.
    collectors_per_os:
      linux: 12
      windows: 4
      darwin: 3
    # Make the last N collectors of an OS report up=0 and unhealthy components, to exercise alerts:
    # unhealthy_per_os:
    #   linux: 1
    # Extra local attributes FM shows and matches pipelines on (keys must not start with "collector."):
    # attributes:
    #   team: platform
`,
  "synthetic-monitoring": `# synthetic-monitoring: a small mixed fleet next to a Kubernetes cluster that runs the grafana/k8s-monitoring
# Helm chart with Fleet Management turned on. Written the way synthkit blueprints are, to show that keys
# fm-action does not use are accepted and listed in one notice instead of failing the run.

name: synthetic-monitoring

environments:
  - name: ci
    cluster:
      # "{env}" becomes the environment name, or the action's \`env\` input when it is set.
      # Keep cluster names short: k8s collector IDs embed them and FM allows at most 128 chars.
      name: synth-{env}
      nodes: 2
      k8s_monitoring:
        enabled: true
        # The chart's collectors register with FM (remoteConfig), so they join the roster.
        fleet_management: true
        chart_version: "3.8.12"
        alloy_version: v1.18.0
        # Defaults: cluster_metrics, cluster_events and pod_logs on. That gives alloy-metrics (statefulset),
        # alloy-singleton (deployment) and one alloy-logs pod per node.

features:
  fleet_management:
    collectors_per_os:
      linux: 3
      windows: 1
      darwin: 1
  # A synthkit feature: fm-action ignores it (and says so once).
  synthetic_monitoring:
    probes: [atlanta, frankfurt]
    checks_per_probe: 5
`,
  "k8s-monitoring": `# k8s-monitoring: the Alloy collectors the grafana/k8s-monitoring Helm chart v3 runs in one cluster, with
# every collector enabled and Fleet Management turned on. No standalone collectors.
#
# Collector IDs follow the chart: <release>-<cluster>-<namespace>-<pod> for the statefulset and deployments,
# <release>-<cluster>-<namespace>-<collector>-<node> for daemonsets (release grafana-k8s-monitoring,
# namespace monitoring).

name: k8s-monitoring

environments:
  - name: ci
    cluster:
      # "{env}" becomes the environment name (or the \`env\` override). Keep it short: IDs embed it.
      name: k8s-{env}
      nodes: 3 # Linux nodes: one alloy-logs and one alloy-profiles pod each
      windows_nodes: 0 # Windows nodes get alloy-logs (and a daemonset alloy-receiver) with collector.os windows
      k8s_monitoring:
        enabled: true
        fleet_management: true
        chart_version: "3.8.12" # sent as the sourceVersion attribute
        alloy_version: v1.18.0 # the Alloy image chart 3.8.12 ships
        metrics_replicas: 1
        receiver_as_daemonset: false
        features:
          cluster_metrics: true # alloy-metrics, statefulset, metrics_replicas pods
          cluster_events: true # alloy-singleton, deployment, 1 pod
          pod_logs: true # alloy-logs, daemonset, one pod per node (node_logs also enables it)
          node_logs: false
          profiling: true # alloy-profiles, daemonset, one pod per Linux node
          application_observability: true # alloy-receiver, deployment (1 pod) or daemonset

# No features.fleet_management counts: this fleet is the cluster mirror only.
`,
  incident: `# incident: a small fleet that lives through an incident in under 10 minutes: collectors turn unhealthy, one
# reports a configuration error, one falls silent, one crashes, everything recovers, and linux rolls out a new
# Alloy version in two waves. Use it to see what FM's collector pages, your dashboards and your alerts show
# when things go wrong, and to test that they recover.
#
# \`fm-fleet plan incident\` shows who each step acts on; \`npm run demo -- incident\` plays it 20× faster
# against the local FM emulator and narrates each step.

name: incident

features:
  fleet_management:
    collector_version: v1.18.1
    collectors_per_os:
      linux: 6
      windows: 2
      darwin: 2

# Steps run in order, each at an offset from "ready" (every collector registered and the first push
# accepted; the action's ready-at output). A selection takes its filters first, then the first \`count\` in
# roster order among the collectors the event may act on (crashed and departed ones are out, except for
# resume). No IDs here, so the blueprint keeps working with the action's \`env\` override.
scenario:
  # incident-ci-linux-01 and -02 report up=0 and unhealthy components; their heartbeats go on.
  - at: 1m
    event: unhealthy
    select: { os: linux, count: 2 }
    severity: critical
  # incident-ci-windows-01's next GetConfig reports RemoteConfigStatuses_FAILED with this message.
  - at: 2m
    event: config-error
    select: { os: windows, count: 1 }
    message: 'load failed: component "prometheus.scrape.app" does not exist'
  # incident-ci-darwin-01 stops heartbeating; its metrics go on. FM marks it inactive after its own window
  # (30 minutes), so within this timeline FM shows its last heartbeat getting older.
  - at: 3m
    event: silence
    select: { os: darwin, count: 1 }
  # The first linux collector still reporting (the unhealthy incident-ci-linux-01) is killed: no more
  # heartbeats or pushes, no Unregister, no stale markers.
  - at: 4m
    event: crash
    select: { os: linux, count: 1 }
  # Recovery: the silenced and the crashed collector come back (a crashed one registers again if FM
  # forgot it), then every unhealthy linux collector turns healthy and the configuration error clears.
  - at: 5m
    event: resume
  - at: 5m30s
    event: healthy
    select: { os: linux }
  - at: 5m30s
    event: config-ok
    select: { os: windows }
  # A rolling upgrade: three linux collectors first, the rest a minute later. Each registers again with the
  # new collector.version; alloy_build_info of the old version gets a stale marker, the new one starts.
  - at: 7m
    event: upgrade
    select: { os: linux, count: 3 }
    version: v1.19.0
  - at: 8m
    event: upgrade
    select: { os: linux }
    version: v1.19.0
`,
};
