/**
 * `fm-fleet emulate --pipelines DIR`: the emulator starts with the folder's pipelines and serves each
 * collector the ones whose matchers hold; bad files stop it before anything listens.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emulateCommand } from "../../src/cli/emulate.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/pipelines");

function captureIo() {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    env: {},
    cwd: FIXTURES,
  };
  return { io, out };
}

async function waitFor<T>(get: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = get();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("timed out");
}

describe("fm-fleet emulate --pipelines", () => {
  it("serves each collector the enabled pipelines that match it", async () => {
    const { io, out } = captureIo();
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const running = emulateCommand(["--pipelines", "valid"], io, until);
    const vars = await waitFor(() => {
      const m = /export GC_FM_URL=(\S+) GC_FM_STACK_ID=(\S+) GC_FM_TOKEN=(\S+)/.exec(out.stdout);
      return m ? { url: m[1]!, user: m[2]!, token: m[3]! } : undefined;
    });
    expect(out.stdout).toContain(
      "pipelines:            5 from valid: draft (disabled), node, self_monitoring_metrics, k8s, windows_metrics",
    );
    expect(out.stderr).toContain("warning: draft.yaml: 'enabled' is not set");

    const auth = `Basic ${Buffer.from(`${vars.user}:${vars.token}`).toString("base64")}`;
    const post = async (method: string, body: object) => {
      const res = await fetch(`${vars.url}/collector.v1.CollectorService/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: auth },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { content?: string };
    };
    const received = async (id: string, localAttributes: Record<string, string>) => {
      await post("RegisterCollector", { id, localAttributes });
      const { content = "" } = await post("GetConfig", { id, localAttributes });
      return [...content.matchAll(/^declare "([^"]+)"/gm)].map((m) => m[1]);
    };
    expect(await received("lin", { "collector.os": "linux", env: "prod" })).toEqual([
      "node",
      "self_monitoring_metrics",
    ]);
    expect(await received("win-prod", { "collector.os": "windows", env: "prod" })).toEqual([
      "self_monitoring_metrics",
      "windows_metrics",
    ]);
    expect(await received("win-dev", { "collector.os": "windows", env: "dev" })).toEqual([
      "self_monitoring_metrics",
    ]);
    expect(await received("pod", { "collector.os": "linux", platform: "kubernetes" })).toEqual([
      "k8s",
      "node",
      "self_monitoring_metrics",
    ]);

    stop();
    expect(await running).toBe(0);
    expect(out.stdout).toContain("emulator saw 4 collectors");
  });

  it("stops on bad pipeline files with every problem and exit code 2", async () => {
    const { io, out } = captureIo();
    expect(await runCli(["emulate", "--pipelines", "bad"], io)).toBe(2);
    expect(out.stderr).toMatch(/^fm-fleet emulate: --pipelines: pipeline files in bad have 9 problems:/);
    expect(out.stderr).toContain("typo.yaml:2:1 ennabled: unknown field");
    expect(out.stdout).toBe("");
  });
});
