/**
 * Teardown of a fleet started in the background: shared by the action's post step and `fm-fleet stop`.
 * Asks the daemon to stop and waits; if it is gone (dead, or killed after the grace period) or reports
 * incomplete cleanup, unregisters and closes series itself from the saved fleet file. Never while it is
 * alive: a process that could not be stopped is reported and left alone, since cleaning up behind it only
 * makes it register again. Never throws; says exactly what it could not clean.
 * Running it twice is harmless: the second run finds the record of the first.
 */
import { systemClock, type Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createScrubber } from "../core/secrets.js";
import type { Collector } from "../fleet/types.js";
import {
  collectorSchema,
  fleetConfigSchema,
  fleetSecretsSchema,
  savedSecretValues,
  type FleetConfig,
  type FleetSecrets,
} from "./config.js";
import { existsSync } from "node:fs";
import { readJsonFile, removeFile, writeFileAtomic } from "./files.js";
import { cleanupBudgetMs, stopWaitMs } from "./budget.js";
import { seriesPerTickOf } from "./plan.js";
import { createFleetEngine } from "./fleet-engine.js";
import type { StatePaths } from "./paths.js";
import { emptyCleanup, type CleanupReport, type Status } from "./status.js";
import { isAlive } from "./process.js";
import { readStateLock, unlockStateDir } from "./state-lock.js";
import { stopDaemon, type StopOutcome, type StopResult } from "./supervisor.js";
import { z } from "zod";

export interface TeardownResult {
  readonly daemon: StopOutcome;
  /** The daemon's last status (counters for the summary). */
  readonly status?: Status;
  readonly cleanup: CleanupReport;
  /** Who did the cleanup that counts; "nobody" when the process is still running and was left alone. */
  readonly cleanedBy: "daemon" | "inline" | "earlier-run" | "nothing-to-clean" | "nobody";
  /** Plain-words problems, each saying what was not cleaned and why. */
  readonly problems: string[];
}

const teardownRecordSchema = z.object({
  daemon: z.string(),
  cleanedBy: z.string(),
  problems: z.array(z.string()),
  cleanup: z.unknown(),
});

export function loadFleetFiles(paths: StatePaths): {
  config?: FleetConfig;
  secrets?: FleetSecrets;
  /** Every collector the fleet held (joins and upgrades included), when it changed while it ran. */
  members?: Collector[];
  problem?: string;
} {
  try {
    const config = fleetConfigSchema.safeParse(readJsonFile(paths.roster));
    if (!config.success) return { problem: `the saved fleet file ${paths.roster} is missing or unreadable` };
    const members = collectorSchema.array().safeParse(readJsonFile(paths.members));
    const withMembers = members.success ? { members: members.data } : {};
    const secrets = fleetSecretsSchema.safeParse(readJsonFile(paths.secrets) ?? {});
    if (!secrets.success)
      return {
        config: config.data,
        ...withMembers,
        problem: `the saved secrets file ${paths.secrets} is unreadable`,
      };
    return { config: config.data, ...withMembers, secrets: secrets.data };
  } catch (err) {
    return { problem: `could not read the saved fleet: ${describeError(err)}` };
  }
}

