/**
 * `fm-fleet start | stop | status`: the background process the action uses, for local shells and other CI
 * systems (README.md#command-line). State lives in a local folder (default `.fm-fleet/`), one fleet per
 * folder.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { lineLogger } from "../core/logger.js";
import { createScrubber } from "../core/secrets.js";
import { formatPlanTable, planOptionsOf, summarizePlan } from "../runtime/plan.js";
import { buildFleetConfig, newRunMarker, savedSecretValues } from "../runtime/config.js";
import { describeCleanup } from "../runtime/cleanup-text.js";
import { readJsonFile, writeFileAtomic } from "../runtime/files.js";
import { launchFleet } from "../runtime/launch.js";
import { daemonScriptPath } from "../runtime/daemon-path.js";
import { statePaths } from "../runtime/paths.js";
import { isAlive } from "../runtime/process.js";
import { counterSections, formatCounterLines } from "../runtime/counters.js";
import { readStateLock, StateDirBusyError, stateDirProblem } from "../runtime/state-lock.js";
import { readStatus } from "../runtime/status.js";
import { formatHealth, formatTimelinePlan, formatTimelineRecord } from "../runtime/timeline.js";
import { loadFleetFiles, teardownFleet, type TeardownResult } from "../runtime/teardown.js";
import { secretValues } from "../settings/credentials.js";
import { optionsHelp, SETTINGS } from "../settings/table.js";
import { withDotEnv } from "./dotenv.js";
import { rosterFor, settingsFromArgv } from "./fleet-settings.js";
import type { CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

const CLI_STATE_FILE = "cli-state.json";

const cliStateSchema = z.object({
  pid: z.number().int().optional(),
  nonce: z.string(),
  blueprint: z.string(),
});

export const START_HELP = `Usage: fm-fleet start <blueprint> [options]

Starts the fleet in a background process and returns once every collector is registered and the first
push is accepted. Stop it with 'fm-fleet stop'. The process stops itself after --max-lifetime.

Options:
${optionsHelp("start")}

Credentials come from the environment or a .env file, as for 'fm-fleet run'.`;

export const STOP_HELP = `Usage: fm-fleet stop [options]

Stops the background fleet: unregisters every collector and closes every series. If the background
process is dead or hung, cleans up itself from the saved fleet. Exit code 1 when cleanup was incomplete.

Options:
${optionsHelp("stop")}`;

export const STATUS_HELP = `Usage: fm-fleet status [options]

Shows the background fleet's phase, its collectors by health, the timeline so far (each step or live
event, when it ran, the collectors it changed), and the counters.

Options:
${optionsHelp("status")}`;

export async function startCommand(
  argv: string[],
  io: CliIo,
  daemonScript = daemonScriptPath(),
): Promise<number> {
  const {
    fleet: settings,
    stateDir: stateDirGiven,
    notices: settingsNotices,
  } = settingsFromArgv("start", argv, withDotEnv(io.env, io.cwd), io.cwd);
  const stateDir = resolve(io.cwd, stateDirGiven);
  // Checked before anything is printed; launchFleet checks again under the folder's lock.
  const busy = stateDirProblem(statePaths(stateDir));
  if (busy) {
    io.stderr.write(`${busy.message}\n`);
    return 1;
  }
  const { roster, shape, timeline, steps, notices } = rosterFor(settings, io.cwd);
  const known = secretValues(settings.credentials);
  const logger = lineLogger(
    (line) => io.stderr.write(line),
    createScrubber(known.secrets, known.users),
    "info",
  );
  for (const n of [...settingsNotices, ...notices]) logger.info(n);
  io.stdout.write(`${formatPlanTable(summarizePlan(roster, planOptionsOf(settings)))}\n`);
  const timelineLines = formatTimelinePlan(timeline);
  if (timelineLines.length > 0) io.stdout.write(`\n${timelineLines.join("\n")}\n`);

  const { config, secrets } = buildFleetConfig(settings, roster, Date.now(), {
    shape,
    scenario: steps,
    // Made once per start and saved in the fleet file, so `fm-fleet stop` cleans up by it even inline.
    runMarker: newRunMarker(io.env),
  });
  let record: z.infer<typeof cliStateSchema> | undefined;
  const launching = launchFleet({
    stateDir,
    config,
    secrets,
    daemonScript,
    startTimeoutMs: settings.startTimeoutMs,
    logger,
    beforeSpawn: ({ nonce }) => {
      record = { nonce, blueprint: roster.blueprint };
      writeFileAtomic(join(stateDir, CLI_STATE_FILE), JSON.stringify(record));
    },
    afterSpawn: (pid) => writeFileAtomic(join(stateDir, CLI_STATE_FILE), JSON.stringify({ ...record, pid })),
  });
  const result = await launching.catch((err: unknown) => {
    // Another start took the folder between the check above and the lock.
    if (err instanceof StateDirBusyError) return err;
    throw err;
  });
  if (result instanceof StateDirBusyError) {
    io.stderr.write(`${result.message}\n`);
    return 1;
  }
  const stateDirFlag = stateDirGiven === SETTINGS.stateDir.default ? "" : ` --state-dir ${stateDirGiven}`;
  if (!result.ok) {
    io.stderr.write(`the fleet did not start: ${result.reason}\n`);
    for (const p of result.teardown.problems) io.stderr.write(`  ${p}\n`);
    if (existsSync(result.paths.secrets))
      io.stderr.write(
        `cleanup is incomplete: run 'fm-fleet stop${stateDirFlag}' to try again (the tokens stay in ${result.paths.secrets} until then)\n`,
      );
    io.stderr.write(`log: ${result.paths.log}\n`);
    return 1;
  }
  for (const w of result.status.startWarnings ?? []) logger.warn(w);
  io.stdout.write(
    `fleet running in the background (PID ${result.pid}); state in ${stateDir}\nstop it with: fm-fleet stop${stateDirFlag}\n`,
  );
  return 0;
}

const PROCESS_WORDS: Record<TeardownResult["daemon"], string> = {
  "not-running": "the background process was not running",
  stopped: "the background process stopped",
  dead: "the background process had died",
  killed: "the background process did not stop in time and was killed",
  hung: "the background process did not stop and was left running",
};

const CLEANER_WORDS: Record<TeardownResult["cleanedBy"], string> = {
  daemon: "it cleaned up",
  inline: "fm-fleet stop cleaned up from the saved fleet",
  "earlier-run": "it was cleaned up earlier (by the failed start or an earlier fm-fleet stop)",
  "nothing-to-clean": "there was nothing to clean up",
  nobody: "nothing was cleaned up",
};

/**
 * What `fm-fleet stop` did, in plain words: "the background process stopped; it cleaned up; cleanup
 * complete". Pure.
 */
