/**
 * The action's main step (README.md#what-happens-when): parse inputs and blueprint, mask secrets, compute the
 * roster, save state, start the background fleet and wait until it is ready; on failure clean up and fail the
 * step.
 */
import * as core from "@actions/core";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { createScrubber, secretForms } from "../core/secrets.js";
import { loadBlueprint } from "../blueprint/load.js";
import { buildRoster } from "../fleet/roster.js";
import { planTimeline, stepsForPart } from "../fleet/scenario.js";
import { fleetShapeOf } from "../fleet/shape.js";
import { shardRoster } from "../fleet/shard.js";
import { formatPlanTable, planOptionsOf, summarizePlan } from "../runtime/plan.js";
import { buildFleetConfig, newRunMarker } from "../runtime/config.js";
import { launchFleet } from "../runtime/launch.js";
import { cliScriptPath, daemonScriptPath } from "../runtime/daemon-path.js";
import { formatTimelinePlan } from "../runtime/timeline.js";
import { secretValues } from "../settings/credentials.js";
import { coreLogger } from "./core-logger.js";
import { parseActionSettings } from "./inputs.js";
import { PipelinesMismatchError, reportReceivedPipelines } from "./pipelines.js";
import { STATE_KEY, type ActionState } from "./state.js";

export interface MainDeps {
  env: NodeJS.ProcessEnv;
  /** Path of the background process's bundle. */
  daemonScript: string;
  /** Path of the command line's bundle, exported as FM_FLEET_CLI for later steps. */
  cliScript: string;
  now(): number;
}

export function defaultMainDeps(): MainDeps {
  return {
    env: process.env,
    daemonScript: daemonScriptPath(),
    cliScript: cliScriptPath(),
    now: () => Date.now(),
  };
}

export async function runMain(deps: MainDeps = defaultMainDeps()): Promise<void> {
  try {
    await main(deps);
  } catch (err) {
    // What setFailed does, with a title: the annotation reads as what happened, the summary says the rest.
    process.exitCode = 1;
    const title = err instanceof PipelinesMismatchError ? err.title : "fm-action: the fleet did not start";
    core.error(describeError(err), { title });
  }
}

