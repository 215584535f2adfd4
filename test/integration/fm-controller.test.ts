/**
 * The FM client and controller against the emulator over real loopback HTTP: the whole path a fleet takes,
 * faults included. Time is real here, so intervals are short and waits are generous upper bounds.
 */
import { afterEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import { USER_AGENT } from "../../src/core/version.js";
import { createFmEmulator, type FmEmulator, type FmEmulatorOptions } from "../../src/emulator/fm-server.js";
import { type Collector } from "../../src/fleet/types.js";
import { OS_ORDER } from "../../src/blueprint/os.js";
import { standaloneCollector } from "../helpers/collectors.js";
import { createFmClient } from "../../src/fm/client.js";
import { createFmController, type FmControllerOptions } from "../../src/fm/controller.js";
import { FmRejectedError } from "../../src/fm/guidance.js";
import { createHttpTransport } from "../../src/transport/http.js";
import { createTokenBucket } from "../../src/transport/rate-limit.js";
import type { HttpTransport } from "../../src/transport/types.js";

const collectors = (n: number): Collector[] =>
  Array.from({ length: n }, (_, i) =>
    standaloneCollector({
      blueprint: "itest",
      env: "prod",
      os: OS_ORDER[i % 3]!,
      index: Math.floor(i / 3) + 1,
    }),
  );

let emulator: FmEmulator | undefined;
let transport: HttpTransport | undefined;

afterEach(async () => {
  await transport?.close();
  await emulator?.close();
  transport = undefined;
  emulator = undefined;
});

async function setup(
  n: number,
  emulatorOptions: FmEmulatorOptions = {},
  controllerOptions: Partial<FmControllerOptions> & {
    token?: string;
    ratePerSecond?: number;
    adopt?: boolean;
  } = {},
) {
  emulator = await createFmEmulator({
    stackId: "424242",
    token: "glc_emulatortoken0123456789",
    ...emulatorOptions,
  });
  transport = createHttpTransport();
  const logger = memoryLogger();
  const token = controllerOptions.token ?? emulator.token;
  const client = createFmClient({ baseUrl: `${emulator.url}/`, stackId: emulator.stackId, token, transport });
  const roster = collectors(n);
  const controller = createFmController({
    client,
    heartbeatIntervalMs: 2000,
    rateLimiter: createTokenBucket({ ratePerSecond: controllerOptions.ratePerSecond ?? 15 }),
    random: seededRandom(3),
    logger,
    ...controllerOptions,
  });
  if (controllerOptions.adopt) controller.adopt(roster);
  return { fm: emulator, client, controller, logger, token, roster };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Most requests that arrived within any one second. */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe("FM client on the wire", () => {
  it("sends the exact Connect headers and bodies of docs/fm-protocol.md", async () => {
    const { fm, client } = await setup(1);
    const [c] = collectors(1);
    await client.register(c!);
    await client.getConfig(c!);
    await client.unregister(c!.id);
    const [register, getConfig, unregister] = fm.requests();
    for (const r of [register, getConfig, unregister]) {
      expect(r!.status).toBe(200);
      expect(r!.headers).toMatchObject({
        "content-type": "application/json",
        "connect-protocol-version": "1",
        "user-agent": USER_AGENT,
      });
    }
    expect(register!.body).toBe(JSON.stringify({ id: c!.id, name: c!.name, localAttributes: c!.attributes }));
    expect(getConfig!.body).toBe(JSON.stringify({ id: c!.id, localAttributes: c!.attributes }));
    expect(unregister!.body).toBe(JSON.stringify({ id: c!.id }));
  });
});

describe("FM controller against the emulator", () => {
  it("under 30 % injected 503 and 429, every collector ends registered, heartbeating, then unregistered", async () => {
    const faults = { unavailable: 0.2, resourceExhausted: 0.1 };
    const { fm, controller, roster } = await setup(24, {
      seed: 11,
      faults: { RegisterCollector: faults, GetConfig: faults, UnregisterCollector: faults },
    });
    const report = await controller.register(roster);
    expect(report).toEqual({ registered: 24, failed: [] });
    expect(fm.collectors().every((c) => c.registered)).toBe(true);

    controller.startHeartbeats();
    await until(
      () => fm.collectors().every((c) => c.heartbeats >= 3),
      "three heartbeats from every collector",
    );
    await controller.stopHeartbeats();
    expect(fm.collectors().every((c) => c.active)).toBe(true);

    const cleanup = await controller.unregisterAll({ deadlineMs: performance.now() + 30_000 });
    expect(cleanup.failed).toEqual([]);
    expect(cleanup.unregistered).toHaveLength(24);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);

    expect(controller.counters().retries).toBeGreaterThan(0);
    expect(
      fm.requests().filter((r) => r.fault === "unavailable" || r.fault === "resource_exhausted").length,
    ).toBeGreaterThan(0);
  });

  it("keeps the rate at the emulator within the client's limit, so FM never refuses a call", async () => {
    // 30 collectors: 60 calls to register; heartbeats at 30 / 2 s = 15 req/s, right at the limit.
    const { fm, controller, roster } = await setup(30, { rateLimitPerSecond: 20 }, { ratePerSecond: 15 });
    await controller.register(roster);
    controller.startHeartbeats();
    await until(
      () => fm.collectors().every((c) => c.heartbeats >= 3),
      "three heartbeats from every collector",
    );
    await controller.unregisterAll();

    const limited = fm.requests().filter((r) => r.method === "RegisterCollector" || r.method === "GetConfig");
    const times = limited.map((r) => r.time);
    expect(fm.requests().filter((r) => r.fault === "rate_limited")).toEqual([]);
    // Pacing is 67 ms per call; one call's network jitter at a window's edge can add one.
    expect(maxPerSecond(times)).toBeLessThanOrEqual(16);
    const spanS = (Math.max(...times) - Math.min(...times)) / 1000;
    expect((limited.length - 1) / spanS).toBeLessThanOrEqual(15);
  });

  it("fails fast on 401 with what to check, and no token anywhere in what it prints", async () => {
    const wrong = "glc_wrongtoken_ABCDEFGHIJKLMNOP";
    const { fm, controller, logger, roster } = await setup(40, {}, { token: wrong });
    const error = await controller.register(roster).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FmRejectedError);
    const message = (error as Error).message;
    expect(message).toContain("HTTP 401 unauthenticated: authentication error: invalid scope requested");
    expect(message).toMatch(/check GC_FM_STACK_ID .* not GC_PROM_USER\) and GC_FM_TOKEN/);
    expect(message).toContain("fleet-management:write");
    expect(message).toContain("fm-fleet doctor");
    // Stopped at once: at most the calls already in flight, one per collector, none retried.
    const calls = fm.requests();
    expect(calls.length).toBeLessThanOrEqual(16);
    expect(new Set(calls.map((r) => r.collectorId)).size).toBe(calls.length);

    const printed = [
      message,
      JSON.stringify(error),
      String((error as Error).stack),
      ...logger.lines.map((l) => l.message),
      JSON.stringify(fm.requests()),
      JSON.stringify(controller.counters()),
    ].join("\n");
    for (const secret of [wrong, btoa(wrong), btoa(`${fm.stackId}:${wrong}`), fm.token])
      expect(printed).not.toContain(secret);
  });

  it("re-registers a collector FM forgot, and keeps heartbeating it", async () => {
    const { fm, controller, roster } = await setup(3, {}, { heartbeatIntervalMs: 1000 });
    await controller.register(roster);
    const forgotten = collectors(3)[1]!.id;
    fm.deleteCollector(forgotten);
    controller.startHeartbeats();
    await until(
      () => (fm.collectors().find((c) => c.id === forgotten)?.heartbeats ?? 0) >= 2,
      "heartbeats again",
    );
    await controller.stopHeartbeats();
    expect(controller.counters().reRegistrations).toBe(1);
    expect(fm.collectors().find((c) => c.id === forgotten)).toMatchObject({
      registered: true,
      registrations: 1,
    });
    await controller.unregisterAll();
  });

  it("unregisters past two injected failures per collector", async () => {
    const { fm, controller, roster } = await setup(5, { faults: { UnregisterCollector: { failFirst: 2 } } });
    await controller.register(roster);
    const report = await controller.unregisterAll({ deadlineMs: performance.now() + 20_000 });
    expect(report.failed).toEqual([]);
    expect(report.unregistered).toHaveLength(5);
    for (const c of fm.collectors()) {
      expect(c.registered).toBe(false);
      expect(c.requests.UnregisterCollector).toBe(3);
    }
  });

  it("unregisters a roster it never registered (post's inline cleanup), counting not_found as done", async () => {
    const { fm, controller, roster } = await setup(4, {}, { adopt: true });
    const report = await controller.unregisterAll();
    expect(report).toEqual({ unregistered: roster.map((c) => c.id), failed: [], warnings: [] });
    expect(fm.requests().map((r) => r.status)).toEqual([404, 404, 404, 404]);
  });

  it("sends no UnregisterCollector for collectors it never registered, and reports none left behind", async () => {
    const { fm, controller } = await setup(4);
    const report = await controller.unregisterAll();
    expect(report).toEqual({ unregistered: [], failed: [], warnings: [] });
    expect(fm.requests()).toHaveLength(0);
  });

  it("after a 401 at registration, cleanup calls nothing and reports nothing left registered", async () => {
    const { fm, controller, roster } = await setup(4, {}, { token: "glc_wrongtoken0123456789" });
    await expect(controller.register(roster)).rejects.toThrow(/unauthenticated/);
    const sent = fm.requests().length;
    const report = await controller.unregisterAll();
    expect(report.failed).toEqual([]);
    expect(fm.requests()).toHaveLength(sent);
    expect(fm.collectors().filter((c) => c.registered)).toHaveLength(0);
  });
});

