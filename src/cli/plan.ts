/** `fm-fleet plan <blueprint> [--env E] [--interval 15s] [--json]` (SPEC section 8): the roster, no network. */
import { githubAttributes } from "../action/github-context.js";
import { loadBlueprint } from "../blueprint/load.js";
import { envNameProblem } from "../blueprint/names.js";
import { SHIPPED_NAMES } from "../blueprint/shipped.js";
import { MAX_DURATION_MS, parseDuration } from "../core/duration.js";
import { InputError, type InputProblem } from "../core/errors.js";
import { formatPlanJson, formatPlanTable, summarizePlan } from "../runtime/plan.js";
import { buildRoster } from "../fleet/roster.js";
import { parseCommandArgs, type CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

const DEFAULT_INTERVAL = "15s";
const MIN_INTERVAL_MS = 1000;

const USAGE = `Usage: fm-fleet plan <blueprint> [--env E] [--interval 15s] [--json]

Show the collectors a blueprint yields and the metrics they would write. Nothing is sent.

  <blueprint>      a blueprint file, or a shipped name: ${SHIPPED_NAMES.join(", ")}
  --env E          replace every environment name, as the action's env input does (e.g. pr-42)
  --interval D     metrics push interval behind the samples-per-minute figure (default ${DEFAULT_INTERVAL}, at least 1s)
  --json           print {"collectors":[…],"seriesPerTick":N} instead of the table
  -h, --help       show this help`;

const FLAGS = {
  env: { type: "string" },
  interval: { type: "string", default: DEFAULT_INTERVAL },
  json: { type: "boolean", default: false },
} as const;

export const planCommand: CliCommand = {
  name: "plan",
  summary: "show the collectors and series a blueprint yields (no network)",
  usage: USAGE,
  run(argv: string[], io: CliIo): number {
    const { values, positionals } = parseCommandArgs("plan", argv, FLAGS);
    const problems: InputProblem[] = [];
    if (positionals.length !== 1)
      problems.push({
        input: "<blueprint>",
        message: `expected one blueprint path or shipped name, found ${positionals.length}`,
      });
    const envProblem = values.env === undefined ? undefined : envNameProblem(values.env);
    if (envProblem) problems.push({ input: "--env", message: envProblem });
    const intervalMs = parseDuration(values.interval);
    if (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_DURATION_MS)
      problems.push({
        input: "--interval",
        message: `expected a duration from 1s to ${MAX_DURATION_MS / 3_600_000}h (e.g. 15s), found "${values.interval}"`,
      });
    if (problems.length > 0 || intervalMs === undefined) throw new InputError(problems);

    const loaded = loadBlueprint(positionals[0]!, { cwd: io.cwd });
    for (const notice of loaded.notices) io.stderr.write(`${notice}\n`);
    const roster = buildRoster(loaded.blueprint, {
      ...(values.env === undefined ? {} : { env: values.env }),
      // What `fm-fleet run` would send from the same place, so the plan shows the attributes exactly.
      contextAttributes: githubAttributes(),
      source: loaded.file,
    });
    const plan = summarizePlan(roster, { intervalMs });
    io.stdout.write(
      `${values.json ? formatPlanJson(plan) : formatPlanTable(plan, { maxCollectors: Infinity })}\n`,
    );
    return 0;
  },
};
