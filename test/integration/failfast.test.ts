/**
 * Failures end fast and say what to check: an unreachable FM, a refused FM token and a refused remote-write
 * token, through the engine and through `fm-fleet run`, against the emulators on loopback. Each failure is
 * one sentence that names the settings to check in the frontend's words and suggests fm-fleet doctor.
 */
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import type { Speaker } from "../../src/settings/hints.js";
import { standaloneFleet } from "../helpers/collectors.js";

const TOKEN = "glc_failfast_test_0123456789abcdef";
/** Ticks every second; no heartbeat or lifetime limit comes due within a test. */
const QUICK = { intervalMs: 1000, heartbeatIntervalMs: 60_000, fmRatePerSecond: 50, maxLifetimeMs: 60_000 };
let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;
let engine: FleetEngine | undefined;

afterEach(async () => {
  await engine?.stop({ deadlineMs: performance.now() + 5_000 });
  await Promise.all([fm?.close(), rw?.close()]);
  fm = rw = engine = undefined;
});

/** A loopback URL nothing listens on: every connection is refused. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function fleet(options: {
  fmUrl?: string;
  fmToken?: string;
  promToken?: string;
  speaker?: Speaker;
  adopt?: { seriesNeverAccepted: boolean };
}) {
  const { config, secrets } = buildFleetConfig(
    {
      ...QUICK,
      ...(options.speaker ? { speaker: options.speaker } : {}),
      credentials: {
        ...(options.fmUrl
          ? { fm: { url: options.fmUrl, stackId: fm?.stackId ?? "1", token: options.fmToken ?? TOKEN } }
          : {}),
        ...(rw ? { prom: { url: rw.url, user: "7", token: options.promToken ?? TOKEN } } : {}),
      },
    },
    { blueprint: "failfast", collectors: standaloneFleet(5) },
    Date.now(),
  );
  engine = createFleetEngine({
    config,
    secrets,
    ...(options.adopt ? { adoptFleet: true, seriesNeverAccepted: options.adopt.seriesNeverAccepted } : {}),
  });
  return engine;
}

async function startOutcome(e: FleetEngine, signal?: AbortSignal): Promise<string> {
  return e.start(signal).then(
    () => "ready",
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
}

describe("an unreachable FM", () => {
  it("fails the start with what to check, and cleanup touches nothing it never registered", async () => {
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const e = fleet({ fmUrl: await closedPortUrl() });
    const stop = new AbortController();
    const outcome = startOutcome(e, stop.signal);
    // The registrations retry until the run's end; the end comes as --duration's would.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop.abort(new Error("--duration ended"));
    const message = await outcome;
    expect(message).toMatch(/^5 of 5 collectors could not be registered: Fleet Management did not answer \(/);
    expect(message).toContain("ECONNREFUSED");
    expect(message).toContain("check GC_FM_URL and this machine's network, or run fm-fleet doctor");
    // The stop is not the failure: the sentence is FM's last answer.
    expect(message).not.toContain("--duration ended");

    const report = await e.stop();
    // Nothing was registered, so nothing is owed an Unregister: not one call, not one failure.
    expect(report.unregistered).toBe(0);
    expect(report.unregisterFailed).toEqual([]);
    expect(e.counters().fm).toMatchObject({
      registrations: 0,
      unregistrations: 0,
      unregistrationFailures: 0,
    });
    expect(report.complete).toBe(true);
  });
});

describe("a refused FM token", () => {
  it("is one sentence naming the CLI's variables, thrown once, with no per-collector echo", async () => {
    fm = await createFmEmulator({ token: "glc_the_right_token_0123456789" });
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const e = fleet({ fmUrl: fm.url });
    const message = await startOutcome(e);
    expect(message).toMatch(/^Fleet Management refused the credentials \(RegisterCollector for /);
    expect(message).toContain("check GC_FM_STACK_ID (");
    expect(message).toContain("and GC_FM_TOKEN (");
    expect(message).toMatch(/or run fm-fleet doctor, which tests each one\.$/);
    expect(message).not.toMatch(/\binput /);
  });

  it("names the action's inputs when the action started the fleet", async () => {
    fm = await createFmEmulator({ token: "glc_the_right_token_0123456789" });
    const e = fleet({ fmUrl: fm.url, speaker: "action" });
    const message = await startOutcome(e);
    expect(message).toContain("check input fm-stack-id (");
    expect(message).toContain("and input fm-token (");
    expect(message).not.toContain("GC_");
  });
});

describe("a refused remote-write token", () => {
  it("fails the first push naming GC_PROM_USER and GC_PROM_TOKEN", async () => {
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const e = fleet({ promToken: "glc_wrong_token_0123456789abcdef" });
    const message = await startOutcome(e);
    expect(message).toMatch(
      /^the first remote-write push failed: The remote-write endpoint refused the credentials/,
    );
    expect(message).toContain("check GC_PROM_USER (");
    expect(message).toContain("and GC_PROM_TOKEN (");
    expect(message).toContain("fm-fleet doctor");
  });

  it("owes nothing when cleaning up after a fleet whose samples were never accepted", async () => {
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const report = await fleet({
      promToken: "glc_wrong_token_0123456789abcdef",
      adopt: { seriesNeverAccepted: true },
    }).stop();
    expect(report.seriesOpen).toBe(0);
    expect(report.complete).toBe(true);
    // Not a single stale marker was attempted.
    expect(rw.requests()).toBe(0);
  });

  it("says what to check when series another process opened cannot be closed", async () => {
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const report = await fleet({
      promToken: "glc_wrong_token_0123456789abcdef",
      adopt: { seriesNeverAccepted: false },
    }).stop();
    expect(report.seriesOpen).toBeGreaterThan(0);
    expect(report.seriesError).toContain("check GC_PROM_USER (");
    expect(report.seriesError).toContain("fm-fleet doctor");
  });
});

describe("a refused Alertmanager token", () => {
  it("is logged once with the variables to check, and does not fail the start", async () => {
    // An Alertmanager that refuses every token.
    const am = createHttpServer((_req, res) => res.writeHead(401).end("unauthorized"));
    await new Promise<void>((resolve) => am.listen(0, "127.0.0.1", resolve));
    const { port } = am.address() as { port: number };
    try {
      rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
      const lines: string[] = [];
      const log = (message: string) => lines.push(message);
      const { config, secrets } = buildFleetConfig(
        {
          ...QUICK,
          credentials: {
            prom: { url: rw.url, user: "7", token: TOKEN },
            alertmanager: { url: `http://127.0.0.1:${port}`, user: "9", token: TOKEN },
          },
        },
        { blueprint: "failfast", collectors: standaloneFleet(3, { healthy: false }) },
        Date.now(),
      );
      engine = createFleetEngine({
        config,
        secrets,
        logger: { debug() {}, info() {}, warn: log, error: log },
      });
      await engine.start();
      const refusals = lines.filter((l) => l.includes("Alertmanager refused the credentials"));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toContain("check GC_ALERTMANAGER_USER (");
      expect(refusals[0]).toContain("and GC_ALERTMANAGER_TOKEN (");
      expect(refusals[0]).toContain("fm-fleet doctor");
    } finally {
      await engine?.stop({ deadlineMs: performance.now() + 2_000 });
      engine = undefined;
      await new Promise<void>((resolve) => am.close(() => resolve()));
    }
  });
});

describe("fm-fleet run", () => {
  async function run(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
    let stderr = "";
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: { write: (text: string) => ((stderr += text), true) },
      env,
      cwd: import.meta.dirname,
    };
    const code = await runCli(["run", "fleet-management", "--duration", "2s"], io);
    return { code, stderr };
  }

  it("says a refused FM token once, in the CLI's words, and cleans up", async () => {
    fm = await createFmEmulator({ token: "glc_the_right_token_0123456789" });
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const { code, stderr } = await run({
      GC_FM_URL: fm.url,
      GC_FM_STACK_ID: fm.stackId,
      GC_FM_TOKEN: TOKEN,
      GC_PROM_URL: rw.url,
      GC_PROM_USER: "7",
      GC_PROM_TOKEN: TOKEN,
    });
    expect(code).toBe(1);
    expect(stderr.match(/refused the credentials/g)).toHaveLength(1);
    expect(stderr.match(/GC_FM_STACK_ID/g)).toHaveLength(1);
    expect(stderr).toMatch(/start failed: Fleet Management refused the credentials .*fm-fleet doctor/);
    // No line per collector, and none naming a collector for another's refusal.
    expect(stderr).not.toMatch(/FM register /);
    expect(stderr).toMatch(/cleanup after the failed start complete/);
  });

  it("ends an unreachable FM at the end of --duration, with the variable to check", async () => {
    rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN });
    const { code, stderr } = await run({
      GC_FM_URL: await closedPortUrl(),
      GC_FM_STACK_ID: "1",
      GC_FM_TOKEN: TOKEN,
      GC_PROM_URL: rw.url,
      GC_PROM_USER: "7",
      GC_PROM_TOKEN: TOKEN,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /start failed: 19 of 19 collectors could not be registered: Fleet Management did not answer/,
    );
    expect(stderr.match(/check GC_FM_URL/g)).toHaveLength(1);
    // Nothing registered, so nothing unregistered: the cleanup line says so and is complete.
    expect(stderr).toMatch(/cleanup after the failed start complete: 0 collectors unregistered/);
  });
});
