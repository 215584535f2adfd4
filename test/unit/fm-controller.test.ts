import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/core/clock.js";
import type { ConnectCode, FmProcedure } from "../../src/core/errors.js";
import { FmApiError } from "../../src/core/errors.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { Collector } from "../../src/fleet/types.js";
import type { FmClient, GetConfigOptions, GetConfigResult } from "../../src/fm/client.js";
import { createFmController, type FmControllerOptions } from "../../src/fm/controller.js";
import { FmRejectedError } from "../../src/fm/guidance.js";
import { createTokenBucket } from "../../src/transport/rate-limit.js";
import type { SendOutcome } from "../../src/transport/types.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";

const collectors = (n: number): Collector[] =>
  Array.from({ length: n }, (_, i) => {
    const id = `demo-prod-linux-${String(i + 1).padStart(2, "0")}`;
    return {
      id,
      name: id,
      os: "linux",
      version: "v1.18.1",
      env: "prod",
      kind: "standalone",
      healthy: true,
      attributes: { "collector.os": "linux", "collector.version": "v1.18.1", env: "prod" },
      labels: {},
    };
  });

interface Call {
  procedure: FmProcedure;
  id: string;
  at: number;
  hash?: string;
  status?: string;
  attributes?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

type Override = (call: Call, n: number) => SendOutcome<unknown> | undefined;

const fail = (procedure: FmProcedure, code: ConnectCode, status: number, id?: string): SendOutcome<never> => {
  const error = new FmApiError(procedure, code, status, `emulated ${code}`, id);
  return ["unavailable", "resource_exhausted", "deadline_exceeded"].includes(code)
    ? { kind: "retryable", error }
    : { kind: "failure", error };
};

/**
 * An in-memory FM behind the FmClient interface: Register upserts, GetConfig serves one config and
 * answers notModified when the hash is echoed, Unregister forgets. `override` scripts faults; `latencyMs`
 * makes calls take time on the fake clock, honouring the call's timeout like the real transport.
 */
function fakeFm(clock: FakeClock, options: { override?: Override; latencyMs?: number } = {}) {
  const calls: Call[] = [];
  const registered = new Set<string>();
  const inFlight = new Map<string, number>();
  let maxInFlightPerId = 0;
  let content = 'logging { level = "info" }';
  let hash = "h1";
  let n = 0;

  async function handle<T>(call: Call, ok: () => SendOutcome<T>): Promise<SendOutcome<T>> {
    calls.push(call);
    const now = (inFlight.get(call.id) ?? 0) + 1;
    inFlight.set(call.id, now);
    maxInFlightPerId = Math.max(maxInFlightPerId, now);
    try {
      if (options.latencyMs) {
        const timeout = call.timeoutMs ?? 15_000;
        await clock.sleep(Math.min(options.latencyMs, timeout));
        if (options.latencyMs > timeout) return fail(call.procedure, "deadline_exceeded", 0, call.id);
      }
      return (options.override?.(call, n++) as SendOutcome<T> | undefined) ?? ok();
    } finally {
      inFlight.set(call.id, inFlight.get(call.id)! - 1);
    }
  }

  const client: FmClient = {
    register: (c, o) =>
      handle(
        {
          procedure: "RegisterCollector",
          id: c.id,
          at: clock.now(),
          attributes: c.attributes,
          timeoutMs: o?.timeoutMs,
        },
        () => {
          registered.add(c.id);
          return { kind: "success", value: undefined };
        },
      ),
    getConfig: (c, o?: GetConfigOptions) =>
      handle<GetConfigResult>(
        {
          procedure: "GetConfig",
          id: c.id,
          at: clock.now(),
          hash: o?.hash,
          status: o?.remoteConfigStatus?.status,
          attributes: c.attributes,
          timeoutMs: o?.timeoutMs,
        },
        () => {
          if (!registered.has(c.id)) return fail("GetConfig", "not_found", 404, c.id);
          return o?.hash === hash
            ? { kind: "success", value: { hash, notModified: true } }
            : { kind: "success", value: { content, hash, notModified: false } };
        },
      ),
    unregister: (id, o) =>
      handle<void>({ procedure: "UnregisterCollector", id, at: clock.now(), timeoutMs: o?.timeoutMs }, () => {
        if (!registered.delete(id)) return fail("UnregisterCollector", "not_found", 404, id);
        return { kind: "success", value: undefined };
      }),
    listCollectors: () => Promise.resolve({ kind: "success", value: [] }),
    getLimits: () => Promise.resolve({ kind: "success", value: {} }),
  };
  return {
    client,
    calls,
    registered,
    maxInFlightPerId: () => maxInFlightPerId,
    publish(newContent: string, newHash: string) {
      content = newContent;
      hash = newHash;
    },
    forget: (id: string) => registered.delete(id),
  };
}

function setup(
  n: number,
  extra: Partial<FmControllerOptions> & { override?: Override; latencyMs?: number } = {},
) {
  const clock = createFakeClock();
  const fm = fakeFm(clock, { override: extra.override, latencyMs: extra.latencyMs });
  const logger = memoryLogger();
  const roster = collectors(n);
  const controller = createFmController({
    client: fm.client,
    heartbeatIntervalMs: 45_000,
    rateLimiter: createTokenBucket({ ratePerSecond: 15, clock }),
    clock,
    random: seededRandom(7),
    logger,
    ...extra,
  });
  return { clock, fm, logger, controller, roster, t0: clock.now() };
}

/** Runs `promise` to completion while moving fake time forward. */
async function drive<T>(clock: FakeClock, promise: Promise<T>, stepMs = 1000, maxMs = 3_600_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => (done = true));
  for (let t = 0; !done && t < maxMs; t += stepMs) await clock.advance(stepMs);
  return tracked;
}

