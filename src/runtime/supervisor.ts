/**
 * Starting and stopping the background process (README.md#what-happens-when;
 * docs/fm-protocol.md#detached-processes). Paired and idempotent: stopDaemon succeeds when nothing started.
 *
 * - Detached, windowsHide, stdio to a 0600 log file: the runner waits for the step's pipes to close and on
 *   Windows kills the step's process tree, so the daemon must inherit none of them.
 * - Configuration and secrets go on stdin, never argv (argv is visible in `ps`).
 * - A stop asks three ways, any one of which suffices: the control channel (runtime/control.ts: no disk
 *   write, works on Windows, and its answer proves who answered), the stop file (polled every second), and
 *   SIGTERM on POSIX, sent only to a PID proven ours (on Windows a signal kills at once).
 * - A process that is alive is never treated as gone: after the grace period a PID proven ours (its status
 *   file or its control-channel answer carries our nonce) is killed and waited for; one that cannot be
 *   proven ours is left alone and reported "hung", so nobody cleans up behind a live process.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { DaemonHandoff } from "./config.js";
import { controlEndpoint, removeControlEndpoint, sendControl } from "./control.js";
import { nodeInvocation } from "./daemon-path.js";
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
    const invocation = nodeInvocation(options.daemonScript);
    const child = spawn(process.execPath, invocation.args, {
      ...(invocation.cwd ? { cwd: invocation.cwd } : {}),
      detached: true,
      windowsHide: true,
      stdio: ["pipe", logFd, logFd],
      // RUNNER_TRACKING_ID stays in the environment on purpose: the runner's end-of-job orphan sweep remains a
      // last-resort safety net (docs/fm-protocol.md#orphan-cleanup). Tokens do not: the daemon gets them on
      // stdin only.
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
  const deadline = clock.monotonic() + options.timeoutMs;
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
    if (clock.monotonic() >= deadline) {
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
  /** In plain words: each way of asking that failed, and for "hung" why the process was left alone. */
  readonly notes: readonly string[];
}

/** How often a stop not yet heard on the control channel tries again (a starting process opens it late). */
const CONTROL_RETRY_MS = 2000;
/** How long a SIGKILLed process gets to disappear before it is reported hung. */
const KILL_WAIT_MS = 5000;

export async function stopDaemon(options: {
  paths: StatePaths;
  pid: number | undefined;
  nonce: string;
  timeoutMs: number;
  clock?: Clock;
  pollMs?: number;
  /** Per control-channel call. Default 3 s. */
  controlTimeoutMs?: number;
}): Promise<StopResult> {
  const clock = options.clock ?? systemClock;
  const { paths, pid, nonce } = options;
  const pollMs = options.pollMs ?? 250;
  const notes: string[] = [];
  const initial = readStatus(paths.status);
  const endpoint = (initial?.nonce === nonce ? initial.control : undefined) ?? controlEndpoint(nonce);
  const result = (outcome: StopOutcome, status?: Status): StopResult => {
    // The process is gone: a socket file it left (SIGKILL skips its own removal) goes too.
    if (pid !== undefined && !isAlive(pid)) removeControlEndpoint(endpoint);
    return status ? { outcome, status, notes } : { outcome, notes };
  };
  if (pid === undefined) return result("not-running", initial);
  if (!isAlive(pid)) return result(initial?.phase === "stopped" ? "not-running" : "dead", initial);

  const posix = process.platform !== "win32";
  const control = { timeoutMs: options.controlTimeoutMs ?? 3000 };
  // Proof that `pid` is the process we started: its status file or its control-channel answer has our nonce.
  let proven = isOurDaemon(pid, nonce, initial);
  let heard = false;
  let controlError: string | undefined;
  const askOnControl = async () => {
    try {
      const answer = await sendControl(endpoint, { type: "stop", nonce, reason: "stop requested" }, control);
      heard = true;
      if (answer.pid === pid) proven = true;
    } catch (err) {
      controlError = describeError(err);
    }
  };

  await askOnControl();
  try {
    writeFileSync(paths.stop, String(clock.now()), { mode: 0o600 });
  } catch (err) {
    notes.push(`could not write the stop file ${paths.stop}: ${describeError(err)}`);
  }
  let termSent = false;
  const terminate = () => {
    if (posix && proven && !termSent) termSent = trySignal(pid, "SIGTERM");
  };
  terminate();

  const deadline = clock.monotonic() + options.timeoutMs;
  let nextControlAt = clock.monotonic() + CONTROL_RETRY_MS;
  for (;;) {
    const status = readStatus(paths.status);
    if (!isAlive(pid)) return result(status?.phase === "stopped" ? "stopped" : "dead", status);
    if (!proven && isOurDaemon(pid, nonce, status)) proven = true;
    terminate();
    if (!heard && clock.monotonic() >= nextControlAt) {
      await askOnControl();
      nextControlAt = clock.monotonic() + CONTROL_RETRY_MS;
    }
    if (clock.monotonic() >= deadline) break;
    await clock.sleep(pollMs);
  }

  // The grace period is over and the process is alive.
  if (!heard && controlError)
    notes.push(`the control channel did not take the stop request: ${controlError}`);
  if (!proven) {
    try {
      const answer = await sendControl(endpoint, { type: "ping", nonce }, control);
      if (answer.pid === pid) proven = true;
    } catch {
      // Already reported above, or it answered before and is now stuck; the status file may still prove it.
    }
  }
  const status = readStatus(paths.status);
  if (!proven && !isOurDaemon(pid, nonce, status)) {
    notes.push(
      `PID ${pid} is still running but could not be proven to be the background process we started ` +
        `(neither its status file ${paths.status} nor the control channel ${endpoint} answered with our nonce), ` +
        `so it was neither signalled nor cleaned up behind`,
    );
    return result("hung", status);
  }
  trySignal(pid, "SIGKILL");
  const killDeadline = clock.monotonic() + KILL_WAIT_MS;
  while (isAlive(pid) && clock.monotonic() < killDeadline) await clock.sleep(pollMs);
  if (isAlive(pid)) {
    notes.push(`PID ${pid} did not stop within the grace period and is still running after SIGKILL`);
    return result("hung", status);
  }
  return result("killed", readStatus(paths.status) ?? status);
}
