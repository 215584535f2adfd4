import { describe, expect, it } from "vitest";
import { FmApiError } from "../../src/core/errors.js";
import { USER_AGENT } from "../../src/core/version.js";
import type { Collector } from "../../src/fleet/types.js";
import { createFmClient } from "../../src/fm/client.js";
import type { HttpRequest, HttpResponse, HttpTransport } from "../../src/transport/types.js";

const TOKEN = "glc_eyJvIjoiMTIzIiwibiI6InRlc3QifQ==";
const STACK = "123456";

const collector: Collector = {
  id: "fleet-management-prod-linux-01",
  name: "fleet-management-prod-linux-01",
  os: "linux",
  version: "v1.18.1",
  env: "prod",
  kind: "standalone",
  healthy: true,
  attributes: { "collector.os": "linux", "collector.version": "v1.18.1", env: "prod", fake: "true" },
  labels: {},
};

type Answer = Partial<HttpResponse> & { json?: unknown; text?: string; throws?: Error };

/** A transport that records requests and plays back answers. */
function fakeTransport(...answers: Answer[]) {
  const requests: HttpRequest[] = [];
  const transport: HttpTransport = {
    request(req) {
      requests.push(req);
      const a = answers.shift() ?? { json: {} };
      if (a.throws) return Promise.reject(a.throws);
      const text = a.text ?? JSON.stringify(a.json ?? {});
      return Promise.resolve({
        status: a.status ?? 200,
        headers: a.headers ?? {},
        body: new TextEncoder().encode(text),
      });
    },
    close: () => Promise.resolve(),
  };
  return { transport, requests };
}

const client = (transport: HttpTransport) =>
  createFmClient({
    baseUrl: "https://fleet-management-prod-001.grafana.net/",
    stackId: STACK,
    token: TOKEN,
    transport,
  });

const bodyOf = (req: HttpRequest | undefined): unknown => JSON.parse(String(req?.body));

describe("FM client wire format (docs/fm-protocol.md#collector-api)", () => {
  it("posts RegisterCollector with the exact headers and body", async () => {
    const { transport, requests } = fakeTransport({ json: {} });
    const outcome = await client(transport).register(collector);
    expect(outcome).toEqual({ kind: "success", value: undefined });
    expect(requests[0]).toMatchObject({
      url: "https://fleet-management-prod-001.grafana.net/collector.v1.CollectorService/RegisterCollector",
      method: "POST",
      timeoutMs: 15_000,
      headers: {
        "content-type": "application/json",
        "connect-protocol-version": "1",
        authorization: `Basic ${Buffer.from(`${STACK}:${TOKEN}`).toString("base64")}`,
        "user-agent": USER_AGENT,
      },
    });
    expect(Object.keys(requests[0]!.headers).sort()).toEqual(
      ["authorization", "connect-protocol-version", "content-type", "user-agent"].sort(),
    );
    expect(requests[0]!.body).toBe(
      JSON.stringify({ id: collector.id, name: collector.name, localAttributes: collector.attributes }),
    );
  });

  it("sends localAttributes on every GetConfig, the hash only once there is one, and the status when asked", async () => {
    const { transport, requests } = fakeTransport(
      { json: { content: "logging {}", hash: "h1" } },
      { json: { hash: "h1", notModified: true } },
    );
    const fm = client(transport);
    const first = await fm.getConfig(collector);
    const second = await fm.getConfig(collector, {
      hash: "h1",
      remoteConfigStatus: { status: "RemoteConfigStatuses_APPLIED" },
    });
    expect(bodyOf(requests[0])).toEqual({ id: collector.id, localAttributes: collector.attributes });
    expect(bodyOf(requests[1])).toEqual({
      id: collector.id,
      localAttributes: collector.attributes,
      hash: "h1",
      remoteConfigStatus: { status: "RemoteConfigStatuses_APPLIED" },
    });
    expect(requests[1]!.url).toMatch(/\/collector\.v1\.CollectorService\/GetConfig$/);
    expect(first).toEqual({
      kind: "success",
      value: { content: "logging {}", hash: "h1", notModified: false },
    });
    expect(second).toEqual({ kind: "success", value: { hash: "h1", notModified: true } });
  });

  it("posts UnregisterCollector with just the id, and ListCollectors and GetLimits with {}", async () => {
    const { transport, requests } = fakeTransport(
      { json: {} },
      { json: { collectors: [{ id: "a", localAttributes: { env: "x" }, enabled: true }] } },
      { json: { collectors: "100" } },
    );
    const fm = client(transport);
    await fm.unregister("a");
    const list = await fm.listCollectors();
    const limits = await fm.getLimits();
    expect(requests.map((r) => [r.url.replace(/^.*\.net/, ""), r.body])).toEqual([
      ["/collector.v1.CollectorService/UnregisterCollector", '{"id":"a"}'],
      ["/collector.v1.CollectorService/ListCollectors", "{}"],
      ["/tenant.v1.TenantService/GetLimits", "{}"],
    ]);
    expect(list).toEqual({
      kind: "success",
      value: [{ id: "a", localAttributes: { env: "x" }, remoteAttributes: {}, enabled: true }],
    });
    expect(limits).toEqual({ kind: "success", value: { collectors: "100" } });
  });
});