const of = (calls: Call[], procedure: FmProcedure, id?: string) =>
  calls.filter((c) => c.procedure === procedure && (id === undefined || c.id === id));

describe("registerAll", () => {
  it("registers each collector, then makes its first GetConfig, within the rate limit", async () => {
    const { clock, fm, controller, roster } = setup(30);
    const report = await drive(clock, controller.register(roster), 100);
    expect(report).toEqual({ registered: 30, failed: [] });
    for (const c of collectors(30)) {
      const mine = fm.calls.filter((x) => x.id === c.id).map((x) => x.procedure);
      expect(mine).toEqual(["RegisterCollector", "GetConfig"]);
    }
    const times = fm.calls.map((c) => c.at);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000 / 15 - 1e-6);
    expect(controller.counters()).toMatchObject({ registrations: 30, heartbeatsOk: 30 });
  });

  it("counts already_exists as registered", async () => {
    const { clock, controller, roster } = setup(2, {
      override: (c) =>
        c.procedure === "RegisterCollector" ? fail(c.procedure, "already_exists", 409, c.id) : undefined,
    });
    // The fake only serves collectors it registered itself; already_exists means FM has it anyway.
    const report = await drive(clock, controller.register(roster), 100);
    expect(report.registered).toBe(2);
    expect(report.failed).toEqual([]);
  });

  it("rides out transient errors with retries", async () => {
    const { clock, controller, roster } = setup(10, {
      override: (c, n) =>
        n % 3 === 0 ? fail(c.procedure, n % 2 ? "unavailable" : "resource_exhausted", 503, c.id) : undefined,
    });
    const report = await drive(clock, controller.register(roster), 100);
    expect(report).toEqual({ registered: 10, failed: [] });
    expect(controller.counters().retries).toBeGreaterThan(0);
  });

  it("stops at once on 401 with what to check, and never retries it", async () => {
    const { clock, fm, controller, logger, roster } = setup(100, {
      override: (c) => fail(c.procedure, "unauthenticated", 401, c.id),
    });
    const error = await drive(
      clock,
      controller.register(roster).catch((e: unknown) => e),
      100,
    );
    expect(error).toBeInstanceOf(FmRejectedError);
    const message = (error as Error).message;
    // One sentence: what FM said, and what to check, by the CLI's names.
    expect(message).toMatch(
      /^Fleet Management refused the credentials \(RegisterCollector for \S+, HTTP 401 unauthenticated/,
    );
    expect(message).toContain("check GC_FM_STACK_ID (");
    expect(message).toContain("not GC_PROM_USER");
    expect(message).toContain("GC_FM_TOKEN (an access-policy token");
    expect(message).toContain("fleet-management:write");
    expect(message).toMatch(/or run fm-fleet doctor, which tests each one\.$/);
    expect(message.match(/\. /g)).toBeNull();
    // At most the calls already in flight when the first 401 came back; each collector tried once.
    expect(fm.calls.length).toBeLessThanOrEqual(16);
    expect(new Set(fm.calls.map((c) => c.id)).size).toBe(fm.calls.length);
    // Thrown to the caller, which says it once: the controller itself logs no line about it, and no
    // other collector's stopped call is reported as a failure of its own.
    expect(logger.lines.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    // Calling again neither retries nor forgets.
    const before = fm.calls.length;
    await expect(controller.register(roster)).rejects.toBe(error);
    expect(fm.calls.length).toBe(before);
  });

  it("is idempotent: collectors FM holds are not registered again", async () => {
    const { clock, fm, controller, roster } = setup(5);
    await drive(clock, controller.register(roster), 100);
    const before = fm.calls.length;
    expect(await controller.register(roster)).toEqual({ registered: 0, failed: [] });
    expect(fm.calls.length).toBe(before);
  });
});

describe("heartbeats", () => {
  it("beat every interval, spread evenly over it, with at most ±100 ms of jitter", async () => {
    const { clock, fm, controller, roster } = setup(10);
    await drive(clock, controller.register(roster), 100);
    fm.calls.length = 0;
    const start = clock.now();
    controller.startHeartbeats();
    await clock.advance(4 * 45_000 - 1000);
    await controller.stopHeartbeats();

    const beats = of(fm.calls, "GetConfig");
    expect(beats).toHaveLength(40);
    beats.forEach((b, k) => {
      const index = Number(b.id.slice(-2)) - 1;
      const slot = start + index * 4500 + Math.floor(k / 10) * 45_000;
      expect(Math.abs(b.at - slot)).toBeLessThanOrEqual(100 + 1000 / 15);
    });
    for (const c of collectors(10)) {
      const times = of(fm.calls, "GetConfig", c.id).map((b) => b.at);
      for (let i = 1; i < times.length; i++)
        expect(Math.abs(times[i]! - times[i - 1]! - 45_000)).toBeLessThanOrEqual(200);
    }
    expect(controller.counters().heartbeatsLate).toBe(0);
  });

  it("send localAttributes every time, echo the last hash, and report APPLIED once per new content", async () => {
    const { clock, fm, controller, roster } = setup(1);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    await clock.advance(2 * 45_000 - 1000);
    fm.publish('logging { level = "debug" }', "h2");
    await clock.advance(3 * 45_000);
    await controller.stopHeartbeats();

    const beats = of(fm.calls, "GetConfig");
    expect(beats.map((b) => [b.hash, b.status])).toEqual([
      [undefined, undefined], // registration: gets content h1
      ["h1", "RemoteConfigStatuses_APPLIED"],
      ["h1", undefined],
      ["h1", undefined], // gets content h2
      ["h2", "RemoteConfigStatuses_APPLIED"],
      ["h2", undefined],
    ]);
    for (const b of beats) expect(b.attributes).toEqual(collectors(1)[0]!.attributes);
  });

  it("re-register a collector FM answers not_found for, then heartbeat it", async () => {
    const { clock, fm, controller, roster } = setup(3);
    await drive(clock, controller.register(roster), 100);
    fm.calls.length = 0;
    fm.forget("demo-prod-linux-02");
    controller.startHeartbeats();
    await clock.advance(45_000);
    await controller.stopHeartbeats();
    expect(fm.calls.filter((c) => c.id === "demo-prod-linux-02").map((c) => c.procedure)).toEqual([
      "GetConfig",
      "RegisterCollector",
      "GetConfig",
    ]);
    expect(controller.counters()).toMatchObject({ reRegistrations: 1, heartbeatsFailed: 0 });
  });

  it("try the re-registration again at the next slot when it fails", async () => {
    let refusals = 1;
    const { clock, fm, controller, roster } = setup(2, {
      override: (c) =>
        c.procedure === "RegisterCollector" && fm.calls.length > 4 && refusals-- > 0
          ? fail(c.procedure, "internal", 500, c.id)
          : undefined,
    });
    await drive(clock, controller.register(roster), 100);
    fm.forget("demo-prod-linux-01");
    controller.startHeartbeats();
    await clock.advance(2 * 45_000 - 1000);
    await controller.stopHeartbeats();
    expect(fm.calls.filter((c) => c.id === "demo-prod-linux-01").map((c) => c.procedure)).toEqual([
      "RegisterCollector",
      "GetConfig",
      "GetConfig",
      "RegisterCollector",
      "GetConfig",
      "RegisterCollector",
      "GetConfig",
    ]);
    expect(fm.registered.has("demo-prod-linux-01")).toBe(true);
    expect(controller.counters()).toMatchObject({ reRegistrations: 2, registrationFailures: 1 });
  });

  it("retry within the collector's own slot and never overlap its next heartbeat", async () => {
    const { clock, fm, controller, roster } = setup(5, {
      latencyMs: 4000,
      override: (c) =>
        c.procedure === "GetConfig" && c.hash ? fail(c.procedure, "unavailable", 503, c.id) : undefined,
    });
    await drive(clock, controller.register(roster), 100);
    fm.calls.length = 0;
    const start = clock.now();
    controller.startHeartbeats();
    await clock.advance(5 * 45_000);
    await drive(clock, controller.stopHeartbeats(), 100);
    expect(fm.maxInFlightPerId()).toBe(1);
    expect(controller.counters().retries).toBeGreaterThan(0);
    for (const c of collectors(5)) {
      const index = Number(c.id.slice(-2)) - 1;
      for (const call of of(fm.calls, "GetConfig", c.id)) {
        // Every attempt belongs to one slot and ends before the next slot begins.
        const round = Math.floor((call.at - start - index * 9000 + 200) / 45_000);
        const nextSlot = start + index * 9000 + (round + 1) * 45_000;
        expect(call.at + Math.min(4000, call.timeoutMs ?? 15_000)).toBeLessThan(nextSlot);
      }
    }
  });

  it("count heartbeats as late when the rate limit cannot keep up", async () => {
    // 40 collectors every 10 s need 4 calls/s; the client allows 2.
    const clock = createFakeClock();
    const slow = createFmController({
      client: fakeFm(clock).client,
      heartbeatIntervalMs: 10_000,
      rateLimiter: createTokenBucket({ ratePerSecond: 2, clock }),
      clock,
      random: seededRandom(1),
    });
    await drive(clock, slow.register(collectors(40)), 1000);
    slow.startHeartbeats();
    await clock.advance(60_000);
    await drive(clock, slow.stopHeartbeats(), 100);
    const counters = slow.counters();
    expect(counters.heartbeatsLate).toBeGreaterThan(0);
    // Calls that could not get a token before the collector's next slot are dropped, not queued.
    expect(counters.heartbeatsFailed).toBeGreaterThan(0);
    expect(slow.lastErrors().heartbeat).toContain(
      "the deadline passed while it waited for its turn under the rate limit",
    );
  });

  it("stop waits for the calls in flight and nothing is sent after", async () => {
    const { clock, fm, controller, roster } = setup(5, { latencyMs: 3000 });
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    await clock.advance(100);
    let stopped = false;
    const stopping = controller.stopHeartbeats().then(() => (stopped = true));
    await clock.settle();
    expect(stopped).toBe(false);
    await clock.advance(3000);
    await stopping;
    const count = fm.calls.length;
    await clock.advance(120_000);
    expect(fm.calls.length).toBe(count);
  });
});

describe("unregisterAll", () => {
  it("unregisters every collector, retrying past two failures", async () => {
    const { clock, fm, controller, roster } = setup(4, {
      override: (c) =>
        c.procedure === "UnregisterCollector" && of(fm.calls, "UnregisterCollector", c.id).length <= 2
          ? fail(c.procedure, "unavailable", 503, c.id)
          : undefined,
    });
    await drive(clock, controller.register(roster), 100);
    const report = await drive(clock, controller.unregisterAll({ deadlineMs: clock.now() + 60_000 }), 100);
    expect(report).toEqual({ unregistered: collectors(4).map((c) => c.id), failed: [], warnings: [] });
    expect(fm.registered.size).toBe(0);
    for (const c of collectors(4)) expect(of(fm.calls, "UnregisterCollector", c.id)).toHaveLength(3);
    expect(controller.counters().unregistrations).toBe(4);
  });

  it("sends nothing when nothing was registered, and is idempotent", async () => {
    const { clock, fm, controller } = setup(3);
    const report = await drive(clock, controller.unregisterAll(), 100);
    expect(report).toEqual({ unregistered: [], failed: [], warnings: [] });
    expect(fm.calls).toHaveLength(0);
    await controller.stopHeartbeats();
  });

  it("counts not_found as done, and a second sweep sends nothing", async () => {
    const { clock, fm, controller, roster } = setup(3);
    await drive(clock, controller.register(roster), 100);
    fm.forget(roster[1]!.id);
    const report = await drive(clock, controller.unregisterAll(), 100);
    expect(report.unregistered).toEqual(roster.map((c) => c.id));
    const before = fm.calls.length;
    expect((await controller.unregisterAll()).unregistered).toEqual([]);
    expect(fm.calls.length).toBe(before);
  });

  it("unregisters adopted collectors it never registered itself (cleanup after a dead process)", async () => {
    const { clock, fm, controller, roster } = setup(3);
    for (const c of roster) fm.registered.add(c.id);
    controller.adopt(roster);
    const report = await drive(clock, controller.unregisterAll(), 100);
    expect(report.unregistered).toEqual(roster.map((c) => c.id));
    expect(fm.registered.size).toBe(0);
  });

  it("still unregisters every registered collector after a fatal answer ended the start", async () => {
    // FM accepted Register, then refused the first GetConfig of one collector as malformed (400).
    const { clock, fm, controller, roster } = setup(4, {
      override: (c) =>
        c.procedure === "GetConfig" && c.id === "demo-prod-linux-03"
          ? fail(c.procedure, "invalid_argument", 400, c.id)
          : undefined,
    });
    const error = await drive(
      clock,
      controller.register(roster).catch((e: unknown) => e),
      100,
    );
    expect(error).toBeInstanceOf(FmRejectedError);
    expect(fm.registered.size).toBeGreaterThan(0);
    const report = await drive(
      clock,
      controller.unregisterAll({ deadlineMs: clock.monotonic() + 30_000 }),
      100,
    );
    expect(report.failed).toEqual([]);
    expect(fm.registered.size).toBe(0);
    expect(of(fm.calls, "UnregisterCollector").length).toBeGreaterThan(0);
  });

  it("stops the sweep on 401 instead of refusing every collector one by one", async () => {
    let refuse = false;
    const { clock, fm, controller, roster } = setup(20, {
      override: (c) =>
        refuse && c.procedure === "UnregisterCollector"
          ? fail(c.procedure, "unauthenticated", 401, c.id)
          : undefined,
    });
    await drive(clock, controller.register(roster), 100);
    refuse = true;
    const report = await drive(clock, controller.unregisterAll(), 100);
    expect(report.failed).toHaveLength(20);
    expect(report.failed[0]!.error).toContain("GC_FM_STACK_ID");
    expect(of(fm.calls, "UnregisterCollector").length).toBeLessThanOrEqual(16);
  });

  it("warns once, without failing, when FM does not implement UnregisterCollector", async () => {
    const { clock, controller, roster } = setup(20, {
      override: (c) =>
        c.procedure === "UnregisterCollector" ? fail(c.procedure, "unimplemented", 404, c.id) : undefined,
    });
    await drive(clock, controller.register(roster), 100);
    const report = await drive(clock, controller.unregisterAll(), 100);
    expect(report.failed).toEqual([]);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/inactive after 30 minutes/);
  });

  it("gives up at the deadline and reports what is left", async () => {
    const { clock, controller, roster } = setup(3, {
      override: (c) =>
        c.procedure === "UnregisterCollector" ? fail(c.procedure, "unavailable", 503, c.id) : undefined,
    });
    await drive(clock, controller.register(roster), 100);
    const deadline = clock.now() + 5000;
    const report = await drive(clock, controller.unregisterAll({ deadlineMs: deadline }), 100);
    expect(clock.now()).toBeLessThanOrEqual(deadline + 100);
    expect(report.unregistered).toEqual([]);
    expect(report.failed.map((f) => f.id)).toEqual(collectors(3).map((c) => c.id));
  });

  it("stops the heartbeats first", async () => {
    const { clock, fm, controller, roster } = setup(3);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    await clock.advance(50_000);
    await drive(clock, controller.unregisterAll(), 100);
    const count = fm.calls.length;
    await clock.advance(100_000);
    expect(fm.calls.length).toBe(count);
  });
});

