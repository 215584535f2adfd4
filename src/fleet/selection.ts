/**
 * Which collectors an event acts on. Deterministic: the filters (os, env, kind, ids) and what the event may
 * act on first, then `count` takes the first N in roster order (joined collectors last). A function of the
 * whole fleet, so shards that each own part of it agree on one selection and each applies its own part.
 *
 * What each event may act on (crashed and departed collectors are out, except for `resume`, which exists
 * to bring silenced and crashed ones back):
 *
 *   unhealthy     running or silenced, and healthy now
 *   healthy       running or silenced, and unhealthy now
 *   config-error  running, and not already reporting a configuration error
 *   config-ok     running, and reporting a configuration error
 *   silence       running
 *   resume        silenced or crashed
 *   crash         running or silenced
 *   leave         running or silenced (a crashed Alloy says no goodbye; final cleanup unregisters it)
 *   upgrade       running, on another version than the target
 *   join          nobody: it adds collectors
 */
import type { ScenarioEvent } from "../blueprint/events.js";
import type { ScenarioAction, ScenarioSelect } from "../blueprint/types.js";
import { findEnvironment, type FleetShape } from "./shape.js";
import type { Collector } from "./types.js";

export type Life = "running" | "silenced" | "crashed" | "departed";

export interface FleetMember {
  readonly collector: Collector;
  readonly life: Life;
}

/** The fleet as selections see it: every member in roster order, and who reports a configuration error. */
export interface FleetView {
  readonly members: readonly FleetMember[];
  readonly configErrors: ReadonlySet<string>;
}

const MAY_ACT_ON: Readonly<Record<ScenarioEvent, string>> = {
  unhealthy: "healthy and running or silenced",
  healthy: "unhealthy and running or silenced",
  "config-error": "running without a configuration error",
  "config-ok": "running with a configuration error",
  silence: "running",
  resume: "silenced or crashed",
  crash: "running or silenced",
  leave: "running or silenced",
  upgrade: "running on another version",
  join: "",
};

export function mayActOn(action: ScenarioAction, member: FleetMember, view: FleetView): boolean {
  const { life, collector } = member;
  const reporting = life === "running" || life === "silenced";
  switch (action.event) {
    case "unhealthy":
      return reporting && collector.healthy;
    case "healthy":
      return reporting && !collector.healthy;
    case "config-error":
      return life === "running" && !view.configErrors.has(collector.id);
    case "config-ok":
      return life === "running" && view.configErrors.has(collector.id);
    case "silence":
      return life === "running";
    case "resume":
      return life === "silenced" || life === "crashed";
    case "crash":
    case "leave":
      return reporting;
    case "upgrade":
      return life === "running" && collector.version !== action.version;
    case "join":
      return false;
  }
}

export interface Selection {
  /** In roster order. */
  readonly ids: readonly string[];
  /** Why the selection is empty or smaller than asked, in words. */
  readonly warnings: readonly string[];
  /** IDs the selection names that the fleet never held. */
  readonly unknownIds: readonly string[];
}

export function selectCollectors(action: ScenarioAction, view: FleetView, shape?: FleetShape): Selection {
  const { select } = action;
  const envName =
    select.env === undefined
      ? undefined
      : ((shape ? findEnvironment(shape, select.env)?.name : undefined) ?? select.env);
  const ids = select.ids ? new Set(select.ids) : undefined;
  const known = new Set(view.members.map((m) => m.collector.id));
  const unknownIds = (select.ids ?? []).filter((id) => !known.has(id));
  const matching = view.members.filter(
    ({ collector: c }) =>
      (select.os === undefined || c.os === select.os) &&
      (envName === undefined || c.env === envName) &&
      (select.kind === undefined || c.kind === select.kind) &&
      (ids === undefined || ids.has(c.id)),
  );
  const eligible = matching.filter((m) => mayActOn(action, m, view));
  const chosen = select.count === undefined ? eligible : eligible.slice(0, select.count);
  const warnings: string[] = [];
  if (unknownIds.length > 0)
    warnings.push(`${unknownIds.join(", ")} ${unknownIds.length === 1 ? "is" : "are"} not in the fleet`);
  const who = describeSelect(select);
  const { count: _count, ...filters } = select;
  if (chosen.length === 0)
    warnings.push(
      matching.length === 0
        ? `selects nobody: ${who === "every collector" ? "the fleet has no collector" : `no collector matches ${who}`}`
        : `selects nobody: ${matching.length === 1 ? "1 collector" : `${matching.length} collectors`} ${who === "every collector" ? "in the fleet" : `match${matching.length === 1 ? "es" : ""} ${who}`}, none ${matching.length === 1 ? "is" : "are"} ${MAY_ACT_ON[action.event]}`,
    );
  else if (select.count !== undefined && chosen.length < select.count)
    warnings.push(
      `selects ${chosen.length} of the ${select.count} asked: only ${chosen.length} collector${chosen.length === 1 ? "" : "s"} matching ${describeSelect(filters)} ${chosen.length === 1 ? "is" : "are"} ${MAY_ACT_ON[action.event]}`,
    );
  return { ids: chosen.map((m) => m.collector.id), warnings, unknownIds };
}

/** `os linux, count 2`; `every collector` for an empty selection. */
export function describeSelect(select: ScenarioSelect): string {
  const parts: string[] = [];
  if (select.os !== undefined) parts.push(`os ${select.os}`);
  if (select.env !== undefined) parts.push(`env ${select.env}`);
  if (select.kind !== undefined) parts.push(`kind ${select.kind}`);
  if (select.ids !== undefined)
    parts.push(
      select.ids.length <= 3
        ? `ids ${select.ids.join(", ")}`
        : `${select.ids.length} ids from ${select.ids[0]}`,
    );
  if (select.count !== undefined) parts.push(`count ${select.count}`);
  return parts.length === 0 ? "every collector" : parts.join(", ");
}