describe("FM client errors", () => {
  it("turns a Connect error into an FmApiError with procedure, code, status and collector", async () => {
    const { transport } = fakeTransport({
      status: 401,
      json: { code: "unauthenticated", message: "authentication error: invalid scope requested" },
    });
    const outcome = await client(transport).register(collector);
    expect(outcome.kind).toBe("failure");
    const error = (outcome as unknown as { error: FmApiError }).error;
    expect(error).toBeInstanceOf(FmApiError);
    expect(error).toMatchObject({ procedure: "RegisterCollector", code: "unauthenticated", status: 401 });
    expect(error.collectorId).toBe(collector.id);
    expect(error.message).toBe(
      `FM RegisterCollector for ${collector.id} failed: unauthenticated (HTTP 401): authentication error: invalid scope requested`,
    );
  });

  it("marks unavailable and resource_exhausted retryable, honouring Retry-After", async () => {
    const { transport } = fakeTransport(
      {
        status: 429,
        headers: { "retry-after": "3" },
        json: { code: "resource_exhausted", message: "slow down" },
      },
      { status: 503, text: "<html>upstream connect error</html>" },
      { status: 404, text: "404 page not found" },
    );
    const fm = client(transport);
    expect(await fm.getConfig(collector)).toMatchObject({ kind: "retryable", retryAfterMs: 3000 });
    const bare = await fm.getConfig(collector);
    expect(bare).toMatchObject({ kind: "retryable", error: { code: "unavailable", status: 503 } });
    expect(await fm.getConfig(collector)).toMatchObject({
      kind: "failure",
      error: { code: "unimplemented" },
    });
  });

  it("treats no answer as retryable: network errors unavailable, timeouts deadline_exceeded", async () => {
    const timeout = Object.assign(new Error("no answer within 15000 ms"), { name: "TimeoutError" });
    const { transport } = fakeTransport({ throws: new Error("other side closed") }, { throws: timeout });
    const fm = client(transport);
    expect(await fm.unregister("a")).toMatchObject({
      kind: "retryable",
      error: { code: "unavailable", status: 0 },
    });
    expect(await fm.unregister("a")).toMatchObject({
      kind: "retryable",
      error: { code: "deadline_exceeded" },
    });
  });

  it("does not retry a call its caller aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { transport } = fakeTransport({ throws: new Error("aborted") });
    expect(await client(transport).unregister("a", { signal: controller.signal })).toMatchObject({
      kind: "failure",
      error: { code: "canceled" },
    });
  });

  it("never lets the token or its Basic-auth form into an error, even when the server echoes them", async () => {
    const basic = Buffer.from(`${STACK}:${TOKEN}`).toString("base64");
    const { transport } = fakeTransport({
      status: 403,
      json: { code: "permission_denied", message: `token ${TOKEN} (Basic ${basic}) lacks a scope` },
    });
    const outcome = await client(transport).register(collector);
    const text = JSON.stringify(outcome) + (outcome.kind === "success" ? "" : outcome.error.message);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(basic);
    expect(text).not.toContain(TOKEN.slice(4, 20));
  });

  it("truncates a long error body", async () => {
    const { transport } = fakeTransport({ status: 502, text: "x".repeat(5000) });
    const outcome = await client(transport).register(collector);
    expect(outcome.kind === "retryable" && outcome.error.message.length).toBeLessThan(500);
  });
});
