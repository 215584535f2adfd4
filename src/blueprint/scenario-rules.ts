/**
 * Rules of a blueprint's `scenario:` that span keys: steps run in order, and each event takes only the
 * fields it reads (blueprint/events.ts). Like rules.ts they read the raw parsed YAML, so they report
 * alongside any schema problem. Whether a step selects anybody needs the roster: fleet/scenario.ts checks
 * that once the roster is built, still before any network call.
 */
import { formatDuration, parseDuration } from "../core/duration.js";
import { EVENT_FIELD, isScenarioEvent, JOIN_SELECT_KEYS } from "./events.js";
import type { PendingProblem } from "./issues.js";
import { formatYamlPath, hasPath, valueAt } from "./yaml-path.js";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export function scenarioProblems(data: unknown): PendingProblem[] {
  const steps = valueAt(data, ["scenario"]);
  if (!Array.isArray(steps)) return [];
  return [...stepsInOrder(steps), ...steps.flatMap((step, i) => fieldProblems(step, i))];
}

function stepsInOrder(steps: readonly unknown[]): PendingProblem[] {
  const problems: PendingProblem[] = [];
  let latest: { ms: number; index: number } | undefined;
  steps.forEach((step, i) => {
    const text = isRecord(step) && typeof step.at === "string" ? step.at : undefined;
    const at = text === undefined ? undefined : parseDuration(text);
    if (at === undefined) return;
    if (latest && at < latest.ms)
      problems.push({
        path: ["scenario", i, "at"],
        anchor: "value",
        message: `expected at least ${formatDuration(latest.ms)} (${formatYamlPath(["scenario", latest.index, "at"])}): steps run in the order they are written, found ${JSON.stringify(text)}`,
      });
    else latest = { ms: at, index: i };
  });
  return problems;
}

function fieldProblems(step: unknown, i: number): PendingProblem[] {
  if (!isRecord(step) || !isScenarioEvent(step.event)) return [];
  const event = step.event;
  const problems: PendingProblem[] = [];
  for (const [field, rule] of Object.entries(EVENT_FIELD)) {
    const present = hasPath(step, [field]);
    if (present && rule.event !== event)
      problems.push({
        path: ["scenario", i, field],
        anchor: "key",
        message: `${field} belongs to ${rule.event} steps, found it on a ${event} step`,
      });
    else if (!present && rule.required && rule.event === event)
      problems.push({
        path: ["scenario", i, field],
        anchor: "parent",
        message:
          field === "add"
            ? "expected add with the new collectors per OS (e.g. add: {linux: 2}), found nothing (the key is missing)"
            : "expected version with the Alloy version to upgrade to (e.g. version: v1.19.0), found nothing (the key is missing)",
      });
  }
  if (event === "join") {
    const select = step.select;
    if (isRecord(select))
      for (const key of Object.keys(select).filter((k) => !JOIN_SELECT_KEYS.includes(k)))
        problems.push({
          path: ["scenario", i, "select", key],
          anchor: "key",
          message: `a join selects nobody: its select takes only env (where the new collectors go), found ${key}`,
        });
    const add = step.add;
    if (isRecord(add) && Object.values(add).every((n) => n === 0 || n === null))
      problems.push({
        path: ["scenario", i, "add"],
        anchor: "value",
        message: `expected at least one new collector (e.g. add: {linux: 2}), found ${Object.keys(add).length === 0 ? "an empty mapping" : "every count 0"}`,
      });
  }
  return problems;
}
