/**
 * A local Fleet Management emulator for demos and tests (`fm-fleet emulate`): a node:http server speaking
 * Connect unary the way FM does (docs/fm-protocol.md; connectrpc.com/docs/protocol), not the way our client
 * happens to call it. It routes the procedures of collector.v1.CollectorService (collector and management
 * halves), pipeline.v1.PipelineService and tenant.v1.TenantService/GetLimits; checks Basic auth; reads
 * JSON and binary protobuf, and GetConfig by GET; limits each class of calls to FM's rates; injects seeded
 * faults; and lets tests look inside.
 */
import { timingSafeEqual } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type protobuf from "protobufjs";
import { systemClock, seededRandom, type Clock } from "../core/clock.js";
import { isLoopbackHost } from "../core/loopback.js";
import { assembleConfig } from "./assemble-config.js";
import {
  codecOfContentType,
  CONTENT_TYPE,
  decodeMessage,
  decompress,
  encodeMessage,
  parseJsonObject,
  readGetQuery,
  UnsupportedCodecError,
  type Codec,
  type Message,
} from "./codecs.js";
import { createCollectorState, type EmulatedCollector } from "./collector-state.js";
import { ConnectError, sendConnectError } from "./connect-error.js";
import {
  createFaultInjector,
  HASH_BOMB_CHARS,
  HUGE_RETRY_AFTER_SECONDS,
  type FaultKind,
  type FaultPlan,
} from "./faults.js";
import {
  createPipelineState,
  type EmulatedPipeline,
  type PipelineInput,
  type PipelineSource,
} from "./pipeline-state.js";
import { createServerRateLimit, type ServerRateLimit } from "./server-rate-limit.js";
import { streamRepeated } from "./stream-body.js";
import {
  COLLECTOR_METHODS,
  PIPELINE_METHODS,
  PROCEDURES,
  type CollectorMethod,
  type EmulatedMethod,
  type PipelineMethod,
} from "./wire-schema.js";

export type { EmulatedCollector } from "./collector-state.js";
export type { EmulatedPipeline, PipelineInput, PipelineSource } from "./pipeline-state.js";
export type { EmulatedMethod } from "./wire-schema.js";
export type { FaultKind, FaultPlan, FaultSpec } from "./faults.js";

export interface FmEmulatorOptions {
  /** Basic-auth user. Default "123456". */
  stackId?: string;
  /** Basic-auth password. Default a fixed emulator token. */
  token?: string;
  /** Server-side limit over RegisterCollector + GetConfig. Default 20 req/s (FM's default). */
  rateLimitPerSecond?: number;
  /** Limit over the management RPCs of CollectorService. Default 3 req/s (FM collector API docs). */
  managementRateLimitPerSecond?: number;
  /** Limit over PipelineService. Default 3 req/s (FM pipeline API docs). */
  pipelineRateLimitPerSecond?: number;
  /** A registered collector silent longer than this is marked inactive. Default 30 min (FM collector status docs). */
  activeWindowMs?: number;
  /** Pipelines present from the start, as a sync from git would leave them. */
  pipelines?: readonly PipelineInput[];
  faults?: FaultPlan;
  /** Seed of the fault PRNG. Default 1. */
  seed?: number;
  clock?: Clock;
  /** Default 127.0.0.1. The emulator has no TLS, so keep it on loopback. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface RequestLog {
  /** The procedure, or the path when it is not one. */
  readonly method: string;
  /** The HTTP method. */
  readonly httpMethod: string;
  readonly time: number;
  /** 0 when the connection was reset. */
  readonly status: number;
  /** Request headers, lower-case, without Authorization. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body as sent; for binary and GET requests, the decoded message as JSON. */
  readonly body: string;
  readonly codec?: Codec;
  readonly collectorId?: string;
  readonly fault?: FaultKind | "rate_limited";
}

export interface FmEmulator {
  readonly url: string;
  readonly stackId: string;
  readonly token: string;
  collectors(): EmulatedCollector[];
  pipelines(): EmulatedPipeline[];
  requests(): RequestLog[];
  /** Replaces the pipelines of one source (default: git, namespace "fm-fleet-emulate"), as SyncPipelines does. */
  setPipelines(pipelines: readonly PipelineInput[], source?: PipelineSource): void;
  /**
   * Serves exactly `content` to every enabled collector instead of the assembled pipelines, until called
   * with undefined: for tests of content no pipeline set can produce.
   */
  setConfig(content: string | undefined): void;
  /** Forgets a collector, as DeleteCollector would. */
  deleteCollector(id: string): boolean;
  /** Replaces the fault plan. */
  setFaults(faults: FaultPlan): void;
  close(): Promise<void>;
}

