/**
 * Another process's memory and CPU, read from outside it, so the figures are the background process's own
 * and not the measuring script's. Linux: /proc/<pid>/status (VmRSS, VmHWM in kB) and /proc/<pid>/stat
 * (utime, stime in clock ticks; proc(5)). Elsewhere: `ps -o rss=,time=` (no peak there).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ProcessSample {
  readonly atMs: number;
  /** Resident set size now. */
  readonly rssBytes: number;
  /** Peak resident set size so far (VmHWM); undefined where only `ps` is available. */
  readonly peakRssBytes?: number;
  /** User + system CPU time consumed so far. */
  readonly cpuSeconds: number;
}

let clockTicks: number | undefined;

/** CLK_TCK, the unit of utime and stime in /proc/<pid>/stat (proc(5)); 100 on every common Linux. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function fromProc(pid: number, atMs: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line, so 12 and 13 of what follows the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const peak = kb("VmHWM");
  return {
    atMs,
    rssBytes: kb("VmRSS") ?? 0,
    ...(peak !== undefined ? { peakRssBytes: peak } : {}),
    cpuSeconds: ticks / ticksPerSecond(),
  };
}

/** `[[dd-]hh:]mm:ss` as `ps -o time=` prints it. */
function parsePsTime(text: string): number {
  const [days, clock] = text.includes("-") ? text.split("-") : ["0", text];
  const parts = (clock ?? "").split(":").map(Number);
  const seconds = parts.reduce((total, part) => total * 60 + part, 0);
  return Number(days) * 86_400 + seconds;
}

function fromPs(pid: number, atMs: number): ProcessSample {
  const out = execFileSync("ps", ["-o", "rss=,time=", "-p", String(pid)], { encoding: "utf8" }).trim();
  const [rss, time] = out.split(/\s+/);
  if (rss === undefined || time === undefined) throw new Error(`ps knows no process ${pid}`);
  return { atMs, rssBytes: Number(rss) * 1024, cpuSeconds: parsePsTime(time) };
}

/** The process's memory and CPU now; throws when it is gone. */
export function sampleProcess(pid: number): ProcessSample {
  const atMs = Date.now();
  if (process.platform === "linux") return fromProc(pid, atMs);
  return fromPs(pid, atMs);
}

/** CPU share of one core between two samples of the same process (1 = one core busy all the time). */
export function cpuShare(from: ProcessSample, to: ProcessSample): number {
  const wallSeconds = (to.atMs - from.atMs) / 1000;
  return wallSeconds > 0 ? (to.cpuSeconds - from.cpuSeconds) / wallSeconds : 0;
}
