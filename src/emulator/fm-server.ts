/**
 * A local Fleet Management emulator for demos and tests (SPEC section 8 `fm-fleet emulate`): a node:http
 * server speaking Connect unary JSON the way FM does (SPEC section 5, background/fm-api.md), not the way
 * our client happens to call it. It checks Basic auth, codecs and bodies, limits Register + GetConfig to
 * the stack rate, injects seeded faults, and lets tests look inside.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock, seededRandom, type Clock } from "../core/clock.js";
import type { ConnectCode } from "../core/errors.js";
import { HTTP_STATUS_OF_CODE } from "../fm/connect.js";
import { isLoopbackHost } from "../core/loopback.js";
import { createFaultInjector, type FaultKind, type FaultPlan } from "./faults.js";
import { ConnectError, createFmState, type EmulatedCollector, type EmulatedMethod } from "./fm-state.js";
import { createServerRateLimit } from "./server-rate-limit.js";

export type { EmulatedCollector, EmulatedMethod } from "./fm-state.js";
export type { FaultPlan, FaultSpec } from "./faults.js";

export interface FmEmulatorOptions {
  /** Basic-auth user. Default "123456". */
  stackId?: string;
  /** Basic-auth password. Default a fixed emulator token. */
  token?: string;
  /** Server-side limit over RegisterCollector + GetConfig. Default 20 req/s (FM's default). */
  rateLimitPerSecond?: number;
  /** A collector is active while its last heartbeat is this recent. Default 30 min (FM collector status docs). */
  activeWindowMs?: number;
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
  readonly time: number;
  /** 0 when the connection was reset. */
  readonly status: number;
  /** Request headers, lower-case, without Authorization. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly collectorId?: string;
  readonly fault?: FaultKind | "rate_limited";
}

export interface FmEmulator {
  readonly url: string;
  readonly stackId: string;
  readonly token: string;
  collectors(): EmulatedCollector[];
  requests(): RequestLog[];
  /** Publishes new pipeline content (and so a new hash). */
  setConfig(content: string): void;
  /** Forgets a collector, as deleting it in the FM UI would. */
  deleteCollector(id: string): boolean;
  /** Replaces the fault plan. */
  setFaults(faults: FaultPlan): void;
  close(): Promise<void>;
}

const ROUTES: Readonly<Record<string, EmulatedMethod>> = {
  "/collector.v1.CollectorService/RegisterCollector": "RegisterCollector",
  "/collector.v1.CollectorService/GetConfig": "GetConfig",
  "/collector.v1.CollectorService/UnregisterCollector": "UnregisterCollector",
  "/collector.v1.CollectorService/ListCollectors": "ListCollectors",
  "/tenant.v1.TenantService/GetLimits": "GetLimits",
};

/** FM's `requests_per_second:collector` limit covers these two (SPEC section 5). */
const RATE_LIMITED: ReadonlySet<EmulatedMethod> = new Set(["RegisterCollector", "GetConfig"]);

