/**
 * `fm-fleet run <blueprint>`: the whole lifecycle in the foreground (README.md#command-line). Ctrl-C or the
 * end of --duration cleans up; the exit code is non-zero when cleanup was incomplete.
 */
import { describeError } from "../core/errors.js";
import { lineLogger } from "../core/logger.js";
import { createScrubber } from "../core/secrets.js";
import { counterSections, formatCounterLines } from "../runtime/counters.js";
import { formatPlanTable, planOptionsOf, summarizePlan } from "../runtime/plan.js";
import { buildFleetConfig, newRunMarker } from "../runtime/config.js";
import { describeCleanup } from "../runtime/cleanup-text.js";
import type { CleanupReport } from "../runtime/status.js";
import { createFleetEngine } from "../runtime/fleet-engine.js";
import { createScenarioPlayer } from "../runtime/scenario-player.js";
import {
  formatHealth,
  formatTimelinePlan,
  formatTimelineRecord,
  type TimelineEntry,
} from "../runtime/timeline.js";
import { secretValues } from "../settings/credentials.js";
import { credentialVariables, optionsHelp } from "../settings/table.js";
import { withDotEnv } from "./dotenv.js";
import { rosterFor, settingsFromArgv } from "./fleet-settings.js";
import type { CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

export const RUN_HELP = `Usage: fm-fleet run <blueprint> [options]

Runs the fake fleet in the foreground: registers every collector, heartbeats and pushes metrics, and on
Ctrl-C or when --duration ends unregisters every collector and closes every series.

Options:
${optionsHelp("run")}

Credentials come from the environment or a .env file, never from the command line:
${credentialVariables().join(", ")}.
Exit code: 0 when cleanup was complete, 1 when it was not or start failed, 2 for bad input.`;

export interface RunOptions {
  /** Resolves when the run should end (tests and the demo pass their own). */
  until?: Promise<void>;
  now?: () => number;
  /** The timeline's offsets are divided by this (the demo plays it fast). Default 1. */
  timeScale?: number;
  /** Called when a timeline step's first effect was accepted (the demo narrates it). */
  onStep?: (entry: TimelineEntry) => void;
}

export async function runCommand(argv: string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const {
    fleet: settings,
    durationMs,
    notices: settingsNotices,
  } = settingsFromArgv("run", argv, withDotEnv(io.env, io.cwd), io.cwd);
  const { roster, shape, timeline, steps, notices } = rosterFor(settings, io.cwd);
  const known = secretValues(settings.credentials);
  const scrub = createScrubber(known.secrets, known.users);
  const logger = lineLogger((line) => io.stderr.write(line), scrub, "info");
  for (const n of [...settingsNotices, ...notices]) logger.info(n);
  const plan = summarizePlan(roster, planOptionsOf(settings));
  io.stdout.write(`${formatPlanTable(plan)}\n`);
  const timelineLines = formatTimelinePlan(timeline);
  if (timelineLines.length > 0) io.stdout.write(`\n${timelineLines.join("\n")}\n`);

  const now = options.now ?? Date.now;
  const { config, secrets } = buildFleetConfig(settings, roster, now(), {
    runMarker: newRunMarker(io.env),
    shape,
    scenario: steps,
  });
  const engine = createFleetEngine({ config, secrets, logger, scrub });
  const player = createScenarioPlayer({
    engine,
    steps: config.scenario ?? [],
    shape,
    logger,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.onStep ? { onEffect: options.onStep } : {}),
  });

  // Ctrl-C: the first one cleans up, a second one while cleaning is ignored so cleanup is never cut short.
  let stopRequested: (why: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
  const onSignal = (sig: NodeJS.Signals) => {
    io.stderr.write(`\n${sig}: stopping and cleaning up…\n`);
    stopRequested(sig);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const timer =
    durationMs !== undefined ? setTimeout(() => stopRequested("--duration ended"), durationMs) : undefined;
  void options.until?.then(() => stopRequested("stopped"));

  const startAbort = new AbortController();
  void stopSignal.then((why) => startAbort.abort(new Error(why)));
  try {
    try {
      const started = await engine.start(startAbort.signal);
      logger.info(
        `ready: ${started.registered} collectors registered, first push accepted (${started.firstPushSamples} samples)`,
      );
      player.start();
      engine.run();
      const progress = setInterval(
        () => {
          for (const line of formatCounterLines(counterSections(engine.counters()))) logger.info(line);
        },
        Math.max(10_000, settings.intervalMs),
      );
      logger.info(`stopping: ${await stopSignal}`);
      clearInterval(progress);
      await player.stop();
    } catch (err) {
      logger.error(`start failed: ${describeError(err)}`);
      const report = await engine.stop();
      logger.info(
        `cleanup after the failed start ${report.complete ? "complete" : "INCOMPLETE"}: ${describeCleanup(report)}`,
      );
      for (const line of cleanupProblems(report)) logger.warn(line);
      return 1;
    }
    const report = await engine.stop();
    const record = player.record();
    io.stdout.write(
      [
        ...formatTimelineRecord(record),
        ...(record.entries.length > 0 ? [`collectors: ${formatHealth(player.health())}`] : []),
        ...formatCounterLines(counterSections(engine.counters())),
        `cleanup ${report.complete ? "complete" : "INCOMPLETE"}: ${describeCleanup(report)}`,
        ...cleanupProblems(report).map((line) => `  ${line}`),
        "",
      ].join("\n"),
    );
    return report.complete ? 0 : 1;
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** What cleanup left undone, one line per kind of problem (not one per collector). */
function cleanupProblems(report: CleanupReport): string[] {
  const failed = report.unregisterFailed;
  const reasons = [...new Set(failed.map((f) => f.error))];
  return [
    ...(failed.length > 0
      ? [
          `still registered: ${failed.length} (${failed
            .slice(0, 3)
            .map((f) => f.id)
            .join(", ")}${failed.length > 3 ? ", …" : ""}): ${reasons.join("; ")}`,
        ]
      : []),
    ...(report.seriesOpen ? [`series left open: ${report.seriesOpen}: ${report.seriesError ?? ""}`] : []),
    ...(report.alertsFiring
      ? [`alerts that may still be firing: ${report.alertsFiring}: ${report.alertsError ?? ""}`]
      : []),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
}

export const runCliCommand: CliCommand = {
  name: "run",
  summary: "run the fleet in the foreground; Ctrl-C or --duration cleans up",
  usage: RUN_HELP,
  run: (argv, io) => runCommand(argv, io),
};
