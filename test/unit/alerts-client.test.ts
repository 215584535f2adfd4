/**
 * The Alertmanager v2 client (src/alerts/client.ts) against a scripted transport and fake time: what goes
 * on the wire (path, JSON list, auth), which answers are retried, and how a long list is split.
 */
import { describe, expect, it } from "vitest";
import { collectorAlert, postableAlert, type PostableAlert } from "../../src/alerts/alert.js";
import {
  batches,
  createAlertmanagerClient,
  type AlertmanagerClientOptions,
} from "../../src/alerts/client.js";
import { zeroAlertCounters } from "../../src/alerts/counters.js";
import { memoryLogger } from "../../src/core/logger.js";
import { USER_AGENT } from "../../src/core/version.js";
import { ResponseTooLargeError } from "../../src/transport/http.js";
import type { HttpRequest, HttpTransport } from "../../src/transport/types.js";
import { standaloneCollector, standaloneFleet } from "../helpers/collectors.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";

type Reply = { status: number; headers?: Record<string, string>; body?: string } | Error;

const TOKEN = "glc_alertmanager_secret_token";

function scriptedTransport(replies: Reply[], clock: FakeClock) {
  const requests: { req: HttpRequest; at: number }[] = [];
  const transport: HttpTransport = {
    async request(req) {
      requests.push({ req, at: clock.monotonic() });
      await new Promise((resolve) => setImmediate(resolve));
      const reply = replies.shift() ?? { status: 200 };
      if (reply instanceof Error) throw reply;
      return {
        status: reply.status,
        headers: reply.headers ?? {},
        body: new TextEncoder().encode(reply.body ?? ""),
      };
    },
    close: () => Promise.resolve(),
  };
  return { transport, requests };
}

function setup(replies: Reply[], extra: Partial<AlertmanagerClientOptions> = {}) {
  const clock = createFakeClock();
  const logger = memoryLogger();
  const counters = zeroAlertCounters();
  const t = scriptedTransport(replies, clock);
  const client = createAlertmanagerClient({
    url: "https://am.example/alertmanager",
    user: "123456",
    token: TOKEN,
    transport: t.transport,
    counters,
    clock,
    random: () => 0.5,
    logger,
    ...extra,
  });
  return { clock, logger, counters, client, ...t };
}

const at = (iso: string) => Date.parse(iso);
const ALERT = postableAlert(
  collectorAlert(standaloneCollector({ healthy: false }), "critical"),
  at("2026-01-01T00:00:00Z"),
  at("2026-01-01T00:04:00Z"),
);
const bodyOf = (req: HttpRequest) => JSON.parse(req.body as string) as PostableAlert[];

/** Runs a post while moving fake time, as its backoffs need. */
async function drive<T>(clock: FakeClock, work: Promise<T>, stepMs = 1000, maxMs = 600_000): Promise<T> {
  let done = false;
  void work.finally(() => (done = true));
  for (let t = 0; t < maxMs && !done; t += stepMs) await clock.advance(stepMs);
  return work;
}