describe("FM controller against hostile answers", () => {
  it("unregisters every collector although UnregisterCollector answers 429 with Retry-After: 999999", async () => {
    const { fm, controller, roster } = await setup(6, {
      seed: 5,
      faults: { UnregisterCollector: { hugeRetryAfter: 0.5 } },
    });
    expect(await controller.register(roster)).toEqual({ registered: 6, failed: [] });
    // Cleanup is the last chance: a wait of days it cannot honour is no reason to leave collectors behind.
    const cleanup = await controller.unregisterAll({ deadlineMs: performance.now() + 20_000 });
    expect(cleanup.failed).toEqual([]);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
    expect(fm.requests().filter((r) => r.fault === "huge_retry_after").length).toBeGreaterThan(0);
  });

  it("takes neither Register nor Unregister answered 200 with a body that never ends for a failure", async () => {
    const { fm, controller, roster } = await setup(6, {
      seed: 5,
      faults: { RegisterCollector: { endlessBody: 0.5 }, UnregisterCollector: { endlessBody: 0.5 } },
    });
    expect(await controller.register(roster)).toEqual({ registered: 6, failed: [] });
    expect(fm.collectors().filter((c) => c.registered)).toHaveLength(6);
    const cleanup = await controller.unregisterAll({ deadlineMs: performance.now() + 20_000 });
    expect(cleanup.failed).toEqual([]);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
    // The fault did happen, with FM's effect behind a 200, on both methods.
    for (const method of ["RegisterCollector", "UnregisterCollector"])
      expect(
        fm.requests().filter((r) => r.method === method && r.fault === "endless_body" && r.status === 200)
          .length,
        method,
      ).toBeGreaterThan(0);
  });
});
