/**
 * One vocabulary per frontend: the CLI names variables and flags, the action its inputs. Failure hints,
 * `fm-fleet stop`'s states, the plan's capacity warning (in `plan`, and in the action's dry run), and
 * `fm-fleet --version`.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AlertmanagerError, FmApiError, RemoteWriteError } from "../../src/core/errors.js";
import { runCli } from "../../src/cli/index.js";
import { describeStop } from "../../src/cli/background.js";
import type { CliIo } from "../../src/cli/io.js";
import { runMain } from "../../src/action/run-main.js";
import { classifyFailure, credentialHint, hintFor } from "../../src/settings/hints.js";

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
    env,
    cwd: import.meta.dirname,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe("credential hints", () => {
  const cases = [
    ["fm", "refused", ["GC_FM_STACK_ID", "GC_FM_TOKEN"], ["input fm-stack-id", "input fm-token"]],
    ["fm", "forbidden", ["GC_FM_TOKEN", "fleet-management:write"], ["input fm-token"]],
    ["fm", "unreachable", ["GC_FM_URL"], ["input fm-url"]],
    [
      "prom",
      "refused",
      ["GC_PROM_USER", "GC_PROM_TOKEN", "metrics:write"],
      ["input prom-user", "input prom-token"],
    ],
    ["prom", "unreachable", ["GC_PROM_URL"], ["input prom-url"]],
    [
      "alertmanager",
      "refused",
      ["GC_ALERTMANAGER_USER", "GC_ALERTMANAGER_TOKEN"],
      ["input alertmanager-user", "input alertmanager-token"],
    ],
    ["alertmanager", "unreachable", ["GC_ALERTMANAGER_URL"], ["input alertmanager-url"]],
  ] as const;

  it.each(cases)(
    "%s %s: the CLI names variables, the action inputs",
    (service, failure, cliNames, inputs) => {
      const forCli = credentialHint(service, failure, "cli", "HTTP 401");
      const forAction = credentialHint(service, failure, "action", "HTTP 401");
      for (const name of cliNames) expect(forCli).toContain(name);
      for (const name of inputs) expect(forAction).toContain(name);
      expect(forCli).not.toMatch(/\binput /);
      expect(forAction).not.toContain("GC_");
      // One sentence, ending in the doctor suggestion.
      for (const text of [forCli, forAction]) {
        expect(text).toMatch(/fm-fleet doctor[^.]*\.$/);
        expect(text.match(/\. /g)).toBeNull();
      }
    },
  );

  it("classifies the errors the settings can cause, and only those", () => {
    expect(classifyFailure(new FmApiError("RegisterCollector", "unauthenticated", 401, "x"))).toEqual({
      service: "fm",
      failure: "refused",
    });
    expect(classifyFailure(new FmApiError("GetConfig", "permission_denied", 403, "x"))).toEqual({
      service: "fm",
      failure: "forbidden",
    });
    expect(classifyFailure(new FmApiError("RegisterCollector", "unavailable", 0, "no answer"))).toEqual({
      service: "fm",
      failure: "unreachable",
    });
    // A 503 is FM's trouble, not the user's settings.
    expect(classifyFailure(new FmApiError("RegisterCollector", "unavailable", 503, "busy"))).toBeUndefined();
    expect(classifyFailure(new RemoteWriteError(401, false, "authentication required"))).toEqual({
      service: "prom",
      failure: "refused",
    });
    expect(classifyFailure(new RemoteWriteError(500, true, "boom"))).toBeUndefined();
    expect(classifyFailure(new AlertmanagerError(403, false, "nope"))).toEqual({
      service: "alertmanager",
      failure: "forbidden",
    });
    // Reports carry failures as text: the same messages classify alike.
    expect(classifyFailure(new RemoteWriteError(0, true, "ECONNREFUSED").message)).toEqual({
      service: "prom",
      failure: "unreachable",
    });
    expect(
      classifyFailure(new FmApiError("UnregisterCollector", "unauthenticated", 401, "", "c-1").message),
    ).toEqual({ service: "fm", failure: "refused" });
    expect(hintFor("something else went wrong", "cli")).toBeUndefined();
  });
});

describe("fm-fleet stop's words", () => {
  it("says each state in plain words, never the internal names", () => {
    const daemons = ["not-running", "stopped", "dead", "killed", "hung"] as const;
    const cleaners = ["daemon", "inline", "earlier-run", "nothing-to-clean", "nobody"] as const;
    const lines = daemons.flatMap((daemon) =>
      cleaners.map((cleanedBy) => describeStop({ daemon, cleanedBy, problems: [] })),
    );
    for (const line of lines) {
      expect(line).not.toMatch(/not-running|earlier-run|nothing-to-clean|\(daemon\)|\(inline\)/);
      expect(line).toMatch(/^the background process .*; cleanup complete$/);
    }
    expect(new Set(lines).size).toBe(lines.length);
    expect(describeStop({ daemon: "dead", cleanedBy: "inline", problems: [] })).toBe(
      "the background process had died; fm-fleet stop cleaned up from the saved fleet; cleanup complete",
    );
    expect(describeStop({ daemon: "hung", cleanedBy: "nobody", problems: ["x"] })).toMatch(
      /left running; nothing was cleaned up; cleanup INCOMPLETE$/,
    );
  });
});

describe("the capacity warning before a live run", () => {
  it("fm-fleet plan warns when the fleet cannot heartbeat within the rate, as a live run would", async () => {
    // 19 collectors every second need 19 calls/s; 90 % of 15 is 13.5.
    const tight = await cli(["plan", "fleet-management", "--heartbeat-interval", "1s"]);
    expect(tight.code).toBe(0);
    expect(tight.stdout).toMatch(
      /Warning: 19 collectors heartbeating every 1s need 19 GetConfig calls per second/,
    );
    // A higher client rate makes room: no warning.
    const roomy = await cli([
      "plan",
      "fleet-management",
      "--heartbeat-interval",
      "1s",
      "--fm-rate-limit",
      "100",
    ]);
    expect(roomy.stdout).not.toContain("Warning:");
    // --json keeps stdout JSON and says the warning on stderr.
    const json = await cli(["plan", "fleet-management", "--heartbeat-interval", "1s", "--json"]);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
    expect(json.stderr).toMatch(/^Warning: 19 collectors heartbeating/);
  });

  describe("the action's dry run", () => {
    afterEach(() => {
      vi.restoreAllMocks();
      process.exitCode = undefined;
    });

    it("prints the same warning, as a warning annotation", async () => {
      let out = "";
      vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        out += String(chunk);
        return true;
      });
      await runMain({
        env: {
          INPUT_BLUEPRINT: "fleet-management",
          "INPUT_DRY-RUN": "true",
          "INPUT_HEARTBEAT-INTERVAL": "1s",
          GITHUB_WORKSPACE: import.meta.dirname,
        },
        daemonScript: "unused",
        cliScript: "unused",
        now: () => 0,
      });
      expect(out).toMatch(
        /::warning title=Fleet size::19 collectors heartbeating every 1s need 19 GetConfig/,
      );
      expect(out).toContain("dry-run: nothing was registered or pushed");
    });
  });
});

describe("fm-fleet --version", () => {
  it.each([["--version"], ["-V"]])("%s prints package.json's version", async (flag) => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as {
      name: string;
      version: string;
      bin: Record<string, string>;
    };
    const { code, stdout } = await cli([flag]);
    expect(code).toBe(0);
    expect(stdout).toBe(`fm-fleet ${pkg.version}\n`);
    // The package installs fm-fleet under a name that is ours, from the bundle.
    expect(pkg.name).toBe("@synthkit/fm-action");
    expect(pkg.bin["fm-fleet"]).toBe(join("dist", "cli", "index.js").split("\\").join("/"));
  });
});
