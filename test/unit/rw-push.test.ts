import { describe, expect, it } from "vitest";
import { RemoteWriteError } from "../../src/core/errors.js";
import { memoryLogger } from "../../src/core/logger.js";
import { USER_AGENT } from "../../src/core/version.js";
import { zeroRemoteWriteCounters } from "../../src/remote-write/counters.js";
import { createPusher, type PusherOptions } from "../../src/remote-write/push.js";
import { MAX_RETRY_AFTER_MS } from "../../src/transport/backoff.js";
import type { HttpRequest, HttpResponse, HttpTransport } from "../../src/transport/types.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";

type Reply = { status: number; headers?: Record<string, string>; body?: string } | Error;

/** A transport that plays back replies, recording each request and when it was made. */
function scriptedTransport(replies: Reply[], clock: FakeClock) {
  const requests: { req: HttpRequest; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const transport: HttpTransport = {
    async request(req) {
      requests.push({ req, at: clock.now() });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Answer after a macrotask, as a network would, so concurrent pushes overlap.
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      const reply = replies.shift() ?? { status: 204 };
      if (reply instanceof Error) throw reply;
      const res: HttpResponse = {
        status: reply.status,
        headers: reply.headers ?? {},
        body: new TextEncoder().encode(reply.body ?? ""),
      };
      return res;
    },
    close: () => Promise.resolve(),
  };
  return { transport, requests, maxInFlight: () => maxInFlight };
}

function setup(replies: Reply[], extra: Partial<PusherOptions> = {}) {
  const clock = createFakeClock();
  const logger = memoryLogger();
  const t = scriptedTransport(replies, clock);
  const counters = zeroRemoteWriteCounters();
  const pusher = createPusher({
    url: "https://prom.example/api/prom/push",
    transport: t.transport,
    counters,
    clock,
    random: () => 0.5,
    logger,
    ...extra,
  });
  return { clock, logger, pusher, counters, ...t };
}

const BODY = Uint8Array.of(1, 2, 3);

describe("remote-write pusher", () => {
  it("POSTs with the headers remote write 1.0 requires, Basic auth and the tenant", async () => {
    const { pusher, requests, counters } = setup([{ status: 204 }], {
      user: "123456",
      token: "glc_secret_token_value",
      tenant: "team-a",
    });
    const result = await pusher.push(BODY, { samples: 3 });
    expect(result).toEqual({ ok: true, maybeDelivered: true, status: 204, attempts: 1 });
    const { req } = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://prom.example/api/prom/push");
    expect(req.body).toBe(BODY);
    expect(req.headers).toEqual({
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
      "x-prometheus-remote-write-version": "0.1.0",
      "user-agent": USER_AGENT,
      authorization: `Basic ${Buffer.from("123456:glc_secret_token_value").toString("base64")}`,
      "x-scope-orgid": "team-a",
    });
    expect(counters).toMatchObject({ requests: 1, retries: 0, throttled: 0 });
  });

  it("sends a token without a user as a Bearer token, and no auth at all without either", async () => {
    const bearer = setup([{ status: 200 }], { token: "tok" });
    await bearer.pusher.push(BODY, { samples: 1 });
    expect(bearer.requests[0]!.req.headers.authorization).toBe("Bearer tok");
    const none = setup([{ status: 200 }]);
    await none.pusher.push(BODY, { samples: 1 });
    expect(none.requests[0]!.req.headers.authorization).toBeUndefined();
  });

  it("retries 5xx and network errors with backoff until accepted", async () => {
    const { pusher, clock, requests, counters } = setup([
      { status: 503, body: "unavailable" },
      new Error("socket hang up"),
      { status: 500 },
      { status: 204 },
    ]);
    const pending = pusher.push(BODY, { samples: 10 });
    await clock.advance(60_000);
    const result = await pending;
    expect(result).toMatchObject({ ok: true, attempts: 4 });
    expect(requests).toHaveLength(4);
    // Backoff ceilings 30, 60, 120 ms with random 0.5: each wait is half its ceiling.
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at);
    expect(gaps).toEqual([15, 30, 60]);
    expect(counters).toMatchObject({ requests: 4, retries: 3 });
  });

  it("honours Retry-After on 429 and holds back the next push too: slowed down, nothing dropped", async () => {
    const { pusher, clock, requests, counters } = setup([
      { status: 429, headers: { "retry-after": "2" }, body: "ingestion rate limit" },
      { status: 204 },
      { status: 204 },
    ]);
    const t0 = clock.now();
    const first = pusher.push(BODY, { samples: 5 });
    await clock.advance(1);
    const second = pusher.push(BODY, { samples: 5 });
    await clock.advance(10_000);
    expect(await first).toMatchObject({ ok: true, attempts: 2 });
    expect(await second).toMatchObject({ ok: true, attempts: 1 });
    expect(requests.map((r) => r.at - t0)).toEqual([0, 2000, 2000]);
    expect(counters).toMatchObject({ throttled: 1, retries: 1, requests: 3 });
  });

  it("holds back later pushes for at most 5 min after a 429 with Retry-After: 999999", async () => {
    const { pusher, clock, requests } = setup([
      { status: 429, headers: { "retry-after": "999999" }, body: "slow down" },
      { status: 204 },
    ]);
    const t0 = clock.now();
    const first = await pusher.push(BODY, { samples: 5, deadlineMs: t0 + 1000 });
    expect(first.ok).toBe(false);
    await clock.advance(MAX_RETRY_AFTER_MS);
    const later = pusher.push(BODY, { samples: 5 });
    await clock.advance(60_000);
    expect(await later).toMatchObject({ ok: true, attempts: 1 });
    // Sent as soon as the capped pause ended, not at its own deadline a minute later.
    expect(requests.map((r) => r.at - t0)).toEqual([0, MAX_RETRY_AFTER_MS]);
  });

  it("holds other pushes back at most maxPauseMs, however long Retry-After asks", async () => {
    const { pusher, clock, requests } = setup(
      [{ status: 429, headers: { "retry-after": "600" } }, { status: 204 }],
      { maxPauseMs: 15_000 },
    );
    const t0 = clock.now();
    const first = pusher.push(BODY, { samples: 1, deadlineMs: clock.monotonic() + 5_000 });
    await clock.advance(1);
    const second = pusher.push(BODY, { samples: 1, deadlineMs: clock.monotonic() + 60_000 });
    await clock.advance(60_000);
    expect(await first).toMatchObject({ ok: false, status: 429 });
    expect(await second).toMatchObject({ ok: true });
    expect(requests.map((r) => r.at - t0)).toEqual([0, 15_000]);
  });

  it("leaves a refused credential (401/403) to whoever reports the tick: one sentence with what to check", async () => {
    for (const status of [401, 403]) {
      const { pusher, logger, requests } = setup([{ status, body: "authentication required" }]);
      const result = await pusher.push(BODY, { samples: 29 });
      expect(result).toMatchObject({ ok: false, status });
      expect(requests).toHaveLength(1);
      expect(logger.lines.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    }
  });

  it("never retries another 4xx: logs the scrubbed body and counts the samples lost", async () => {
    const token = "glc_eyJvIjoiMTIzNDU2Iiwibi";
    const { pusher, requests, logger, counters } = setup(
      [{ status: 400, body: `out of order sample; your token ${token} looks wrong` }],
      { user: "123456", token },
    );
    const result = await pusher.push(BODY, { samples: 29 });
    expect(result.ok).toBe(false);
    expect(result.error).toBeInstanceOf(RemoteWriteError);
    expect(result.error).toMatchObject({ status: 400, retryable: false });
    expect(result.error!.body).toContain("out of order sample");
    expect(result.error!.body).not.toContain(token);
    expect(requests).toHaveLength(1);
    expect(counters).toMatchObject({ requests: 1, retries: 0 });
    const errors = logger.lines.filter((l) => l.level === "error").map((l) => l.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("29 samples lost");
    expect(errors[0]).not.toContain(token);
  });

  it("gives up at the deadline with a retryable error and counts the loss", async () => {
    const { pusher, clock, requests } = setup(Array.from({ length: 100 }, () => ({ status: 503 })));
    const t0 = clock.monotonic();
    const pending = pusher.push(BODY, { samples: 7, deadlineMs: t0 + 1000 });
    await clock.advance(5000);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, status: 503 });
    expect(result.error).toMatchObject({ retryable: true });
    expect(requests.length).toBeGreaterThan(2);
    // No attempt starts after the deadline.
    expect(Math.max(...requests.map((r) => r.at - t0))).toBeLessThan(1000);
  });

  it("says whether refused samples may be stored all the same", async () => {
    const refused = setup([{ status: 503 }, { status: 401 }]);
    const r1 = refused.pusher.push(BODY, { samples: 1 });
    await refused.clock.advance(1000);
    expect(await r1).toMatchObject({ ok: false, maybeDelivered: false });

    const refusedConnection = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
      code: "ECONNREFUSED",
    });
    const neverSent = setup([new Error("no answer", { cause: refusedConnection }), { status: 400 }]);
    const r2 = neverSent.pusher.push(BODY, { samples: 1 });
    await neverSent.clock.advance(1000);
    expect(await r2).toMatchObject({ ok: false, maybeDelivered: false });

    const timedOut = setup([new Error("no answer within 30000 ms"), { status: 400 }]);
    const r3 = timedOut.pusher.push(BODY, { samples: 1 });
    await timedOut.clock.advance(1000);
    expect(await r3).toMatchObject({ ok: false, maybeDelivered: true });
  });
});
