/**
 * A scenario as data: what one event changes in the fleet (planEvent), and a blueprint's whole timeline
 * played on the roster before anything starts (planTimeline), so a step that would select nobody is a
 * blueprint error with its YAML path and line, and `fm-fleet plan` shows who each step acts on. Pure: the
 * background process plays the same plans on the live fleet (runtime/scenario-player.ts).
 */
import { DEFAULT_CONFIG_ERROR, type Severity } from "../blueprint/events.js";
import type { LoadedBlueprint, ScenarioAction, ScenarioStep } from "../blueprint/types.js";
import { formatYamlPath, type YamlPath } from "../blueprint/yaml-path.js";
import { closestMatch } from "../core/did-you-mean.js";
import { formatDuration } from "../core/duration.js";
import { BlueprintError, type BlueprintProblem } from "../core/errors.js";
import { selectCollectors, type FleetMember, type FleetView, type Life } from "./selection.js";
import { findEnvironment, joiningCollectors, type FleetShape } from "./shape.js";
import type { Collector, Roster } from "./types.js";

/** One change to apply to the fleet; each maps to one call of the fleet engine. */
export type FleetChange =
  /** New identities: health (unhealthy, healthy) or version (upgrade). */
  | {
      readonly kind: "update";
      readonly collectors: readonly Collector[];
      /** unhealthy: the severity of each one's alert. */
      readonly severity?: Readonly<Record<string, Severity>>;
    }
  /** The next GetConfig of each reports a failed (config-error) or applied (config-ok) configuration. */
  | {
      readonly kind: "config-status";
      readonly ids: readonly string[];
      readonly failed: boolean;
      readonly message?: string;
    }
  | { readonly kind: "silence" | "resume" | "crash" | "leave"; readonly ids: readonly string[] }
  | { readonly kind: "join"; readonly collectors: readonly Collector[] };

export interface PlannedEvent {
  readonly change: FleetChange;
  /** The collectors it acts on (for join: the new ones), in roster order. */
  readonly ids: readonly string[];
  /** Why it acts on nobody or on fewer than asked; unknown IDs. */
  readonly warnings: readonly string[];
  readonly unknownIds: readonly string[];
}

/** What `action` does to the fleet `view` is now. A plan with no IDs changes nothing. */
export function planEvent(
  action: ScenarioAction,
  view: FleetView,
  shape: FleetShape | undefined,
): PlannedEvent {
  if (action.event === "join") return planJoin(action, view, shape);
  const selection = selectCollectors(action, view, shape);
  const { ids } = selection;
  const chosen = () => {
    const wanted = new Set(ids);
    return view.members.filter((m) => wanted.has(m.collector.id)).map((m) => m.collector);
  };
  const planned = (change: FleetChange): PlannedEvent => ({
    change,
    ids,
    warnings: selection.warnings,
    unknownIds: selection.unknownIds,
  });
  switch (action.event) {
    case "unhealthy": {
      const severity = action.severity ?? "critical";
      return planned({
        kind: "update",
        collectors: chosen().map((c) => ({ ...c, healthy: false })),
        severity: Object.fromEntries(ids.map((id) => [id, severity])),
      });
    }
    case "healthy":
      return planned({ kind: "update", collectors: chosen().map((c) => ({ ...c, healthy: true })) });
    case "upgrade": {
      const version = action.version!;
      return planned({
        kind: "update",
        collectors: chosen().map((c) => ({
          ...c,
          version,
          attributes: { ...c.attributes, "collector.version": version },
        })),
      });
    }
    case "config-error":
      return planned({
        kind: "config-status",
        ids,
        failed: true,
        message: action.message ?? DEFAULT_CONFIG_ERROR,
      });
    case "config-ok":
      return planned({ kind: "config-status", ids, failed: false });
    case "silence":
    case "resume":
    case "crash":
    case "leave":
      return planned({ kind: action.event, ids });
  }
}

