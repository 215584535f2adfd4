/**
 * `fm-fleet event <event> [selection] [options]`: one event applied to the running background fleet (the
 * one `fm-fleet start` or the action started), the same events a blueprint's timeline takes. Returns once
 * the first effect was accepted (the push or heartbeat that carries it, or the Register or Unregister),
 * and prints the IDs of the collectors it changed, one per line, so a workflow step can use them.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { ENV_NAME_MAX, isValidName, nameRule } from "../blueprint/names.js";
import {
  EVENT_FIELD,
  JOIN_SELECT_KEYS,
  MAX_JOIN_PER_OS,
  SCENARIO_EVENTS,
  SEVERITIES,
  UPGRADE_VERSION_RE,
  isScenarioEvent,
  type Severity,
} from "../blueprint/events.js";
import { OS_ORDER, type Os } from "../blueprint/os.js";
import type { PerOs, ScenarioAction, ScenarioSelect } from "../blueprint/types.js";
import { closestMatch } from "../core/did-you-mean.js";
import { parseDuration } from "../core/duration.js";
import { InputError, type InputProblem } from "../core/errors.js";
import { sendEventRequest } from "../runtime/event-inbox.js";
import type { EventRequest } from "../runtime/event-request.js";
import { scenarioActionSchema } from "../runtime/scenario-schema.js";
import { statePaths } from "../runtime/paths.js";
import { isAlive } from "../runtime/process.js";
import { readStatus } from "../runtime/status.js";
import { effectWords } from "../runtime/timeline.js";
import { parseCommandArgs, type CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

export const EVENT_HELP = `Usage: fm-fleet event <event> [--ids a,b] [--os O] [--env E] [--kind K] [--count N] [options]

Applies one event to the running background fleet (fm-fleet start's, or the action's) within a second,
waits until its first effect is accepted, and prints the IDs of the collectors it changed, one per line.

Events:
  unhealthy     up=0 and unhealthy components; heartbeats go on     [--severity critical|warning]
  healthy       back to normal
  config-error  the next GetConfig reports a failed remote config   [--message TEXT]
  config-ok     the next GetConfig reports it applied
  silence       no more heartbeats (FM marks it inactive later); metrics go on
  resume        heartbeats (and metrics) again after silence or crash
  crash         heartbeats and pushes stop, no goodbye
  leave         UnregisterCollector and stale markers at once
  join          new standalone collectors                          --add linux=2[,windows=1] [--env E]
  upgrade       RegisterCollector again with a new version         --version v1.19.0

Selection: the filters first, then --count takes the first N in roster order.
  --ids <a,b>       collector IDs
  --os <os>         linux, windows or darwin
  --env <name>      an environment (its blueprint name or its name after the env override)
  --kind <kind>     standalone or k8s
  --count <n>       at most this many

Options:
  --state-dir <dir> the fleet's state folder (default: $FM_FLEET_STATE, else .fm-fleet)
  --timeout <dur>   how long to wait for the first effect (default 2m)
  -h, --help        show this help

Exit code: 0 once the first effect was accepted; 1 when no fleet is running, nothing was selected, or the
effect was not accepted in time; 2 for bad input.`;

const DEFAULT_TIMEOUT = "2m";

export interface EventCommandLine {
  readonly action: ScenarioAction;
  readonly stateDir: string;
  readonly timeoutMs: number;
}

/** The command line as an action, every problem at once. Pure. */
export function parseEventCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): EventCommandLine {
  const { values, positionals } = parseCommandArgs("event", argv, {
    ids: { type: "string" },
    os: { type: "string" },
    env: { type: "string" },
    kind: { type: "string" },
    count: { type: "string" },
    message: { type: "string" },
    version: { type: "string" },
    add: { type: "string" },
    severity: { type: "string" },
    "state-dir": { type: "string" },
    timeout: { type: "string", default: DEFAULT_TIMEOUT },
  });
  const problems: InputProblem[] = [];
  const [name, ...extra] = positionals;
  if (name === undefined)
    problems.push({
      subject: "<event>",
      message: `expected one of ${SCENARIO_EVENTS.join(", ")}, found nothing`,
    });
  else if (!isScenarioEvent(name)) {
    const hint = closestMatch(name, SCENARIO_EVENTS);
    problems.push({
      subject: "<event>",
      message: `expected one of ${SCENARIO_EVENTS.join(", ")}, found ${JSON.stringify(name)}${hint ? `: did you mean ${hint}?` : ""}`,
    });
  }
  if (extra.length > 0)
    problems.push({
      subject: JSON.stringify(extra[0]),
      message: "is not an argument of fm-fleet event, which takes one event",
    });
  const event = isScenarioEvent(name) ? name : undefined;

  const select: { -readonly [K in keyof ScenarioSelect]: ScenarioSelect[K] } = {};
  if (values.ids !== undefined) {
    const ids = values.ids
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== "");
    if (ids.length === 0)
      problems.push({
        subject: "--ids",
        message: `expected collector IDs separated by commas, found ${JSON.stringify(values.ids)}`,
      });
    else select.ids = ids;
  }
  if (values.os !== undefined) {
    if ((OS_ORDER as readonly string[]).includes(values.os)) select.os = values.os as Os;
    else
      problems.push({
        subject: "--os",
        message: `expected linux, windows or darwin, found ${JSON.stringify(values.os)}`,
      });
  }
  if (values.env !== undefined) {
    if (isValidName(values.env, ENV_NAME_MAX)) select.env = values.env;
    else
      problems.push({
        subject: "--env",
        message: `expected an environment name of ${nameRule(ENV_NAME_MAX)}, found ${JSON.stringify(values.env)}`,
      });
  }
  if (values.kind !== undefined) {
    if (values.kind === "standalone" || values.kind === "k8s") select.kind = values.kind;
    else
      problems.push({
        subject: "--kind",
        message: `expected standalone or k8s, found ${JSON.stringify(values.kind)}`,
      });
  }
  if (values.count !== undefined) {
    const n = Number(values.count);
    if (/^\d+$/.test(values.count) && n >= 1) select.count = n;
    else
      problems.push({
        subject: "--count",
        message: `expected a whole number from 1, found ${JSON.stringify(values.count)}`,
      });
  }
  if (event === "join")
    for (const key of Object.keys(select).filter((k) => !JOIN_SELECT_KEYS.includes(k)))
      problems.push({
        subject: `--${key}`,
        message: "join selects nobody: it takes --env only (where the new collectors go)",
      });

  const fields: { severity?: Severity; message?: string; add?: PerOs; version?: string } = {};
  for (const [field, rule] of Object.entries(EVENT_FIELD) as [
    keyof typeof EVENT_FIELD,
    (typeof EVENT_FIELD)[keyof typeof EVENT_FIELD],
  ][]) {
    const given = values[field];
    if (event === undefined) continue;
    if (given !== undefined && rule.event !== event) {
      problems.push({ subject: `--${field}`, message: `belongs to the ${rule.event} event, not ${event}` });
      continue;
    }
    if (rule.event !== event) continue;
    if (given === undefined) {
      if (rule.required)
        problems.push({
          subject: `--${field}`,
          message:
            field === "add"
              ? "expected the new collectors per OS, e.g. --add linux=2, found nothing"
              : "expected the version to upgrade to, e.g. --version v1.19.0, found nothing",
        });
      continue;
    }
    if (field === "severity") {
      if ((SEVERITIES as readonly string[]).includes(given)) fields.severity = given as Severity;
      else
        problems.push({
          subject: "--severity",
          message: `expected critical or warning, found ${JSON.stringify(given)}`,
        });
    } else if (field === "message") {
      if (given.length >= 1 && given.length <= 1000) fields.message = given;
      else
        problems.push({
          subject: "--message",
          message: `expected an error message of 1 to 1000 chars, found ${given.length} chars`,
        });
    } else if (field === "version") {
      if (UPGRADE_VERSION_RE.test(given)) fields.version = given;
      else
        problems.push({
          subject: "--version",
          message: `expected an Alloy version like v1.19.0, found ${JSON.stringify(given)}`,
        });
    } else {
      const add = parseAdd(given);
      if (typeof add === "string") problems.push({ subject: "--add", message: add });
      else fields.add = add;
    }
  }

  const timeoutMs = parseDuration(values.timeout);
  if (timeoutMs === undefined || timeoutMs < 1000)
    problems.push({
      subject: "--timeout",
      message: `expected a duration of at least 1s such as 30s or 2m, found ${JSON.stringify(values.timeout)}`,
    });

  if (problems.length > 0 || event === undefined || timeoutMs === undefined) throw new InputError(problems);
  const stateDir = values["state-dir"] ?? (env.FM_FLEET_STATE || ".fm-fleet");
  return {
    action: {
      event,
      select,
      ...(event === "unhealthy" ? { severity: fields.severity ?? "critical" } : {}),
      ...fields,
    },
    stateDir,
    timeoutMs,
  };
}

