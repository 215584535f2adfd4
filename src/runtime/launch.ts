/**
 * Launching a background fleet: shared by the action's main step and `fm-fleet start`.
 * Order matters, since state is saved before the side effect it describes: the folder is locked for this
 * fleet, the fleet and secrets files and the caller's state are written before the first side effect, the
 * PID is handed back right after spawn, and a failed start is torn down before this returns, so a caller
 * that fails never leaves a registered collector behind.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../core/logger.js";
import type { DaemonHandoff, FleetConfig, FleetSecrets } from "./config.js";
import { ensurePrivateDir, removeFile, writeFileAtomic } from "./files.js";
import { statePaths, type StatePaths } from "./paths.js";
import {
  clearFinishedFleet,
  lockStateDir,
  StateDirBusyError,
  stateDirProblem,
  unlockStateDir,
  updateStateLock,
} from "./state-lock.js";
import type { Status } from "./status.js";
import { spawnDaemon, waitForReady } from "./supervisor.js";
import { teardownFleet, type TeardownResult } from "./teardown.js";

export interface LaunchOptions {
  stateDir: string;
  config: FleetConfig;
  secrets: FleetSecrets;
  daemonScript: string;
  startTimeoutMs: number;
  /** The daemon stops itself when this process is gone (the runner's worker, or the user's shell). */
  watchPid?: number;
  logger: Logger;
  /** Called before the daemon is spawned: persist what teardown needs. */
  beforeSpawn(record: { stateDir: string; nonce: string }): void;
  /** Called right after spawn with the PID: persist it. */
  afterSpawn(pid: number): void;
}

export type LaunchResult =
  | {
      readonly ok: true;
      readonly pid: number;
      readonly nonce: string;
      readonly paths: StatePaths;
      readonly status: Status;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly paths: StatePaths;
      readonly teardown: TeardownResult;
    };

/**
 * Starts the fleet in the background. Throws StateDirBusyError, having changed nothing, when the folder
 * belongs to a fleet that runs, starts, or did not finish its teardown (its roster is what cleans it up).
 */
export async function launchFleet(options: LaunchOptions): Promise<LaunchResult> {
  const paths = statePaths(options.stateDir);
  const nonce = randomUUID();
  const startedAtMs = Date.now();
  const lock = lockStateDir(paths, { pid: process.pid, nonce, startedAtMs });
  if (!lock.ok) {
    throw (
      stateDirProblem(paths) ??
      // The holder finished between our attempt and the check: still not ours; retrying is the user's call.
      new StateDirBusyError(paths.dir, "running", `another start took ${paths.dir} at the same moment`)
    );
  }
  const leftovers = stateDirProblem(paths, nonce);
  if (leftovers) {
    unlockStateDir(paths, nonce);
    throw leftovers;
  }
  // A finished fleet's files must not be mistaken for this one's; nothing else in the folder is touched.
  clearFinishedFleet(paths);
  ensurePrivateDir(paths.dir);
  try {
    writeFileAtomic(paths.roster, JSON.stringify(options.config));
    writeFileAtomic(paths.secrets, JSON.stringify(options.secrets));
    options.beforeSpawn({ stateDir: paths.dir, nonce });
  } catch (err) {
    // Nothing was started: give the folder back, and the secrets leave the disk.
    removeFile(paths.secrets);
    unlockStateDir(paths, nonce);
    throw err;
  }

  const handoff: DaemonHandoff = {
    config: options.config,
    secrets: options.secrets,
    stateDir: paths.dir,
    nonce,
    ...(options.watchPid !== undefined ? { watchPid: options.watchPid } : {}),
  };
  let pid: number | undefined;
  let reason: string;
  try {
    pid = spawnDaemon({ daemonScript: options.daemonScript, paths, handoff }).pid;
    updateStateLock(paths, { pid, nonce, startedAtMs });
    options.afterSpawn(pid);
    const ready = await waitForReady({ paths, pid, nonce, timeoutMs: options.startTimeoutMs });
    if (ready.ready) return { ok: true, pid, nonce, paths, status: ready.status };
    reason = ready.reason;
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
  // The caller says why, once; this line says what happens next.
  options.logger.info("the fleet did not start; cleaning up what was registered");
  // Post (or `fm-fleet stop`) runs after this and retries whatever this teardown could not clean.
  const teardown = await teardownFleet({
    paths,
    pid,
    nonce,
    logger: options.logger,
    stopTimeoutMs: 30_000,
    keepSecretsIfIncomplete: true,
  });
  return { ok: false, reason, paths, teardown };
}
