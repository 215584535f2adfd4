/**
 * The action's post step (SPEC section 7): always runs, never throws. Stops the background fleet (or cleans
 * up itself when it is dead or hung), deletes the secrets file, writes the job summary and shows the log.
 * It fails the job only with fail-on-cleanup-error: true.
 */
import * as core from "@actions/core";
import { existsSync, readFileSync } from "node:fs";
import { describeError } from "../core/errors.js";
import { createScrubber, secretForms } from "../core/secrets.js";
import { savedSecretValues } from "../runtime/config.js";
import { statePaths } from "../runtime/paths.js";
import { loadFleetFiles, teardownFleet } from "../runtime/teardown.js";
import { coreLogger } from "./core-logger.js";
import { STATE_KEY, parseActionState } from "./state.js";
import { renderSummary } from "./summary.js";
import { describeCleanup } from "../runtime/cleanup-text.js";

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
  const logger = coreLogger(scrub);

  const result = await teardownFleet({ paths, pid: state.pid, nonce: state.nonce, logger });

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
            }),
          ),
        )
        .write();
    } catch (err) {
      logger.debug(`no job summary written: ${describeError(err)}`);
    }
  }

  if (existsSync(paths.log)) {
    const log = readFileSync(paths.log);
    const tail = log.length > LOG_TAIL_BYTES ? log.subarray(log.length - LOG_TAIL_BYTES) : log;
    core.startGroup(`fm-action background log (${paths.log})`);
    core.info(scrub(tail.toString("utf8")));
    core.endGroup();
  }

  const c = result.cleanup;
  // Warnings (unregistered, not deleted; IDs left to another run) never fail the step: only what is left
  // registered or open does.
  for (const w of c.warnings) core.warning(scrub(w), { title: "fm-action cleanup" });
  if (result.problems.length === 0) {
    core.info(`fm-action: cleanup complete (${describeWho(result.cleanedBy)}): ${describeCleanup(c)}.`);
    return;
  }
  const message = `cleanup incomplete:\n${result.problems.map((p) => `- ${p}`).join("\n")}`;
  if (state.failOnCleanupError) core.setFailed(scrub(message));
  else for (const p of result.problems) core.warning(scrub(p), { title: "fm-action cleanup incomplete" });
}

function describeWho(who: string): string {
  return who === "daemon"
    ? "by the background process"
    : who === "inline"
      ? "by post, from the saved fleet"
      : who;
}
