/**
 * `fm-fleet pipelines` end to end, in-process, against the emulator serving the shipped examples/pipelines:
 * the table a user reads, the exit code, --json, the expectation check, FAILED collectors, and the fleet
 * cleaned up afterwards (deleted by default, unregistered with --cleanup unregister).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { createFmEmulator, type FmEmulator, type PipelineInput } from "../../src/emulator/fm-server.js";
import { loadPipelineDir } from "../../src/emulator/pipeline-files.js";

const EXAMPLES = join(import.meta.dirname, "../../examples/pipelines");
const EXPECT = join(EXAMPLES, "expect.yaml");
const TOKEN = "glc_pipelines_command_token_0123456789";
const EXAMPLE_PIPELINES = loadPipelineDir(EXAMPLES).pipelines;

let fm: FmEmulator | undefined;
afterEach(async () => {
  await fm?.close();
  fm = undefined;
});

async function pipelines(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { GC_FM_URL: fm!.url, GC_FM_STACK_ID: fm!.stackId, GC_FM_TOKEN: TOKEN },
    // An empty folder: no .env file, nothing but what the test passes.
    cwd: mkdtempSync(join(tmpdir(), "fm-fleet-pipelines-")),
  };
  const code = await runCli(["pipelines", ...argv], io);
  return { code, stdout, stderr, cwd: io.cwd };
}

/** The row of the table for `id`, its cells split on runs of two or more spaces. */
function row(stdout: string, id: string): string[] {
  const line = stdout.split("\n").find((l) => l.trim().startsWith(`${id} `));
  if (!line) throw new Error(`no row for ${id} in:\n${stdout}`);
  return line.trim().split(/ {2,}/);
}

const linuxIds = Array.from(
  { length: 12 },
  (_, i) => `fleet-management-ci-linux-${String(i + 1).padStart(2, "0")}`,
);
const windowsIds = Array.from({ length: 4 }, (_, i) => `fleet-management-ci-windows-0${i + 1}`);
const darwinIds = Array.from({ length: 3 }, (_, i) => `fleet-management-ci-darwin-0${i + 1}`);

