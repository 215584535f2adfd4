/**
 * Starting and stopping the background process (SPEC section 7; actions.md section 2). Paired and
 * idempotent: stopDaemon succeeds when nothing started.
 *
 * - Detached, windowsHide, stdio to a 0600 log file: the runner waits for the step's pipes to close and on
 *   Windows kills the step's process tree, so the daemon must inherit none of them.
 * - Configuration and secrets go on stdin, never argv (argv is visible in `ps`).
 * - A graceful stop is a stop file polled every second (the only graceful path on Windows, where a signal
 *   kills at once) plus SIGTERM on POSIX; SIGKILL only after a grace period and only after the status file
 *   proves the PID is still the process we started.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { DaemonHandoff } from "./config.js";
import { ensurePrivateDir } from "./files.js";
import type { StatePaths } from "./paths.js";
import { isAlive, isOurDaemon, trySignal } from "./process.js";
import { readStatus, type Status } from "./status.js";

/**
 * Variables the daemon must not inherit: every action input (INPUT_FM-TOKEN …), anything named like a token,
 * secret or password (GC_FM_TOKEN, the runner's GITHUB_TOKEN, npm's _authToken …), and the runner's own
 * credentials for its services (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN and their URLs;
 * https://docs.github.com/en/actions/reference/security/oidc). The daemon gets its tokens on stdin only.
 */
const SECRET_ENV = /^(INPUT_|ACTIONS_RUNTIME_|ACTIONS_ID_TOKEN_)|TOKEN|SECRET|PASSWORD|PASSWD/i;

export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_ENV.test(name)));
}

export interface SpawnedDaemon {
  readonly pid: number;
}

/** Spawns the daemon and hands it its configuration. Returns as soon as it has a PID (save it at once). */
export function spawnDaemon(options: {
  daemonScript: string;
  paths: StatePaths;
  handoff: DaemonHandoff;
}): SpawnedDaemon {
  ensurePrivateDir(options.paths.dir);
  const logFd = openSync(options.paths.log, "a", 0o600);
  try {
    const child = spawn(process.execPath, [options.daemonScript], {
      detached: true,
      windowsHide: true,
      stdio: ["pipe", logFd, logFd],
      // RUNNER_TRACKING_ID stays in the environment on purpose: the runner's end-of-job orphan sweep remains a
      // last-resort safety net (actions.md section 2.2). Tokens do not: the daemon gets them on stdin only.
      env: withoutSecrets(process.env),
    });
    if (child.pid === undefined)
      throw new Error(`could not start the background process (${options.daemonScript})`);
    // stdio[0] is "pipe", so stdin exists; a daemon that dies at once must not crash us with EPIPE.
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(JSON.stringify(options.handoff));
    child.unref();
    return { pid: child.pid };
  } finally {
    closeSync(logFd);
  }
}

export type ReadyOutcome =
  | { readonly ready: true; readonly status: Status }
  | { readonly ready: false; readonly reason: string; readonly status?: Status };

/** Waits until the daemon reports ready, fails, dies, or the timeout passes. */
export async function waitForReady(options: {
  paths: StatePaths;
  pid: number;
  nonce: string;
  timeoutMs: number;
  clock?: Clock;
  pollMs?: number;
}): Promise<ReadyOutcome> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const status = readStatus(options.paths.status);
    const ours = status && status.nonce === options.nonce ? status : undefined;
    if (ours?.phase === "ready") return { ready: true, status: ours };
    if (ours && (ours.phase === "failed" || ours.phase === "stopped" || ours.phase === "stopping")) {
      // A failed start cleans up after itself; wait for it to finish so the report is complete.
      if (ours.phase !== "failed" || !isAlive(options.pid)) {
        return {
          ready: false,
          reason: ours.reason ?? `the background process is ${ours.phase}`,
          status: ours,
        };
      }
    }
    if (!isAlive(options.pid)) {
      const last = readStatus(options.paths.status);
      return {
        ready: false,
        reason: last?.reason ?? "the background process exited before it was ready (see its log)",
        ...(last ? { status: last } : {}),
      };
    }
    if (clock.now() >= deadline) {
      return {
        ready: false,
        reason: `the fleet was not ready within the start timeout of ${Math.round(options.timeoutMs / 1000)} s`,
        ...(ours ? { status: ours } : {}),
      };
    }
    await clock.sleep(options.pollMs ?? 200);
  }
}

export type StopOutcome =
  /** Nothing was started, or it had already stopped. */
  | "not-running"
  /** It stopped on request and wrote its final status. */
  | "stopped"
  /** It was gone before we asked (crashed or killed). */
  | "dead"
  /** It did not stop within the grace period and was killed. */
  | "killed"
  /** It did not stop and could not be proven ours, so it was left alone. */
  | "hung";

export interface StopResult {
  readonly outcome: StopOutcome;
  readonly status?: Status;
}

export async function stopDaemon(options: {
  paths: StatePaths;
  pid: number | undefined;
  nonce: string;
  timeoutMs: number;
  clock?: Clock;
  pollMs?: number;
}): Promise<StopResult> {
  const clock = options.clock ?? systemClock;
  const { paths, pid, nonce } = options;
  const initial = readStatus(paths.status);
  const withStatus = (outcome: StopOutcome, status?: Status): StopResult =>
    status ? { outcome, status } : { outcome };
  if (pid === undefined) return withStatus("not-running", initial);
  if (!isAlive(pid)) {
    return withStatus(initial?.phase === "stopped" ? "not-running" : "dead", initial);
  }
  // The stop file works everywhere; SIGTERM speeds things up on POSIX and is sent only to a proven PID.
  writeFileSync(paths.stop, String(clock.now()), { mode: 0o600 });
  if (process.platform !== "win32" && isOurDaemon(pid, nonce, initial)) trySignal(pid, "SIGTERM");

  const deadline = clock.now() + options.timeoutMs;
  for (;;) {
    const status = readStatus(paths.status);
    if (!isAlive(pid)) return withStatus(status?.phase === "stopped" ? "stopped" : "dead", status);
    if (clock.now() >= deadline) {
      if (isOurDaemon(pid, nonce, status)) {
        trySignal(pid, "SIGKILL");
        return withStatus("killed", status);
      }
      return withStatus("hung", status);
    }
    await clock.sleep(options.pollMs ?? 250);
  }
}
