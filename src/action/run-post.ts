/**
 * The action's post step: always runs, never throws. Stops the background fleet (or cleans
 * up itself when it is dead or hung), deletes the secrets file, writes the job summary and shows the log.
 * After a failed start main has already cleaned up: post reports that. What went wrong is told once per
 * kind of problem as an annotation (post-annotations.ts), in full in the summary and the log.
 * It fails the job only with fail-on-cleanup-error: true.
 */
import * as core from "@actions/core";
import { existsSync, readFileSync } from "node:fs";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createScrubber, secretForms } from "../core/secrets.js";
import { savedSecretValues, type FleetConfig } from "../runtime/config.js";
import { statePaths } from "../runtime/paths.js";
import { readStatus } from "../runtime/status.js";
import { loadFleetFiles, teardownFleet, type TeardownResult } from "../runtime/teardown.js";
import { describeCleanup } from "../runtime/cleanup-text.js";
import { postAnnotations } from "./post-annotations.js";
import { STATE_KEY, parseActionState } from "./state.js";
import { renderSummary } from "./summary.js";

const LOG_TAIL_BYTES = 64 * 1024;

export async function runPost(): Promise<void> {
  try {
    await post();
  } catch (err) {
    core.warning(`post could not finish: ${describeError(err)}`, { title: "fm-action cleanup" });
  }
}

async function post(): Promise<void> {
  const state = parseActionState(core.getState(STATE_KEY));
  if (!state) {
    core.info("fm-action: main did not start a fleet, so there is nothing to clean up.");
    return;
  }
  const paths = statePaths(state.stateDir);
  const files = loadFleetFiles(paths);
  const { secrets, users } = savedSecretValues(files.config, files.secrets);
  // Masks are per job, but register them again: post may be the first step to print a derived form.
  for (const form of secretForms(secrets, users)) core.setSecret(form);
  const scrub = createScrubber(secrets, users);

  const torn = await teardownFleet({ paths, pid: state.pid, nonce: state.nonce, logger: logOnly(scrub) });
  // A teardown that found main's record (a failed start) carries no status: the status file still holds
  // the counters the fleet reached.
  const status = torn.status ?? readStatus(paths.status);
  const result: TeardownResult = status?.nonce === state.nonce ? { ...torn, status } : torn;

  if (files.config) {
    try {
      await core.summary
        .addRaw(
          scrub(
            renderSummary({
              blueprint: state.blueprint,
              // Every collector the fleet held: a scenario's joins count too.
              collectors: files.members ?? files.config.collectors,
              fm: files.config.fm !== null,
              prom: files.config.prom !== null,
              result,
              ...(state.startFailure !== undefined ? { startFailure: state.startFailure } : {}),
              targets: targetsOf(files.config),
            }),
          ),
        )
        .write();
    } catch (err) {
      core.debug(`no job summary written: ${describeError(err)}`);
    }
  }

  if (existsSync(paths.log)) {
    const log = readFileSync(paths.log);
    const tail = log.length > LOG_TAIL_BYTES ? log.subarray(log.length - LOG_TAIL_BYTES) : log;
    core.startGroup(`fm-action background log (${paths.log})`);
    core.info(scrub(tail.toString("utf8")));
    core.endGroup();
  }

  const failed = state.startFailure !== undefined;
  const who = failed ? "the fleet did not start; " : "";
  if (result.problems.length === 0)
    core.info(
      `fm-action: ${who}cleanup complete (${describeWho(result.cleanedBy, failed)}): ${describeCleanup(result.cleanup)}.`,
    );
  else
    core.info(
      `fm-action: ${who}cleanup incomplete (${describeWho(result.cleanedBy, failed)}):\n${result.problems.map((p) => `- ${p}`).join("\n")}`,
    );
  for (const a of postAnnotations(result, { failOnCleanupError: state.failOnCleanupError }))
    (a.level === "error" ? core.error : core.warning)(scrub(a.message), { title: a.title });
  if (state.failOnCleanupError && result.problems.length > 0) process.exitCode = core.ExitCode.Failure;
}

/**
 * Teardown's warnings go to the log, not to annotations: one annotation per kind of problem is raised
 * afterwards from the result, where one per collector would flood the step.
 */
function logOnly(scrub: (s: string) => string): Logger {
  return {
    debug: (m) => core.debug(scrub(m)),
    info: (m) => core.info(scrub(m)),
    warn: (m) => core.info(`warning: ${scrub(m)}`),
    error: (m) => core.info(`error: ${scrub(m)}`),
  };
}

/** The endpoints the fleet used; the summary shows their hosts only. */
function targetsOf(config: FleetConfig): { name: string; url: string }[] {
  return [
    ...(config.fm ? [{ name: "Fleet Management", url: config.fm.url }] : []),
    ...(config.prom ? [{ name: "remote write", url: config.prom.url }] : []),
    ...(config.alertmanager ? [{ name: "Alertmanager", url: config.alertmanager.url }] : []),
  ];
}

function describeWho(who: TeardownResult["cleanedBy"], startFailed: boolean): string {
  return who === "daemon"
    ? "by the background process"
    : who === "inline"
      ? "by post, from the saved fleet"
      : who === "earlier-run"
        ? startFailed
          ? "by main, when the start failed"
          : "by an earlier run"
        : who === "nothing-to-clean"
          ? "nothing was started"
          : "nobody: the background process is still running and was left alone";
}
