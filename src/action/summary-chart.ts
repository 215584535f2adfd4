/**
 * The job summary's chart of the fleet over time: collectors running (bars) and unhealthy (line) from
 * ready to stop, replayed from the timeline's record of what each step and live event changed. A Mermaid
 * `xychart-beta` block, which GitHub renders (docs.github.com, "Creating diagrams"; syntax:
 * mermaid.js.org/syntax/xyChart.html). Pure.
 */
import type { Collector } from "../fleet/types.js";
import { formatOffset, type TimelineRecord } from "../runtime/timeline.js";

export interface FleetPoint {
  /** Offset from ready: `+0s`, `+1m30s`. */
  readonly label: string;
  /** In the fleet and heartbeating (not silenced, crashed or departed). */
  readonly running: number;
  /** Running, and up=0 or reporting a configuration error. */
  readonly unhealthy: number;
}

/** Points beyond this are thinned (first and last kept), so the x-axis stays readable. */
const MAX_POINTS = 24;

interface MemberState {
  present: boolean;
  active: boolean;
  up: boolean;
  configOk: boolean;
}

/**
 * The fleet at ready, after each timeline entry, and at `endMs`. Collectors that joined later start
 * outside the fleet; unhealthy collectors of the blueprint (`unhealthy_per_os`) start with up=0.
 */
export function fleetOverTime(
  collectors: readonly Collector[],
  record: TimelineRecord | undefined,
  endMs: number,
): FleetPoint[] {
  const readyAtMs = record?.readyAtMs;
  if (readyAtMs === undefined) return [];
  const entries = record?.entries ?? [];
  const joined = new Set(entries.filter((e) => e.event === "join").flatMap((e) => e.changed));
  // The collectors may be the latest identities (health events included): a collector's first health
  // event says what it was before it.
  const firstHealth = new Map<string, string>();
  for (const e of entries)
    if (e.event === "unhealthy" || e.event === "healthy")
      for (const id of e.changed) if (!firstHealth.has(id)) firstHealth.set(id, e.event);
  const members = new Map<string, MemberState>();
  for (const c of collectors) {
    const first = firstHealth.get(c.id);
    const up = first === undefined ? c.healthy : first === "unhealthy";
    members.set(c.id, { present: !joined.has(c.id), active: true, up, configOk: true });
  }
  const point = (offsetMs: number): FleetPoint => {
    let running = 0;
    let unhealthy = 0;
    for (const m of members.values()) {
      if (!m.present || !m.active) continue;
      running++;
      if (!m.up || !m.configOk) unhealthy++;
    }
    return { label: offsetLabel(offsetMs), running, unhealthy };
  };
  const points: FleetPoint[] = [point(0)];
  const push = (p: FleetPoint) => {
    // Two entries in the same second share a label: the later state is the one that lasted.
    if (points[points.length - 1]!.label === p.label) points[points.length - 1] = p;
    else points.push(p);
  };
  for (const e of entries) {
    for (const id of e.changed) {
      const m = members.get(id) ?? { present: false, active: true, up: true, configOk: true };
      members.set(id, m);
      apply(m, e.event);
    }
    push(point(e.ranOffsetMs));
  }
  push(point(Math.max(0, endMs - readyAtMs)));
  return thin(points);
}

function apply(m: MemberState, event: string): void {
  switch (event) {
    case "unhealthy":
      m.up = false;
      break;
    case "healthy":
      m.up = true;
      break;
    case "config-error":
      m.configOk = false;
      break;
    case "config-ok":
      m.configOk = true;
      break;
    case "silence":
    case "crash":
      m.active = false;
      break;
    case "resume":
      m.active = true;
      break;
    case "leave":
      m.present = false;
      break;
    case "join":
      m.present = true;
      m.active = true;
      break;
    // upgrade: the same collector on another version; the counts do not change.
  }
}

/** Whole seconds: `+0s`, `+45s`, `+2m30s`. */
function offsetLabel(ms: number): string {
  const whole = Math.round(ms / 1000) * 1000;
  return whole < 1000 ? "+0s" : formatOffset(whole);
}

function thin(points: FleetPoint[]): FleetPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const step = (points.length - 1) / (MAX_POINTS - 1);
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round(i * step)]!);
}

/** The Mermaid block, or "" when the fleet never got ready. */
export function renderFleetChart(points: readonly FleetPoint[]): string {
  if (points.length === 0) return "";
  const top = Math.max(1, ...points.map((p) => p.running));
  return [
    "```mermaid",
    "xychart-beta",
    '  title "Collectors over time (bars: running, line: unhealthy)"',
    `  x-axis "time since ready" [${points.map((p) => JSON.stringify(p.label)).join(", ")}]`,
    `  y-axis "collectors" 0 --> ${top}`,
    `  bar [${points.map((p) => p.running).join(", ")}]`,
    `  line [${points.map((p) => p.unhealthy).join(", ")}]`,
    "```",
  ].join("\n");
}
