/**
 * `fm-fleet event` and the scenario parts of `fm-fleet plan` as a user types them: what the flags mean,
 * every problem at once with exit code 2, where the state folder is found, and exit 1 with the reason when
 * no fleet is running.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEventCommandLine } from "../../src/cli/event.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { InputError } from "../../src/core/errors.js";
import { writeStatus } from "../../src/runtime/status.js";
import { zeroCounters } from "../../src/runtime/counters.js";

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = tmpdir()) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

function problemsOf(argv: string[]): string[] {
  try {
    parseEventCommandLine(argv, {});
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.subject}: ${p.message}`);
    throw err;
  }
  throw new Error("expected the command line to be refused");
}

describe("fm-fleet event's command line", () => {
  it("reads the selection and the event's own fields", () => {
    expect(parseEventCommandLine(["unhealthy", "--os", "linux", "--count", "2"], {})).toEqual({
      action: { event: "unhealthy", select: { os: "linux", count: 2 }, severity: "critical" },
      stateDir: ".fm-fleet",
      timeoutMs: 120_000,
    });
    expect(
      parseEventCommandLine(["config-error", "--ids", "a, b", "--message", "boom", "--timeout", "30s"], {})
        .action,
    ).toEqual({ event: "config-error", select: { ids: ["a", "b"] }, message: "boom" });
    expect(parseEventCommandLine(["join", "--add", "linux=2,darwin=1", "--env", "prod"], {}).action).toEqual({
      event: "join",
      select: { env: "prod" },
      add: { linux: 2, windows: 0, darwin: 1 },
    });
    expect(parseEventCommandLine(["upgrade", "--kind", "k8s", "--version", "v1.19.0"], {}).action).toEqual({
      event: "upgrade",
      select: { kind: "k8s" },
      version: "v1.19.0",
    });
  });

  it("finds the state folder in --state-dir, else FM_FLEET_STATE, else .fm-fleet", () => {
    const env = { FM_FLEET_STATE: "/runner/temp/fm-action-1" };
    expect(parseEventCommandLine(["crash"], env).stateDir).toBe("/runner/temp/fm-action-1");
    expect(parseEventCommandLine(["crash", "--state-dir", "mine"], env).stateDir).toBe("mine");
    expect(parseEventCommandLine(["crash"], {}).stateDir).toBe(".fm-fleet");
  });

  it("reports every problem at once", () => {
    expect(problemsOf(["upgrade", "--os", "macos", "--count", "0", "--severity", "warning"])).toEqual([
      '--os: expected linux, windows or darwin, found "macos"',
      '--count: expected a whole number from 1, found "0"',
      "--severity: belongs to the unhealthy event, not upgrade",
      "--version: expected the version to upgrade to, e.g. --version v1.19.0, found nothing",
    ]);
    expect(problemsOf(["join", "--os", "linux", "--add", "linux=two"])).toEqual([
      "--os: join selects nobody: it takes --env only (where the new collectors go)",
      '--add: expected OS=count pairs separated by commas, e.g. linux=2,windows=1 (at most 1000 each), found "linux=two"',
    ]);
    expect(problemsOf(["unhealty"])).toEqual([
      '<event>: expected one of unhealthy, healthy, config-error, config-ok, silence, resume, crash, leave, join, upgrade, found "unhealty": did you mean unhealthy?',
    ]);
    expect(problemsOf(["upgrade", "--version", "1.19"])).toEqual([
      '--version: expected an Alloy version like v1.19.0, found "1.19"',
    ]);
  });

  it("exits 2 for bad input and 1 with the reason when no fleet runs from the state folder", async () => {
    const bad = await cli(["event", "explode"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^fm-fleet event: <event>: expected one of unhealthy/);

    const empty = mkdtempSync(join(tmpdir(), "fm-fleet-event-"));
    const none = await cli(["event", "unhealthy", "--os", "linux"], { FM_FLEET_STATE: empty });
    expect(none).toMatchObject({ code: 1, stdout: "" });
    expect(none.stderr).toBe(
      `fm-fleet event: no fleet is running from ${empty} (no status file): start one with fm-fleet start, or set FM_FLEET_STATE or --state-dir\n`,
    );

    // A status left by a fleet that has stopped.
    const stopped = mkdtempSync(join(tmpdir(), "fm-fleet-event-"));
    writeStatus(join(stopped, "status.json"), {
      pid: process.pid,
      nonce: "n",
      phase: "stopped",
      startedAtMs: 0,
      updatedAtMs: 0,
      counters: zeroCounters(1, { fm: true, prom: true }),
      lastTimestampMs: 0,
      lastErrors: {},
    });
    const gone = await cli(["event", "crash", "--state-dir", stopped]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no fleet is running from .*: its background process \(PID \d+\) is stopped/);
  });

  it("is listed in the top-level help", async () => {
    const { stdout } = await cli(["--help"]);
    expect(stdout).toMatch(
      /^\s+event\s+apply an event \(unhealthy, crash, leave, …\) to the running background fleet$/m,
    );
  });
});

describe("fm-fleet plan with a scenario", () => {
  it("shows the timeline: each step's offset, event, selection and the collectors it acts on", async () => {
    const { code, stdout } = await cli(["plan", "incident"]);
    expect(code).toBe(0);
    const timeline = stdout.slice(stdout.indexOf("Timeline"));
    expect(timeline.split("\n").slice(0, 4)).toEqual([
      "Timeline (9 steps, offsets from ready):",
      expect.stringMatching(/^\s+STEP\s+AT\s+EVENT\s+SELECT\s+COLLECTORS$/) as string,
      expect.stringMatching(
        /^\s+1\s+\+1m\s+unhealthy\s+os linux, count 2 \(critical\)\s+incident-ci-linux-01, incident-ci-linux-02$/,
      ) as string,
      expect.stringMatching(
        /^\s+2\s+\+2m\s+config-error\s+os windows, count 1 .*incident-ci-windows-01$/,
      ) as string,
    ]);
    expect(timeline).toMatch(/9\s+\+8m\s+upgrade\s+os linux → v1\.19\.0\s+incident-ci-linux-04/);
  });

  it("fails like any blueprint problem when a step would select nobody", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-fleet-plan-"));
    writeFileSync(
      join(dir, "b.yaml"),
      "name: b\nfeatures: {fleet_management: {collectors_per_os: {linux: 1}}}\nscenario:\n  - at: 1m\n    event: healthy\n",
    );
    const { code, stderr } = await cli(["plan", "b.yaml"], {}, dir);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "fm-fleet plan: blueprint b.yaml has 1 problem:\n" +
        "  - b.yaml:4:5 scenario[0].select: this healthy step selects nobody: 1 collector in the fleet, none is unhealthy and running or silenced (at 1m, after the steps before it)\n",
    );
  });
});
