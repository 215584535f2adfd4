/**
 * One fleet per state folder. A start never deletes a crashed fleet's saved roster (it refuses and names the
 * command that cleans up), never touches files that are not the fleet's, refuses while another fleet runs
 * from the folder, and of two starts at the same instant exactly one gets the folder — in one process and
 * across processes.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startCommand, stopCommand } from "../../src/cli/background.js";
import { memoryLogger } from "../../src/core/logger.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import type { FleetConfig } from "../../src/runtime/config.js";
import { writeFileAtomic } from "../../src/runtime/files.js";
import { launchFleet, type LaunchOptions } from "../../src/runtime/launch.js";
import { statePaths } from "../../src/runtime/paths.js";
import { isAlive, trySignal } from "../../src/runtime/process.js";
import { readStatus } from "../../src/runtime/status.js";
import { StateDirBusyError } from "../../src/runtime/state-lock.js";
import { standaloneFleet } from "../helpers/collectors.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = resolve(import.meta.dirname, "../..");
const DAEMON = join(ROOT, "test", "helpers", "daemon-from-source.mjs");
const pids: number[] = [];
let fm: FmEmulator | undefined;
afterEach(async () => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) trySignal(pid, "SIGKILL");
  await fm?.close();
  fm = undefined;
});

const config: FleetConfig = {
  blueprint: "t",
  collectors: standaloneFleet(2).map((c) => ({ ...c })),
  fleetStartMs: Date.now(),
  intervalMs: 15_000,
  heartbeatIntervalMs: 45_000,
  fmRatePerSecond: 15,
  maxLifetimeMs: 60_000,
  fm: null,
  prom: null,
  runMarker: "local-5a7ef01d",
};

/** A daemon that dies at once: enough for tests of who gets the folder, and it registers nothing. */
function dyingDaemon(): string {
  const script = join(mkdtempSync(join(tmpdir(), "fm-dying-")), "daemon.mjs");
  writeFileSync(script, "process.stdin.resume(); process.stdin.on('end', () => process.exit(3));\n");
  return script;
}

function launchOptions(stateDir: string, overrides: Partial<LaunchOptions> = {}): LaunchOptions {
  return {
    stateDir,
    config,
    secrets: {},
    daemonScript: dyingDaemon(),
    startTimeoutMs: 10_000,
    logger: memoryLogger(),
    beforeSpawn: () => undefined,
    afterSpawn: (pid) => pids.push(pid),
    ...overrides,
  };
}

/** A folder as a crashed fleet leaves it: roster, secrets and a status, no teardown record. */
function crashedFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "fm-crashed-"));
  const paths = statePaths(dir);
  writeFileAtomic(paths.roster, JSON.stringify(config));
  writeFileAtomic(paths.secrets, JSON.stringify({ fmToken: "glc_saved_token_0123456789" }));
  writeFileAtomic(paths.status, JSON.stringify({ pid: 999_999_999, nonce: "old", phase: "ready" }));
  return dir;
}