describe("fm-fleet pipelines", () => {
  it("prints what each collector received, passes expect.yaml, and cleans the fleet up", async () => {
    fm = await createFmEmulator({ token: TOKEN, pipelines: EXAMPLE_PIPELINES });
    const { code, stdout, stderr } = await pipelines(["fleet-management", "--expect", EXPECT]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /^fleet-management: what each of 19 collectors received from http:\/\/127\.0\.0\.1:\d+\n/,
    );
    expect(row(stdout, "COLLECTOR")).toEqual(["COLLECTOR", "PIPELINES", "STATUS"]);
    for (const id of linuxIds)
      expect(row(stdout, id)).toEqual([id, "node_metrics_linux, self_monitoring_metrics", "APPLIED"]);
    for (const id of [...windowsIds, ...darwinIds])
      expect(row(stdout, id)).toEqual([id, "self_monitoring_metrics", "APPLIED"]);
    expect(stdout).toContain(`all 19 collectors receive exactly what ${EXPECT} expects.`);
    expect(stdout).not.toContain("journal_logs");

    // Asked once: one answered GetConfig each (an attempt FM refused, such as a 429, would be retried).
    const answered = fm.requests().filter((r) => r.method === "GetConfig" && r.status === 200);
    expect(answered.map((r) => r.collectorId).sort()).toEqual(
      [...linuxIds, ...windowsIds, ...darwinIds].sort(),
    );
    // The default cleanup unregisters, then deletes the run's collectors from FM's list.
    expect(fm.collectors()).toEqual([]);
    expect(stderr).toContain("cleanup complete: 19 collectors unregistered, 19 deleted from FM's list\n");
  });

  it("exits 1 with a table of the collectors a matcher change moved a pipeline to or from", async () => {
    // node_metrics_linux now matches Windows collectors instead of Linux ones.
    const moved = EXAMPLE_PIPELINES.map((p): PipelineInput =>
      p.name === "node_metrics_linux" ? { ...p, matchers: ['collector.os="windows"'] } : p,
    );
    fm = await createFmEmulator({ token: TOKEN, pipelines: moved });
    const { code, stdout } = await pipelines(["fleet-management", "--expect", EXPECT]);
    expect(code).toBe(1);
    expect(stdout).toContain(`16 of 19 collectors do not receive what ${EXPECT} expects:\n`);
    const table = stdout.slice(stdout.indexOf("expects:\n"));
    expect(row(table, "COLLECTOR")).toEqual(["COLLECTOR", "MISSING", "UNEXPECTED", "ERROR"]);
    for (const id of linuxIds) expect(row(table, id)).toEqual([id, "node_metrics_linux", "-", "-"]);
    for (const id of windowsIds) expect(row(table, id)).toEqual([id, "-", "node_metrics_linux", "-"]);
    for (const id of darwinIds) expect(table).not.toContain(id);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
  });

  it("exits 1 when a pipeline breaks the config of the collectors it reaches, even without --expect", async () => {
    const broken: PipelineInput = {
      name: "darwin_logs",
      matchers: ['collector.os="darwin"'],
      contents: 'loki.source.file "logs" {\n  targets = [] forward_to = []\n}\n',
    };
    fm = await createFmEmulator({ token: TOKEN, pipelines: [...EXAMPLE_PIPELINES, broken] });
    // Unregistered only, so the emulator's record of each collector's status stays to be read.
    const { code, stdout } = await pipelines(["fleet-management", "--cleanup", "unregister"]);
    expect(code).toBe(1);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
    const recorded = new Map(fm.collectors().map((c) => [c.id, c]));
    for (const id of darwinIds) {
      const error = recorded.get(id)!.lastRemoteConfigError!;
      expect(recorded.get(id)!.lastRemoteConfigStatus).toBe("RemoteConfigStatuses_FAILED");
      expect(error).toMatch(/^\d+:16: expected TERMINATOR, got IDENT$/);
      expect(row(stdout, id)).toEqual([id, "-", `FAILED ${error}`]);
    }
    for (const id of [...linuxIds, ...windowsIds]) {
      expect(recorded.get(id)!.lastRemoteConfigStatus).toBeUndefined();
      expect(row(stdout, id)[2]).toBe("APPLIED");
    }
    expect(stdout).toContain("3 of 19 collectors could not load their config (FAILED above).");
  });

  it("prints JSON with --json, the expectation's verdict per collector included", async () => {
    fm = await createFmEmulator({ token: TOKEN, pipelines: EXAMPLE_PIPELINES });
    const strict = join(mkdtempSync(join(tmpdir(), "fm-expect-")), "strict.yaml");
    writeFileSync(strict, "- match: ['collector.os=~\".+\"']\n  pipelines: [self_monitoring_metrics]\n");
    const { code, stdout } = await pipelines(["fleet-management", "--expect", strict, "--json"]);
    expect(code).toBe(1);
    const out = JSON.parse(stdout) as {
      blueprint: string;
      ok: boolean;
      collectors: {
        id: string;
        pipelines: string[];
        status: string;
        missing: string[];
        unexpected: string[];
      }[];
    };
    expect(out.blueprint).toBe("fleet-management");
    expect(out.ok).toBe(false);
    expect(out.collectors).toHaveLength(19);
    expect(out.collectors.find((c) => c.id === linuxIds[0])).toMatchObject({
      pipelines: ["node_metrics_linux", "self_monitoring_metrics"],
      status: "APPLIED",
      missing: [],
      unexpected: ["node_metrics_linux"],
    });
    expect(out.collectors.find((c) => c.id === darwinIds[0])).toMatchObject({ missing: [], unexpected: [] });
  });

  it("reads nothing from FM when the expectations file has a problem", async () => {
    fm = await createFmEmulator({ token: TOKEN, pipelines: EXAMPLE_PIPELINES });
    const { code, stderr } = await pipelines(["fleet-management", "--expect", "missing.yaml"]);
    expect(code).toBe(2);
    expect(stderr).toBe("fm-fleet pipelines: --expect: missing.yaml: no such file\n");
    expect(fm.requests()).toEqual([]);
  });
});