describe("a changing fleet", () => {
  it("registers newcomers while heartbeating, and spreads the heartbeats over everyone", async () => {
    const { clock, fm, controller, roster } = setup(3);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    const newcomer = collectors(4)[3]!;
    const report = await drive(clock, controller.register([newcomer]), 100);
    expect(report).toEqual({ registered: 1, failed: [] });
    expect(of(fm.calls, "RegisterCollector", newcomer.id)).toHaveLength(1);
    fm.calls.length = 0;
    await clock.advance(45_000);
    await controller.stopHeartbeats();
    expect(new Set(of(fm.calls, "GetConfig").map((c) => c.id))).toEqual(
      new Set([...roster, newcomer].map((c) => c.id)),
    );
  });

  it("unregisters a collector that leaves, and it heartbeats no more", async () => {
    const { clock, fm, controller, roster } = setup(3);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    const leaving = roster[2]!.id;
    const report = await drive(clock, controller.unregister([leaving]), 100);
    expect(report).toEqual({ unregistered: [leaving], failed: [], warnings: [] });
    expect(fm.registered.has(leaving)).toBe(false);
    fm.calls.length = 0;
    await clock.advance(2 * 45_000);
    await controller.stopHeartbeats();
    expect(of(fm.calls, "GetConfig", leaving)).toHaveLength(0);
    expect(of(fm.calls, "GetConfig").length).toBeGreaterThanOrEqual(4);
    // Final cleanup does not unregister it twice.
    const final = await drive(clock, controller.unregisterAll(), 100);
    expect(final.unregistered).toEqual(roster.slice(0, 2).map((c) => c.id));
  });

  it("pauses a collector's heartbeats without unregistering it, and resumes them", async () => {
    const { clock, fm, controller, roster } = setup(2);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    const quiet = roster[0]!.id;
    controller.pause([quiet]);
    await clock.advance(1000); // a beat already on its way when the pause came lands here
    fm.calls.length = 0;
    await clock.advance(2 * 45_000);
    expect(of(fm.calls, "GetConfig", quiet)).toHaveLength(0);
    expect(of(fm.calls, "UnregisterCollector")).toHaveLength(0);
    expect(fm.registered.has(quiet)).toBe(true);
    // FM forgot it meanwhile: resuming re-registers on the not_found, as Alloy would.
    fm.forget(quiet);
    await drive(clock, controller.resume([quiet]), 100);
    await clock.advance(45_000);
    await controller.stopHeartbeats();
    expect(of(fm.calls, "RegisterCollector", quiet)).toHaveLength(1);
    expect(of(fm.calls, "GetConfig", quiet).length).toBeGreaterThanOrEqual(2);
    // A paused collector is still owed an Unregister at cleanup.
    controller.pause([quiet]);
    const final = await drive(clock, controller.unregisterAll(), 100);
    expect(final.unregistered).toContain(quiet);
  });

  it("registers an upgraded collector again, and every later GetConfig carries the new version", async () => {
    const { clock, fm, controller, roster } = setup(1);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    const upgraded = {
      ...roster[0]!,
      version: "v1.19.0",
      attributes: { ...roster[0]!.attributes, "collector.version": "v1.19.0" },
    };
    await drive(clock, controller.update(upgraded), 100);
    fm.calls.length = 0;
    await clock.advance(45_000);
    await controller.stopHeartbeats();
    const register = of(fm.calls, "RegisterCollector");
    expect(register).toHaveLength(0);
    for (const beat of of(fm.calls, "GetConfig"))
      expect(beat.attributes?.["collector.version"]).toBe("v1.19.0");
    expect(controller.counters().registrations).toBe(2);
  });

  it("reports a config error on the next GetConfig only, as Alloy reports a status once", async () => {
    const { clock, fm, controller, roster } = setup(1);
    await drive(clock, controller.register(roster), 100);
    controller.startHeartbeats();
    await clock.advance(45_000); // APPLIED for the first content goes out here
    controller.reportConfigStatus(roster[0]!.id, {
      status: "RemoteConfigStatuses_FAILED",
      errorMessage: "load failed",
    });
    fm.calls.length = 0;
    await clock.advance(3 * 45_000);
    await controller.stopHeartbeats();
    const statuses = of(fm.calls, "GetConfig").map((b) => b.status);
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(statuses).toEqual(["RemoteConfigStatuses_FAILED", ...statuses.slice(1).map(() => undefined)]);
  });

  it("gives the first GetConfig after Register one heartbeat interval, not more", async () => {
    const { clock, fm, controller, roster } = setup(1, {
      override: (c) =>
        c.procedure === "GetConfig" ? fail(c.procedure, "unavailable", 503, c.id) : undefined,
    });
    const started = clock.monotonic();
    const report = await drive(clock, controller.register(roster), 100);
    expect(report).toEqual({ registered: 1, failed: [] });
    expect(clock.monotonic() - started).toBeLessThanOrEqual(45_000 + 1000);
    expect(of(fm.calls, "GetConfig").length).toBeGreaterThan(1);
    expect(controller.counters().heartbeatsFailed).toBe(1);
  });

  it("owes no Unregister for a Register that never left the machine, but does for one that timed out", async () => {
    const unsent = (procedure: FmProcedure, id: string): SendOutcome<never> => ({
      kind: "retryable",
      error: new FmApiError(procedure, "unavailable", 0, "connect ECONNREFUSED", id, true),
    });
    const timedOut = (procedure: FmProcedure, id: string): SendOutcome<never> => ({
      kind: "retryable",
      error: new FmApiError(procedure, "deadline_exceeded", 0, "no answer within 15000 ms", id),
    });
    const { clock, fm, controller, roster } = setup(2, {
      retry: { maxAttempts: 2 },
      override: (c) =>
        c.procedure !== "RegisterCollector"
          ? undefined
          : c.id === "demo-prod-linux-01"
            ? unsent(c.procedure, c.id)
            : timedOut(c.procedure, c.id),
    });
    const report = await drive(clock, controller.register(roster), 100);
    expect(report.failed.map((f) => f.id)).toEqual(roster.map((c) => c.id));
    fm.calls.length = 0;
    const cleanup = await drive(clock, controller.unregisterAll(), 100);
    expect(of(fm.calls, "UnregisterCollector").map((c) => c.id)).toEqual(["demo-prod-linux-02"]);
    expect(cleanup.unregistered).toEqual(["demo-prod-linux-02"]);
  });

  it("owes an Unregister for a Register answered 200 with a body too large to read", async () => {
    // What the client makes of a 200 whose body never ends, every time it asks.
    const unreadable = (procedure: FmProcedure, id: string): SendOutcome<never> => ({
      kind: "retryable",
      error: new FmApiError(procedure, "internal", 200, "response too large (over 1048576 bytes)", id),
    });
    const { clock, fm, controller, roster } = setup(1, {
      retry: { maxAttempts: 2 },
      override: (c) => (c.procedure === "RegisterCollector" ? unreadable(c.procedure, c.id) : undefined),
    });
    const report = await drive(clock, controller.register(roster), 100);
    expect(report.failed.map((f) => f.id)).toEqual(["demo-prod-linux-01"]);
    fm.calls.length = 0;
    await drive(clock, controller.unregisterAll(), 100);
    expect(of(fm.calls, "UnregisterCollector").map((c) => c.id)).toEqual(["demo-prod-linux-01"]);
  });
});