describe("the Alertmanager client", () => {
  it("POSTs a JSON list of alerts to {url}/api/v2/alerts with Basic auth", async () => {
    const { client, requests, counters } = setup([{ status: 200 }]);
    const result = await client.post([ALERT]);
    expect(result).toMatchObject({ ok: true, accepted: [true], requests: 1 });
    const { req } = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://am.example/alertmanager/api/v2/alerts");
    expect(req.headers).toEqual({
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      authorization: `Basic ${Buffer.from(`123456:${TOKEN}`).toString("base64")}`,
    });
    expect(bodyOf(req)).toEqual([
      {
        labels: {
          alertname: "FakeAlloyCollectorUnhealthy",
          collector_id: "fleet-management-ci-linux-01",
          severity: "critical",
          source: "fleet-management",
          job: "integrations/alloy",
          cluster: "fleet-management-ci",
          fake: "true",
        },
        annotations: expect.objectContaining({
          summary: "Fake Alloy collector fleet-management-ci-linux-01 is unhealthy",
        }) as unknown,
        startsAt: "2026-01-01T00:00:00.000Z",
        endsAt: "2026-01-01T00:04:00.000Z",
      },
    ]);
    expect(counters).toMatchObject({ posted: 1, requests: 1, retries: 0, failures: 0 });
  });

  it("sends a token without a user as a Bearer token, and nothing without either", async () => {
    const bearer = setup([{ status: 200 }], { user: undefined });
    await bearer.client.post([ALERT]);
    expect(bearer.requests[0]!.req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const none = setup([{ status: 200 }], { user: undefined, token: undefined });
    await none.client.post([ALERT]);
    expect(none.requests[0]!.req.headers).not.toHaveProperty("authorization");
  });

  it("retries 5xx, 429 and network errors, waiting at least a 429's Retry-After", async () => {
    const { client, clock, requests, counters } = setup([
      { status: 503, body: "unavailable" },
      new Error("socket hang up"),
      { status: 429, headers: { "retry-after": "7" } },
      { status: 200 },
    ]);
    const result = await drive(clock, client.post([ALERT], { deadlineMs: clock.monotonic() + 60_000 }), 100);
    expect(result.ok).toBe(true);
    expect(requests).toHaveLength(4);
    expect(requests[3]!.at - requests[2]!.at).toBeGreaterThanOrEqual(7000);
    expect(counters).toMatchObject({ posted: 1, requests: 4, retries: 3, failures: 0 });
  });

  it("does not retry a 4xx, and quotes the answer without the token", async () => {
    const { client, requests, counters, logger } = setup([
      { status: 400, body: `"bad alert; Authorization: Bearer ${TOKEN}"` },
    ]);
    const result = await client.post([ALERT]);
    expect(requests).toHaveLength(1);
    expect(result.ok).toBe(false);
    expect(result.accepted).toEqual([false]);
    expect(result.error).toMatchObject({ name: "AlertmanagerError", status: 400, retryable: false });
    expect(result.error!.message).toContain("bad alert");
    expect(result.error!.message).not.toContain(TOKEN);
    expect(counters).toMatchObject({ posted: 0, failures: 1 });
    expect(logger.lines.some((l) => l.level === "error" && l.message.includes("HTTP 400"))).toBe(true);
  });

  it("gives up at the deadline, not after a day-long Retry-After, and never throws", async () => {
    const { client, clock, requests, counters, logger } = setup(
      Array.from({ length: 50 }, () => ({ status: 503, headers: { "retry-after": "86400" } })),
    );
    const started = clock.monotonic();
    const result = await drive(clock, client.post([ALERT], { deadlineMs: started + 20_000 }));
    expect(result).toMatchObject({ ok: false, accepted: [false] });
    expect(result.error).toMatchObject({ status: 503, retryable: true });
    expect(clock.monotonic() - started).toBeLessThanOrEqual(20_000);
    expect(requests).toHaveLength(1);
    expect(counters.failures).toBe(1);
    expect(logger.lines.find((l) => l.level === "error")?.message).toMatch(
      /server asked to wait 86400 s; giving up at the deadline/,
    );
  });

  it("reads the status of an answer whose body is over the cap: a 400 is still a refusal, not a network error", async () => {
    const { client, requests } = setup([
      new ResponseTooLargeError("https://am.example/alertmanager/api/v2/alerts", 400, {}, 1024 * 1024),
    ]);
    const result = await client.post([ALERT]);
    expect(requests).toHaveLength(1);
    expect(result.error).toMatchObject({ status: 400, retryable: false });
  });

  it("keeps retrying a dead Alertmanager until the deadline, then reports the alerts not posted", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9093"), { code: "ECONNREFUSED" });
    const { client, clock, requests } = setup(Array.from({ length: 200 }, () => refused));
    const started = clock.monotonic();
    const result = await drive(clock, client.post([ALERT, ALERT], { deadlineMs: started + 15_000 }), 50);
    expect(result.ok).toBe(false);
    expect(result.error!.message).toContain("no answer");
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.at(-1)!.at).toBeLessThan(started + 15_000);
  });
});

describe("batches of a long list", () => {
  const alerts = standaloneFleet(600, { healthy: false }).map((c) =>
    postableAlert(collectorAlert(c, "warning"), 0, 240_000),
  );

  it("hold at most 256 alerts each, in order, and every alert once", () => {
    const split = batches(alerts, 256, 10 * 1024 * 1024);
    expect(split.map((b) => b.to - b.from)).toEqual([256, 256, 88]);
    expect(split.flatMap((b) => JSON.parse(b.body) as PostableAlert[])).toEqual(alerts);
  });

  it("stay under the byte cap", () => {
    const cap = 8 * 1024;
    const split = batches(alerts, 256, cap);
    expect(split.length).toBeGreaterThan(3);
    for (const b of split) expect(Buffer.byteLength(b.body)).toBeLessThanOrEqual(cap);
    expect(split.flatMap((b) => JSON.parse(b.body) as PostableAlert[])).toEqual(alerts);
  });

  it("are posted one after the other; a failing one stops the rest, which count as not posted", async () => {
    const { client, requests, counters } = setup([{ status: 200 }, { status: 400 }]);
    const result = await client.post(alerts);
    expect(requests.map((r) => bodyOf(r.req).length)).toEqual([256, 256]);
    expect(result.accepted.filter(Boolean)).toHaveLength(256);
    expect(result.accepted.slice(0, 256).every(Boolean)).toBe(true);
    expect(counters).toMatchObject({ posted: 256, failures: 344 });
  });
});
