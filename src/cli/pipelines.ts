/**
 * `fm-fleet pipelines <blueprint>`: which collectors would get which pipeline, before a roll-out. Registers
 * the blueprint's collectors with FM, asks each for its configuration once (as Alloy does at start), prints
 * what each received and any syntax error, checks the `--expect` file, and cleans up (unregister, and delete
 * per `--cleanup`). FM only: no metric is written, so remote-write credentials are not needed.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { systemClock } from "../core/clock.js";
import { describeError, InputError } from "../core/errors.js";
import { lineLogger } from "../core/logger.js";
import { createScrubber } from "../core/secrets.js";
import { checkPipelines, type PipelineCheck } from "../fleet/pipeline-check.js";
import { cleanupBudgetMs } from "../runtime/budget.js";
import { describeRecords } from "../runtime/cleanup-text.js";
import { buildFleetConfig, newRunMarker } from "../runtime/config.js";
import { createFleetEngine } from "../runtime/fleet-engine.js";
import { checkVerdict, formatMismatchTable, formatReceivedTable } from "../runtime/pipelines-report.js";
import { secretValues } from "../settings/credentials.js";
import { parseExpectations, type Expectations } from "../settings/expectations.js";
import { optionsHelp } from "../settings/table.js";
import type { CliCommand } from "./args.js";
import { withDotEnv } from "./dotenv.js";
import { rosterFor, settingsFromArgv } from "./fleet-settings.js";
import type { CliIo } from "./io.js";

export const PIPELINES_HELP = `Usage: fm-fleet pipelines <blueprint> [options]

Registers the blueprint's collectors with Fleet Management, asks each for its configuration once, prints
the pipelines each received (and any syntax error in them), checks them against --expect, and cleans up
(unregister, then delete per --cleanup). It answers "which collectors would get this pipeline?" before a
roll-out. No metrics are written.

Options:
${optionsHelp("pipelines")}

An expectations file is a YAML list; a collector expects the pipelines of every entry whose matchers all
hold for its attributes (plus collector.ID), and nothing else:
  - match: ['collector.os="linux"']
    pipelines: [node_metrics_linux, self_monitoring_metrics]

Credentials come from the environment or a .env file: GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN
('fm-fleet emulate --pipelines DIR' prints local ones).
Exit code: 0 when every collector loaded its config and receives what --expect says; 1 on a mismatch, a
syntax error, a collector FM did not answer, or an incomplete cleanup; 2 for bad input.`;

export interface PipelinesOptions {
  now?: () => number;
}

/** One collector in --json output. */
interface CollectorJson {
  id: string;
  pipelines: string[];
  status: "APPLIED" | "FAILED" | "UNANSWERED";
  error?: string;
  expected?: string[];
  missing?: string[];
  unexpected?: string[];
}