/** `linux=2,windows=1` → counts per OS, or a problem in words. */
function parseAdd(text: string): PerOs | string {
  const counts = { linux: 0, windows: 0, darwin: 0 };
  const expected = `expected OS=count pairs separated by commas, e.g. linux=2,windows=1 (at most ${MAX_JOIN_PER_OS} each)`;
  for (const part of text.split(",")) {
    const m = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m || !(OS_ORDER as readonly string[]).includes(m[1]!) || Number(m[2]) > MAX_JOIN_PER_OS)
      return `${expected}, found ${JSON.stringify(text)}`;
    counts[m[1] as Os] += Number(m[2]);
  }
  if (counts.linux + counts.windows + counts.darwin === 0)
    return `expected at least one new collector, found ${JSON.stringify(text)}`;
  return counts;
}

export async function eventCommand(argv: string[], io: CliIo): Promise<number> {
  const line = parseEventCommandLine(argv, io.env);
  const stateDir = resolve(io.cwd, line.stateDir);
  const paths = statePaths(stateDir);
  const status = readStatus(paths.status);
  const fail = (message: string) => {
    io.stderr.write(`fm-fleet event: ${message}\n`);
    return 1;
  };
  if (!status)
    return fail(
      `no fleet is running from ${stateDir} (no status file): start one with fm-fleet start, or set FM_FLEET_STATE or --state-dir`,
    );
  if (!isAlive(status.pid) || status.phase === "stopped")
    return fail(
      `no fleet is running from ${stateDir}: its background process (PID ${status.pid}) is ${status.phase === "stopped" ? "stopped" : "gone"}`,
    );
  if (status.phase !== "ready")
    return fail(`the fleet in ${stateDir} is ${status.phase}, not ready: it takes events once it is ready`);

  const sentAtMs = Date.now();
  const request: EventRequest = {
    type: "event",
    nonce: status.nonce,
    id: randomUUID(),
    sentAtMs,
    expiresAtMs: sentAtMs + line.timeoutMs,
    action: scenarioActionSchema.parse(line.action),
  };
  let answer;
  try {
    answer = await sendEventRequest({ paths, request, alive: () => isAlive(status.pid) });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  for (const w of answer.warnings)
    if (answer.ok || !answer.error.includes(w)) io.stderr.write(`warning: ${w}\n`);
  for (const id of answer.ids) io.stdout.write(`${id}\n`);
  if (!answer.ok) return fail(answer.error);
  io.stderr.write(
    `${answer.event}: ${answer.ids.length} collector${answer.ids.length === 1 ? "" : "s"} changed; ${effectWords(answer.effect, sentAtMs)}${answer.effect.timestampMs !== undefined ? ` (samples at ${new Date(answer.effect.timestampMs).toISOString()})` : ""}\n`,
  );
  return 0;
}

export const eventCliCommand: CliCommand = {
  name: "event",
  summary: "apply an event (unhealthy, crash, leave, …) to the running background fleet",
  usage: EVENT_HELP,
  run: eventCommand,
};
