/**
 * `npm run bench`: runs every other bench/*.ts in its own process, one after another (alphabetical), so
 * no benchmark's heap or JIT state colours the next one's figures. Exits non-zero if any of them fails.
 *
 * By default the long ones run shortened, so the whole run takes a few minutes: FM registration with 150
 * collectors and one heartbeat round, the background process's scale figure for 20 s without the
 * heartbeat-roster search. `npm run bench -- --full` runs each with its own defaults (tens of minutes);
 * `npm run bench -- <name>…` runs only the named ones (e.g. `whole-process`).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const QUICK_ARGS: Readonly<Record<string, readonly string[]>> = {
  "fm-register.ts": ["--collectors", "150", "--heartbeat-interval-s", "12", "--rounds", "1"],
  "scale.ts": ["--seconds", "20", "--skip-roster"],
};

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const full = args.includes("--full");
const only = args.filter((a) => !a.startsWith("--")).map((a) => a.replace(/\.ts$/, ""));
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== self && !f.endsWith(".d.ts"))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
  .sort();

let failed = 0;
for (const file of benches) {
  const extra = full ? [] : (QUICK_ARGS[file] ?? []);
  console.log(`\n=== bench/${file}${extra.length ? ` ${extra.join(" ")}` : ""} ===`);
  const run = spawnSync(process.execPath, ["--import", "tsx", join(here, file), ...extra], {
    stdio: "inherit",
  });
  if (run.status !== 0) {
    failed++;
    console.error(`bench/${file} failed (exit ${run.status ?? run.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
