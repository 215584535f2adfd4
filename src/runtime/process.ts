/** Process liveness and identity, without trusting a bare PID: PIDs are reused (Node docs, process.kill). */
import type { Status } from "./status.js";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The PID is ours only when the status file it wrote carries the nonce we handed it. */
export function isOurDaemon(pid: number, nonce: string, status: Status | undefined): boolean {
  return status !== undefined && status.pid === pid && status.nonce === nonce && isAlive(pid);
}

export function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
