/**
 * One fleet per state folder. A lock file created with O_EXCL (`open(…, "wx")`: the operating system lets
 * exactly one of any number of simultaneous creators succeed; Node docs, "File system flags") marks the
 * folder as taken from the start of a launch until a teardown leaves nothing to retry. It holds the PID of
 * the process that owns the fleet (the launcher, then the background process), the fleet's nonce and its
 * start time.
 *
 * A start that finds the folder taken refuses rather than cleaning up itself: a crashed fleet's roster and
 * secrets are the only way to unregister its collectors, and `fm-fleet stop` is the command that does it.
 */
import { closeSync, existsSync, fsyncSync, openSync, writeSync } from "node:fs";
import { z } from "zod";
import { ensurePrivateDir, readJsonFile, removeFile, writeFileAtomic } from "./files.js";
import type { StatePaths } from "./paths.js";
import { isAlive } from "./process.js";

export const lockRecordSchema = z.object({
  pid: z.number().int(),
  nonce: z.string(),
  startedAtMs: z.number(),
});
export type LockRecord = z.infer<typeof lockRecordSchema>;

/** The folder is taken: by a fleet that runs or starts, or by the leftovers of one that did not finish. */
export class StateDirBusyError extends Error {
  override readonly name = "StateDirBusyError";
  constructor(
    readonly dir: string,
    readonly reason: "running" | "leftovers",
    message: string,
  ) {
    super(message);
  }
}

/** Takes the folder for the fleet `record` describes. Of simultaneous callers, exactly one gets ok. */
export function lockStateDir(
  paths: StatePaths,
  record: LockRecord,
): { ok: true } | { ok: false; holder: LockRecord | undefined } {
  ensurePrivateDir(paths.dir);
  let fd: number;
  try {
    fd = openSync(paths.lock, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { ok: false, holder: readStateLock(paths) };
  }
  try {
    writeSync(fd, JSON.stringify(record));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { ok: true };
}

/** Records the new owner (the background process, once spawned). The lock file never disappears meanwhile. */
export function updateStateLock(paths: StatePaths, record: LockRecord): void {
  writeFileAtomic(paths.lock, JSON.stringify(record));
}

/** Frees the folder, if the lock is the fleet's with `nonce` (never another fleet's). */
export function unlockStateDir(paths: StatePaths, nonce: string): void {
  if (readStateLock(paths)?.nonce === nonce) removeFile(paths.lock);
}

export function readStateLock(paths: StatePaths): LockRecord | undefined {
  try {
    const parsed = lockRecordSchema.safeParse(readJsonFile(paths.lock));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a start may not use the folder now, or undefined when it may. `ownNonce`: a lock of this fleet (the
 * caller's own, just taken) does not count.
 */
export function stateDirProblem(paths: StatePaths, ownNonce?: string): StateDirBusyError | undefined {
  const stop = `fm-fleet stop --state-dir ${paths.dir}`;
  const lock = readStateLock(paths);
  if (lock && lock.nonce !== ownNonce && isAlive(lock.pid)) {
    return new StateDirBusyError(
      paths.dir,
      "running",
      `a fleet is already running from ${paths.dir} (PID ${lock.pid}): run '${stop}' first ` +
        `(if no fleet runs there, PID ${lock.pid} is another program: delete ${paths.lock})`,
    );
  }
  if (!lock && existsSync(paths.lock)) {
    return new StateDirBusyError(
      paths.dir,
      "running",
      `another start is taking ${paths.dir} at this moment, or its lock file ${paths.lock} is damaged: ` +
        `run '${stop}' if no fleet runs there`,
    );
  }
  const leftovers = leftoverFiles(paths, lock !== undefined && lock.nonce !== ownNonce);
  if (leftovers.length === 0) return undefined;
  const who = lock && lock.nonce !== ownNonce ? ` (its process, PID ${lock.pid}, is gone)` : "";
  return new StateDirBusyError(
    paths.dir,
    "leftovers",
    `${paths.dir} holds a fleet that did not stop cleanly${who}: ${leftovers.join(", ")}. ` +
      `Run '${stop}' to unregister its collectors, close its series and clean up, then start again`,
  );
}

/**
 * The files of a fleet that was not torn down to the end: secrets (kept only while a cleanup is still to
 * be retried), or a roster or status without a teardown record. A foreign lock whose owner is gone counts
 * too.
 */
function leftoverFiles(paths: StatePaths, staleLock: boolean): string[] {
  const has = (path: string) => {
    try {
      return readJsonFile(path) !== undefined;
    } catch {
      return true; // there, but unreadable: still somebody's leftovers
    }
  };
  const finished = has(paths.record);
  const files = [
    ...(has(paths.secrets) ? ["secrets.json"] : []),
    ...(!finished && has(paths.roster) ? ["fleet.json"] : []),
    ...(!finished && has(paths.status) ? ["status.json"] : []),
  ];
  return files.length === 0 && staleLock ? ["fleet.lock"] : files;
}

/** Removes a finished fleet's files (never anything else in the folder) before a new fleet moves in. */
export function clearFinishedFleet(paths: StatePaths): void {
  for (const path of [paths.status, paths.stop, paths.roster, paths.secrets, paths.record, paths.log])
    removeFile(path);
}
