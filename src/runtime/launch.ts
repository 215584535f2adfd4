/**
 * Launching a background fleet: shared by the action's main step and `fm-fleet start`.
 * Order matters (STYLE.md habit 2): the fleet and secrets files and the caller's state are written before
 * the first side effect, the PID is handed back right after spawn, and a failed start is torn down before
 * this returns, so a caller that fails never leaves a registered collector behind.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import type { Logger } from "../core/logger.js";
import type { DaemonHandoff, FleetConfig, FleetSecrets } from "./config.js";
import { ensurePrivateDir, writeFileAtomic } from "./files.js";
import { statePaths, type StatePaths } from "./paths.js";
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

export async function launchFleet(options: LaunchOptions): Promise<LaunchResult> {
  const paths = statePaths(options.stateDir);
  // A state folder is for one fleet: a leftover from an earlier fleet must not be mistaken for this one.
  rmSync(paths.dir, { recursive: true, force: true });
  ensurePrivateDir(paths.dir);
  const nonce = randomUUID();
  writeFileAtomic(paths.roster, JSON.stringify(options.config));
  writeFileAtomic(paths.secrets, JSON.stringify(options.secrets));
  options.beforeSpawn({ stateDir: paths.dir, nonce });

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
    options.afterSpawn(pid);
    const ready = await waitForReady({ paths, pid, nonce, timeoutMs: options.startTimeoutMs });
    if (ready.ready) return { ok: true, pid, nonce, paths, status: ready.status };
    reason = ready.reason;
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
  options.logger.warn(`start failed (${reason}); cleaning up what was registered`);
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