function planJoin(action: ScenarioAction, view: FleetView, shape: FleetShape | undefined): PlannedEvent {
  const none = (warning: string): PlannedEvent => ({
    change: { kind: "join", collectors: [] },
    ids: [],
    warnings: [warning],
    unknownIds: [],
  });
  if (!shape)
    return none("this fleet cannot take new collectors: it was started without its blueprint's shape");
  const env =
    action.select.env === undefined ? shape.environments[0] : findEnvironment(shape, action.select.env);
  if (!env)
    return none(
      `adds nobody: no environment ${action.select.env} (the fleet has ${[...new Set(shape.environments.map((e) => e.name))].join(", ")})`,
    );
  const add = action.add ?? { linux: 0, windows: 0, darwin: 0 };
  const joined = joiningCollectors(
    shape,
    view.members.map((m) => m.collector),
    add,
    env,
  );
  return {
    change: { kind: "join", collectors: joined },
    ids: joined.map((c) => c.id),
    warnings: joined.length === 0 ? ["adds nobody: every count of add is 0"] : [],
    unknownIds: [],
  };
}

/** The fleet after `change`: what the next step of a simulated timeline selects from. */
export function applyChange(view: FleetView, change: FleetChange): FleetView {
  const lives: Partial<Record<FleetChange["kind"], Life>> = {
    silence: "silenced",
    resume: "running",
    crash: "crashed",
    leave: "departed",
  };
  switch (change.kind) {
    case "update": {
      const next = new Map(change.collectors.map((c) => [c.id, c]));
      return {
        ...view,
        members: view.members.map((m) => ({ ...m, collector: next.get(m.collector.id) ?? m.collector })),
      };
    }
    case "config-status": {
      const errors = new Set(view.configErrors);
      for (const id of change.ids) {
        if (change.failed) errors.add(id);
        else errors.delete(id);
      }
      return { ...view, configErrors: errors };
    }
    case "join":
      return {
        ...view,
        members: [
          ...view.members,
          ...change.collectors.map((c): FleetMember => ({ collector: c, life: "running" })),
        ],
      };
    default: {
      const life = lives[change.kind]!;
      const ids = new Set(change.ids);
      return {
        ...view,
        members: view.members.map((m) => (ids.has(m.collector.id) ? { ...m, life } : m)),
      };
    }
  }
}

/** One step of a blueprint's timeline as it would play on the roster. */
export interface PlannedStep {
  /** 0-based, as in the YAML path scenario[N]. */
  readonly index: number;
  readonly step: ScenarioStep;
  readonly ids: readonly string[];
  /** join: the collectors it adds. */
  readonly joined?: readonly Collector[];
  readonly warnings: readonly string[];
}

/**
 * What one part of a sharded fleet does at a step: the whole fleet's selection (made once, on the whole
 * roster, as every part makes it) cut to the collectors this part owns.
 */
export interface ShardPart {
  readonly ids: readonly string[];
  /** join: the new collectors this part owns. */
  readonly joining?: readonly Collector[];
}

/** A step as the background process plays it; `part` is set in a sharded fleet. */
export type PlayedStep = ScenarioStep & { readonly part?: ShardPart };

