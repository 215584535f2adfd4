/**
 * The alert set (src/alerts/alert-set.ts) as Alertmanager sees it: a small in-memory Alertmanager behind a
 * scripted transport keeps each alert's last endsAt by label set, as the real one does, and the test asks it
 * what is active at a time. Fake time drives the one-minute re-posts.
 */
import { describe, expect, it } from "vitest";
import type { PostableAlert } from "../../src/alerts/alert.js";
import { createAlertSet } from "../../src/alerts/alert-set.js";
import { createAlertmanagerClient } from "../../src/alerts/client.js";
import { zeroAlertCounters } from "../../src/alerts/counters.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { Collector } from "../../src/fleet/types.js";
import type { HttpRequest, HttpTransport } from "../../src/transport/types.js";
import { standaloneCollector } from "../helpers/collectors.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";

const MINUTE = 60_000;

interface Stored {
  alert: PostableAlert;
  receivedAt: number;
}

/** Alertmanager as far as these tests need it: the last post of a label set wins, as in its alert store. */
function fakeAlertmanager(clock: FakeClock) {
  const store = new Map<string, Stored>();
  const posts: { at: number; alerts: PostableAlert[] }[] = [];
  /** When set, answers this status instead of accepting. */
  let failing: number | Error | undefined;
  /** When set, the next request waits for this promise before it lands (a slow network path). */
  let gate: Promise<void> | undefined;
  const transport: HttpTransport = {
    async request(req: HttpRequest) {
      const alerts = JSON.parse(req.body as string) as PostableAlert[];
      const at = clock.now();
      if (gate) {
        const g = gate;
        gate = undefined;
        await new Promise<void>((resolve, reject) => {
          void g.then(resolve);
          req.signal?.addEventListener("abort", () => reject(new Error("aborted on the wire")), {
            once: true,
          });
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (failing instanceof Error) throw failing;
      if (failing !== undefined) return { status: failing, headers: {}, body: new Uint8Array() };
      posts.push({ at, alerts });
      for (const alert of alerts) store.set(JSON.stringify(alert.labels), { alert, receivedAt: at });
      return { status: 200, headers: {}, body: new Uint8Array() };
    },
    close: () => Promise.resolve(),
  };
  return {
    transport,
    posts,
    /** Alerts active at wall time `atMs` (default now): endsAt still ahead. */
    active(atMs = clock.now()) {
      return [...store.values()]
        .filter((s) => Date.parse(s.alert.endsAt) > atMs)
        .map((s) => ({ id: s.alert.labels.collector_id!, severity: s.alert.labels.severity! }))
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    fail(with_: number | Error | undefined) {
      failing = with_;
    },
    /** Holds the next request on the wire until the returned function is called; later ones pass. */
    holdNext(): () => void {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => release();
    },
  };
}

function setup() {
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const am = fakeAlertmanager(clock);
  const counters = zeroAlertCounters();
  const logger = memoryLogger();
  const set = createAlertSet({
    client: createAlertmanagerClient({
      url: "https://am.example",
      transport: am.transport,
      counters,
      clock,
      random: () => 0.5,
      logger,
    }),
    counters,
    clock,
    logger,
  });
  return { clock, am, set, counters, logger };
}

const sick = (index: number): Collector => standaloneCollector({ index, healthy: false });

describe("the alert set", () => {
  it("fires one alert per collector, ending four minutes after the post", async () => {
    const { clock, am, set } = setup();
    const report = await set.fire([{ collector: sick(1) }, { collector: sick(2), severity: "warning" }]);
    expect(report).toEqual({ ok: true });
    expect(am.posts).toHaveLength(1);
    for (const alert of am.posts[0]!.alerts) {
      expect(alert.startsAt).toBe(new Date(clock.now()).toISOString());
      expect(alert.endsAt).toBe(new Date(clock.now() + 4 * MINUTE).toISOString());
    }
    expect(am.active()).toEqual([
      { id: "fleet-management-ci-linux-01", severity: "critical" },
      { id: "fleet-management-ci-linux-02", severity: "warning" },
    ]);
    // Firing again the same alert posts nothing new.
    await set.fire([{ collector: sick(1) }]);
    expect(am.posts).toHaveLength(1);
  });

  it("re-posts every firing alert every minute with a new endsAt and the same startsAt", async () => {
    const { clock, am, set } = setup();
    const startedAt = clock.now();
    await set.fire([{ collector: sick(1) }]);
    set.start();
    await clock.advance(MINUTE);
    expect(am.posts).toHaveLength(2);
    expect(am.posts[1]!.alerts[0]).toMatchObject({
      startsAt: new Date(startedAt).toISOString(),
      endsAt: new Date(startedAt + 5 * MINUTE).toISOString(),
    });
    // Kept alive by the re-posts long after the first endsAt.
    await clock.advance(10 * MINUTE);
    expect(am.posts).toHaveLength(12);
    expect(am.active()).toHaveLength(1);
    await set.resolveAll({ deadlineMs: clock.monotonic() + 10_000 });
  });

  it("without re-posts, Alertmanager lets the alert expire by itself within four minutes", async () => {
    const { clock, am, set } = setup();
    await set.fire([{ collector: sick(1) }]);
    expect(am.active(clock.now() + 4 * MINUTE - 1)).toHaveLength(1);
    expect(am.active(clock.now() + 4 * MINUTE)).toEqual([]);
  });

  it("resolves with endsAt = now and the original startsAt, and re-posts it no more", async () => {
    const { clock, am, set, counters } = setup();
    const startedAt = clock.now();
    await set.fire([{ collector: sick(1) }, { collector: sick(2) }]);
    set.start();
    await clock.advance(30_000);
    await set.resolve(["fleet-management-ci-linux-01", "not-firing"]);
    const resolved = am.posts.at(-1)!.alerts;
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({
      labels: expect.objectContaining({ collector_id: "fleet-management-ci-linux-01" }) as unknown,
      startsAt: new Date(startedAt).toISOString(),
      endsAt: new Date(clock.now()).toISOString(),
    });
    expect(am.active(clock.now() + 1)).toEqual([
      { id: "fleet-management-ci-linux-02", severity: "critical" },
    ]);
    await clock.advance(MINUTE);
    expect(am.posts.at(-1)!.alerts.map((a) => a.labels.collector_id)).toEqual([
      "fleet-management-ci-linux-02",
    ]);
    expect(counters.resolved).toBe(1);
    await set.resolveAll({ deadlineMs: clock.monotonic() + 10_000 });
  });

  it("replaces an alert whose severity changes: the old one resolves in the same post", async () => {
    const { clock, am, set } = setup();
    await set.fire([{ collector: sick(1) }]);
    await set.fire([{ collector: sick(1), severity: "warning" }]);
    expect(am.posts).toHaveLength(2);
    expect(am.posts[1]!.alerts.map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ["critical", new Date(clock.now()).toISOString()],
      ["warning", new Date(clock.now() + 4 * MINUTE).toISOString()],
    ]);
    expect(am.active(clock.now() + 1)).toEqual([{ id: "fleet-management-ci-linux-01", severity: "warning" }]);
    expect(set.firing()).toEqual([{ collectorId: "fleet-management-ci-linux-01", severity: "warning" }]);
  });

  it("sends a resolve asked during a re-post after it, so the re-post cannot bring the alert back", async () => {
    const { clock, am, set } = setup();
    await set.fire([{ collector: sick(1) }]);
    set.start();
    const release = am.holdNext();
    await clock.advance(MINUTE); // the re-post is now on the wire, held
    const resolving = set.resolve(["fleet-management-ci-linux-01"]);
    await clock.settle();
    release();
    await resolving;
    expect(am.posts.map((p) => Date.parse(p.alerts[0]!.endsAt) - p.at)).toEqual([4 * MINUTE, 4 * MINUTE, 0]);
    expect(am.active(clock.now() + 1)).toEqual([]);
  });

  it("keeps working through a failing Alertmanager: alerts go again once it is back", async () => {
    const { clock, am, set, counters, logger } = setup();
    am.fail(503);
    const fire = set.fire([{ collector: sick(1) }]);
    await clock.advance(20_000);
    expect(await fire).toMatchObject({ ok: false });
    expect(set.lastError()).toMatch(/HTTP 503/);
    expect(counters.failures).toBe(1);
    expect(logger.lines.filter((l) => l.level === "error")).toHaveLength(1);
    // A resolve that fails is kept, and goes with the next post.
    const fire2 = set.fire([{ collector: sick(2) }]);
    const resolve = set.resolve(["fleet-management-ci-linux-02"]);
    await clock.advance(40_000);
    expect(await fire2).toMatchObject({ ok: false });
    expect(await resolve).toMatchObject({ ok: false });
    am.fail(undefined);
    set.start();
    await clock.advance(MINUTE);
    expect(am.active(clock.now() + 1)).toEqual([
      { id: "fleet-management-ci-linux-01", severity: "critical" },
    ]);
    expect(am.posts.at(-1)!.alerts.map((a) => [a.labels.collector_id, a.endsAt === a.startsAt])).toEqual([
      ["fleet-management-ci-linux-02", false],
      ["fleet-management-ci-linux-01", false],
    ]);
    expect(set.lastError()).toBeUndefined();
    await set.resolveAll({ deadlineMs: clock.monotonic() + 10_000 });
  });

  it("resolveAll leaves nothing firing, cutting short a re-post stuck on the wire", async () => {
    const { clock, am, set, logger } = setup();
    await set.fire([{ collector: sick(1) }, { collector: sick(2), severity: "warning" }]);
    set.start();
    const release = am.holdNext();
    await clock.advance(MINUTE); // stuck: the gate never opens by itself
    const cleanup = set.resolveAll({ deadlineMs: clock.monotonic() + 10_000 });
    await clock.settle();
    release();
    const report = await cleanup;
    expect(report).toEqual({ resolved: 2, unresolved: [] });
    expect(am.active(clock.now() + 1)).toEqual([]);
    // The cut post is not Alertmanager's failure.
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
    // Closed: nothing fires afterwards.
    await set.fire([{ collector: sick(3) }]);
    await clock.advance(2 * MINUTE);
    expect(am.active(clock.now() + 1)).toEqual([]);
  });

  it("resolveAll says which collectors may still be firing when Alertmanager refuses", async () => {
    const { clock, am, set } = setup();
    await set.fire([{ collector: sick(1) }]);
    am.fail(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    const cleanup = set.resolveAll({ deadlineMs: clock.monotonic() + 5_000 });
    await clock.advance(10_000);
    const report = await cleanup;
    expect(report.unresolved).toEqual(["fleet-management-ci-linux-01"]);
    expect(report.error).toMatch(/no answer/);
  });

  it("resolves what another process may have left firing, in either severity", async () => {
    const { clock, am, set } = setup();
    // Another process fired a warning for collector 1 …
    const other = setup();
    await other.set.fire([{ collector: sick(1), severity: "warning" }]);
    for (const p of other.am.posts)
      await am.transport.request({ url: "x", method: "POST", headers: {}, body: JSON.stringify(p.alerts) });
    expect(am.active()).toEqual([{ id: "fleet-management-ci-linux-01", severity: "warning" }]);
    // … and died; cleanup adopts the fleet's unhealthy collectors.
    set.adopt([sick(1)]);
    const report = await set.resolveAll({ deadlineMs: clock.monotonic() + 10_000 });
    // One collector resolved, though both severities were posted: only one of them ever fired.
    expect(report).toEqual({ resolved: 1, unresolved: [] });
    expect(am.active(clock.now() + 1)).toEqual([]);
  });
});
