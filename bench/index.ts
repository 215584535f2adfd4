/**
 * `npm run bench`: runs benches in their own processes, one after another, so no benchmark's heap or JIT
 * state colours the next one's figures, then prints one table of every figure that has a target (issue 15's
 * performance targets: whole-process CPU per sample against the peer, steady tick against memcpy, bytes per
 * sample, peak RSS) with whether it is met. Exits non-zero if a bench fails; a missed target is reported,
 * not an error (figures on a loaded machine move).
 *
 * By default it runs the performance benches, shortened so the whole run takes a few minutes: the remote
 * write path (rw-frames) and the whole-process comparison (whole-process). `npm run bench -- --all` runs
 * every bench/*.ts (alphabetical; the long ones shortened), `--full` with each one's own defaults (tens of
 * minutes), and `npm run bench -- <name>…` only the named ones (e.g. `whole-process`).
 *
 * Each bench prints its own tables, then one JSON line per figure ({bench, name, value, unit, target?});
 * the JSON lines are read here rather than shown.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Figure } from "./lib/figures.js";

const QUICK_ARGS: Readonly<Record<string, readonly string[]>> = {
  "fm-register.ts": ["--collectors", "150", "--heartbeat-interval-s", "12", "--rounds", "1"],
  "scale.ts": ["--seconds", "20", "--skip-roster"],
};
const DEFAULT_BENCHES = ["rw-frames", "whole-process"];
/**
 * Node flags a bench needs besides --expose-gc. rw-frames collects garbage before each timed case; with
 * V8's concurrent GC threads the sweeping that collection leaves behind runs during the next case and is
 * counted as that case's CPU (process.cpuUsage counts every thread), more the longer the case runs. With
 * --single-threaded-gc the collection is finished before the case starts, as any collection between two
 * real ticks (seconds apart) is.
 */
const NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  "rw-frames.ts": ["--single-threaded-gc"],
};

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const full = args.includes("--full");
const all = full || args.includes("--all");
const named = args.filter((a) => !a.startsWith("--")).map((a) => a.replace(/\.ts$/, ""));
const only = named.length > 0 ? named : all ? [] : DEFAULT_BENCHES;
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== self && !f.endsWith(".d.ts"))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
  .sort();

/** Runs one bench, echoing its output but its JSON figure lines, which it returns. */
async function runBench(
  file: string,
  extra: readonly string[],
): Promise<{ code: number; figures: Figure[] }> {
  // --expose-gc: a bench may collect garbage between its timed cases (rw-frames does).
  const flags = ["--expose-gc", ...(NODE_FLAGS[file] ?? [])];
  const child = spawn(process.execPath, [...flags, "--import", "tsx", join(here, file), ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const figures: Figure[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('{"bench"')) figures.push(JSON.parse(line) as Figure);
    else console.log(line);
  }
  const code = await new Promise<number>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 1);
    else child.on("close", (c) => resolve(c ?? 1));
  });
  return { code, figures };
}

/** Whether `value` meets a target written as "≥ 5", "≤ 3" or "< 180". */
function meets(value: number, target: string): boolean | undefined {
  const match = /^([≥≤<>])\s*([\d.]+)$/.exec(target);
  if (!match) return undefined;
  const bound = Number(match[2]);
  switch (match[1]) {
    case "≥":
      return value >= bound;
    case "≤":
      return value <= bound;
    case "<":
      return value < bound;
    default:
      return value > bound;
  }
}

let failed = 0;
const targeted: Figure[] = [];
const started = performance.now();
for (const file of benches) {
  const extra = full ? [] : (QUICK_ARGS[file] ?? []);
  console.log(`\n=== bench/${file}${extra.length ? ` ${extra.join(" ")}` : ""} ===`);
  const { code, figures } = await runBench(file, extra);
  targeted.push(...figures.filter((f) => f.target));
  if (code !== 0) {
    failed++;
    console.error(`bench/${file} failed (exit ${code})`);
  }
}

if (targeted.length > 0) {
  const width = Math.max(...targeted.map((f) => f.name.length));
  console.log(`\n=== targets (${((performance.now() - started) / 1000).toFixed(0)} s in all) ===`);
  console.log(`${"figure".padEnd(width)}  ${"value".padStart(12)}  ${"target".padEnd(9)}  met`);
  for (const f of targeted) {
    const met = meets(f.value, f.target!);
    console.log(
      `${f.name.padEnd(width)}  ${`${f.value} ${f.unit}`.padStart(12)}  ${f.target!.padEnd(9)}  ${met === undefined ? "?" : met ? "yes" : "NO"}`,
    );
  }
}
process.exitCode = failed > 0 ? 1 : 0;
