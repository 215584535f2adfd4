/**
 * One collector's standing with FM, as one state instead of a handful of booleans. The phases and what
 * cleanup owes each one:
 *
 *   absent ──register──▶ registering ──accepted──▶ registered ──unregister──▶ unregistering ──▶ absent
 *                              │                        │
 *                              └─no definite answer─▶ uncertain (FM may hold it: cleanup unregisters it)
 *
 * A refused Register (any 4xx) returns the collector to `absent`: FM created nothing. Heartbeats run only
 * for `registered` members whose heartbeats are `on`; a silenced or crashed collector is `paused`, still
 * registered in FM, and still owed an Unregister at cleanup.
 */
import type { Collector } from "../fleet/types.js";
import type { RemoteConfigStatus } from "./client.js";

export type MemberPhase =
  | { readonly kind: "absent" }
  | { readonly kind: "registering" }
  | { readonly kind: "registered"; readonly heartbeats: "on" | "paused" }
  | { readonly kind: "uncertain" }
  | { readonly kind: "unregistering" };

export interface Member {
  /** The identity FM knows it by now: attributes and version change on an upgrade. */
  collector: Collector;
  phase: MemberPhase;
  /** Last non-empty hash received, echoed on the next GetConfig (docs/fm-protocol.md#endpoints-and-messages). */
  hash: string;
  /** What the next GetConfig reports about the config, once; then cleared. */
  pendingStatus: RemoteConfigStatus | undefined;
  /**
   * Digest of the last content received ("" content included), so content received again is not judged
   * again: Alloy skips a config whose hash matches the last one it received (grafana/alloy
   * `internal/service/remotecfg/config_manager.go`, fetchLoadRemoteConfig). Undefined before the first.
   */
  received: string | undefined;
}

export function newMember(collector: Collector, maybeRegistered: boolean): Member {
  return {
    collector,
    phase: maybeRegistered ? { kind: "uncertain" } : { kind: "absent" },
    hash: "",
    pendingStatus: undefined,
    received: undefined,
  };
}

/** FM may hold a record of it, so cleanup must unregister it. */
export function owesUnregister(member: Member): boolean {
  const { kind } = member.phase;
  return kind === "registered" || kind === "uncertain" || kind === "registering" || kind === "unregistering";
}

export function isHeartbeating(member: Member): boolean {
  return member.phase.kind === "registered" && member.phase.heartbeats === "on";
}
