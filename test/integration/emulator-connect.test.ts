/**
 * The FM emulator against the official Connect client (@connectrpc/connect-node) built at run time from
 * the .proto files Grafana publishes, in both codecs and with GetConfig by GET: whatever the emulator
 * answers must be what a real Connect client of FM's schema reads, not merely what our client sends.
 */
import {
  fromJson,
  toJson,
  type DescMethodUnary,
  type DescService,
  type JsonObject,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator, type FmEmulatorOptions } from "../../src/emulator/fm-server.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { loadPublishedServices, type PublishedServices } from "../helpers/published-protos.js";

let services: PublishedServices;
let emulator: FmEmulator | undefined;

beforeAll(async () => {
  services = await loadPublishedServices();
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Management and pipeline limits are raised except where a test is about them. */
async function start(options: FmEmulatorOptions = {}) {
  emulator = await createFmEmulator({
    managementRateLimitPerSecond: 1000,
    pipelineRateLimitPerSecond: 1000,
    ...options,
  });
  return emulator;
}

function basicAuth(user: string, token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`);
    return next(req);
  };
}

function transportFor(
  fm: FmEmulator,
  options: { binary: boolean; get?: boolean; token?: string },
): Transport {
  return createConnectTransport({
    baseUrl: fm.url,
    httpVersion: "1.1",
    useBinaryFormat: options.binary,
    useHttpGet: options.get ?? false,
    interceptors: [basicAuth(fm.stackId, options.token ?? fm.token)],
  });
}

/** One unary call, request and answer in proto3 JSON so the tests read like FM's API docs. */
async function call(
  transport: Transport,
  service: DescService,
  method: string,
  request: JsonValue,
): Promise<JsonObject> {
  const desc = service.methods.find((m) => m.name === method);
  if (!desc || desc.methodKind !== "unary") throw new Error(`${service.typeName}/${method} is not unary`);
  const unary = desc as DescMethodUnary;
  // The client's methods are keyed by local name (getConfig); this schema is only known at run time.
  const client = createClient(service, transport) as unknown as Record<
    string,
    (request: unknown) => Promise<Message>
  >;
  const answer = await client[unary.localName]!(fromJson(unary.input, request));
  return toJson(unary.output, answer) as JsonObject;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = ConnectError.from(err);
    return { code: e.code, message: e.rawMessage };
  }
  throw new Error("the call succeeded");
}

const linux = { "collector.os": "linux", "collector.version": "v1.13.0", env: "prod", fake: "true" };
const windows = { ...linux, "collector.os": "windows" };

describe.each([
  { codec: "binary protobuf", binary: true },
  { codec: "JSON", binary: false },
])("official Connect client, $codec", ({ binary }) => {
  const clients = (fm: FmEmulator, extra: { get?: boolean; token?: string } = {}) => {
    const t = transportFor(fm, { binary, ...extra });
    return {
      collector: (method: string, req: JsonValue) => call(t, services.collector, method, req),
      manage: (method: string, req: JsonValue) => call(t, services.management, method, req),
      pipeline: (method: string, req: JsonValue) => call(t, services.pipeline, method, req),
    };
  };

  it("registers, serves assembled content with a hash, answers notModified, also by GET", async () => {
    const fm = await start();
    const { collector, pipeline } = clients(fm);
    await pipeline("CreatePipeline", {
      pipeline: { name: "self_monitoring", contents: 'prometheus.exporter.self "alloy" { }', enabled: true },
    });
    expect(await collector("RegisterCollector", { id: "c1", name: "one", localAttributes: linux })).toEqual(
      {},
    );

    const first = await collector("GetConfig", { id: "c1", localAttributes: linux });
    expect(first.content).toContain('declare "self_monitoring" {');
    expect(first.content).toContain('"collector.ID" = "c1"');
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.notModified).toBeUndefined();

    const viaGet = clients(fm, { get: true }).collector;
    const same = await viaGet("GetConfig", { id: "c1", localAttributes: linux, hash: first.hash! });
    expect(same).toEqual({ hash: first.hash, notModified: true });
    const fresh = await viaGet("GetConfig", { id: "c1", localAttributes: linux });
    expect(fresh).toEqual(first);
    const gets = fm.requests().filter((r) => r.method === "GetConfig" && r.httpMethod === "GET");
    expect(gets).toHaveLength(2);
    expect(gets.every((r) => r.status === 200 && r.codec === (binary ? "proto" : "json"))).toBe(true);
    expect(fm.collectors()[0]).toMatchObject({ heartbeats: 3, pipelines: ["self_monitoring"] });
  });

  it("reports the applied status a collector sends, with the error of a failed one", async () => {
    const fm = await start();
    const { collector } = clients(fm);
    await collector("RegisterCollector", { id: "c1", localAttributes: linux });
    await collector("GetConfig", {
      id: "c1",
      localAttributes: linux,
      remoteConfigStatus: { status: "RemoteConfigStatuses_FAILED", errorMessage: "1:5: expected }" },
      effectiveConfig: {
        configMap: { configMap: { "": { body: "bG9nZ2luZyB7fQ==", contentType: "text/plain" } } },
      },
    });
    expect(fm.collectors()[0]).toMatchObject({
      lastRemoteConfigStatus: "RemoteConfigStatuses_FAILED",
      lastRemoteConfigError: "1:5: expected }",
    });
  });

  it("keeps an unregistered collector, marked inactive, until Register clears the mark", async () => {
    const fm = await start();
    const { collector, manage } = clients(fm);
    await collector("RegisterCollector", { id: "c1", name: "one", localAttributes: linux });
    expect(await collector("UnregisterCollector", { id: "c1" })).toEqual({});
    const inactive = await manage("GetCollector", { id: "c1" });
    expect(inactive).toMatchObject({
      id: "c1",
      name: "one",
      localAttributes: { ...linux, "collector.ID": "c1" },
      enabled: true,
      collectorType: "COLLECTOR_TYPE_ALLOY",
    });
    expect(Date.parse(inactive.markedInactiveAt as string)).toBeGreaterThan(0);
    expect(Date.parse(inactive.createdAt as string)).toBeGreaterThan(0);
    expect(await codeOf(collector("GetConfig", { id: "c1", localAttributes: linux }))).toMatchObject({
      code: Code.NotFound,
    });

    await collector("RegisterCollector", { id: "c1", name: "one", localAttributes: linux });
    const back = await manage("GetCollector", { id: "c1" });
    expect(back.markedInactiveAt).toBeUndefined();
  });

  it("lists collectors by Alertmanager matchers over local, remote and collector.ID attributes", async () => {
    const fm = await start();
    const { collector, manage } = clients(fm);
    await collector("RegisterCollector", { id: "a", localAttributes: linux });
    await collector("RegisterCollector", { id: "b", localAttributes: windows });
    await collector("RegisterCollector", { id: "c", localAttributes: { ...linux, env: "dev", team: "x" } });
    await manage("UpdateCollector", { collector: { id: "a", remoteAttributes: { env: "staging" } } });
    const ids = async (...matchers: string[]) =>
      (((await manage("ListCollectors", { matchers })).collectors as JsonObject[] | undefined) ?? []).map(
        (c) => c.id,
      );

    expect(await ids()).toEqual(["a", "b", "c"]);
    expect(await ids('collector.os="linux"')).toEqual(["a", "c"]);
    expect(await ids('env=~"prod|staging"')).toEqual(["a", "b"]); // a's remote env wins
    expect(await ids('collector.ID="b"')).toEqual(["b"]);
    expect(await ids('team!="x"')).toEqual(["a", "b"]); // a missing team reads as ""
    expect(await ids('team=~".+"')).toEqual(["c"]);
    expect(await ids("collector.os=linux", "env=dev")).toEqual(["c"]);

    const bad = await codeOf(manage("ListCollectors", { matchers: ['env=~"(?=p)"'] }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).toContain('matcher "env=~\\"(?=p)\\""');
    expect(bad.message).toContain("lookahead");
  });

  it("deletes atomically in bulk: one missing ID fails the call and deletes nothing", async () => {
    const fm = await start();
    const { collector, manage } = clients(fm);
    for (const id of ["a", "b", "c"]) await collector("RegisterCollector", { id, localAttributes: linux });

    const refused = await codeOf(manage("BulkDeleteCollectors", { ids: ["a", "ghost", "b"] }));
    expect(refused.code).toBe(Code.NotFound);
    expect(refused.message).toContain("ghost");
    expect(fm.collectors().map((c) => c.id)).toEqual(["a", "b", "c"]);

    expect(await manage("BulkDeleteCollectors", { ids: ["a", "b"] })).toEqual({});
    expect(fm.collectors().map((c) => c.id)).toEqual(["c"]);
    expect((await codeOf(manage("DeleteCollector", { id: "a" }))).code).toBe(Code.NotFound);
    expect((await codeOf(manage("BulkDeleteCollectors", { ids: [] }))).code).toBe(Code.InvalidArgument);
    expect(await manage("DeleteCollector", { id: "c" })).toEqual({});
    expect(fm.collectors()).toEqual([]);
  });

  it("patches remote attributes in bulk, all or nothing", async () => {
    const fm = await start();
    const { collector, manage } = clients(fm);
    for (const id of ["a", "b"]) await collector("RegisterCollector", { id, localAttributes: linux });
    await manage("BulkUpdateCollectors", {
      ids: ["a", "b"],
      ops: [
        { op: "ADD", path: "remoteAttributes.team", value: "red" },
        { op: "COPY", from: "remoteAttributes.team", path: "remoteAttributes.owner" },
      ],
    });
    const refused = await codeOf(
      manage("BulkUpdateCollectors", {
        ids: ["a", "b"],
        ops: [
          { op: "REMOVE", path: "remoteAttributes.team" },
          { op: "MOVE", from: "remoteAttributes.missing", path: "remoteAttributes.x" },
        ],
      }),
    );
    expect(refused.code).toBe(Code.InvalidArgument);
    for (const c of fm.collectors()) expect(c.remoteAttributes).toEqual({ team: "red", owner: "red" });
    const attributes = await manage("ListCollectorAttributes", {});
    expect(attributes.remoteAttributes).toEqual({
      owner: { values: [{ value: "red" }] },
      team: { values: [{ value: "red" }] },
    });
  });

  it("creates, reads, updates, upserts and deletes pipelines, and moves content between collectors", async () => {
    const fm = await start();
    const { collector, pipeline } = clients(fm);
    await collector("RegisterCollector", { id: "lin", localAttributes: linux });
    await collector("RegisterCollector", { id: "win", localAttributes: windows });
    const received = async (id: string) =>
      (await collector("GetConfig", { id, localAttributes: id === "lin" ? linux : windows })).content ?? "";

    const preview = await pipeline("CreatePipeline", {
      pipeline: { name: "node", contents: "logging {}", matchers: ['collector.os="linux"'] },
      validateOnly: true,
    });
    expect(preview).toMatchObject({ name: "node", enabled: true, configType: "CONFIG_TYPE_ALLOY" });
    expect(preview.id).toBeUndefined();
    expect(fm.pipelines()).toEqual([]);

    const created = await pipeline("CreatePipeline", {
      pipeline: { name: "node", contents: "logging {}", matchers: ['collector.os="linux"'], enabled: true },
    });
    expect(created).toMatchObject({ name: "node", matchers: ['collector.os="linux"'], enabled: true });
    const id = created.id as string;
    expect(await pipeline("GetPipelineID", { name: "node" })).toEqual({ id });
    expect(await pipeline("GetPipeline", { id })).toEqual(created);
    expect(
      (await codeOf(pipeline("CreatePipeline", { pipeline: { name: "node", contents: "x" } }))).code,
    ).toBe(Code.AlreadyExists);
    expect(
      (
        await codeOf(
          pipeline("CreatePipeline", { pipeline: { name: "bad", contents: "x", matchers: ["os"] } }),
        )
      ).code,
    ).toBe(Code.InvalidArgument);
    expect(await received("lin")).toContain('declare "node"');
    expect(await received("win")).toBe("");

    // A matcher change moves the pipeline from one collector to the other.
    await pipeline("UpdatePipeline", {
      pipeline: {
        id,
        name: "node",
        contents: "logging {}",
        matchers: ['collector.os="windows"'],
        enabled: true,
      },
    });
    expect(await received("lin")).toBe("");
    expect(await received("win")).toContain('declare "node"');

    // A disabled pipeline is never sent.
    await pipeline("UpsertPipeline", {
      pipeline: {
        name: "node",
        contents: "logging {}",
        matchers: ['collector.os="windows"'],
        enabled: false,
      },
    });
    expect(await received("win")).toBe("");
    await pipeline("UpsertPipeline", { pipeline: { name: "all", contents: "logging {}", enabled: true } });
    const names = async (req: JsonValue) =>
      (((await pipeline("ListPipelines", req)).pipelines as JsonObject[] | undefined) ?? []).map(
        (p) => p.name,
      );
    expect(await names({})).toEqual(["all", "node"]);
    expect(await names({ enabled: false })).toEqual(["node"]);
    expect(await names({ localAttributes: { "collector.os": "linux" } })).toEqual(["all"]);
    expect(await names({ configType: "CONFIG_TYPE_OTEL" })).toEqual([]);

    expect(
      (await codeOf(pipeline("UpdatePipeline", { pipeline: { id: "999", name: "x", contents: "y" } }))).code,
    ).toBe(Code.NotFound);
    const allId = (await pipeline("GetPipelineID", { name: "all" })).id as string;
    expect((await codeOf(pipeline("BulkDeletePipelines", { ids: [allId, "999"] }))).code).toBe(Code.NotFound);
    expect(await names({})).toEqual(["all", "node"]);
    expect(await pipeline("DeletePipeline", { id })).toEqual({});
    expect(await pipeline("BulkDeletePipelines", { ids: [allId] })).toEqual({});
    expect(await names({})).toEqual([]);
  });

  it("syncs pipelines by name within a source, leaving other sources alone", async () => {
    const fm = await start();
    const { pipeline } = clients(fm);
    const repoA = { type: "SOURCE_TYPE_GIT", namespace: "repo-a" };
    const repoB = { type: "SOURCE_TYPE_GIT", namespace: "repo-b" };
    await pipeline("SyncPipelines", {
      source: repoA,
      pipelines: [
        { name: "one", contents: "logging {}", enabled: true },
        { name: "two", contents: "logging {}", enabled: true },
      ],
    });
    await pipeline("SyncPipelines", {
      source: repoB,
      pipelines: [{ name: "three", contents: "x", enabled: true }],
    });
    const twoId = (await pipeline("GetPipelineID", { name: "two" })).id;
    await pipeline("SyncPipelines", {
      source: repoA,
      pipelines: [
        { name: "two", contents: 'logging { level = "debug" }', enabled: false },
        { name: "four", contents: "logging {}", enabled: true },
      ],
    });
    const all = (await pipeline("ListPipelines", {})).pipelines as JsonObject[];
    expect(all.map((p) => [p.name, p.source])).toEqual([
      ["four", repoA],
      ["three", repoB],
      ["two", repoA],
    ]);
    const two = all.find((p) => p.name === "two")!;
    expect(two).toMatchObject({ id: twoId, enabled: false, contents: 'logging { level = "debug" }' });
    expect((await codeOf(pipeline("SyncPipelines", { pipelines: [] }))).code).toBe(Code.InvalidArgument);
  });

  it("refuses wrong credentials with Unauthenticated", async () => {
    const fm = await start();
    const { collector, manage } = clients(fm, { token: "glc_wrong" });
    for (const attempt of [
      collector("RegisterCollector", { id: "a", localAttributes: linux }),
      manage("ListCollectors", {}),
    ]) {
      expect(await codeOf(attempt)).toEqual({
        code: Code.Unauthenticated,
        message: "authentication error: invalid scope requested",
      });
    }
    expect(fm.collectors()).toEqual([]);
  });

  it("limits management calls to 3 req/s with ResourceExhausted", async () => {
    const fm = await start({ managementRateLimitPerSecond: 3 });
    const { manage } = clients(fm);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        manage("ListCollectors", {}).then(
          () => "ok",
          (err: unknown) => Code[ConnectError.from(err).code],
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThanOrEqual(3);
    expect(outcomes.filter((o) => o === "ok").length).toBeLessThan(8);
    expect(new Set(outcomes.filter((o) => o !== "ok"))).toEqual(new Set(["ResourceExhausted"]));
    expect(fm.requests().filter((r) => r.fault === "rate_limited").length).toBe(
      outcomes.filter((o) => o !== "ok").length,
    );
  });
});

describe("silence", () => {
  it("marks a collector inactive when the window passes without a heartbeat, and a heartbeat revives it", async () => {
    const clock = createFakeClock();
    const fm = await start({ clock, activeWindowMs: 30 * 60_000, rateLimitPerSecond: 1000 });
    const t = transportFor(fm, { binary: true });
    const collector = (m: string, r: JsonValue) => call(t, services.collector, m, r);
    const get = async () => call(t, services.management, "GetCollector", { id: "c1" });
    await collector("RegisterCollector", { id: "c1", localAttributes: linux });
    await collector("GetConfig", { id: "c1", localAttributes: linux });
    const heartbeatAt = clock.now();
    await clock.advance(29 * 60_000);
    expect((await get()).markedInactiveAt).toBeUndefined();
    await clock.advance(2 * 60_000);
    expect(Date.parse((await get()).markedInactiveAt as string)).toBe(heartbeatAt + 30 * 60_000);
    await collector("GetConfig", { id: "c1", localAttributes: linux });
    expect((await get()).markedInactiveAt).toBeUndefined();
  });
});