describe("a start in a state folder", () => {
  it("refuses a crashed fleet's leftovers, keeps its saved roster, and names the command that cleans them up", async () => {
    const dir = crashedFolder();
    const paths = statePaths(dir);
    const roster = readFileSync(paths.roster, "utf8");
    let spawned = false;
    const err = await launchFleet(launchOptions(dir, { beforeSpawn: () => (spawned = true) })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StateDirBusyError);
    expect((err as Error).message).toContain(`fm-fleet stop --state-dir ${dir}`);
    expect(spawned).toBe(false);
    expect(readFileSync(paths.roster, "utf8")).toBe(roster);
    expect(existsSync(paths.secrets)).toBe(true);
  });

  it("refuses while another fleet runs from the folder, naming its PID", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-running-"));
    const paths = statePaths(dir);
    const running = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    pids.push(running.pid!);
    writeFileAtomic(
      paths.lock,
      JSON.stringify({ pid: running.pid, nonce: "theirs", startedAtMs: Date.now() }),
    );
    writeFileAtomic(paths.roster, JSON.stringify(config));
    const err = await launchFleet(launchOptions(dir)).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`a fleet is already running from ${dir} (PID ${running.pid})`);
    expect(existsSync(paths.roster)).toBe(true);
  });

  it("reuses a finished fleet's folder and never deletes files that are not the fleet's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-finished-"));
    const paths = statePaths(dir);
    writeFileAtomic(paths.roster, JSON.stringify(config));
    writeFileAtomic(paths.record, JSON.stringify({ daemon: "stopped", cleanedBy: "daemon", problems: [] }));
    writeFileSync(join(dir, "notes.txt"), "mine");
    let spawned = false;
    const result = await launchFleet(launchOptions(dir, { beforeSpawn: () => (spawned = true) }));
    expect(spawned).toBe(true);
    expect(result.ok).toBe(false);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("of two starts at the same instant, exactly one gets the folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-race-"));
    let spawns = 0;
    const options = () => launchOptions(dir, { beforeSpawn: () => spawns++ });
    const results = await Promise.allSettled([launchFleet(options()), launchFleet(options())]);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(StateDirBusyError);
    expect(spawns).toBe(1);
  });

  it("of four processes taking the lock at the same instant, exactly one gets it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-race-procs-"));
    const at = Date.now() + 2000;
    const script = [
      `import { lockStateDir } from ${JSON.stringify(join(ROOT, "src/runtime/state-lock.ts"))};`,
      `import { statePaths } from ${JSON.stringify(join(ROOT, "src/runtime/paths.ts"))};`,
      `while (Date.now() < ${at}) {}`,
      `const got = lockStateDir(statePaths(${JSON.stringify(dir)}), { pid: process.pid, nonce: String(process.pid), startedAtMs: Date.now() });`,
      `process.stdout.write(got.ok ? "won" : "lost");`,
    ].join("\n");
    const outputs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((done) => {
            const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
              cwd: ROOT,
              stdio: ["ignore", "pipe", "inherit"],
            });
            let out = "";
            child.stdout.on("data", (c: Buffer) => (out += c.toString()));
            child.on("exit", () => done(out));
          }),
      ),
    );
    expect(outputs.sort()).toEqual(["lost", "lost", "lost", "won"]);
  });

  it("is free again once a failed start has cleaned up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-again-"));
    const first = await launchFleet(launchOptions(dir));
    expect(first.ok).toBe(false);
    let spawned = false;
    await launchFleet(launchOptions(dir, { beforeSpawn: () => (spawned = true) }));
    expect(spawned).toBe(true);
  });
});

describe("fm-fleet start and stop in a crashed fleet's folder", () => {
  it("start refuses and keeps the roster; stop cleans up; then start works", async () => {
    const token = "glc_state_folder_token_0123456789";
    fm = await createFmEmulator({ stackId: "777", token });
    const cwd = mkdtempSync(join(tmpdir(), "fm-cli-crash-"));
    const env = { PATH: process.env.PATH, GC_FM_URL: fm.url, GC_FM_STACK_ID: "777", GC_FM_TOKEN: token };
    const run = async (cmd: typeof startCommand | typeof stopCommand, argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const io = {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env,
        cwd,
      };
      const code = cmd === startCommand ? await startCommand(argv, io, DAEMON) : await stopCommand(argv, io);
      return { code, stdout, stderr };
    };
    const registered = () => fm!.collectors().filter((c) => c.registered).length;

    const started = await run(startCommand, ["fleet-management"]);
    expect(started.code, started.stderr).toBe(0);
    const paths = statePaths(join(cwd, ".fm-fleet"));
    const daemon = readStatus(paths.status)!.pid;
    pids.push(daemon);
    expect(registered()).toBe(19);
    // The background process crashes: nothing cleans up.
    trySignal(daemon, "SIGKILL");
    await waitFor(() => !isAlive(daemon), 10_000, "the daemon to die");

    const again = await run(startCommand, ["fleet-management"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`fm-fleet stop --state-dir ${paths.dir}`);
    expect(existsSync(paths.roster)).toBe(true);
    expect(registered()).toBe(19);

    const stopped = await run(stopCommand, []);
    expect(stopped.code, stopped.stdout).toBe(0);
    expect(registered()).toBe(0);

    const fresh = await run(startCommand, ["fleet-management"]);
    expect(fresh.code, fresh.stderr).toBe(0);
    pids.push(readStatus(paths.status)!.pid);
    expect((await run(stopCommand, [])).code).toBe(0);
    expect(registered()).toBe(0);
  });
});