describe("received config", () => {
  /** Judges content as FAILED when it says "broken", and counts each judgement. */
  function judging() {
    const judged: string[] = [];
    const judgeConfig: FmControllerOptions["judgeConfig"] = (_c, content) => {
      judged.push(content);
      return content.includes("broken")
        ? { status: "RemoteConfigStatuses_FAILED", errorMessage: "1:1: broken" }
        : { status: "RemoteConfigStatuses_APPLIED" };
    };
    return { judged, judgeConfig };
  }

  it("reports a config that fails to load at once, with one more GetConfig, as Alloy does", async () => {
    const { judged, judgeConfig } = judging();
    const { clock, fm, controller, roster } = setup(1, { judgeConfig });
    fm.publish("broken {", "h-broken");
    await drive(clock, controller.register(roster), 100);
    const id = roster[0]!.id;
    expect(of(fm.calls, "GetConfig", id).map((c) => c.status)).toEqual([
      undefined,
      "RemoteConfigStatuses_FAILED",
    ]);
    expect(judged).toEqual(["broken {"]);
    // The second call echoed the hash: FM answered notModified, so nothing was judged twice.
    expect(of(fm.calls, "GetConfig", id)[1]!.hash).toBe("h-broken");
  });

  it("judges content once however often it arrives, and reports APPLIED on the next heartbeat only", async () => {
    const { judged, judgeConfig } = judging();
    const { clock, fm, controller, roster } = setup(1, { judgeConfig });
    const id = roster[0]!.id;
    fm.publish("good {}", "h1");
    await drive(clock, controller.register(roster), 100);
    expect(of(fm.calls, "GetConfig", id)).toHaveLength(1);
    controller.startHeartbeats();
    await clock.advance(45_000);
    // The same content under a new hash (FM re-hashed it): received before, so not judged again.
    fm.publish("good {}", "h2");
    await clock.advance(2 * 45_000);
    await controller.stopHeartbeats();
    expect(judged).toEqual(["good {}"]);
    const statuses = of(fm.calls, "GetConfig", id).map((c) => c.status);
    expect(statuses.filter((s) => s !== undefined)).toEqual(["RemoteConfigStatuses_APPLIED"]);
    expect(statuses[0]).toBeUndefined();
    expect(statuses[1]).toBe("RemoteConfigStatuses_APPLIED");
  });

  it("reads an answer without content as the empty content FM sends when no pipeline matches", async () => {
    const { judged, judgeConfig } = judging();
    const { clock, fm, controller, roster } = setup(1, { judgeConfig });
    // proto3 JSON leaves an empty string out: the client sees no content at all.
    fm.publish(undefined as unknown as string, "h-empty");
    await drive(clock, controller.register(roster), 100);
    expect(judged).toEqual([""]);
    fm.publish("good {}", "h-good");
    controller.startHeartbeats();
    await clock.advance(45_000);
    await controller.stopHeartbeats();
    expect(judged).toEqual(["", "good {}"]);
    expect(controller.config(roster[0]!.id)?.content).toBe("good {}");
  });
});
