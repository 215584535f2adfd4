/**
 * The action run from its sources by GitHub's own local runner, `@github/local-action`, as a contributor
 * debugs it: `local-action run . src/main.ts <env file> --post src/post.ts`, against the FM emulator and the
 * remote-write receiver. src/main.ts and src/post.ts must export run() and do nothing on import, and main must
 * find the background process's source entry (src/bin/daemon.ts) when it runs from the sources.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { ROOT } from "../helpers/runner.js";

const LOCAL_ACTION = join(ROOT, "node_modules", "@github", "local-action", "bin", "local-action.js");
const TOKEN = "glc_local_action_e2e_0123456789";

let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
afterEach(async () => {
  await Promise.all([fm?.close(), rw?.close()]);
  fm = rw = undefined;
});

describe("@github/local-action runs the action from its sources", () => {
  it("main starts the fleet, post cleans it up, nothing is left", async () => {
    fm = await createFmEmulator({ token: TOKEN });
    rw = await createRemoteWriteReceiver({ user: "9", token: TOKEN });
    const dir = mkdtempSync(join(tmpdir(), "fm-local-action-"));
    const envFile = join(dir, ".env");
    writeFileSync(
      envFile,
      [
        `GC_FM_URL=${fm.url}`,
        `GC_FM_STACK_ID=${fm.stackId}`,
        `GC_FM_TOKEN=${TOKEN}`,
        `GC_PROM_URL=${rw.url}`,
        "GC_PROM_USER=9",
        `GC_PROM_TOKEN=${TOKEN}`,
        "INPUT_BLUEPRINT=k8s-monitoring",
        "INPUT_INTERVAL=1s",
        "INPUT_HEARTBEAT-INTERVAL=2s",
        `RUNNER_TEMP=${dir}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const child = spawn(
      process.execPath,
      [LOCAL_ACTION, "run", ".", "src/main.ts", envFile, "--post", "src/post.ts"],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));

    expect(code, out).toBe(0);
    expect(out).toMatch(/fleet ready in/);
    expect(out).toMatch(/Running Post Step/);
    expect(out).toMatch(/cleanup complete \(by the background process\)/);
    const registered = new Set(
      fm
        .requests()
        .filter((r) => r.method === "RegisterCollector" && r.status === 200)
        .map((r) => r.collectorId),
    );
    expect(registered.size).toBeGreaterThan(0);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
    expect(rw.series().length).toBeGreaterThan(0);
    expect(rw.openSeries()).toBe(0);
    expect(out).not.toContain(TOKEN);
  });
});
