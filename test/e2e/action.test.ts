/**
 * The built action played as the runner plays it (test/helpers/runner.ts): main and post as separate node
 * processes on dist/, real INPUT_*, state, output and summary files, against the FM emulator and the
 * remote-write receiver on loopback. Asserts what a user checks: collectors registered and heartbeating
 * while the job runs, nothing registered and no series open after post, no token anywhere.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { filesUnder, scanForSecrets, type Leak } from "../helpers/leak-scan.js";
import { createRunner, ROOT, type RunnerSim } from "../helpers/runner.js";
import { isAlive, waitFor } from "../helpers/wait.js";

const FM_TOKEN = "glc_CANARYfmTOKEN0123456789abcdef";
const PROM_TOKEN = "glc_CANARYpromTOKEN9876543210fedcba";
const STACK_ID = "314159";
const PROM_USER = "271828";

/**
 * Every canary form in everything a user can read: the steps' output as the runner shows it, and every file
 * in the runner's work folder (RUNNER_TEMP with the state folder, and each step's state, output and summary).
 */
function leaks(runner: RunnerSim, extraSecrets: string[] = []): Leak[] {
  return scanForSecrets({
    runnerLogs: { transcript: runner.transcript() },
    dirs: [runner.workDir],
    secrets: [FM_TOKEN, PROM_TOKEN, ...extraSecrets],
    users: [STACK_ID, PROM_USER],
  });
}

/** A `run: node …` step of the job: the job's environment (what earlier steps exported) and nothing else. */
async function runNode(args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((res) => child.on("close", (c) => res(c ?? -1)));
  return { code, stdout, stderr };
}

