/**
 * The FM emulator's Connect semantics, checked with plain fetch rather than our client, so the emulator is
 * held to docs/fm-protocol.md and the Connect protocol, not to whatever the client happens to send.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { afterEach, describe, expect, it } from "vitest";
import { HASH_BOMB_CHARS, HUGE_RETRY_AFTER_SECONDS } from "../../src/emulator/faults.js";
import { createFmEmulator, type FmEmulator, type FmEmulatorOptions } from "../../src/emulator/fm-server.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { sleep, waitFor } from "../helpers/wait.js";

let emulator: FmEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: FmEmulatorOptions = {}) {
  emulator = await createFmEmulator(options);
  return emulator;
}

interface Answer {
  status: number;
  json: unknown;
  text: string;
  headers: Headers;
}

async function call(
  fm: FmEmulator,
  procedure: string,
  body: unknown,
  init: { headers?: Record<string, string>; raw?: string; method?: string; service?: string } = {},
): Promise<Answer> {
  const auth = `Basic ${Buffer.from(`${fm.stackId}:${fm.token}`).toString("base64")}`;
  const res = await fetch(`${fm.url}/${init.service ?? "collector.v1.CollectorService"}/${procedure}`, {
    method: init.method ?? "POST",
    headers: {
      "content-type": "application/json",
      "connect-protocol-version": "1",
      authorization: auth,
      ...init.headers,
    },
    ...(init.method === "GET" ? {} : { body: init.raw ?? JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

const attrs = { "collector.os": "linux", "collector.version": "v1.18.1", env: "prod" };

describe("FM emulator: protocol", () => {
  it("refuses wrong or missing credentials with FM's 401", async () => {
    const fm = await start({ stackId: "42", token: "glc_right" });
    for (const authorization of [`Basic ${btoa("42:glc_wrong")}`, `Basic ${btoa("7:glc_right")}`, ""]) {
      const a = await call(fm, "RegisterCollector", { id: "a" }, { headers: { authorization } });
      expect(a.status).toBe(401);
      expect(a.json).toEqual({
        code: "unauthenticated",
        message: "authentication error: invalid scope requested",
      });
    }
    expect(fm.collectors()).toEqual([]);
  });

  it("reads JSON and binary protobuf, and answers 415 to any other codec", async () => {
    const fm = await start();
    const plain = await call(fm, "GetConfig", {}, { headers: { "content-type": "text/plain" } });
    expect(plain.status).toBe(415);
    expect(plain.headers.get("accept-post")).toBe("application/json, application/proto");
    const charset = await call(
      fm,
      "RegisterCollector",
      { id: "a" },
      { headers: { "content-type": "application/json; charset=utf-8" } },
    );
    expect(charset.status).toBe(200);
    // RegisterCollectorRequest{id: "b"}: field 1, wire type 2, length 1, "b".
    const res = await fetch(`${fm.url}/collector.v1.CollectorService/RegisterCollector`, {
      method: "POST",
      headers: {
        "content-type": "application/proto",
        authorization: `Basic ${btoa(`${fm.stackId}:${fm.token}`)}`,
      },
      body: new Uint8Array([0x0a, 0x01, 0x62]),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/proto");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(fm.collectors().map((c) => c.id)).toEqual(["a", "b"]);
  });

  it("answers invalid_argument to bodies that are not a message with an id", async () => {
    const fm = await start();
    const cases: [string, string][] = [
      ["{not json", "not valid JSON"],
      ["", "zero-length payload"],
      ["[1]", "JSON object"],
      ["{}", "id is required"],
      ['{"id":""}', "id is required"],
      ['{"id":"a","localAttributes":{"k":1}}', "localAttributes: expected string"],
      [`{"id":"a","localAttributes":{"k":"${"v".repeat(151)}"}}`, "longer than 150"],
    ];
    for (const [raw, message] of cases) {
      const a = await call(fm, "RegisterCollector", undefined, { raw });
      expect(a.status, raw).toBe(400);
      expect(a.json).toMatchObject({ code: "invalid_argument" });
      expect((a.json as { message: string }).message).toContain(message);
    }
  });

  it("answers an unknown procedure with a plain 404 and a GET with 405", async () => {
    const fm = await start();
    const unknown = await call(fm, "DeleteEverything", {});
    expect(unknown.status).toBe(404);
    expect(unknown.json).toBeUndefined();
    expect((await call(fm, "RegisterCollector", {}, { method: "GET" })).status).toBe(405);
  });

  it("serves GetConfig by Connect GET, in JSON or base64 protobuf, and only GetConfig", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    const auth = { authorization: `Basic ${btoa(`${fm.stackId}:${fm.token}`)}` };
    const get = (query: string) =>
      fetch(`${fm.url}/collector.v1.CollectorService/GetConfig?${query}`, { headers: auth });
    const message = encodeURIComponent(JSON.stringify({ id: "a", localAttributes: attrs }));
    const json = await get(`connect=v1&encoding=json&message=${message}&unknown=ignored`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json");
    expect(await json.json()).toEqual({ hash: expect.any(String) as string });
    // GetConfigRequest{id: "a"}, padded base64 (percent-encoded "=") as the protocol allows.
    const proto = await get(`encoding=proto&base64=1&message=${encodeURIComponent(btoa("\x0a\x01a"))}`);
    expect(proto.status).toBe(200);
    expect(proto.headers.get("content-type")).toBe("application/proto");
    expect((await get(`encoding=xml&message=${message}`)).status).toBe(415);
    expect((await get(`message=${message}`)).status).toBe(400);
    expect((await get(`connect=v2&encoding=json&message=${message}`)).status).toBe(400);
    const brotli = await get(`encoding=json&compression=br&message=${message}`);
    expect(brotli.status).toBe(501);
    const register = await fetch(
      `${fm.url}/collector.v1.CollectorService/RegisterCollector?encoding=json&message=%7B%7D`,
      {
        headers: auth,
      },
    );
    expect(register.status).toBe(405);
    expect(register.headers.get("allow")).toBe("POST");
    // Only the JSON call carried local attributes, so only it was a heartbeat.
    expect(fm.collectors()[0]!.heartbeats).toBe(1);
  });

  it("refuses a Connect-Protocol-Version other than 1, and accepts none", async () => {
    const fm = await start();
    const v2 = await call(
      fm,
      "RegisterCollector",
      { id: "a" },
      { headers: { "connect-protocol-version": "2" } },
    );
    expect(v2.status).toBe(400);
    const res = await fetch(`${fm.url}/collector.v1.CollectorService/RegisterCollector`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${btoa(`${fm.stackId}:${fm.token}`)}`,
      },
      body: '{"id":"b"}',
    });
    expect(res.status).toBe(200);
  });

  it("limits Register + GetConfig together to the stack rate with 429 and Retry-After", async () => {
    const fm = await start({ rateLimitPerSecond: 5 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(fm, i % 2 ? "GetConfig" : "RegisterCollector", { id: `c${i}`, localAttributes: attrs }),
      ),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(12 - 5 - 1);
    for (const a of limited) {
      expect(a.json).toMatchObject({ code: "resource_exhausted" });
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    // Other procedures are not counted against this limit.
    expect((await call(fm, "ListCollectors", {})).status).toBe(200);
  });

  it("logs requests without the Authorization header", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", name: "a", localAttributes: attrs });
    const [entry] = fm.requests();
    expect(entry).toMatchObject({ method: "RegisterCollector", status: 200, collectorId: "a" });
    expect(entry!.headers["content-type"]).toBe("application/json");
    expect(entry!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(fm.requests())).not.toContain(btoa(`${fm.stackId}:${fm.token}`));
  });
});

describe("FM emulator: collector semantics", () => {
  it("treats Register as an upsert that replaces local attributes and name", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", {
      id: "a",
      name: "first",
      localAttributes: { ...attrs, team: "red" },
    });
    await call(fm, "RegisterCollector", { id: "a", name: "second", local_attributes: attrs });
    const [a] = fm.collectors();
    expect(a).toMatchObject({
      id: "a",
      name: "second",
      registered: true,
      registrations: 2,
      localAttributes: attrs,
    });
  });

  it("serves content and hash, then notModified when the hash is echoed, then new content", async () => {
    const fm = await start();
    fm.setPipelines([{ name: "self_monitoring", contents: 'prometheus.exporter.self "alloy" { }' }]);
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    const first = await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    const { content, hash } = first.json as { content: string; hash: string };
    expect(content).toContain('declare "self_monitoring" {');
    expect(content).toContain('prometheus.exporter.self "alloy" { }');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const same = await call(fm, "GetConfig", { id: "a", localAttributes: attrs, hash });
    expect(same.json).toEqual({ hash, notModified: true });
    fm.setConfig('logging { level = "debug" }');
    const changed = await call(fm, "GetConfig", {
      id: "a",
      localAttributes: attrs,
      hash,
      remoteConfigStatus: { status: "RemoteConfigStatuses_APPLIED" },
    });
    expect(changed.json).toMatchObject({ content: 'logging { level = "debug" }' });
    expect((changed.json as { hash: string }).hash).not.toBe(hash);
    expect(fm.collectors()[0]).toMatchObject({
      heartbeats: 3,
      lastRemoteConfigStatus: "RemoteConfigStatuses_APPLIED",
    });
  });

  it("serves empty content, with a hash, when no pipeline matches", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    const none = await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    expect(none.json).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
    fm.setPipelines([{ name: "win", contents: "logging {}", matchers: ['collector.os="windows"'] }]);
    const still = await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    expect(still.json).toEqual(none.json);
    expect(fm.collectors()[0]!.pipelines).toEqual([]);
  });

  it("answers not_found to GetConfig for an unknown or unregistered collector", async () => {
    const fm = await start();
    const unknown = await call(fm, "GetConfig", { id: "ghost", localAttributes: attrs });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: "not_found" });
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    await call(fm, "UnregisterCollector", { id: "a" });
    expect((await call(fm, "GetConfig", { id: "a", localAttributes: attrs })).status).toBe(404);
  });

  it("counts only GetConfig calls that carry local attributes as heartbeats", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    await call(fm, "GetConfig", { id: "a" });
    expect(fm.collectors()[0]).toMatchObject({ heartbeats: 0, active: false });
    await call(fm, "GetConfig", { id: "a", local_attributes: attrs });
    expect(fm.collectors()[0]).toMatchObject({ heartbeats: 1, active: true });
  });

  it("marks a collector inactive after the active window without heartbeats", async () => {
    const clock = createFakeClock();
    const fm = await start({ clock, activeWindowMs: 30 * 60_000 });
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    await clock.advance(29 * 60_000);
    expect(fm.collectors()[0]!.active).toBe(true);
    await clock.advance(2 * 60_000);
    expect(fm.collectors()[0]).toMatchObject({ active: false, registered: true });
  });

  it("unregisters by marking inactive, and answers not_found for an unknown ID", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    expect((await call(fm, "UnregisterCollector", { id: "a" })).json).toEqual({});
    expect(fm.collectors()[0]).toMatchObject({ registered: false, active: false, unregistrations: 1 });
    expect(fm.collectors()[0]!.markedInactiveAtMs).toBeTypeOf("number");
    const ghost = await call(fm, "UnregisterCollector", { id: "ghost" });
    expect(ghost.status).toBe(404);
    expect(ghost.json).toMatchObject({ code: "not_found" });
  });

  it("lists collectors and limits for the management and tenant APIs", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", name: "a", localAttributes: attrs });
    const list = await call(fm, "ListCollectors", {});
    expect(list.json).toMatchObject({
      collectors: [{ id: "a", name: "a", localAttributes: attrs, enabled: true }],
    });
    const limits = await call(fm, "GetLimits", {}, { service: "tenant.v1.TenantService" });
    expect(limits.status).toBe(200);
    expect(limits.json).toMatchObject({ collectors: expect.any(Number) as number });
  });

  it("shows every collector on the inspection endpoint without credentials", async () => {
    const fm = await start();
    await call(fm, "RegisterCollector", { id: "a", name: "a", localAttributes: attrs });
    await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    const res = await fetch(`${fm.url}/_emulator/collectors`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { collectors: unknown[] };
    expect(body.collectors).toEqual([
      expect.objectContaining({
        id: "a",
        localAttributes: attrs,
        registered: true,
        active: true,
        heartbeats: 1,
        registrations: 1,
        lastSeenMs: expect.any(Number) as number,
        requests: { RegisterCollector: 1, GetConfig: 1 },
      }),
    ]);
  });
});

describe("FM emulator: faults", () => {
  it("injects the same faults for the same seed", async () => {
    const outcomes = async (seed: number) => {
      const fm = await createFmEmulator({
        seed,
        faults: { RegisterCollector: { unavailable: 0.3, resourceExhausted: 0.2 } },
        rateLimitPerSecond: 1000,
      });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++)
        statuses.push((await call(fm, "RegisterCollector", { id: `c${i}` })).status);
      await fm.close();
      return statuses;
    };
    const a = await outcomes(7);
    expect(await outcomes(7)).toEqual(a);
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(a.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it("resets the connection after the request took effect", async () => {
    const fm = await start({ faults: { RegisterCollector: { reset: 1 } } });
    await expect(call(fm, "RegisterCollector", { id: "a", localAttributes: attrs })).rejects.toThrow();
    expect(fm.collectors()[0]).toMatchObject({ id: "a", registered: true });
    expect(fm.requests()[0]).toMatchObject({ status: 0, fault: "reset" });
  });

  it("fails the first N requests of each collector when asked", async () => {
    const fm = await start({ faults: { UnregisterCollector: { failFirst: 2 } } });
    await call(fm, "RegisterCollector", { id: "a" });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(fm, "UnregisterCollector", { id: "a" })).status);
    expect(statuses).toEqual([503, 503, 200]);
  });
});

/** Posts JSON and reads at most `limit` bytes of the answer, then hangs up: for bodies that never end. */
function readAtMost(
  fm: FmEmulator,
  procedure: string,
  body: unknown,
  limit: number,
): Promise<{ status: number; headers: IncomingHttpHeaders; head: string; bytes: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${fm.url}/collector.v1.CollectorService/${procedure}`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${Buffer.from(`${fm.stackId}:${fm.token}`).toString("base64")}`,
        },
      },
      (res) => {
        let bytes = 0;
        let head = "";
        const finish = (ended: boolean) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, head, bytes, ended });
        res.on("data", (chunk: Buffer) => {
          if (head.length < 64) head += chunk.subarray(0, 64).toString("utf8");
          bytes += chunk.length;
          if (bytes >= limit) {
            req.destroy();
            finish(false);
          }
        });
        res.on("end", () => finish(true));
      },
    );
    req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    req.end(JSON.stringify(body));
  });
}