export async function pipelinesCommand(
  argv: string[],
  io: CliIo,
  options: PipelinesOptions = {},
): Promise<number> {
  const {
    fleet: settings,
    expectFile,
    json,
    notices: settingsNotices,
  } = settingsFromArgv("pipelines", argv, withDotEnv(io.env, io.cwd), io.cwd);
  // Read and checked before anything is sent: a typo in the file must not register a fleet first.
  const expectations = expectFile === undefined ? undefined : readExpectationsFile(expectFile, io.cwd);
  const { roster, notices } = rosterFor(settings, io.cwd);
  const known = secretValues(settings.credentials);
  const scrub = createScrubber(known.secrets, known.users);
  const logger = lineLogger((line) => io.stderr.write(line), scrub, "info");
  for (const n of [...settingsNotices, ...notices]) logger.info(n);

  const now = options.now ?? Date.now;
  const { config, secrets } = buildFleetConfig(settings, roster, now(), { runMarker: newRunMarker(io.env) });
  const engine = createFleetEngine({ config, secrets, logger, scrub });
  const ids = roster.collectors.map((c) => c.id);

  // Ctrl-C ends the asking and goes straight to cleanup, which a second Ctrl-C does not cut short.
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    io.stderr.write(`\n${sig}: stopping and unregistering…\n`);
    stop.abort(new Error(sig));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let startError: string | undefined;
  try {
    try {
      const started = await engine.start(stop.signal);
      logger.info(`${started.registered} collectors registered with ${config.fm!.url}, each asked once`);
      for (const w of started.warnings) logger.warn(scrub(w));
    } catch (err) {
      startError = describeError(err);
    }
    const received = engine.receivedConfigs();
    // Unregistering goes through the same rate limit: the budget grows with the fleet.
    const report = await engine.stop({
      deadlineMs: systemClock.monotonic() + cleanupBudgetMs(ids.length, config.fmRatePerSecond),
    });
    // Matched on the attributes FM saw, this run's marker included.
    const check = expectations ? checkPipelines(expectations, config.collectors, received) : undefined;
    const failed = Object.values(received).filter((r) => r.status === "FAILED").length;
    const unanswered = ids.filter((id) => !Object.hasOwn(received, id)).length;

    if (json) {
      const collectors = ids.map((id, i): CollectorJson => {
        const r = received[id];
        const c = check?.collectors[i];
        return {
          id,
          pipelines: [...(r?.pipelines ?? [])],
          status: r?.status ?? "UNANSWERED",
          ...(r?.error ? { error: scrub(r.error) } : {}),
          ...(c ? { expected: [...c.expected], missing: [...c.missing], unexpected: [...c.unexpected] } : {}),
        };
      });
      io.stdout.write(
        `${JSON.stringify({ blueprint: roster.blueprint, collectors, ok: check?.ok ?? null }, null, 2)}\n`,
      );
    } else {
      const lines = [
        `${roster.blueprint}: what each of ${ids.length} collectors received from ${config.fm!.url}`,
        ...indent(formatReceivedTable(ids, received).map(scrub)),
        "",
      ];
      if (check && expectFile !== undefined) lines.push(...verdictLines(check, expectFile, scrub));
      else if (failed > 0)
        lines.push(`${failed} of ${ids.length} collectors could not load their config (FAILED above).`, "");
      io.stdout.write(lines.join("\n"));
    }

    if (startError) logger.error(`not every collector was registered and asked: ${startError}`);
    else if (unanswered > 0) logger.error(`${unanswered} collectors got no answer to GetConfig`);
    for (const f of report.unregisterFailed) logger.error(`could not unregister ${f.id}: ${f.error}`);
    for (const w of report.warnings) logger.warn(w);
    // No metric was written, so only FM's records are worth a word.
    logger.info(`cleanup ${report.complete ? "complete" : "INCOMPLETE"}: ${describeRecords(report)}`);
    const ok = !startError && unanswered === 0 && failed === 0 && (check?.ok ?? true) && report.complete;
    return ok ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function verdictLines(check: PipelineCheck, source: string, scrub: (s: string) => string): string[] {
  if (check.ok) return [`${checkVerdict(check, source)}.`, ""];
  return [`${checkVerdict(check, source)}:`, ...indent(formatMismatchTable(check).map(scrub)), ""];
}

const indent = (lines: readonly string[]) => lines.map((l) => `  ${l}`);

/** The --expect file, parsed; every problem at its line and column, as `--expect: FILE:LINE:COL: …`. */
export function readExpectationsFile(file: string, cwd: string): Expectations {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([
      {
        subject: "--expect",
        message:
          code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read it: ${describeError(err)}`,
      },
    ]);
  }
  const parsed = parseExpectations(text);
  if (parsed.ok) return parsed.expectations;
  throw new InputError(
    parsed.problems.map((p) => ({
      subject: "--expect",
      message: `${file}:${p.line}:${p.column}: ${p.message}`,
    })),
  );
}

export const pipelinesCliCommand: CliCommand = {
  name: "pipelines",
  summary: "register the fleet, show which pipelines each collector receives, check --expect, clean up",
  usage: PIPELINES_HELP,
  run: (argv, io) => pipelinesCommand(argv, io),
};