const INSPECT_PATH = "/_emulator/collectors";
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function createFmEmulator(options: FmEmulatorOptions = {}): Promise<FmEmulator> {
  const stackId = options.stackId ?? "123456";
  const token = options.token ?? "glc_fm-emulator-token";
  const clock = options.clock ?? systemClock;
  const rateLimitPerSecond = options.rateLimitPerSecond ?? 20;
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${stackId}:${token}`).toString("base64")}`);
  const state = createFmState({
    activeWindowMs: options.activeWindowMs ?? 30 * 60_000,
    limits: { collectors: 10_000, pipelines: 1_000 },
  });
  const rateLimit = createServerRateLimit({ ratePerSecond: rateLimitPerSecond });
  const random = seededRandom(options.seed ?? 1);
  let drawFault = createFaultInjector(options.faults ?? {}, random);
  const log: RequestLog[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, "internal", err instanceof Error ? err.message : String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!;
    const body = await readBody(req);
    const entry = { method: ROUTES[path] ?? path, time: clock.now(), headers: loggedHeaders(req), body };
    const respond = (status: number, extra: Partial<RequestLog> = {}) =>
      log.push({ ...entry, status, ...extra });

    if (path === INSPECT_PATH && req.method === "GET") {
      if (!isLoopbackHost(normalizeAddress(req.socket.remoteAddress))) {
        res
          .writeHead(403, { "content-type": "text/plain" })
          .end("the inspection endpoint answers loopback only\n");
        return respond(403);
      }
      sendJson(res, { collectors: state.collectors(clock.now()) });
      return respond(200);
    }

    const method = ROUTES[path];
    // Go's ServeMux answers unknown paths with a plain 404; Connect clients read it as unimplemented.
    if (!method) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
      return respond(404);
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST", "content-type": "text/plain" }).end("use POST\n");
      return respond(405);
    }
    if (!isAuthorized(req.headers.authorization)) {
      sendError(res, "unauthenticated", "authentication error: invalid scope requested");
      return respond(401);
    }
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json") {
      // A server must answer 415 to a codec it cannot read (Connect protocol). FM itself also takes
      // application/proto, as real Alloy sends; this emulator speaks JSON only, and says so.
      const why =
        mediaType === "application/proto"
          ? "application/proto is not supported by the fm-action emulator: send application/json"
          : `unsupported content type "${mediaType}": send application/json`;
      res.writeHead(415, { "accept-post": "application/json", "content-type": "text/plain" }).end(`${why}\n`);
      return respond(415);
    }
    const version = headerValue(req, "connect-protocol-version");
    if (version !== undefined && version !== "1") {
      sendError(res, "invalid_argument", `connect-protocol-version must be "1": got "${version}"`);
      return respond(400);
    }

    let message: Record<string, unknown>;
    try {
      message = parseMessage(body);
    } catch (err) {
      sendError(res, "invalid_argument", err instanceof Error ? err.message : String(err));
      return respond(400);
    }
    const collectorId = typeof message.id === "string" && message.id !== "" ? message.id : undefined;
    if (collectorId) state.countRequest(method, collectorId);
    const withId = collectorId ? { collectorId } : {};

    if (RATE_LIMITED.has(method)) {
      const taken = rateLimit.tryTake(clock.now());
      if (!taken.ok) {
        sendError(res, "resource_exhausted", `rate limit of ${rateLimitPerSecond} req/s exceeded`, {
          "retry-after": String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))),
        });
        return respond(429, { ...withId, fault: "rate_limited" });
      }
    }

    const draw = drawFault(method, collectorId);
    if (draw.latencyMs > 0) await clock.sleep(draw.latencyMs);
    if (draw.fault === "unavailable") {
      sendError(res, "unavailable", "emulated fault: service unavailable");
      return respond(503, { ...withId, fault: draw.fault });
    }
    if (draw.fault === "resource_exhausted") {
      sendError(res, "resource_exhausted", "emulated fault: too many requests", { "retry-after": "1" });
      return respond(429, { ...withId, fault: draw.fault });
    }

    let answer: object;
    try {
      answer = state.handle(method, message, clock.now());
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      sendError(res, err.code, err.message);
      return respond(HTTP_STATUS_OF_CODE[err.code], withId);
    }
    if (draw.fault === "reset") {
      // The request took effect, but the answer is lost: the client must retry an idempotent call.
      req.socket.destroy();
      return respond(0, { ...withId, fault: "reset" });
    }
    sendJson(res, answer);
    return respond(200, withId);
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
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stackId,
    token,
    collectors: () => state.collectors(clock.now()),
    requests: () => [...log],
    setConfig: (content) => state.setConfig(content),
    deleteCollector: (id) => state.deleteCollector(id),
    setFaults(faults) {
      drawFault = createFaultInjector(faults, random);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The bare message, as Connect unary JSON sends it: a JSON object, `{}` when empty. */
function parseMessage(body: string): Record<string, unknown> {
  // connect-go: "zero-length payload is not a valid JSON object".
  if (body.trim() === "") throw new Error("zero-length payload is not a valid JSON object");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error("the body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error("request body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, value: unknown) {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
}

/** A Connect error: the code's status and `{"code","message"}` (Connect protocol, "Error"). */
function sendError(
  res: ServerResponse,
  code: ConnectCode,
  message: string,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(HTTP_STATUS_OF_CODE[code], { "content-type": "application/json", ...headers })
    .end(JSON.stringify({ code, message }));
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
