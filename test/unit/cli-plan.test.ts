import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHIPPED_NAMES } from "../../src/blueprint/shipped.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";

const FIXTURES = join(import.meta.dirname, "../fixtures");

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: join(FIXTURES, "blueprints"),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe("fm-fleet plan --json: golden rosters of the shipped blueprints", () => {
  it.each(SHIPPED_NAMES)("%s", async (name) => {
    const { code, stdout } = await cli(["plan", name, "--json"]);
    expect(code).toBe(0);
    const golden = join(FIXTURES, "golden", `${name}.roster.json`);
    // UPDATE_GOLDEN=1 rewrites the files after an intended change; review the diff before committing.
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, stdout);
    expect(stdout).toBe(readFileSync(golden, "utf8"));
  });

  it("has exactly the README.md#command-line shape", async () => {
    const { stdout } = await cli(["plan", "k8s-monitoring", "--json"]);
    const plan = JSON.parse(stdout) as { collectors: Record<string, unknown>[]; seriesPerTick: number };
    expect(Object.keys(plan)).toEqual(["collectors", "seriesPerTick"]);
    for (const c of plan.collectors)
      expect(Object.keys(c)).toEqual([
        "id",
        "name",
        "os",
        "version",
        "env",
        "kind",
        "healthy",
        "attributes",
        "labels",
      ]);
    expect(plan.seriesPerTick).toBe(plan.collectors.length * 29);
  });

  it("applies --env, and outside GitHub Actions adds no github.* attributes", async () => {
    const { stdout } = await cli(["plan", "fleet-management", "--json", "--env", "pr-7"]);
    const [first] = (
      JSON.parse(stdout) as { collectors: { id: string; attributes: Record<string, string> }[] }
    ).collectors;
    expect(first!.id).toBe("fleet-management-pr-7-linux-01");
    expect(first!.attributes).toEqual({
      "collector.os": "linux",
      "collector.version": "v1.18.1",
      env: "pr-7",
      fake: "true",
    });
  });
});

describe("fm-fleet plan table", () => {
  it("shows counts by OS and kind, every collector, and the metrics load", async () => {
    const { code, stdout } = await cli(["plan", "synthetic-monitoring", "--interval", "30s"]);
    expect(code).toBe(0);
    expect(stdout).toContain("synthetic-monitoring: 9 collectors\n");
    expect(stdout).toMatch(/^ {2}linux\s+3\s+4\s+7$/m);
    expect(stdout).toMatch(/^ {2}windows\s+1\s+0\s+1$/m);
    expect(stdout).toMatch(/^ {2}total\s+5\s+4\s+9$/m);
    expect(stdout).toMatch(/^ {2}synthetic-monitoring-ci-linux-01\s+linux\s+standalone\s+ci\s+yes$/m);
    expect(stdout).toMatch(/alloy-metrics-0\s+linux\s+k8s\s+ci\s+yes$/m);
    expect(stdout).toContain("Metrics: 261 active series, 522 samples per minute (one push every 30s)");
  });

  it("reads a blueprint file relative to the working directory and puts notices on stderr", async () => {
    const { code, stdout, stderr } = await cli(["plan", "two-envs.yaml"]);
    expect(code).toBe(0);
    expect(stdout).toContain("demo: 4 collectors, 1 unhealthy");
    expect(stdout).toMatch(/^ {2}demo-staging-linux-02\s+linux\s+standalone\s+staging\s+no$/m);
    expect(stderr).toContain("ignoring scenarios");
  });
});

describe("bad input exits 2 with the reason and no stack trace", () => {
  it("a bad blueprint lists every problem with its position", async () => {
    const { code, stdout, stderr } = await cli(["plan", "two-problems.yaml"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      "two-problems.yaml:5:14 features.fleet_management.collectors_per_os.linux: expected an integer",
    );
    expect(stderr).toContain(
      'two-problems.yaml:6:7 features.fleet_management.collectors_per_os.macos: unknown OS "macos"',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [
      ["plan"],
      "<blueprint>: expected a blueprint file or a shipped name (fleet-management, synthetic-monitoring, k8s-monitoring, incident), found nothing",
    ],
    [["plan", "a.yaml", "b.yaml"], "<blueprint>: expected one blueprint path or shipped name, found 2"],
    [["plan", "no-such-blueprint"], "fleet-management, synthetic-monitoring, k8s-monitoring, incident"],
    [["plan", "fleet-management", "--env", "PR 1"], "--env: expected an environment name"],
    [
      ["plan", "fleet-management", "--interval", "ten"],
      '--interval: expected a duration such as 15s, 2m or 1h, found "ten"',
    ],
    [["plan", "fleet-management", "--interval", "500ms"], '--interval: must be at least 1s, found "500ms"'],
    [["plan", "fleet-management", "--interval", "1000h"], '--interval: must be at most 596h, found "1000h"'],
    [["plan", "fleet-management", "--colour"], "--colour: is not an option of fm-fleet plan"],
    [["plan", "fleet-management", "--env"], "--env: expected a value after it"],
    [["plan", "fleet-management", "--json=maybe"], '--json: expected true or false, found "maybe"'],
  ])("%j", async (argv, message) => {
    const { code, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("an unknown command prints the usage", async () => {
    const { code, stderr } = await cli(["plam"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "plam"');
    expect(stderr).toContain("Usage: fm-fleet <command>");
  });

  it("no command prints the usage", async () => {
    expect(await cli([])).toMatchObject({ code: 2, stderr: expect.stringContaining("Commands:") as unknown });
  });
});

describe("help", () => {
  it.each([["--help"], ["-h"], ["help"]])("%s lists the commands", async (flag) => {
    const { code, stdout } = await cli([flag]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}plan\s+show the collectors/m);
  });

  it.each([[["plan", "--help"]], [["plan", "x.yaml", "-h"]], [["help", "plan"]]])(
    "%j shows the plan usage",
    async (argv) => {
      const { code, stdout } = await cli(argv);
      expect(code).toBe(0);
      expect(stdout).toContain("Usage: fm-fleet plan <blueprint> [options]");
      expect(stdout).toMatch(/^ {2}--interval <dur> +time between metric pushes, from 1s \(default 15s\)$/m);
    },
  );
});
