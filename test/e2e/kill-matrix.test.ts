/**
 * The kill matrix (README.md#what-happens-when: "If it is dead or hung, post does that work itself from the
 * saved roster"; "If start fails, main cleans up what it registered"). Seeded runs of the built action, each
 * SIGKILLing the background process at a random moment of its life:
 *
 * - spawn:    as soon as main has saved its PID, before or while it starts up;
 * - starting: after it reported phase "starting", while it registers and makes its first push;
 * - tick:     after main returned, at a random point among heartbeats and pushes;
 * - stopping: while post waits on it, after it reported phase "stopping", in the middle of its own cleanup.
 *
 * Whatever the moment, after post: no collector is registered at the FM emulator, no series is open at the
 * receiver, post exits 0, the secrets file is gone and no canary token is anywhere. A run that leaks is a
 * bug to fix in src/, and its case stays here.
 *
 * FM_KILL_SEED=<n> replays another matrix; FM_KILL_RUNS=<n> changes its size.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { seededRandom, type Random } from "../../src/core/clock.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { filesUnder, scanForSecrets } from "../helpers/leak-scan.js";
import { createRunner, parseFileCommands, ROOT, type RunnerSim, type StepResult } from "../helpers/runner.js";
import { isAlive, sleep } from "../helpers/wait.js";

const SEED = Number(process.env.FM_KILL_SEED ?? 20_240_607);
const RUNS = Number(process.env.FM_KILL_RUNS ?? 16);

const FM_TOKEN = "glc_CANARYkillFM0123456789abcdef";
const PROM_TOKEN = "CANARYkillPROM9876543210fedcba";
const STACK_ID = "577215";
const PROM_USER = "141421";

type Moment = "spawn" | "starting" | "tick" | "stopping";
const MOMENTS: readonly Moment[] = ["spawn", "starting", "tick", "stopping"];

interface KillCase {
  readonly run: number;
  readonly moment: Moment;
  /** How long after the moment was seen the SIGKILL goes out. */
  readonly delayMs: number;
  /** Per-OS collector counts of a temp blueprint, or the shipped fleet-management blueprint (19). */
  readonly fleet: { linux: number; windows: number; darwin: number } | "fleet-management";
  /** For stopping: how long the fleet runs before post is started. */
  readonly runForMs: number;
  /** FM and the receiver fail a few requests, so kills also land while retries are pending. */
  readonly flaky: boolean;
}

const between = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/** Moments take turns so each gets a quarter of the runs; the PRNG picks the rest. */
function planCases(seed: number, runs: number): KillCase[] {
  const random = seededRandom(seed);
  return Array.from({ length: runs }, (_, run) => {
    const moment = MOMENTS[run % MOMENTS.length]!;
    const delayMs =
      moment === "spawn"
        ? between(random, 0, 150)
        : moment === "starting"
          ? between(random, 0, 400)
          : moment === "tick"
            ? between(random, 0, 2500)
            : between(random, 0, 60);
    // One run in eight uses the shipped 19-collector blueprint; the rest 3 to 8 collectors, to stay fast.
    const total = between(random, 3, 8);
    const linux = between(random, 1, total);
    const windows = between(random, 0, total - linux);
    const fleet = random() < 0.125 ? "fleet-management" : { linux, windows, darwin: total - linux - windows };
    return { run, moment, delayMs, fleet, runForMs: between(random, 0, 1500), flaky: random() < 0.5 };
  });
}

const collectorsOf = (c: KillCase) =>
  c.fleet === "fleet-management" ? 19 : c.fleet.linux + c.fleet.windows + c.fleet.darwin;

interface SavedState {
  stateDir: string;
  pid?: number;
}

interface DaemonStatus {
  pid: number;
  phase: string;
}

/** Polls until `read` returns a value; fine-grained, because a start of a few collectors takes ~1 s. */
async function poll<T>(read: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(3);
  }
}

/** The record main saved for post, read from the runner's state file as the runner would. */
function savedState(runner: RunnerSim): SavedState | undefined {
  for (const file of readdirSync(runner.workDir).filter((f) => /^state-\d+$/.test(f))) {
    const raw = parseFileCommands(readFileSync(join(runner.workDir, file), "utf8"))["fm-action"];
    if (raw) return JSON.parse(raw) as SavedState;
  }
  return undefined;
}

