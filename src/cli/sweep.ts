/**
 * `fm-fleet sweep`: deletes the leftovers fake fleets left in Fleet Management (fm/sweep.ts says which
 * records count as leftovers and why). Prints a table of what it found, then deletes them with
 * BulkDeleteCollectors, falling back per ID when another sweep got to one first.
 */
import { InputError, type InputProblem } from "../core/errors.js";
import { formatDuration } from "../core/duration.js";
import { createScrubber } from "../core/secrets.js";
import { createFmClient } from "../fm/client.js";
import { createFmManagement } from "../fm/management.js";
import { sweepLeftovers, type StaleCollector } from "../fm/sweep.js";
import { MatcherError, parseMatchers } from "../fleet/matchers.js";
import { optionsHelp } from "../settings/table.js";
import { createHttpTransport } from "../transport/http.js";
import type { CliCommand } from "./args.js";
import { withDotEnv } from "./dotenv.js";
import { settingsFromArgv } from "./fleet-settings.js";
import type { CliIo } from "./io.js";

export const SWEEP_HELP = `Usage: fm-fleet sweep [--older-than 1h] [--match 'k="v"' ...] [--dry-run] [--json]

Deletes what fake fleets left behind in Fleet Management: collectors with fake="true" that FM marked
inactive (unregistered, or silent past its window) at least --older-than ago. Prints them first (ID, env,
github.repository, github.run_id, inactive since). It never touches a collector without fake="true",
nor one FM has not marked inactive: an old updatedAt alone proves nothing, it need not move with heartbeats.

Options:
${optionsHelp("sweep")}

--match <matcher> narrows the sweep with an Alertmanager matcher on the collectors' attributes; give it
several times, all must hold, e.g. --match 'github.repository="octo/app"' --match 'env=~"pr-.*"'.

Credentials: GC_FM_URL, GC_FM_STACK_ID and GC_FM_TOKEN from the environment or a .env file; deleting needs
a token with fleet-management:read and fleet-management:write.
Exit code: 0 when every leftover found was deleted (or --dry-run), 1 when some were not, 2 for bad input.`;

export interface SweepCommandOptions {
  /** Wall-clock now, to compare with FM's timestamps. */
  now?: () => number;
}

/** `--match` may come several times; the settings reader keeps the last one only, so it is read apart. */
function takeMatchers(argv: readonly string[]): {
  matchers: string[];
  rest: string[];
  problems: InputProblem[];
} {
  const matchers: string[] = [];
  const rest: string[] = [];
  const problems: InputProblem[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith("--match=")) matchers.push(arg.slice("--match=".length));
    else if (arg === "--match") {
      const next = argv[i + 1];
      if (next === undefined) problems.push({ subject: "--match", message: "expected a matcher after it" });
      else matchers.push(next);
      i++;
    } else rest.push(arg);
  }
  for (const [i, matcher] of matchers.entries()) {
    try {
      parseMatchers([matcher]);
    } catch (err) {
      if (!(err instanceof MatcherError)) throw err;
      problems.push({ subject: `--match #${i + 1}`, message: err.message });
    }
  }
  return { matchers, rest, problems };
}

export function formatSweepTable(stale: readonly StaleCollector[]): string {
  const rows = [
    ["ID", "ENV", "GITHUB.REPOSITORY", "GITHUB.RUN_ID", "INACTIVE SINCE"],
    ...stale.map((s) => [s.id, s.env ?? "", s.repository ?? "", s.runId ?? "", s.inactiveSince]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map(
      (row) =>
        `  ${row
          .map((cell, col) => cell.padEnd(widths[col]!))
          .join("  ")
          .trimEnd()}`,
    )
    .join("\n");
}

export async function sweepCommand(
  argv: string[],
  io: CliIo,
  options: SweepCommandOptions = {},
): Promise<number> {
  const { matchers, rest, problems } = takeMatchers(argv);
  let settings;
  try {
    settings = settingsFromArgv("sweep", rest, withDotEnv(io.env, io.cwd));
  } catch (err) {
    if (err instanceof InputError) throw new InputError([...problems, ...err.problems]);
    throw err;
  }
  if (problems.length > 0) throw new InputError(problems);

  const { fm } = settings;
  const transport = createHttpTransport({ connections: 2 });
  const scrub = createScrubber([fm.token], [fm.stackId]);
  const client = createFmClient({ baseUrl: fm.url, stackId: fm.stackId, token: fm.token, transport, scrub });
  try {
    const report = await sweepLeftovers({
      management: createFmManagement({ client }),
      matchers,
      olderThanMs: settings.olderThanMs,
      nowMs: (options.now ?? Date.now)(),
      dryRun: settings.dryRun,
    });
    if (settings.json) {
      io.stdout.write(
        `${JSON.stringify({
          listed: report.listed,
          stale: report.stale,
          deleted: report.deleted,
          failed: report.failed,
          ...(report.listError ? { error: report.listError } : {}),
          dryRun: settings.dryRun,
        })}\n`,
      );
    }
    if (report.listError) {
      if (!settings.json) io.stderr.write(`fm-fleet sweep: could not list collectors: ${report.listError}\n`);
      return 1;
    }
    if (!settings.json) {
      const age = formatDuration(settings.olderThanMs);
      io.stdout.write(
        report.stale.length === 0
          ? `no leftovers: ${report.listed} fake collector(s) listed, none marked inactive at least ${age} ago\n`
          : `${report.stale.length} leftover(s) of ${report.listed} fake collector(s), marked inactive at least ${age} ago:\n${formatSweepTable(report.stale)}\n`,
      );
      if (settings.dryRun) io.stdout.write("dry run: nothing was deleted\n");
      else if (report.stale.length > 0) {
        io.stdout.write(`deleted ${report.deleted.length} of ${report.stale.length}\n`);
        for (const f of report.failed) io.stdout.write(`  not deleted: ${f.id}: ${f.error}\n`);
      }
    }
    return report.failed.length === 0 ? 0 : 1;
  } finally {
    await transport.close().catch(() => undefined);
  }
}

export const sweepCliCommand: CliCommand = {
  name: "sweep",
  summary: "delete leftovers of fake fleets from Fleet Management",
  usage: SWEEP_HELP,
  run: (argv, io) => sweepCommand(argv, io),
};