describe("the action, main then post, as the runner runs it", () => {
  let fm: FmEmulator;
  let rw: RemoteWriteReceiver;

  beforeEach(async () => {
    expect(existsSync(join(ROOT, "dist", "main", "index.js")), "run npm run build first").toBe(true);
    fm = await createFmEmulator({ stackId: STACK_ID, token: FM_TOKEN });
    rw = await createRemoteWriteReceiver({ user: PROM_USER, token: PROM_TOKEN });
  });
  afterEach(async () => {
    await Promise.all([fm.close(), rw.close()]);
  });

  const inputs = (extra: Record<string, string> = {}) => ({
    blueprint: "fleet-management",
    env: "pr-42",
    interval: "1s",
    "heartbeat-interval": "2s",
    "fm-url": fm.url,
    "fm-stack-id": STACK_ID,
    "fm-token": FM_TOKEN,
    "prom-url": rw.url,
    "prom-user": PROM_USER,
    "prom-token": PROM_TOKEN,
    ...extra,
  });

  it("main returns with the fleet live in the background; post unregisters everything and closes every series", async () => {
    const runner = createRunner();
    const main = await runner.main(inputs());
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(JSON.parse(main.outputs["collector-ids"]!)).toHaveLength(19);
    expect(main.outputs).toMatchObject({
      "collector-count": "19",
      "series-per-tick": "551",
      "fm-registered": "true",
    });
    expect(JSON.parse(main.outputs["collector-ids"]!)).toContain("fleet-management-pr-42-linux-01");

    // main has returned; heartbeats and pushes go on without it.
    const registered = () => fm.collectors().filter((c) => c.registered);
    expect(registered()).toHaveLength(19);
    const pushesAtReturn = rw.requests();
    await waitFor(
      () => fm.collectors().every((c) => c.heartbeats >= 3),
      15_000,
      "three heartbeats per collector",
    );
    await waitFor(() => rw.requests() >= pushesAtReturn + 3, 10_000, "three more pushes");
    expect(rw.openSeries()).toBe(551);
    const attrs = fm.collectors()[0]!.localAttributes;
    expect(attrs).toMatchObject({
      "github.repository": "synthkit/fm-action-e2e",
      "github.run_id": "4242",
      env: "pr-42",
    });

    const post = await runner.post();
    expect(post.code, post.stdout + post.stderr).toBe(0);
    expect(registered()).toHaveLength(0);
    expect(rw.openSeries()).toBe(0);
    expect(post.summary).toMatch(/Cleanup complete/);
    expect(post.summary).toMatch(/19 collectors unregistered/);
    expect(post.summary).toMatch(/551 series closed/);
    expect(post.stdout).toMatch(/::group::fm-action background log/);
    // No secret left on disk: the secrets file is gone; what remains holds no token.
    expect(filesUnder(runner.runnerTemp).some((f) => f.endsWith("secrets.json"))).toBe(false);
    expect(leaks(runner)).toEqual([]);
    // Masks are registered for the tokens and their Basic-auth forms.
    expect(main.stdout).toContain(`::add-mask::${FM_TOKEN}`);
    expect(main.stdout).toContain(`::add-mask::${Buffer.from(`${STACK_ID}:${FM_TOKEN}`).toString("base64")}`);
    console.log(`main ${main.durationMs} ms, post ${post.durationMs} ms`);

    // A second post is harmless.
    const again = await runner.post();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already torn down/);
    expect(registered()).toHaveLength(0);
    expect(leaks(runner)).toEqual([]);
  });

  it("a later step breaks two linux collectors through FM_FLEET_CLI; post shows it in the timeline", async () => {
    const runner = createRunner();
    const main = await runner.main(inputs());
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(Date.parse(main.outputs["ready-at"]!)).toBeGreaterThan(Date.now() - 60_000);
    expect(main.exported.FM_FLEET_CLI).toBe(join(ROOT, "dist", "cli", "index.js"));
    expect(main.exported.FM_FLEET_STATE!.startsWith(runner.runnerTemp)).toBe(true);

    // A `run:` step: node "$FM_FLEET_CLI" event unhealthy --os linux --count 2
    const step = (args: string[]) =>
      runNode([runner.jobEnv().FM_FLEET_CLI!, ...args], runner.workDir, runner.jobEnv());
    const broken = await step(["event", "unhealthy", "--os", "linux", "--count", "2"]);
    expect(broken.code, broken.stderr).toBe(0);
    const ids = ["fleet-management-pr-42-linux-01", "fleet-management-pr-42-linux-02"];
    expect(broken.stdout).toBe(`${ids.join("\n")}\n`);
    expect(broken.stderr).toMatch(/^unhealthy: 2 collectors changed; push accepted after/);
    // Returned once the push carrying it was accepted: the receiver already has up 0 for exactly them.
    const down = rw
      .series()
      .filter((s) => s.labels.__name__ === "up" && s.lastValue === 0)
      .map((s) => s.labels.collector_id);
    expect(down.sort()).toEqual(ids);

    const nobody = await step(["event", "healthy", "--os", "darwin"]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(
      /fm-fleet event: selects nobody: 3 collectors match os darwin, none are unhealthy/,
    );

    const post = await runner.post();
    expect(post.code, post.stdout).toBe(0);
    expect(post.summary).toContain("### Timeline");
    expect(post.summary).toMatch(
      /\| live \| {2}\| \+[\d.]+m?s \| `unhealthy` \| os linux, count 2 \| `fleet-management-pr-42-linux-01`, `fleet-management-pr-42-linux-02` \| push accepted/,
    );
    expect(post.summary).toContain("```mermaid\ngantt");
    expect(post.summary).toContain(
      "| health at the end | healthy 17 · unhealthy 2 · inactive 0 · departed 0 |",
    );
    expect(fm.collectors().filter((c) => c.registered)).toHaveLength(0);
    expect(leaks(runner)).toEqual([]);
  });

  it("post cleans up itself when the background process was killed with SIGKILL", async () => {
    const runner = createRunner();
    const main = await runner.main(inputs());
    expect(main.code, main.stderr).toBe(0);
    const pid = (JSON.parse(main.state["fm-action"]!) as { pid: number }).pid;
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, "SIGKILL");
    await waitFor(() => !isAlive(pid), 5000, "the daemon to die");
    expect(fm.collectors().filter((c) => c.registered)).toHaveLength(19);

    const post = await runner.post();
    expect(post.code, post.stdout).toBe(0);
    expect(fm.collectors().filter((c) => c.registered)).toHaveLength(0);
    expect(rw.openSeries()).toBe(0);
    expect(post.summary).toMatch(/Cleanup complete/);
    expect(post.summary).toMatch(/post itself, from the saved fleet/);
    expect(leaks(runner)).toEqual([]);
  });

  it("a bad blueprint fails main with the file, path and line, and registers nothing", async () => {
    const runner = createRunner();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      join(runner.workDir, "fleet.yaml"),
      "name: bad\nfeatures:\n  fleet_management:\n    collectors_per_os: {linux: 2, macos: 1}\n",
    );
    const main = await runner.main(inputs({ blueprint: "fleet.yaml" }));
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(
      /::error title=fm-action%3A the fleet did not start::.*fleet\.yaml:4:\d+ features\.fleet_management\.collectors_per_os\.macos/,
    );
    expect(fm.requests()).toHaveLength(0);
    expect(rw.requests()).toBe(0);
    const post = await runner.post();
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/nothing to clean up/);
    expect(leaks(runner)).toEqual([]);
  });

  it("a 401 fails main fast with what to check, leaves nothing registered and prints no token", async () => {
    const runner = createRunner();
    const wrong = "glc_CANARYwrongTOKEN000000000000";
    const main = await runner.main(inputs({ "fm-token": wrong, "start-timeout": "30s" }));
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(/::error title=fm-action%3A the fleet did not start::.*unauthenticated/);
    // In the action's words: its inputs, not the CLI's variables; once; with doctor to run locally.
    expect(main.stdout).toMatch(/check input fm-stack-id \(.*not input prom-user\) and input fm-token \(/);
    expect(main.stdout).not.toMatch(/GC_FM_STACK_ID|GC_PROM_USER/);
    expect(main.stdout).toMatch(/fleet-management:write/);
    expect(main.stdout).toMatch(
      /run fm-fleet doctor with the same values on your machine, which tests each one\. Everything/,
    );
    expect(main.stdout.match(/refused the credentials/g)).toHaveLength(1);
    expect(main.durationMs).toBeLessThan(20_000);
    expect(fm.collectors().filter((c) => c.registered)).toHaveLength(0);
    expect(rw.openSeries()).toBe(0);
    const post = await runner.post();
    expect(post.code).toBe(0);
    expect(leaks(runner, [wrong])).toEqual([]);
  });

  it("dry-run prints the plan and touches nothing", async () => {
    const runner = createRunner();
    const main = await runner.main(inputs({ "dry-run": "true" }));
    expect(main.code, main.stderr).toBe(0);
    expect(main.stdout).toMatch(/dry-run/);
    expect(main.outputs).toMatchObject({ "collector-count": "19", "fm-registered": "false" });
    expect(fm.requests()).toHaveLength(0);
    expect(rw.requests()).toBe(0);
    expect(leaks(runner)).toEqual([]);
  });
});
