/**
 * The built command line (`dist/cli/index.js`, the package's bin) as a user runs it (README.md#command-line):
 * a separate process in a temp working directory, credentials in the environment only, against the FM
 * emulator and the remote-write receiver on loopback. Every stream it prints and every file of its state
 * folder is scanned for the canary tokens (README.md#what-happens-when).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { filesUnder, scanForSecrets } from "../helpers/leak-scan.js";
import { ROOT } from "../helpers/runner.js";
import { isAlive, waitFor } from "../helpers/wait.js";

const CLI = join(ROOT, "dist", "cli", "index.js");
const FM_TOKEN = "glc_CANARYcliFM0123456789abcdef";
// Not glc_-shaped on purpose: only the scrubbing of known secrets can hide this one, not the token pattern.
const PROM_TOKEN = "CANARYcliPROM9876543210fedcba";
const STACK_ID = "662607";
const PROM_USER = "602214";
const POSIX = process.platform !== "win32";

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface CliSession {
  readonly cwd: string;
  readonly stateDir: string;
  /** `nodeArgs` go to node before the CLI (V8 flags a test reads the trace of). */
  run(args: string[], env?: NodeJS.ProcessEnv, nodeArgs?: string[]): Promise<CliResult>;
  /** Every stream every command printed, by name. */
  streams(): Record<string, string>;
}

function createCliSession(baseEnv: () => NodeJS.ProcessEnv): CliSession {
  const cwd = mkdtempSync(join(tmpdir(), "fm-fleet-cli-"));
  const printed: Record<string, string> = {};
  let count = 0;
  return {
    cwd,
    stateDir: join(cwd, ".fm-fleet"),
    async run(args, env = {}, nodeArgs = []) {
      const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
        cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...baseEnv(), ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      // The pipes close when the CLI and anything that inherited them are gone: the daemon must not.
      const code = await new Promise<number>((res) => child.on("close", (c) => res(c ?? -1)));
      const name = `#${++count} fm-fleet ${args.join(" ")}`;
      printed[`${name} stdout`] = stdout;
      printed[`${name} stderr`] = stderr;
      return { code, stdout, stderr };
    },
    streams: () => ({ ...printed }),
  };
}

