/**
 * File primitives for the state folder. Everything is written mode 0600 (it may hold a roster with internal
 * names, a log, or a secrets file) and replaced atomically, because post may read a status file at the very
 * moment the background process rewrites it.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Write to a temp file beside the target, then rename over it: readers see the old or the new file, never half. */
export function writeFileAtomic(path: string, data: string): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export function removeFile(path: string): boolean {
  try {
    rmSync(path, { force: false });
    return true;
  } catch {
    return false;
  }
}