/** The timeline played on the roster, step by step; `problems` say which steps would select nobody. */
export function simulateTimeline(
  steps: readonly ScenarioStep[],
  roster: Roster,
  shape: FleetShape,
): { steps: PlannedStep[]; problems: { path: YamlPath; message: string }[] } {
  let view: FleetView = {
    members: roster.collectors.map((collector) => ({ collector, life: "running" })),
    configErrors: new Set(),
  };
  const planned: PlannedStep[] = [];
  const problems: { path: YamlPath; message: string }[] = [];
  steps.forEach((step, index) => {
    const plan = planEvent(step, view, shape);
    const at: YamlPath = ["scenario", index];
    for (const id of plan.unknownIds) {
      const suggestion = closestMatch(
        id,
        view.members.map((m) => m.collector.id),
      );
      const position = step.select.ids?.indexOf(id) ?? -1;
      problems.push({
        path: [...at, "select", "ids", position],
        message: `expected a collector ID of the fleet, found ${JSON.stringify(id)}${suggestion ? `: did you mean ${suggestion}?` : ""}`,
      });
    }
    if (plan.ids.length === 0 && plan.unknownIds.length === 0)
      problems.push({
        path:
          step.event !== "join"
            ? [...at, "select"]
            : step.select.env === undefined
              ? [...at, "add"]
              : [...at, "select", "env"],
        message: `this ${step.event} step ${plan.warnings[0] ?? "selects nobody"} (at ${formatDuration(step.atMs)}, after the steps before it)`,
      });
    planned.push({
      index,
      step,
      ids: plan.ids,
      ...(plan.change.kind === "join" ? { joined: plan.change.collectors } : {}),
      warnings: plan.warnings,
    });
    view = applyChange(view, plan.change);
  });
  return { steps: planned, problems };
}

/**
 * The timeline of `loaded` on its roster, or a BlueprintError naming every step that would select nobody
 * (or names an ID the fleet does not have), with its YAML path and line. Known before anything starts,
 * so it fails like any other blueprint problem.
 */
export function planTimeline(loaded: LoadedBlueprint, roster: Roster, shape: FleetShape): PlannedStep[] {
  const steps = loaded.blueprint.scenario ?? [];
  if (steps.length === 0) return [];
  const { steps: planned, problems } = simulateTimeline(steps, roster, shape);
  if (problems.length > 0)
    throw new BlueprintError(
      loaded.file,
      problems.map((p): BlueprintProblem => {
        const position = loaded.locate(p.path);
        return { path: formatYamlPath(p.path), ...(position ?? {}), message: p.message };
      }),
    );
  return planned;
}

/**
 * The steps one part of the fleet plays. Without a shard, every step as written: the background process
 * selects on the live fleet when the step comes. With one, each step carries the whole fleet's selection cut
 * to this part (fleet/shard.ts: position k belongs to part k mod n + 1; collectors a timeline adds take the
 * positions after the roster, in the order they join), so the parts together act exactly as one fleet would.
 */
export function stepsForPart(
  planned: readonly PlannedStep[],
  whole: Roster,
  shard: { readonly index: number; readonly count: number } | undefined,
): PlayedStep[] {
  if (!shard) return planned.map((p) => p.step);
  const positions = new Map(whole.collectors.map((c, k) => [c.id, k]));
  const owned = (id: string) => (positions.get(id) ?? -1) % shard.count === shard.index - 1;
  return planned.map((p) => {
    for (const c of p.joined ?? []) positions.set(c.id, positions.size);
    const joining = p.joined?.filter((c) => owned(c.id));
    return {
      ...p.step,
      part: { ids: p.ids.filter(owned), ...(joining ? { joining } : {}) },
    };
  });
}

/** What a step with a shard part does to this part of the fleet: the part's own collectors, no others. */
export function planPart(step: PlayedStep & { part: ShardPart }, view: FleetView): PlannedEvent {
  const { part } = step;
  if (step.event === "join") {
    const joining = part.joining ?? [];
    return {
      change: { kind: "join", collectors: joining },
      ids: joining.map((c) => c.id),
      warnings:
        joining.length === 0 ? ["adds none of this part's collectors (the others join other parts)"] : [],
      unknownIds: [],
    };
  }
  if (part.ids.length === 0)
    return {
      change: { kind: "silence", ids: [] },
      ids: [],
      warnings: ["acts on none of this part's collectors (it selects in other parts)"],
      unknownIds: [],
    };
  const { part: _part, ...action } = step;
  return planEvent({ ...action, select: { ids: part.ids } }, view, undefined);
}