describe("fm-fleet, the built command line", () => {
  let fm: FmEmulator;
  let rw: RemoteWriteReceiver;
  let session: CliSession;

  const credentials = (): NodeJS.ProcessEnv => ({
    GC_FM_URL: fm.url,
    GC_FM_STACK_ID: STACK_ID,
    GC_FM_TOKEN: FM_TOKEN,
    GC_PROM_URL: rw.url,
    GC_PROM_USER: PROM_USER,
    GC_PROM_TOKEN: PROM_TOKEN,
  });
  const registered = () => fm.collectors().filter((c) => c.registered);
  const leaks = (extraSecrets: string[] = []) =>
    scanForSecrets({
      texts: session.streams(),
      dirs: [session.stateDir],
      secrets: [FM_TOKEN, PROM_TOKEN, ...extraSecrets],
      users: [STACK_ID, PROM_USER],
    });

  beforeEach(async () => {
    expect(existsSync(CLI), "run npm run build first").toBe(true);
    fm = await createFmEmulator({ stackId: STACK_ID, token: FM_TOKEN });
    rw = await createRemoteWriteReceiver({ user: PROM_USER, token: PROM_TOKEN });
    session = createCliSession(credentials);
    writeFileSync(
      join(session.cwd, "small.yaml"),
      "name: cli-e2e\nfeatures:\n  fleet_management:\n    collectors_per_os: {linux: 3, windows: 1, darwin: 1}\n",
    );
  });
  afterEach(async () => {
    await Promise.all([fm.close(), rw.close()]);
  });

  it("start returns with the fleet live in the background; status reports it; stop cleans up and deletes the secrets", async () => {
    const start = await session.run([
      "start",
      "small.yaml",
      "--interval",
      "1s",
      "--heartbeat-interval",
      "2s",
    ]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/fleet running in the background \(PID \d+\)/);
    expect(registered()).toHaveLength(5);
    const pid = Number(/PID (\d+)/.exec(start.stdout)![1]);
    expect(isAlive(pid)).toBe(true);

    // The secrets file exists only while the fleet runs, and only its owner can read it, nor any other file.
    expect(filesUnder(session.stateDir).map((f) => basename(f))).toEqual(
      expect.arrayContaining(["cli-state.json", "daemon.log", "fleet.json", "secrets.json", "status.json"]),
    );
    if (POSIX) {
      expect(statSync(session.stateDir).mode & 0o777).toBe(0o700);
      const modes = filesUnder(session.stateDir).map((f) => [f, (statSync(f).mode & 0o777).toString(8)]);
      expect(modes.filter(([, mode]) => mode !== "600")).toEqual([]);
    }
    // Secrets go on stdin, never on the background process's command line (visible in ps).
    if (process.platform === "linux") {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      expect(scanForSecrets({ texts: { cmdline }, secrets: [FM_TOKEN, PROM_TOKEN] })).toEqual([]);
    }

    await waitFor(() => registered().every((c) => c.heartbeats >= 2), 15_000, "two heartbeats each");
    await waitFor(() => rw.requests() >= 3, 10_000, "three pushes");
    const status = await session.run(["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`fleet cli-e2e: ready \\(PID ${pid}\\)`));
    const json = await session.run(["status", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ phase: "ready", running: true, pid });

    const stop = await session.run(["stop"]);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(
      /the background process stopped; it cleaned up; cleanup complete: 5 collectors unregistered, 5 deleted from FM's list, 145 series closed/,
    );
    expect(isAlive(pid)).toBe(false);
    expect(registered()).toHaveLength(0);
    expect(rw.openSeries()).toBe(0);
    expect(existsSync(join(session.stateDir, "secrets.json"))).toBe(false);
    if (POSIX) {
      const modes = filesUnder(session.stateDir).map((f) => [f, (statSync(f).mode & 0o777).toString(8)]);
      expect(modes.filter(([, mode]) => mode !== "600")).toEqual([]);
    }

    const after = await session.run(["status", "--json"]);
    expect(JSON.parse(after.stdout)).toMatchObject({ phase: "stopped", running: false });
    const again = await session.run(["stop"]);
    expect(again.code).toBe(0);
    expect(registered()).toHaveLength(0);
    expect(leaks()).toEqual([]);
  });

  it("event acts on the fleet start runs while its timeline plays; status shows both; stop cleans up the joined too", async () => {
    writeFileSync(
      join(session.cwd, "living.yaml"),
      [
        "name: cli-e2e",
        "features:",
        "  fleet_management:",
        "    collectors_per_os: {linux: 3, windows: 1, darwin: 1}",
        "scenario:",
        "  - at: 1s",
        "    event: unhealthy",
        "    select: {os: linux, count: 1}",
        "",
      ].join("\n"),
    );
    const start = await session.run([
      "start",
      "living.yaml",
      "--interval",
      "1s",
      "--heartbeat-interval",
      "1s",
    ]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(
      /1\s+\+1s\s+unhealthy\s+os linux, count 1 \(critical\)\s+cli-e2e-ci-linux-01/,
    );
    const collector = (id: string) => fm.collectors().find((c) => c.id === id);

    const configError = await session.run(["event", "config-error", "--os", "windows", "--message", "boom"]);
    expect(configError, configError.stderr).toMatchObject({ code: 0, stdout: "cli-e2e-ci-windows-01\n" });
    expect(configError.stderr).toMatch(/^config-error: 1 collector changed; heartbeat accepted after/);
    expect(collector("cli-e2e-ci-windows-01")).toMatchObject({
      lastRemoteConfigStatus: "RemoteConfigStatuses_FAILED",
      lastRemoteConfigError: "boom",
    });

    const leave = await session.run(["event", "leave", "--ids", "cli-e2e-ci-linux-03"]);
    expect(leave).toMatchObject({ code: 0, stdout: "cli-e2e-ci-linux-03\n" });
    expect(collector("cli-e2e-ci-linux-03")).toMatchObject({ registered: false });

    const join_ = await session.run(["event", "join", "--add", "linux=1"]);
    expect(join_).toMatchObject({ code: 0, stdout: "cli-e2e-ci-linux-04\n" });
    expect(collector("cli-e2e-ci-linux-04")).toMatchObject({ registered: true });

    const upgrade = await session.run(["event", "upgrade", "--os", "darwin", "--version", "v1.19.0"]);
    expect(upgrade).toMatchObject({ code: 0, stdout: "cli-e2e-ci-darwin-01\n" });
    expect(collector("cli-e2e-ci-darwin-01")?.localAttributes["collector.version"]).toBe("v1.19.0");

    const unknown = await session.run(["event", "crash", "--ids", "cli-e2e-ci-linux-9"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/cli-e2e-ci-linux-9 is not in the fleet/);

    const status = await session.run(["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/collectors 5 \(healthy 3 · unhealthy 2 · inactive 0 · departed 1\)/);
    expect(status.stdout).toMatch(
      /1\s+\+[\d.]+m?s\s+unhealthy\s+os linux, count 1\s+cli-e2e-ci-linux-01\s+push accepted/,
    );
    expect(status.stdout).toMatch(
      /live\s+\+[\d.]+m?s\s+join\s+add linux 1\s+cli-e2e-ci-linux-04\s+registered/,
    );

    const stop = await session.run(["stop"]);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(registered()).toHaveLength(0);
    // Every collector the fleet had was unregistered at some point, the joined one too (then deleted).
    const unregistered = new Set(
      fm
        .requests()
        .filter((r) => r.method === "UnregisterCollector" && r.status === 200)
        .map((r) => r.collectorId),
    );
    expect(unregistered.size).toBe(6);
    expect(unregistered.has("cli-e2e-ci-linux-04")).toBe(true);
    expect(rw.openSeries()).toBe(0);
    // Once stopped, an event says so.
    const late = await session.run(["event", "healthy"]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/no fleet is running from .*is stopped/);
    expect(leaks()).toEqual([]);
  });

  it("stop cleans up itself when the background process was SIGKILLed, and still prints no token", async () => {
    const start = await session.run([
      "start",
      "small.yaml",
      "--interval",
      "1s",
      "--heartbeat-interval",
      "2s",
    ]);
    expect(start.code, start.stderr).toBe(0);
    const pid = Number(/PID (\d+)/.exec(start.stdout)![1]);
    await waitFor(() => rw.requests() >= 2, 10_000, "two pushes");
    process.kill(pid, "SIGKILL");
    await waitFor(() => !isAlive(pid), 5000, "the background process to die");
    expect(registered()).toHaveLength(5);

    const status = await session.run(["status"]);
    expect(status.stdout).toMatch(/process not running/);
    const stop = await session.run(["stop"]);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(
      /the background process had died; fm-fleet stop cleaned up from the saved fleet; cleanup complete: 5 collectors unregistered, 5 deleted from FM's list/,
    );
    expect(registered()).toHaveLength(0);
    expect(rw.openSeries()).toBe(0);
    expect(existsSync(join(session.stateDir, "secrets.json"))).toBe(false);
    expect(leaks()).toEqual([]);
  });

  it("run --duration 3s registers, heartbeats and pushes in the foreground, then cleans up and exits 0", async () => {
    // V8 prints each wasm compilation to stdout: undici's HTTP parser must stay on the baseline tier
    // (src/transport/parser-tiering.ts); without the transport's flag, this run recompiles it with TurboFan.
    const run = await session.run(
      ["run", "small.yaml", "--interval", "1s", "--heartbeat-interval", "1s", "--duration", "3s"],
      {},
      ["--trace-wasm-compilation-times"],
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const compiled = (tier: string) => run.stdout.split("\n").filter((l) => l.includes(`using ${tier}`));
    expect(compiled("Liftoff").length, "the trace shows the parser compiled").toBeGreaterThan(0);
    expect(compiled("TurboFan")).toEqual([]);
    expect(run.stdout).toMatch(
      /cleanup complete: 5 collectors unregistered, 5 deleted from FM's list, 145 series closed/,
    );
    // Cleanup deletes the records (the default cleanup mode), so the emulator's request log says what happened.
    const calls = (method: string) => fm.requests().filter((r) => r.method === method && r.status === 200);
    const registered = calls("RegisterCollector").map((r) => r.collectorId);
    expect(new Set(registered).size).toBe(5);
    expect(registered).toHaveLength(5);
    for (const id of registered)
      expect(calls("GetConfig").filter((r) => r.collectorId === id).length).toBeGreaterThanOrEqual(2);
    expect(fm.collectors()).toEqual([]);
    expect(rw.requests()).toBeGreaterThanOrEqual(3);
    expect(rw.openSeries()).toBe(0);
    expect(existsSync(session.stateDir)).toBe(false);
    expect(leaks()).toEqual([]);
  });

  it("doctor passes with good credentials and writes nothing", async () => {
    const doctor = await session.run(["doctor"]);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(/✓ Fleet Management at .* accepted GC_FM_STACK_ID and the token/);
    expect(doctor.stdout).toMatch(/✓ remote write at .* accepted the credentials/);
    expect(doctor.stdout).toMatch(/all checks passed/);
    expect(fm.collectors()).toEqual([]);
    expect(fm.requests().map((r) => r.method)).toEqual(["GetConfig"]);
    expect(rw.series()).toEqual([]);
    expect(leaks()).toEqual([]);
  });

  it("doctor with a wrong FM token exits 1 and explains GC_FM_STACK_ID versus GC_PROM_USER in plain words", async () => {
    const wrong = "glc_CANARYcliWRONG000000000000";
    const doctor = await session.run(["doctor"], { GC_FM_TOKEN: wrong });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ FM refused the credentials \(401\)/);
    expect(doctor.stdout).toMatch(/GC_FM_STACK_ID is the stack's Fleet Management instance ID/);
    expect(doctor.stdout).toMatch(/it is NOT GC_PROM_USER/);
    expect(doctor.stdout).toMatch(/✓ remote write/);
    expect(doctor.stdout).toMatch(/some checks failed/);
    expect(leaks([wrong])).toEqual([]);
  });

  it("plan --json prints the roster and series count without touching the network", async () => {
    const plan = await session.run(["plan", "fleet-management", "--env", "pr-7", "--json"]);
    expect(plan.code, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout) as {
      collectors: { id: string; attributes: Record<string, string>; labels: Record<string, string> }[];
      seriesPerTick: number;
    };
    expect(parsed.collectors).toHaveLength(19);
    expect(parsed.seriesPerTick).toBe(551);
    expect(Object.keys(parsed.collectors[0]!).sort()).toEqual(
      ["attributes", "env", "healthy", "id", "kind", "labels", "name", "os", "version"].sort(),
    );
    expect(parsed.collectors[0]!.id).toBe("fleet-management-pr-7-linux-01");
    expect(fm.requests()).toHaveLength(0);
    expect(rw.requests()).toBe(0);
    expect(leaks()).toEqual([]);
  });
});
