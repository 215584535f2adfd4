/**
 * The CLI's settings: the command line read into a raw map (flags by name, the blueprint argument) and
 * parsed by the same parser as the action's inputs, so `fm-fleet run --interval ten` and `interval: ten`
 * fail with the same sentence. Credentials come from the environment (and `.env`) only: never from argv,
 * which `ps` shows.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { closestMatch } from "../core/did-you-mean.js";
import { InputError, type InputProblem } from "../core/errors.js";
import { isShippedName, SHIPPED_NAMES } from "../blueprint/shipped.js";
import { loadBlueprint } from "../blueprint/load.js";
import { buildRoster } from "../fleet/roster.js";
import { planTimeline, stepsForPart, type PlannedStep, type PlayedStep } from "../fleet/scenario.js";
import { fleetShapeOf, type FleetShape } from "../fleet/shape.js";
import { shardRoster } from "../fleet/shard.js";
import type { Roster } from "../fleet/types.js";
import { parseSettings, type RawSettings } from "../settings/parse.js";
import { commandFlags, takesBlueprint, unknownFlagReason, type SettingsCommand } from "../settings/table.js";
import type { CliSettings, RosterSettings } from "../settings/types.js";
import { readCommandLine } from "./args.js";

/** Every problem of the command line at once: unknown flags, stray arguments and bad values together. */
export function settingsFromArgv<C extends SettingsCommand>(
  command: C,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): CliSettings[C] {
  const line = readCommandLine(command, argv, commandFlags(command), (name) =>
    unknownFlagReason(command, name),
  );
  const problems: InputProblem[] = [...line.problems];
  const raw: Record<string, string> = { ...line.values };
  const [first, ...extra] = line.positionals;
  if (takesBlueprint(command)) {
    if (first !== undefined) raw.blueprint = first;
    // A blueprint that is neither a file nor a shipped name joins the other problems, with its likely name.
    const missing = cwd === undefined || first === undefined ? undefined : missingBlueprint(first, cwd);
    if (missing) problems.push(missing);
    if (extra.length > 0)
      problems.push({
        subject: "<blueprint>",
        message: `expected one blueprint path or shipped name, found ${line.positionals.length}`,
      });
  } else if (first !== undefined) {
    problems.push({
      subject: JSON.stringify(first),
      message: `is not an argument of fm-fleet ${command}, which takes options only`,
    });
  }
  let settings: CliSettings[C] | undefined;
  try {
    settings = parseSettings(raw as RawSettings, env, { frontend: "cli", command });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || settings === undefined) throw new InputError(problems);
  return settings;
}

/** The problem of a blueprint argument that names neither a file nor a shipped blueprint; else undefined. */
export function missingBlueprint(ref: string, cwd: string): InputProblem | undefined {
  if (isShippedName(ref)) return undefined;
  try {
    if (statSync(resolve(cwd, ref)).isFile()) return undefined;
  } catch {
    // Not there: said below.
  }
  // "fleet-management.yaml" typed for the shipped name is still the shipped name.
  const stem = ref.replace(/\.ya?ml$/, "");
  const suggestion = isShippedName(stem) ? stem : closestMatch(stem, SHIPPED_NAMES);
  return {
    subject: "<blueprint>",
    message: `${JSON.stringify(ref)} is neither a file nor a shipped blueprint (${SHIPPED_NAMES.join(", ")})${suggestion ? `: did you mean ${suggestion}?` : ""}`,
  };
}

export interface CliFleet {
  /** The whole fleet's roster, cut to one part with a shard. */
  readonly roster: Roster;
  /** How collectors that join are made. */
  readonly shape: FleetShape;
  /** The blueprint's timeline as it plays on the whole roster (empty without one). */
  readonly timeline: readonly PlannedStep[];
  /** The steps this part plays (fleet/scenario.ts stepsForPart). */
  readonly steps: readonly PlayedStep[];
  readonly notices: string[];
}

/**
 * The roster the settings ask for (the whole fleet's, cut to one part with a shard), and the timeline
 * checked against the whole roster: a step that selects nobody fails here, offline.
 */
export function rosterFor(settings: RosterSettings, cwd: string): CliFleet {
  const loaded = loadBlueprint(settings.blueprint, { cwd });
  const options = {
    ...(settings.env === undefined ? {} : { env: settings.env }),
    contextAttributes: settings.contextAttributes,
    source: loaded.file,
    locate: loaded.locate,
  };
  const whole = buildRoster(loaded.blueprint, options);
  const shape = fleetShapeOf(loaded.blueprint, options);
  const timeline = planTimeline(loaded, whole, shape);
  return {
    roster: shardRoster(whole, settings.shard),
    shape,
    timeline,
    steps: stepsForPart(timeline, whole, settings.shard),
    notices: loaded.notices,
  };
}