export async function teardownFleet(options: {
  paths: StatePaths;
  pid: number | undefined;
  nonce: string;
  logger: Logger;
  clock?: Clock;
  stopTimeoutMs?: number;
  /**
   * Keep the secrets file when cleanup is incomplete, so a later teardown (post, after main's failed start)
   * can try again. The final teardown (post, `fm-fleet stop`) always deletes it
   * (README.md#what-happens-when).
   */
  keepSecretsIfIncomplete?: boolean;
}): Promise<TeardownResult> {
  const { paths, logger } = options;
  const clock = options.clock ?? systemClock;

  // A launcher that died between spawn and saving the PID still left it in the folder's lock.
  const lock = readStateLock(paths);
  const pid =
    options.pid ?? (lock?.nonce === options.nonce && lock.pid !== process.pid ? lock.pid : undefined);
  const previous = teardownRecordSchema.safeParse(readJsonFile(paths.record));
  // An earlier teardown that left work undone and kept the secrets is tried again; anything else is final.
  const retryable = previous.success && previous.data.problems.length > 0 && existsSync(paths.secrets);
  if (previous.success && !retryable) {
    // The folder is free once the fleet's process is gone (a hung one kept it taken).
    if (pid === undefined || !isAlive(pid)) unlockStateDir(paths, options.nonce);
    logger.info("this fleet was already torn down by an earlier run; nothing to do");
    return {
      daemon: "not-running",
      cleanup: previous.data.cleanup as CleanupReport,
      cleanedBy: "earlier-run",
      problems: previous.data.problems,
    };
  }

  const problems: string[] = [];
  const saved = loadFleetFiles(paths);
  const fleet = saved.members ?? saved.config?.collectors ?? [];
  const size = fleet.length;
  const rate = saved.config?.fmRatePerSecond ?? 15;
  let stop: StopResult;
  try {
    stop = await stopDaemon({
      paths,
      pid,
      nonce: options.nonce,
      timeoutMs: options.stopTimeoutMs ?? stopWaitMs(size, rate),
      clock,
    });
  } catch (err) {
    // Not knowing is not "dead": a process that is alive is left alone.
    const alive = pid !== undefined && isAlive(pid);
    stop = {
      outcome: alive ? "hung" : "dead",
      notes: [`could not stop the background process: ${describeError(err)}`],
    };
  }
  const status = stop.status && stop.status.nonce === options.nonce ? stop.status : undefined;
  const hung = stop.outcome === "hung";
  if (hung) {
    problems.push(
      ...stop.notes,
      `the background process (PID ${pid}) is still running, so nothing was cleaned up behind it; ` +
        `stop that process, then run the cleanup again`,
    );
  } else {
    for (const note of stop.notes) logger.info(note);
  }

  let cleanup: CleanupReport | undefined = status?.cleanup;
  let cleanedBy: TeardownResult["cleanedBy"] = "daemon";
  if (hung) {
    cleanedBy = "nobody";
    cleanup = cleanup ?? { ...emptyCleanup(), complete: false };
  } else if (!cleanup?.complete) {
    if (cleanup)
      logger.warn("the background process could not clean up everything; cleaning up from the saved fleet");
    else if (stop.outcome !== "not-running" || pid !== undefined)
      logger.warn(`the background process is ${stop.outcome}; cleaning up from the saved fleet`);
    if (!saved.config) {
      cleanedBy = "nothing-to-clean";
      cleanup ??= emptyCleanup();
      if (saved.problem && pid !== undefined) problems.push(saved.problem);
    } else {
      cleanedBy = "inline";
      const secrets = saved.secrets ?? {};
      const known = savedSecretValues(saved.config, secrets);
      const scrub = createScrubber(known.secrets, known.users);
      try {
        const engine = createFleetEngine({
          config: saved.config,
          secrets,
          collectors: fleet,
          adoptFleet: true,
          // Nothing accepted, nothing open: a refused token must not turn into "series left open".
          seriesNeverAccepted: credentialsRefusedEverySample(status),
          ...(status?.lastTimestampMs ? { notBeforeMs: status.lastTimestampMs } : {}),
          clock,
          logger,
          scrub,
        });
        cleanup = await engine.stop({ deadlineMs: clock.monotonic() + cleanupBudgetMs(size, rate) });
      } catch (err) {
        const why = describeError(err);
        cleanup = {
          ...emptyCleanup(),
          mode: saved.config.cleanup ?? "delete",
          unregisterFailed: saved.config.fm ? fleet.map((c) => ({ id: c.id, error: why })) : [],
          seriesClosed: 0,
          seriesOpen: saved.config.prom ? seriesPerTickOf(fleet.length) : 0,
          seriesError: why,
          complete: false,
        };
      }
    }
  }

  for (const f of cleanup.unregisterFailed)
    problems.push(`collector ${f.id} is still registered: ${f.error}`);
  if (cleanup.seriesOpen > 0) {
    problems.push(`${cleanup.seriesOpen} series were not closed: ${cleanup.seriesError ?? "unknown reason"}`);
  }
  if ((cleanup.alertsFiring ?? 0) > 0)
    problems.push(
      `the alerts of ${cleanup.alertsFiring} collectors may still be firing in Alertmanager (each expires by itself within 4 minutes): ${cleanup.alertsError ?? "unknown reason"}`,
    );

  // Secrets leave the disk whatever happened, unless a later teardown is to retry and there
  // is something it could retry: collectors still registered, series still open, alerts still firing, or a
  // process still running.
  const leftToRetry =
    hung || cleanup.unregisterFailed.length > 0 || cleanup.seriesOpen > 0 || (cleanup.alertsFiring ?? 0) > 0;
  const final = !(options.keepSecretsIfIncomplete && leftToRetry);
  if (final) removeFile(paths.secrets);
  const result: TeardownResult = {
    daemon: stop.outcome,
    ...(status ? { status } : {}),
    cleanup,
    cleanedBy,
    problems,
  };
  try {
    writeFileAtomic(
      paths.record,
      JSON.stringify({ daemon: result.daemon, cleanedBy, problems, cleanup } satisfies z.infer<
        typeof teardownRecordSchema
      >),
    );
  } catch (err) {
    logger.debug(`could not write the teardown record: ${describeError(err)}`);
  }
  // Nothing more can happen in this folder: it is free for the next fleet, unless its process still runs.
  if (final && !hung) unlockStateDir(paths, options.nonce);
  return result;
}

/**
 * The status proves the receiver never stored a sample of this fleet: it refused the credentials (401/403)
 * and counted nothing accepted. A count of 0 alone proves nothing: a process killed while starting writes its
 * status before the first push is answered, and that push may have been stored.
 */
export function credentialsRefusedEverySample(status: Status | undefined): boolean {
  const rw = status?.counters.remoteWrite;
  if (!rw || rw.samples !== 0 || rw.droppedSamples === 0) return false;
  return /\b40[13]\b/.test(status?.lastErrors["remote-write"] ?? "");
}