describe("FM emulator: hostile faults", () => {
  it("answers 429 with a Retry-After of days, before any effect", async () => {
    const fm = await start({ faults: { RegisterCollector: { hugeRetryAfter: 1 } } });
    const a = await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe(String(HUGE_RETRY_AFTER_SECONDS));
    expect(a.json).toMatchObject({ code: "resource_exhausted" });
    expect(fm.collectors()).toEqual([]);
    expect(fm.requests()[0]).toMatchObject({ status: 429, fault: "huge_retry_after" });
  });

  it("streams a body that never ends: a 200 after the effect or a 503 before it", async () => {
    const fm = await start({ faults: { RegisterCollector: { endlessBody: 1 } }, rateLimitPerSecond: 1000 });
    const limit = 16 * 1024 * 1024;
    const statuses = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const id = `c${i}`;
      const answer = await readAtMost(fm, "RegisterCollector", { id, localAttributes: attrs }, limit);
      expect(answer.ended, id).toBe(false);
      expect(answer.bytes, id).toBeGreaterThanOrEqual(limit);
      expect(answer.headers["content-type"]).toBe("application/json");
      expect(answer.head).toMatch(
        answer.status === 503 ? /^\{"code":"unavailable","message":"x/ : /^\{"content":"x/,
      );
      statuses.set(id, answer.status);
    }
    expect(new Set(statuses.values())).toEqual(new Set([200, 503]));
    const registered = new Set(fm.collectors().map((c) => c.id));
    for (const [id, status] of statuses) expect(registered.has(id), id).toBe(status === 200);
    expect(fm.requests().every((r) => r.fault === "endless_body")).toBe(true);
  });

  it("sends GetConfig answers with a hash of megabytes, in JSON and in binary", async () => {
    const fm = await start({ faults: { GetConfig: { hashBomb: 1 }, RegisterCollector: { hashBomb: 1 } } });
    fm.setConfig('logging {\n  level = "info"\n}\n');
    // Only GetConfig has a hash: the fault does not touch other methods.
    const registered = await call(fm, "RegisterCollector", { id: "a", localAttributes: attrs });
    expect(registered.status).toBe(200);
    expect(registered.json).toEqual({});

    const json = await call(fm, "GetConfig", { id: "a", localAttributes: attrs });
    expect(json.status).toBe(200);
    const answer = json.json as { content?: string; hash: string };
    expect(answer.hash).toBe("f".repeat(HASH_BOMB_CHARS));
    expect(answer.content).toBe('logging {\n  level = "info"\n}\n');

    const root = protobuf.loadSync(
      fileURLToPath(
        new URL("../fixtures/proto/alloy-remote-config/api/collector/v1/collector.proto", import.meta.url),
      ),
    );
    const request = root.lookupType("collector.v1.GetConfigRequest");
    const response = root.lookupType("collector.v1.GetConfigResponse");
    const res = await fetch(`${fm.url}/collector.v1.CollectorService/GetConfig`, {
      method: "POST",
      headers: {
        "content-type": "application/proto",
        authorization: `Basic ${btoa(`${fm.stackId}:${fm.token}`)}`,
      },
      body: request.encode(request.fromObject({ id: "a" })).finish(),
    });
    expect(res.status).toBe(200);
    const decoded = response.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      content: string;
      hash: string;
    };
    expect(decoded.hash).toBe("f".repeat(HASH_BOMB_CHARS));
    expect(decoded.content).toBe(answer.content);
    expect(fm.requests().map((r) => r.fault)).toEqual([undefined, "hash_bomb", "hash_bomb"]);
  });

  it("holds a request unanswered, then answers with the effect or closes without it", async () => {
    const fm = await start({
      faults: { RegisterCollector: { hang: 1, hangMs: 200 } },
      rateLimitPerSecond: 1000,
    });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const id = `c${i}`;
      const status = await call(fm, "RegisterCollector", { id, localAttributes: attrs }).then(
        (a) => a.status,
        () => 0,
      );
      outcomes.set(id, status);
    }
    expect(new Set(outcomes.values())).toEqual(new Set([200, 0]));
    const registered = new Set(fm.collectors().map((c) => c.id));
    for (const [id, status] of outcomes) expect(registered.has(id), id).toBe(status === 200);
    expect(fm.requests().map((r) => r.fault)).toEqual(Array(8).fill("hang"));
  });

  it("never applies a hung request whose client gave up", async () => {
    const fm = await start({
      faults: { RegisterCollector: { hang: 1, hangMs: 300 } },
      rateLimitPerSecond: 1000,
    });
    for (let i = 0; i < 6; i++) {
      const gaveUp = fetch(`${fm.url}/collector.v1.CollectorService/RegisterCollector`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${btoa(`${fm.stackId}:${fm.token}`)}`,
        },
        body: JSON.stringify({ id: `c${i}`, localAttributes: attrs }),
        signal: AbortSignal.timeout(50),
      });
      await expect(gaveUp).rejects.toThrow();
    }
    await waitFor(() => fm.requests().length === 6, 5_000, "the hung requests to end");
    expect(fm.collectors()).toEqual([]);
    expect(fm.requests().map((r) => r.status)).toEqual(Array(6).fill(0));
  });

  it("closes at once with requests still hung", async () => {
    const fm = await start({ faults: { GetConfig: { hang: 1, hangMs: 600_000 } } });
    const hung = call(fm, "GetConfig", { id: "a" }).then(
      () => "answered",
      () => "closed",
    );
    await sleep(200);
    expect(fm.requests()).toEqual([]);
    await fm.close();
    expect(await hung).toBe("closed");
    // The hung handler ended with the emulator, not ten minutes later.
    await waitFor(() => fm.requests().length === 1, 2_000, "the hung request to end");
    expect(fm.requests()[0]).toMatchObject({ status: 0, fault: "hang" });
  });
});
