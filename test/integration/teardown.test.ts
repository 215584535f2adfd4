/**
 * Teardown from a saved fleet (post's path when the background process is gone), against the FM emulator
 * and the receiver over loopback: it adopts the fleet, cleans everything, deletes the secrets, and a teardown
 * that could not finish keeps the secrets so the next one retries.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/core/logger.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import type { FleetConfig, FleetSecrets } from "../../src/runtime/config.js";
import { writeFileAtomic } from "../../src/runtime/files.js";
import { createFleetEngine } from "../../src/runtime/fleet-engine.js";
import { statePaths } from "../../src/runtime/paths.js";
import { withoutSecrets } from "../../src/runtime/supervisor.js";
import { teardownFleet } from "../../src/runtime/teardown.js";
import { standaloneFleet } from "../helpers/collectors.js";

let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
afterEach(async () => {
  await Promise.all([fm?.close(), rw?.close()]);
});

async function liveFleet(): Promise<{ config: FleetConfig; secrets: FleetSecrets; dir: string }> {
  fm = await createFmEmulator({ stackId: "777", token: "glc_right_token_0123456789" });
  rw = await createRemoteWriteReceiver();
  const config: FleetConfig = {
    blueprint: "t",
    collectors: standaloneFleet(3).map((c) => ({ ...c })),
    fleetStartMs: Date.now() - 60_000,
    intervalMs: 15_000,
    heartbeatIntervalMs: 45_000,
    fmRatePerSecond: 50,
    maxLifetimeMs: 60_000,
    fm: { url: fm.url, stackId: "777" },
    prom: { url: rw.url, user: "" },
    runMarker: "local-0badcafe",
    cleanup: "delete",
  };
  const secrets = { fmToken: "glc_right_token_0123456789" };
  // Another process (the daemon) registered and pushed, then died without cleaning up.
  const engine = createFleetEngine({ config, secrets });
  await engine.start();
  const dir = mkdtempSync(join(tmpdir(), "fm-teardown-"));
  writeFileAtomic(statePaths(dir).roster, JSON.stringify(config));
  writeFileAtomic(statePaths(dir).secrets, JSON.stringify(secrets));
  return { config, secrets, dir };
}

describe("teardown from the saved fleet", () => {
  it("adopts a fleet another process registered: unregisters all, closes every series, deletes the secrets", async () => {
    const { dir } = await liveFleet();
    expect(fm!.collectors().filter((c) => c.registered)).toHaveLength(3);
    expect(rw!.openSeries()).toBe(87);
    const result = await teardownFleet({
      paths: statePaths(dir),
      pid: undefined,
      nonce: "n",
      logger: memoryLogger(),
    });
    expect(result.problems).toEqual([]);
    expect(result.cleanedBy).toBe("inline");
    expect(fm!.collectors().filter((c) => c.registered)).toHaveLength(0);
    // The run marker saved in the fleet file let post confirm the records as its own and delete them.
    expect(fm!.collectors()).toEqual([]);
    expect(result.cleanup).toMatchObject({ mode: "delete", deleted: 3 });
    expect(rw!.openSeries()).toBe(0);
    expect(existsSync(statePaths(dir).secrets)).toBe(false);
  });

  it("keeps the secrets after an incomplete cleanup when asked, and the next teardown finishes the job", async () => {
    const { dir, config } = await liveFleet();
    const paths = statePaths(dir);
    // FM refuses this token (401, never retried): the first teardown cannot unregister.
    writeFileAtomic(paths.secrets, JSON.stringify({ fmToken: "glc_wrong_token_000000000" }));
    const first = await teardownFleet({
      paths,
      pid: undefined,
      nonce: "n",
      logger: memoryLogger(),
      keepSecretsIfIncomplete: true,
    });
    expect(first.problems.length).toBe(config.collectors.length);
    expect(first.problems[0]).toMatch(/still registered: .*unauthenticated/);
    expect(existsSync(paths.secrets)).toBe(true);
    expect(fm!.collectors().filter((c) => c.registered)).toHaveLength(3);

    writeFileAtomic(paths.secrets, JSON.stringify({ fmToken: "glc_right_token_0123456789" }));
    const second = await teardownFleet({ paths, pid: undefined, nonce: "n", logger: memoryLogger() });
    expect(second.problems).toEqual([]);
    expect(fm!.collectors().filter((c) => c.registered)).toHaveLength(0);
    expect(existsSync(paths.secrets)).toBe(false);

    // A third run finds the final record and does nothing.
    const third = await teardownFleet({ paths, pid: undefined, nonce: "n", logger: memoryLogger() });
    expect(third.cleanedBy).toBe("earlier-run");
  });
});

describe("secrets after a teardown", () => {
  it("are deleted when nothing is left to retry, even when a later retry was asked for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fm-teardown-"));
    const paths = statePaths(dir);
    // The saved fleet cannot be read, so no later teardown can do anything with the secrets.
    writeFileAtomic(paths.roster, "{not json");
    writeFileAtomic(paths.secrets, JSON.stringify({ fmToken: "glc_right_token_0123456789" }));
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    const result = await teardownFleet({
      paths,
      pid: gone.pid,
      nonce: "n",
      logger: memoryLogger(),
      keepSecretsIfIncomplete: true,
    });
    expect(result.problems.join("\n")).toContain("could not read the saved fleet");
    expect(existsSync(paths.secrets)).toBe(false);
  });
});

describe("the background process's environment", () => {
  it("carries no token: inputs and credential variables are stripped, the runner's tracking ID is kept", () => {
    const env = withoutSecrets({
      "INPUT_FM-TOKEN": "glc_x",
      INPUT_BLUEPRINT: "fleet-management",
      GC_FM_TOKEN: "glc_y",
      GC_PROM_TOKEN: "glc_z",
      GC_TOKEN: "glc_w",
      GC_FM_URL: "https://fm.example.com",
      RUNNER_TRACKING_ID: "github_1",
      PATH: "/usr/bin",
    });
    expect(env).toEqual({
      GC_FM_URL: "https://fm.example.com",
      RUNNER_TRACKING_ID: "github_1",
      PATH: "/usr/bin",
    });
  });

  it("strips every variable whose name looks like a token, secret or password, the runner's included", () => {
    const kept = {
      PATH: "/usr/bin",
      HOME: "/home/runner",
      RUNNER_TEMP: "/tmp/r",
      RUNNER_TRACKING_ID: "github_1",
      NODE_EXTRA_CA_CERTS: "/etc/ca.pem",
      GITHUB_REPOSITORY: "o/r",
      GITHUB_RUN_ID: "42",
      ACTIONS_CACHE_URL: "https://cache.example/",
    };
    const env = withoutSecrets({
      ...kept,
      GITHUB_TOKEN: "ghs_x",
      ACTIONS_RUNTIME_TOKEN: "eyJ.x",
      ACTIONS_RUNTIME_URL: "https://pipelines.example/",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "eyJ.y",
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example/",
      npm_config__authToken: "npm_x",
      AWS_SECRET_ACCESS_KEY: "aws",
      DB_PASSWORD: "pw",
      Client_Secret: "cs",
      INPUT_ANYTHING: "x",
    });
    expect(env).toEqual(kept);
  });
});