type RateClass = "collector" | "management" | "pipeline";

/** FM's `requests_per_second:collector` limit covers Register and GetConfig; other collector calls 3 req/s. */
function rateClassOf(method: EmulatedMethod): RateClass | undefined {
  if (method === "RegisterCollector" || method === "GetConfig") return "collector";
  // Unregister is not in FM's documented method table; Alloy calls it once at shutdown.
  if (method === "UnregisterCollector" || method === "GetLimits") return undefined;
  return (PIPELINE_METHODS as readonly string[]).includes(method) ? "pipeline" : "management";
}

const isCollectorMethod = (m: EmulatedMethod): m is CollectorMethod =>
  (COLLECTOR_METHODS as readonly string[]).includes(m);
const isPipelineMethod = (m: EmulatedMethod): m is PipelineMethod =>
  (PIPELINE_METHODS as readonly string[]).includes(m);

const INSPECT_COLLECTORS = "/_emulator/collectors";
const INSPECT_PIPELINES = "/_emulator/pipelines";
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_SOURCE: PipelineSource = { type: "SOURCE_TYPE_GIT", namespace: "fm-fleet-emulate" };

export async function createFmEmulator(options: FmEmulatorOptions = {}): Promise<FmEmulator> {
  const stackId = options.stackId ?? "123456";
  const token = options.token ?? "glc_fm-emulator-token";
  const clock = options.clock ?? systemClock;
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${stackId}:${token}`).toString("base64")}`);
  let configOverride: string | undefined;
  const pipelineState = createPipelineState();
  const collectorState = createCollectorState({
    activeWindowMs: options.activeWindowMs ?? 30 * 60_000,
    configFor({ id, attributes, enabled }) {
      if (!enabled) return { content: "", pipelines: [] };
      if (configOverride !== undefined) return { content: configOverride, pipelines: [] };
      const matching = pipelineState.matching(attributes);
      return {
        content: assembleConfig(matching, { id, attributes }),
        pipelines: matching.map((p) => p.name),
      };
    },
  });
  if (options.pipelines) pipelineState.sync(DEFAULT_SOURCE, options.pipelines, clock.now());
  const limits: Record<RateClass, { perSecond: number; bucket: ServerRateLimit }> = {
    collector: bucket(options.rateLimitPerSecond ?? 20),
    management: bucket(options.managementRateLimitPerSecond ?? 3),
    pipeline: bucket(options.pipelineRateLimitPerSecond ?? 3),
  };
  const random = seededRandom(options.seed ?? 1);
  let drawFault = createFaultInjector(options.faults ?? {}, random);
  const log: RequestLog[] = [];
  // Ends the waits of hung requests when the emulator closes, so no timer outlives it.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendConnectError(res, new ConnectError("internal", err instanceof Error ? err.message : String(err)));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://emulator");
    const path = url.pathname;
    const raw = await readBody(req);
    const procedure = PROCEDURES.get(path);
    const httpMethod = req.method ?? "";
    let logged = raw.toString("utf8");
    const entry = {
      method: procedure?.method ?? path,
      httpMethod,
      time: clock.now(),
      headers: loggedHeaders(req),
    };
    const respond = (status: number, extra: Partial<RequestLog> = {}) =>
      log.push({ ...entry, body: logged, status, ...extra });
    const fail = (error: ConnectError, extra: Partial<RequestLog> = {}) => {
      sendConnectError(res, error);
      respond(error.status, extra);
    };

    if ((path === INSPECT_COLLECTORS || path === INSPECT_PIPELINES) && httpMethod === "GET") {
      if (!isLoopbackHost(normalizeAddress(req.socket.remoteAddress))) {
        res
          .writeHead(403, { "content-type": "text/plain" })
          .end("the inspection endpoint answers loopback only\n");
        return respond(403);
      }
      sendJson(
        res,
        path === INSPECT_COLLECTORS
          ? { collectors: collectorState.collectors(clock.now()) }
          : { pipelines: pipelineState.pipelines() },
      );
      return respond(200);
    }

    // Go's ServeMux answers unknown paths with a plain 404; Connect clients read it as unimplemented.
    if (!procedure) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
      return respond(404);
    }
    const isGet = httpMethod === "GET";
    // GET is for procedures without side effects only (Connect protocol, "Unary-Get-Request").
    if (httpMethod !== "POST" && !(isGet && procedure.idempotency === "NO_SIDE_EFFECTS")) {
      const allow = procedure.idempotency === "NO_SIDE_EFFECTS" ? "GET, POST" : "POST";
      res.writeHead(405, { allow, "content-type": "text/plain" }).end(`use ${allow}\n`);
      return respond(405);
    }
    if (!isAuthorized(req.headers.authorization))
      return fail(new ConnectError("unauthenticated", "authentication error: invalid scope requested"));

    let codec: Codec;
    let message: Message;
    try {
      let body: Buffer;
      if (isGet) {
        ({ codec, body } = readGetQuery(url.searchParams));
      } else {
        codec = codecOfContentType(req.headers["content-type"]);
        const version = headerValue(req, "connect-protocol-version");
        if (version !== undefined && version !== "1")
          throw new ConnectError(
            "invalid_argument",
            `connect-protocol-version must be "1": got "${version}"`,
          );
        body = decompress(raw, headerValue(req, "content-encoding"));
      }
      if (!procedure.requestType) {
        // The tenant API has no published schema: JSON only.
        if (codec !== "json")
          throw new UnsupportedCodecError(
            `${procedure.service} has no published schema: send application/json`,
          );
        message = parseJsonObject(body.toString("utf8"));
      } else {
        message = decodeMessage(procedure.requestType, codec, body);
      }
      if (isGet || codec === "proto") logged = JSON.stringify(message);
    } catch (err) {
      if (err instanceof UnsupportedCodecError) {
        // A server must answer 415 to a codec it cannot read (Connect protocol).
        res
          .writeHead(415, {
            "accept-post": "application/json, application/proto",
            "content-type": "text/plain",
          })
          .end(`${err.message}\n`);
        return respond(415);
      }
      if (err instanceof ConnectError) return fail(err);
      throw err;
    }

    const method = procedure.method;
    const collectorId = typeof message.id === "string" && message.id !== "" ? message.id : undefined;
    if (collectorId && isCollectorMethod(method)) collectorState.countRequest(method, collectorId);
    const context = { codec, ...(collectorId ? { collectorId } : {}) };

    const rateClass = rateClassOf(method);
    if (rateClass) {
      const { perSecond, bucket: limit } = limits[rateClass];
      const taken = limit.tryTake(clock.now());
      if (!taken.ok) {
        const retryAfter = String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
        return fail(
          new ConnectError("resource_exhausted", `rate limit of ${perSecond} req/s exceeded`, {
            "retry-after": retryAfter,
          }),
          { ...context, fault: "rate_limited" },
        );
      }
    }

    const draw = drawFault(method, collectorId);
    if (draw.latencyMs > 0) await clock.sleep(draw.latencyMs);
    const faulted = draw.fault ? { ...context, fault: draw.fault } : context;
    if (draw.fault === "unavailable")
      return fail(new ConnectError("unavailable", "emulated fault: service unavailable"), faulted);
    if (draw.fault === "resource_exhausted" || draw.fault === "huge_retry_after") {
      const retryAfter = draw.fault === "huge_retry_after" ? String(HUGE_RETRY_AFTER_SECONDS) : "1";
      return fail(
        new ConnectError("resource_exhausted", "emulated fault: too many requests", {
          "retry-after": retryAfter,
        }),
        faulted,
      );
    }
    if (draw.fault === "endless_body" && draw.status === 503) {
      // Before any effect: an error page that never ends.
      respond(503, faulted);
      res.writeHead(503, { "content-type": CONTENT_TYPE.json });
      return streamRepeated(res, { head: ENDLESS_ERROR_HEAD, byte: ENDLESS_BYTE, count: Infinity });
    }
    if (draw.fault === "hang") {
      let gone = false;
      res.once("close", () => (gone = true));
      const held = await clock.sleep(draw.hangMs, closing.signal).then(
        () => true,
        () => false,
      );
      if (!held || gone || draw.then === "close") {
        // The client gave up (or the server does): the request never takes effect.
        req.socket.destroy();
        return respond(0, faulted);
      }
    }

    let answer: object;
    try {
      const now = clock.now();
      if (isCollectorMethod(method)) answer = collectorState.handle(method, message, now);
      else if (isPipelineMethod(method)) answer = pipelineState.handle(method, message, now);
      else answer = { collectors: 10_000, pipelines: 1_000 };
    } catch (err) {
      if (err instanceof ConnectError) return fail(err, context);
      throw err;
    }
    if (draw.fault === "reset") {
      // The request took effect, but the answer is lost: the client must retry an idempotent call.
      req.socket.destroy();
      return respond(0, faulted);
    }
    if (draw.fault === "endless_body") {
      // After the effect: a success whose body never ends.
      respond(200, faulted);
      res.writeHead(200, { "content-type": CONTENT_TYPE[codec] });
      return streamRepeated(res, { head: ENDLESS_ANSWER_HEAD, byte: ENDLESS_BYTE, count: Infinity });
    }
    if (draw.fault === "hash_bomb" && procedure.responseType) {
      respond(200, faulted);
      res.writeHead(200, { "content-type": CONTENT_TYPE[codec] });
      return streamRepeated(res, {
        ...hashBombFrame(procedure.responseType, codec, answer),
        byte: HASH_BOMB_BYTE,
        count: HASH_BOMB_CHARS,
      });
    }
    const body = procedure.responseType
      ? encodeMessage(procedure.responseType, codec, answer)
      : Buffer.from(JSON.stringify(answer));
    res.writeHead(200, { "content-type": CONTENT_TYPE[codec] }).end(body);
    return respond(200, faulted);
  }

  function isAuthorized(header: string | undefined): boolean {
    const given = Buffer.from(header ?? "");
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stackId,
    token,
    collectors: () => collectorState.collectors(clock.now()),
    pipelines: () => pipelineState.pipelines(),
    requests: () => [...log],
    setPipelines: (pipelines, source = DEFAULT_SOURCE) => pipelineState.sync(source, pipelines, clock.now()),
    setConfig(content) {
      configOverride = content;
    },
    deleteCollector: (id) => collectorState.deleteCollector(id),
    setFaults(faults) {
      drawFault = createFaultInjector(faults, random);
    },
    close() {
      closing.abort(new Error("the emulator is closing"));
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

const ENDLESS_BYTE = "x".charCodeAt(0);
const ENDLESS_ERROR_HEAD = Buffer.from('{"code":"unavailable","message":"');
const ENDLESS_ANSWER_HEAD = Buffer.from('{"content":"');
const HASH_BOMB_BYTE = "f".charCodeAt(0);

/**
 * What goes before and after a hash bomb's HASH_BOMB_CHARS characters: the answer without its hash, then
 * the hash field, written so the hash itself is streamed. In binary, a field may follow the others
 * (protobuf.dev/programming-guides/encoding, "Last One Wins"): the tag (field number, wire type 2) and the
 * length as a varint, then the bytes.
 */
function hashBombFrame(
  type: protobuf.Type,
  codec: Codec,
  answer: object,
): { head: Uint8Array; tail?: Uint8Array } {
  const rest: Record<string, unknown> = { ...answer };
  delete rest.hash;
  const encoded = encodeMessage(type, codec, rest);
  if (codec === "proto") {
    const field = type.fields.hash?.id ?? 2;
    return { head: Buffer.concat([encoded, varint((field << 3) | 2), varint(HASH_BOMB_CHARS)]) };
  }
  const text = encoded.toString("utf8");
  const open = text === "{}" ? "{" : `${text.slice(0, -1)},`;
  return { head: Buffer.from(`${open}"hash":"`), tail: Buffer.from('"}') };
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function bucket(perSecond: number) {
  return { perSecond, bucket: createServerRateLimit({ ratePerSecond: perSecond }) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error("request body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, value: unknown) {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function loggedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (name !== "authorization" && value !== undefined)
      out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

/** Node reports IPv4 clients of a dual-stack socket as ::ffff:127.0.0.1. */
function normalizeAddress(address: string | undefined): string {
  return (address ?? "").replace(/^::ffff:/, "");
}