async function main(deps: MainDeps): Promise<void> {
  const {
    fleet: settings,
    dryRun,
    sweep,
    sweepOlderThanMs,
    failOnCleanupError,
    notices,
    expectations,
    expectPipelinesFail,
  } = parseActionSettings(deps.env);
  const known = secretValues(settings.credentials);
  // Mask the tokens and every derived form (base64 Basic-auth strings) before anything can print them.
  for (const form of secretForms(known.secrets, known.users)) core.setSecret(form);
  const scrub = createScrubber(known.secrets, known.users);
  const logger = coreLogger(scrub);
  for (const notice of notices) core.info(notice);

  const loaded = loadBlueprint(settings.blueprint, { cwd: deps.env.GITHUB_WORKSPACE ?? process.cwd() });
  for (const notice of loaded.notices) core.notice(notice, { title: "Blueprint" });
  const rosterOptions = {
    ...(settings.env === undefined ? {} : { env: settings.env }),
    contextAttributes: settings.contextAttributes,
    source: loaded.file,
    locate: loaded.locate,
  };
  // The timeline is played on the whole roster, so every part of a sharded fleet selects alike.
  const whole = buildRoster(loaded.blueprint, rosterOptions);
  const shape = fleetShapeOf(loaded.blueprint, rosterOptions);
  // A scenario step that would select nobody fails here, like any blueprint problem, before any call.
  const timeline = planTimeline(loaded, whole, shape);
  const roster = shardRoster(whole, settings.shard);
  // A dry run warns as a start with FM would, so it can size a fleet before the credentials exist.
  const plan = summarizePlan(roster, planOptionsOf(settings, dryRun));
  const ids = roster.collectors.map((c) => c.id);

  core.info(formatPlanTable(plan));
  for (const w of plan.warnings) core.warning(w, { title: "Fleet size" });
  const timelineLines = formatTimelinePlan(timeline);
  if (timelineLines.length > 0) core.info(timelineLines.join("\n"));
  if (dryRun) {
    if (expectations)
      core.info("dry-run: expect-pipelines is valid; nothing was asked of FM to check it against");
    core.info("dry-run: nothing was registered or pushed");
    setOutputs(ids, plan.seriesPerTick, false);
    return;
  }

  const fleetStartMs = deps.now();
  const repository = settings.contextAttributes["github.repository"];
  if (sweep && (!settings.credentials.fm || !repository))
    core.info(
      `sweep: skipped, ${settings.credentials.fm ? "github.repository is unknown outside GitHub Actions" : "Fleet Management credentials are not set"}`,
    );
  const { config, secrets } = buildFleetConfig(settings, roster, fleetStartMs, {
    // Made once per start, and saved in the fleet file, so post's inline cleanup knows it too.
    runMarker: newRunMarker(deps.env),
    ...(sweep && repository ? { sweep: { repository, olderThanMs: sweepOlderThanMs } } : {}),
    shape,
    scenario: stepsForPart(timeline, whole, settings.shard),
  });
  const stateDir = join(deps.env.RUNNER_TEMP || tmpdir(), `fm-action-${randomBytes(6).toString("hex")}`);
  let state: ActionState | undefined;
  const started = deps.now();
  const startedMono = systemClock.monotonic();
  const result = await launchFleet({
    stateDir,
    config,
    secrets,
    daemonScript: deps.daemonScript,
    startTimeoutMs: settings.startTimeoutMs,
    // The runner's worker starts node directly, so our parent is the worker: when it is gone, so is the job.
    // In a job container node runs under `docker exec` and its parent is outside the namespace (ppid 0):
    // there is nothing to watch, and max-lifetime and the container's removal end the fleet.
    ...(process.ppid > 1 ? { watchPid: process.ppid } : {}),
    logger,
    beforeSpawn: ({ nonce }) => {
      state = {
        schema: 1,
        stateDir,
        nonce,
        blueprint: roster.blueprint,
        failOnCleanupError,
      };
      core.saveState(STATE_KEY, JSON.stringify(state));
    },
    afterSpawn: (pid) => {
      if (state) core.saveState(STATE_KEY, JSON.stringify((state = { ...state, pid })));
    },
  });

  if (!result.ok) {
    // Post writes the summary: it must say the start failed and why, and that main already cleaned up.
    if (state) core.saveState(STATE_KEY, JSON.stringify({ ...state, startFailure: scrub(result.reason) }));
    const cleanup = result.teardown.problems.length
      ? ` Cleanup problems: ${result.teardown.problems.join("; ")}`
      : " Everything it registered was cleaned up.";
    // The reason may be a sentence of its own (a credential hint ends in a full stop).
    const reason = scrub(result.reason).replace(/\.$/, "");
    throw new Error(`the fleet did not start: ${reason}.${cleanup} Log: ${result.paths.log}`);
  }
  setOutputs(ids, plan.seriesPerTick, config.fm !== null);
  for (const w of result.status.startWarnings ?? []) core.warning(scrub(w), { title: "Fleet Management" });
  // Later steps drive the running fleet: `node "$FM_FLEET_CLI" event unhealthy --os linux --count 2`.
  core.exportVariable("FM_FLEET_CLI", deps.cliScript);
  core.exportVariable("FM_FLEET_STATE", stateDir);
  const readyAtMs = result.status.timeline?.readyAtMs ?? result.status.updatedAtMs;
  core.setOutput("ready-at", new Date(readyAtMs).toISOString());
  const c = result.status.counters;
  core.info(
    [
      `fleet ready in ${((deps.now() - started) / 1000).toFixed(1)} s (background PID ${result.pid})`,
      `  collectors:      ${ids.length}${config.fm ? ` (${c.fm?.registrations ?? 0} registered with ${config.fm.url})` : " (FM off: metrics only)"}`,
      `  series per tick: ${plan.seriesPerTick}${config.prom ? ` (${c.remoteWrite?.samples ?? 0} samples accepted so far by ${config.prom.url})` : " (remote write off)"}`,
      `  heartbeat every ${settings.heartbeatIntervalMs / 1000} s, push every ${settings.intervalMs / 1000} s; post cleans up`,
    ].join("\n"),
  );
  if (config.fm)
    await reportReceivedPipelines({
      statusPath: result.paths.status,
      nonce: result.nonce,
      // The attributes FM saw: this run's marker included.
      collectors: config.collectors,
      ready: result.status,
      ...(expectations ? { expectations } : {}),
      failOnMismatch: expectPipelinesFail,
      deadlineMs: startedMono + settings.startTimeoutMs,
      scrub,
    });
}

function setOutputs(ids: string[], seriesPerTick: number, fmRegistered: boolean): void {
  core.setOutput("collector-ids", JSON.stringify(ids));
  core.setOutput("collector-count", String(ids.length));
  core.setOutput("series-per-tick", String(seriesPerTick));
  core.setOutput("fm-registered", fmRegistered ? "true" : "false");
}
