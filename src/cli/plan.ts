/** `fm-fleet plan <blueprint> [options]`: the roster and its metrics load, no network. */
import { formatPlanJson, formatPlanTable, planOptionsOf, summarizePlan } from "../runtime/plan.js";
import { formatTimelinePlan } from "../runtime/timeline.js";
import { optionsHelp } from "../settings/table.js";
import type { CliCommand } from "./args.js";
import { rosterFor, settingsFromArgv } from "./fleet-settings.js";
import type { CliIo } from "./io.js";

const USAGE = `Usage: fm-fleet plan <blueprint> [options]

Show the collectors a blueprint yields, the metrics they would write, and its scenario timeline (who each
step acts on, played on the roster). Nothing is sent.

Options:
${optionsHelp("plan")}

--json prints {"collectors":[…],"seriesPerTick":N} instead of the table.`;

export const planCommand: CliCommand = {
  name: "plan",
  summary: "show the collectors and series a blueprint yields (no network)",
  usage: USAGE,
  run(argv: string[], io: CliIo): number {
    const settings = settingsFromArgv("plan", argv, io.env, io.cwd);
    // The same context attributes `fm-fleet run` would send from here, so the plan shows them exactly.
    const { roster, timeline, notices } = rosterFor(settings.roster, io.cwd);
    for (const notice of notices) io.stderr.write(`${notice}\n`);
    // A plan is for a fleet in FM: warn about heartbeat capacity as a live run with FM would.
    const plan = summarizePlan(roster, planOptionsOf(settings, true));
    // The warnings go to stderr too, so --json output (stdout) still carries them to a reader.
    if (settings.json) for (const w of plan.warnings) io.stderr.write(`Warning: ${w}\n`);
    if (settings.json) io.stdout.write(`${formatPlanJson(plan)}\n`);
    else {
      const timelineLines = formatTimelinePlan(timeline);
      io.stdout.write(
        `${formatPlanTable(plan, { maxCollectors: Infinity })}\n${timelineLines.length > 0 ? `\n${timelineLines.join("\n")}\n` : ""}`,
      );
    }
    return 0;
  },
};
