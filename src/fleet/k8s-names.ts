/**
 * Stable Kubernetes names and addresses for the k8s-monitoring mirror
 * (docs/fm-protocol.md#k8s-monitoring-chart). Every part derives from sha256 of (cluster, what, index), so a
 * cluster looks the same on every run and machine, and two clusters never share pods. Collisions inside one
 * cluster are resolved by rehashing with an attempt counter, so names and addresses stay unique however many
 * nodes a blueprint asks for.
 */
import { createHash } from "node:crypto";
import type { Os } from "../blueprint/os.js";

function sha256(parts: readonly (string | number)[]): Buffer {
  // NUL never occurs in names, so ("a-b", "c") and ("a", "b-c") hash differently.
  return createHash("sha256").update(parts.join("\0")).digest();
}

/**
 * The host part `<a>.<b>` of a /16 address, b in 1..254 (nothing that looks like a network or broadcast
 * address). Read from the digest's last bytes, so it does not echo the hex of a pod name hashed the same way.
 */
function hostOctets(digest: Buffer): [number, number] {
  return [digest[30]!, 1 + (digest[31]! % 254)];
}

/** Draws unique /16 addresses: the first draw is sha256(parts), later ones add an attempt counter. */
function createAddressPool() {
  const taken = new Set<string>();
  return (parts: readonly (string | number)[]): [number, number] => {
    for (let attempt = 0; ; attempt++) {
      const octets = hostOctets(sha256(attempt === 0 ? parts : [...parts, attempt]));
      const key = octets.join(".");
      if (!taken.has(key)) {
        taken.add(key);
        return octets;
      }
    }
  };
}

export interface K8sNode {
  /** `ip-10-0-<a>-<b>.internal`, the node-name style of AWS VPC nodes: it spells the node's IP. */
  readonly name: string;
  readonly os: Os;
}

/**
 * Linux nodes first, then Windows nodes. Every daemonset of the cluster runs on these same nodes, so
 * alloy-logs and alloy-profiles pods pair up per node as they do in a real cluster.
 */
export function clusterNodes(cluster: string, linux: number, windows: number): K8sNode[] {
  const draw = createAddressPool();
  const nodes: K8sNode[] = [];
  for (let i = 0; i < linux + windows; i++) {
    const [a, b] = draw([cluster, "node", i]);
    nodes.push({ name: `ip-10-0-${a}-${b}.internal`, os: i < linux ? "linux" : "windows" });
  }
  return nodes;
}

/** Pod IPs come from the cluster's pod range 10.1.0.0/16, unique within the cluster. */
export function createPodIpPool(cluster: string): (collector: string, index: number) => string {
  const draw = createAddressPool();
  return (collector, index) => {
    const [a, b] = draw([cluster, collector, index]);
    return `10.1.${a}.${b}`;
  };
}

/** `<hex10>-<hex5>`: a Deployment pod's ReplicaSet template hash and pod suffix. */
export function deploymentPodSuffix(cluster: string, collector: string, index: number): string {
  const hex = sha256([cluster, collector, index]).toString("hex");
  return `${hex.slice(0, 10)}-${hex.slice(10, 15)}`;
}

/** `<hex5>`: a DaemonSet pod's suffix on one node. */
export function daemonSetPodSuffix(cluster: string, collector: string, nodeIndex: number): string {
  return sha256([cluster, collector, nodeIndex]).toString("hex").slice(0, 5);
}