export function describeStop(result: Pick<TeardownResult, "daemon" | "cleanedBy" | "problems">): string {
  const outcome = result.problems.length === 0 ? "cleanup complete" : "cleanup INCOMPLETE";
  return `${PROCESS_WORDS[result.daemon]}; ${CLEANER_WORDS[result.cleanedBy]}; ${outcome}`;
}

export async function stopCommand(argv: string[], io: CliIo): Promise<number> {
  const stateDir = resolve(io.cwd, settingsFromArgv("stop", argv, io.env).stateDir);
  const paths = statePaths(stateDir);
  const saved = cliStateSchema.safeParse(readJsonFile(join(stateDir, CLI_STATE_FILE)));
  // A start that died before it saved its state still left its lock, with the PID and nonce.
  const lock = readStateLock(paths);
  const fleet = saved.success ? saved.data : lock ? { nonce: lock.nonce } : undefined;
  if (!fleet) {
    io.stdout.write(`no fleet was started from ${stateDir}: nothing to stop\n`);
    return 0;
  }
  const pid = lock?.nonce === fleet.nonce ? lock.pid : saved.success ? saved.data.pid : undefined;
  // Scrub with the saved secrets: if the daemon is gone, this process talks to FM and Mimir itself.
  const files = loadFleetFiles(paths);
  const savedKnown = savedSecretValues(files.config, files.secrets);
  const scrub = createScrubber(savedKnown.secrets, savedKnown.users);
  const logger = lineLogger((line) => io.stderr.write(line), scrub, "info");
  const result = await teardownFleet({ paths, pid, nonce: fleet.nonce, logger });
  const c = result.cleanup;
  io.stdout.write(`${describeStop(result)}: ${describeCleanup(c)}\n`);
  for (const p of result.problems) io.stdout.write(`  ${p}\n`);
  for (const w of c.warnings) io.stdout.write(`  warning: ${w}\n`);
  return result.problems.length === 0 ? 0 : 1;
}

export function statusCommand(argv: string[], io: CliIo): number {
  const values = settingsFromArgv("status", argv, io.env);
  const stateDir = resolve(io.cwd, values.stateDir);
  const state = cliStateSchema.safeParse(readJsonFile(join(stateDir, CLI_STATE_FILE)));
  const paths = statePaths(stateDir);
  const status = existsSync(paths.status) ? readStatus(paths.status) : undefined;
  if (!state.success || !status || status.nonce !== state.data.nonce) {
    io.stdout.write(values.json ? `${JSON.stringify({ running: false })}\n` : `no fleet in ${stateDir}\n`);
    return 1;
  }
  const alive = state.data.pid !== undefined && isAlive(state.data.pid);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ ...status, running: alive && status.phase === "ready" })}\n`);
    return 0;
  }
  const c = status.counters;
  io.stdout.write(
    [
      `fleet ${state.data.blueprint}: ${status.phase}${alive ? ` (PID ${state.data.pid})` : " (process not running)"}`,
      `  collectors ${c.collectors}${status.health ? ` (${formatHealth(status.health)})` : ""}`,
      ...(status.timeline?.readyAtMs !== undefined
        ? [`  ready at ${new Date(status.timeline.readyAtMs).toISOString()}`]
        : []),
      ...(status.timeline ? formatTimelineRecord(status.timeline).map((line) => `  ${line}`) : []),
      ...formatCounterLines(counterSections(c)).map((line) => `  ${line}`),
      ...Object.entries(status.lastErrors).map(([k, v]) => `  last ${k} error: ${v}`),
      `  updated ${new Date(status.updatedAtMs).toISOString()} · log ${paths.log}`,
      "",
    ].join("\n"),
  );
  return 0;
}

export const startCliCommand: CliCommand = {
  name: "start",
  summary: "start the fleet in a background process",
  usage: START_HELP,
  run: (argv, io) => startCommand(argv, io),
};

export const stopCliCommand: CliCommand = {
  name: "stop",
  summary: "stop the background fleet and clean up",
  usage: STOP_HELP,
  run: stopCommand,
};

export const statusCliCommand: CliCommand = {
  name: "status",
  summary: "show the background fleet's phase and counters",
  usage: STATUS_HELP,
  run: statusCommand,
};