function readDaemonStatus(stateDir: string): DaemonStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, "status.json"), "utf8")) as DaemonStatus;
  } catch {
    return undefined;
  }
}

interface Outcome {
  readonly main: StepResult;
  readonly posts: StepResult[];
  /** The phase of the daemon's last status when it died: where the kill landed ("none": no status yet). */
  readonly landedIn: string;
}

const landings: { run: number; moment: Moment; landedIn: string }[] = [];

describe("kill matrix: the background process SIGKILLed at a random moment", () => {
  let fm: FmEmulator;
  let rw: RemoteWriteReceiver;

  beforeEach(async () => {
    expect(existsSync(join(ROOT, "dist", "main", "index.js")), "run npm run build first").toBe(true);
    fm = await createFmEmulator({
      stackId: STACK_ID,
      token: FM_TOKEN,
      seed: SEED,
    });
    rw = await createRemoteWriteReceiver({ user: PROM_USER, token: PROM_TOKEN, seed: SEED });
  });
  afterEach(async () => {
    await Promise.all([fm.close(), rw.close()]);
  });
  afterAll(() => {
    console.log(
      `kill matrix seed ${SEED}: ${landings.map((l) => `#${l.run} ${l.moment}→${l.landedIn}`).join(", ")}`,
    );
  });

  /**
   * Slower answers widen the start and stop windows the kills aim at. None on RegisterCollector: a register
   * the emulator applies long after its sender died would race any cleanup, real FM's included. A flaky run
   * also fails some requests (a reset one after it took effect), so kills land between retries too.
   */
  const setFaults = (c: KillCase) => {
    const flaky = (unavailable: number, reset: number) => (c.flaky ? { unavailable, reset } : {});
    fm.setFaults({
      GetConfig: { latencyMs: [0, 40], ...flaky(0.05, 0.03) },
      UnregisterCollector: { latencyMs: [20, 80], ...flaky(0.15, 0.05) },
    });
    if (c.flaky) rw.setFaults({ failRatio: 0.05, status: 503 });
  };

  const inputsFor = (c: KillCase, runner: RunnerSim): Record<string, string> => {
    let blueprint: string = "fleet-management";
    if (c.fleet !== "fleet-management") {
      blueprint = "kill.yaml";
      writeFileSync(
        join(runner.workDir, blueprint),
        [
          `name: kill-${c.run}`,
          "features:",
          "  fleet_management:",
          "    enabled: true",
          `    collectors_per_os: {linux: ${c.fleet.linux}, windows: ${c.fleet.windows}, darwin: ${c.fleet.darwin}}`,
          "",
        ].join("\n"),
      );
    }
    return {
      blueprint,
      env: `km-${c.run}`,
      interval: "1s",
      "heartbeat-interval": "2s",
      "start-timeout": "60s",
      "fm-url": fm.url,
      "fm-stack-id": STACK_ID,
      "fm-token": FM_TOKEN,
      "prom-url": rw.url,
      "prom-user": PROM_USER,
      "prom-token": PROM_TOKEN,
    };
  };

  /** SIGKILLs the daemon and waits until it is gone; returns the phase its last status shows. */
  const kill = async (pid: number, stateDir: string): Promise<string> => {
    process.kill(pid, "SIGKILL");
    await poll(() => (isAlive(pid) ? undefined : true), `PID ${pid} to die`, 10_000);
    return readDaemonStatus(stateDir)?.phase ?? "none";
  };

  const killDuringStart = async (c: KillCase, runner: RunnerSim): Promise<Outcome> => {
    const mainDone = runner.main(inputsFor(c, runner));
    const saved = await poll(() => {
      const s = savedState(runner);
      return s?.pid !== undefined ? s : undefined;
    }, "main to save the daemon's PID");
    if (c.moment === "starting") {
      await poll(
        () => (readDaemonStatus(saved.stateDir)?.phase !== undefined ? true : undefined),
        'phase "starting"',
      );
    }
    await sleep(c.delayMs);
    const landedIn = await kill(saved.pid!, saved.stateDir);
    const main = await mainDone;
    // Main reads the status before it checks the PID, so a status of "ready" wins over the death.
    if (landedIn === "ready") {
      expect(main.code, main.stdout).toBe(0);
    } else {
      expect(main.code, main.stdout).toBe(1);
      expect(main.stdout).toMatch(
        /::error title=fm-action%3A the fleet did not start::the fleet did not start: .*Everything it registered was cleaned up/,
      );
    }
    return { main, posts: [await runner.post()], landedIn };
  };

  const killWhileRunning = async (c: KillCase, runner: RunnerSim): Promise<Outcome> => {
    const main = await runner.main(inputsFor(c, runner));
    expect(main.code, main.stdout).toBe(0);
    const saved = savedState(runner)!;
    const status = readDaemonStatus(saved.stateDir);
    expect(status?.pid, "the status file names the PID main saved").toBe(saved.pid);
    await sleep(c.delayMs);
    const landedIn = await kill(saved.pid!, saved.stateDir);
    return { main, posts: [await runner.post()], landedIn };
  };

  const killWhileStopping = async (c: KillCase, runner: RunnerSim): Promise<Outcome> => {
    const main = await runner.main(inputsFor(c, runner));
    expect(main.code, main.stdout).toBe(0);
    const saved = savedState(runner)!;
    await sleep(c.runForMs);
    const postDone = runner.post();
    const phase = await poll(() => {
      const p = readDaemonStatus(saved.stateDir)?.phase;
      return p === "stopping" || p === "stopped" ? p : undefined;
    }, 'phase "stopping"');
    let landedIn = phase;
    if (phase === "stopping") {
      await sleep(c.delayMs);
      if (isAlive(saved.pid!)) landedIn = await kill(saved.pid!, saved.stateDir);
    }
    const post = await postDone;
    // Post noticed the death and finished the cleanup itself.
    if (landedIn === "stopping") expect(post.summary).toMatch(/post itself, from the saved fleet/);
    return { main, posts: [post], landedIn };
  };

  const cases = planCases(SEED, RUNS);
  it.each(
    cases.map((c) => [c.run, c.moment, c.delayMs, collectorsOf(c), c.flaky ? ", flaky" : "", c] as const),
  )(
    "run %i: SIGKILL at %s + %i ms, %i collectors%s: nothing left registered or open",
    async (_run, _moment, _delay, _n, _flaky, c) => {
      const runner = createRunner();
      setFaults(c);
      const outcome =
        c.moment === "spawn" || c.moment === "starting"
          ? await killDuringStart(c, runner)
          : c.moment === "tick"
            ? await killWhileRunning(c, runner)
            : await killWhileStopping(c, runner);
      landings.push({ run: c.run, moment: c.moment, landedIn: outcome.landedIn });

      for (const post of outcome.posts) {
        expect(post.code, post.stdout + post.stderr).toBe(0);
        expect(post.stdout).not.toMatch(/cleanup incomplete/);
      }
      const stillRegistered = fm
        .collectors()
        .filter((x) => x.registered)
        .map((x) => x.id);
      expect(stillRegistered, `landed in ${outcome.landedIn}`).toEqual([]);
      const open = rw
        .series()
        .filter((s) => !s.stale)
        .map((s) => `${s.labels.__name__}{collector_id=${s.labels.collector_id}}`);
      expect(open.slice(0, 5), `${open.length} series open; landed in ${outcome.landedIn}`).toEqual([]);
      // A 400 is bad data: a sample out of order or a different value at a repeated timestamp (as Prometheus).
      const refused = rw.log().filter((r) => r.status === 400);
      expect(refused.map((r) => r.error)).toEqual([]);
      expect(filesUnder(runner.runnerTemp).filter((f) => f.endsWith("secrets.json"))).toEqual([]);
      expect(
        scanForSecrets({
          runnerLogs: { transcript: runner.transcript() },
          // RUNNER_TEMP with the state folder (log, status, record), and each step's state, output, summary.
          dirs: [runner.workDir],
          secrets: [FM_TOKEN, PROM_TOKEN],
          users: [STACK_ID, PROM_USER],
        }),
      ).toEqual([]);
    },
  );

  it("the kills landed where they were aimed: in start, while running, and inside the daemon's cleanup", () => {
    const landed = (moment: Moment, phases: string[]) =>
      landings.filter((l) => l.moment === moment && phases.includes(l.landedIn)).length;
    expect(landings).toHaveLength(RUNS);
    expect(landed("spawn", ["none", "starting"]) + landed("starting", ["starting"])).toBeGreaterThan(0);
    expect(landed("tick", ["ready"])).toBe(landings.filter((l) => l.moment === "tick").length);
    expect(landed("stopping", ["stopping"])).toBeGreaterThan(0);
  });
});
