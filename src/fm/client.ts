/**
 * The FM collector API over Connect unary JSON (docs/fm-protocol.md#collector-api). One call is one request:
 * this layer speaks the wire and classifies answers into success, retryable and failure; what an answer means
 * for the fleet (already_exists is fine, not_found means re-register) is the controller's business.
 */
import type { ConnectCode, FmProcedure } from "../core/errors.js";
import { FmApiError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { createScrubber, quoteBody } from "../core/secrets.js";
import { USER_AGENT } from "../core/version.js";
import type { Collector } from "../fleet/types.js";
import { parseRetryAfter } from "../transport/backoff.js";
import { wasNotSent } from "../transport/delivery.js";
import { basicAuth } from "../transport/endpoint.js";
import { ResponseTooLargeError } from "../transport/http.js";
import type { HttpTransport, SendOutcome } from "../transport/types.js";
import { codeFromHttpStatus, decodeConnectError, isRetryableCode } from "./connect.js";

/**
 * The body cap for GetConfig answers, which carry a collector's whole Alloy configuration (every other FM
 * answer is a few hundred bytes and keeps the transport's 1 MiB default). 4 MiB is far above any real
 * configuration assembled from pipelines, and small enough that the 16 connections a fleet keeps to FM
 * (transport/http.ts) hold at most 64 MiB of answers at once, whatever a server sends.
 */
export const GET_CONFIG_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * FM's `hash` is opaque, and each collector echoes it on every GetConfig (grafana/alloy-remote-config
 * `collector.proto`; Alloy `internal/service/remotecfg`). Real ones are short hex digests (64 chars for a
 * sha256); a longer one is refused rather than echoed, so a server cannot make every later request large.
 */
export const MAX_ECHOED_HASH_CHARS = 256;

/** Timeout of one FM call (docs/fm-protocol.md#collector-api). */
export const DEFAULT_CALL_TIMEOUT_MS = 15_000;

/** What FM needs to know about a collector to register it and serve its config. */
export type FmCollectorIdentity = Pick<Collector, "id" | "name" | "attributes">;

/** proto enum `RemoteConfigStatuses`; proto3 JSON writes the value names, prefix included. */
export type RemoteConfigStatusName =
  | "RemoteConfigStatuses_UNSET"
  | "RemoteConfigStatuses_APPLIED"
  | "RemoteConfigStatuses_APPLYING"
  | "RemoteConfigStatuses_FAILED";

export interface RemoteConfigStatus {
  readonly status: RemoteConfigStatusName;
  readonly errorMessage?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's per-call timeout, e.g. to end before the next heartbeat is due. */
  timeoutMs?: number;
}

export interface GetConfigOptions extends CallOptions {
  /** The last non-empty hash this collector received; omitted on the wire when empty. */
  hash?: string;
  remoteConfigStatus?: RemoteConfigStatus;
}

export interface GetConfigResult {
  /** Alloy configuration text; absent when unchanged or empty. */
  readonly content?: string;
  readonly hash?: string;
  /** true: the content is unchanged since `hash` and must be ignored. */
  readonly notModified: boolean;
}

/** The management API's view of a collector (grafana/fleet-management-api collector.proto `Collector`). */
export interface FmCollectorInfo {
  readonly id: string;
  readonly name?: string;
  readonly localAttributes: Readonly<Record<string, string>>;
  readonly remoteAttributes: Readonly<Record<string, string>>;
  readonly enabled?: boolean;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly markedInactiveAt?: string;
}

export interface FmClient {
  register(collector: FmCollectorIdentity, call?: CallOptions): Promise<SendOutcome<void>>;
  getConfig(
    collector: FmCollectorIdentity,
    options?: GetConfigOptions,
  ): Promise<SendOutcome<GetConfigResult>>;
  unregister(id: string, call?: CallOptions): Promise<SendOutcome<void>>;
  /**
   * Management API; needs fleet-management:read. Every collector whose attributes satisfy all the
   * Alertmanager matchers; no matcher lists every collector (docs/fm-protocol.md#management-api).
   */
  listCollectors(matchers?: readonly string[], call?: CallOptions): Promise<SendOutcome<FmCollectorInfo[]>>;
  /** tenant.v1.TenantService/GetLimits. Field names are not published, so the JSON is returned as is. */
  getLimits(call?: CallOptions): Promise<SendOutcome<Record<string, unknown>>>;
}

/**
 * The management calls cleanup and sweep need beside ListCollectors (docs/fm-protocol.md#management-api);
 * they need fleet-management:write. One request each, classified like every other call.
 */
export interface FmManagementCalls extends Pick<FmClient, "listCollectors"> {
  getCollector(id: string, call?: CallOptions): Promise<SendOutcome<FmCollectorInfo>>;
  deleteCollector(id: string, call?: CallOptions): Promise<SendOutcome<void>>;
  /** Atomic: one ID FM does not know fails the whole request with not_found and deletes nothing. */
  bulkDeleteCollectors(ids: readonly string[], call?: CallOptions): Promise<SendOutcome<void>>;
}

export interface FmClientOptions {
  /** GC_FM_URL, already validated (validateEndpoint); a trailing slash is ignored. */
  baseUrl: string | URL;
  /** GC_FM_STACK_ID: the Basic-auth user. */
  stackId: string;
  /** GC_FM_TOKEN: the Basic-auth password. Never logged. */
  token: string;
  transport: HttpTransport;
  /** Per-call timeout. Default 15 s (docs/fm-protocol.md#timeouts). */
  timeoutMs?: number;
  /** Scrubs server text quoted in errors; default masks the token, its Basic-auth forms and token-like text. */
  scrub?: (text: string) => string;
  /** Where the client says, once, that it refused an answer's field (an oversized hash). */
  logger?: Logger;
}

/** One unary call: which procedure, what to send, and how to read a 200 answer. */
interface Call<T> {
  service: keyof typeof SERVICE;
  procedure: FmProcedure;
  message: object;
  decode: (json: unknown) => T;
  collectorId?: string;
  callOptions?: CallOptions;
  /** Body cap for the answer; default the transport's. */
  maxBodyBytes?: number;
  /**
   * The answer is an empty message and the call idempotent (Register is an upsert, Unregister of an absent
   * collector is not_found): a 200 too large to read is retried, and the next answer says what FM holds.
   */
  emptyAnswer?: boolean;
}

const SERVICE = {
  collector: "collector.v1.CollectorService",
  tenant: "tenant.v1.TenantService",
} as const;

export function createFmClient(options: FmClientOptions): FmClient & FmManagementCalls {
  // connect-go's client trims trailing slashes before appending the procedure (collector.connect.go).
  const base = String(options.baseUrl).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const scrub = options.scrub ?? createScrubber([options.token], [options.stackId]);
  const logger = options.logger ?? silentLogger;
  let hashRefusalLogged = false;
  const refuseHash = (length: number) => {
    if (hashRefusalLogged) return;
    hashRefusalLogged = true;
    logger.warn(
      `FM sent a config hash of ${length} chars; hashes over ${MAX_ECHOED_HASH_CHARS} chars are not echoed back, so collectors ask for their whole config on every heartbeat (said once)`,
      "FM answer refused",
    );
  };
  const headers = {
    "content-type": "application/json",
    "connect-protocol-version": "1",
    authorization: basicAuth(options.stackId, options.token),
    "user-agent": USER_AGENT,
  };

  async function call<T>({
    service,
    procedure,
    message,
    decode,
    collectorId,
    callOptions,
    maxBodyBytes,
    emptyAnswer,
  }: Call<T>): Promise<SendOutcome<T>> {
    const fail = (
      code: ConnectCode,
      status: number,
      text: string,
      retryAfterMs?: number,
      notSent = false,
      retryable = isRetryableCode(code),
    ): SendOutcome<T> => {
      const error = new FmApiError(procedure, code, status, quoteBody(text, scrub), collectorId, notSent);
      return retryable ? { kind: "retryable", error, retryAfterMs } : { kind: "failure", error };
    };

    let response;
    try {
      response = await options.transport.request({
        url: `${base}/${SERVICE[service]}/${procedure}`,
        method: "POST",
        headers,
        body: JSON.stringify(message),
        timeoutMs: callOptions?.timeoutMs ?? timeoutMs,
        ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
        signal: callOptions?.signal,
      });
    } catch (err) {
      // An answer came, but too large to read: judge it by its status as any other answer. A 200 too large
      // to read is not worth retrying when its body is the point (GetConfig: the same request gets the same
      // answer); an empty answer that never ends comes from something broken in between, and FM may well
      // have done what was asked, so an idempotent call asks again.
      if (err instanceof ResponseTooLargeError) {
        const code = err.status === 200 ? "internal" : codeFromHttpStatus(err.status);
        const retryAfterMs = parseRetryAfter(err.headers["retry-after"], Date.now());
        const retryable = isRetryableCode(code) || (err.status === 200 && emptyAnswer === true);
        return fail(code, err.status, err.message, retryAfterMs, false, retryable);
      }
      const text = err instanceof Error ? err.message : String(err);
      if (callOptions?.signal?.aborted) return fail("canceled", 0, text);
      // No answer: a timeout is deadline_exceeded, anything else a network error; both are transient.
      return fail(
        err instanceof Error && err.name === "TimeoutError" ? "deadline_exceeded" : "unavailable",
        0,
        text,
        undefined,
        wasNotSent(err),
      );
    }

    const text = new TextDecoder().decode(response.body);
    if (response.status !== 200) {
      const decoded = decodeConnectError(response.status, text);
      const retryAfterMs = parseRetryAfter(response.headers["retry-after"], Date.now());
      const detail = decoded.fromBody ? decoded.message : `no Connect error body: ${decoded.message}`;
      return fail(decoded.code, response.status, detail, retryAfterMs);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail("internal", 200, `the answer is not JSON: ${text}`);
    }
    return { kind: "success", value: decode(json) };
  }

  return {
    register: (c, callOptions) =>
      call({
        service: "collector",
        procedure: "RegisterCollector",
        message: { id: c.id, name: c.name, localAttributes: c.attributes },
        decode: () => undefined,
        collectorId: c.id,
        callOptions,
        emptyAnswer: true,
      }),
    getConfig: (c, getOptions) =>
      call({
        service: "collector",
        procedure: "GetConfig",
        message: {
          id: c.id,
          // Sent on every call: FM tracks liveness by heartbeats that carry them
          // (docs/fm-protocol.md#local-attributes-and-liveness).
          localAttributes: c.attributes,
          ...(getOptions?.hash ? { hash: getOptions.hash } : {}),
          ...(getOptions?.remoteConfigStatus ? { remoteConfigStatus: getOptions.remoteConfigStatus } : {}),
        },
        decode: (json) => decodeGetConfig(json, refuseHash),
        collectorId: c.id,
        callOptions: getOptions,
        maxBodyBytes: GET_CONFIG_MAX_BODY_BYTES,
      }),
    unregister: (id, callOptions) =>
      call({
        service: "collector",
        procedure: "UnregisterCollector",
        message: { id },
        decode: () => undefined,
        collectorId: id,
        callOptions,
        emptyAnswer: true,
      }),
    listCollectors: (matchers = [], callOptions) =>
      call({
        service: "collector",
        procedure: "ListCollectors",
        message: matchers.length > 0 ? { matchers } : {},
        decode: decodeCollectors,
        callOptions,
      }),
    getCollector: (id, callOptions) =>
      call({
        service: "collector",
        procedure: "GetCollector",
        message: { id },
        decode: (json) => decodeCollector(isRecord(json) ? json : {}),
        collectorId: id,
        callOptions,
      }),
    deleteCollector: (id, callOptions) =>
      call({
        service: "collector",
        procedure: "DeleteCollector",
        message: { id },
        decode: () => undefined,
        collectorId: id,
        callOptions,
      }),
    bulkDeleteCollectors: (ids, callOptions) =>
      call({
        service: "collector",
        procedure: "BulkDeleteCollectors",
        message: { ids },
        decode: () => undefined,
        callOptions,
      }),
    getLimits: (callOptions) =>
      call({
        service: "tenant",
        procedure: "GetLimits",
        message: {},
        decode: (json) => (isRecord(json) ? json : {}),
        callOptions,
      }),
  };
}

/**
 * proto3 JSON omits defaults: a missing field is "" or false, never an error. A hash over
 * MAX_ECHOED_HASH_CHARS is treated as no hash (`refuseHash` hears of it), as Alloy treats an empty one.
 */
export function decodeGetConfig(
  json: unknown,
  refuseHash: (length: number) => void = () => undefined,
): GetConfigResult {
  const o = isRecord(json) ? json : {};
  let hash = typeof o.hash === "string" ? o.hash : "";
  if (hash.length > MAX_ECHOED_HASH_CHARS) {
    refuseHash(hash.length);
    hash = "";
  }
  return {
    ...(typeof o.content === "string" && o.content !== "" ? { content: o.content } : {}),
    ...(hash !== "" ? { hash } : {}),
    notModified: o.notModified === true,
  };
}

function decodeCollectors(json: unknown): FmCollectorInfo[] {
  const list = isRecord(json) && Array.isArray(json.collectors) ? (json.collectors as unknown[]) : [];
  return list.filter(isRecord).map(decodeCollector);
}

function decodeCollector(c: Record<string, unknown>): FmCollectorInfo {
  return {
    id: typeof c.id === "string" ? c.id : "",
    ...(typeof c.name === "string" ? { name: c.name } : {}),
    localAttributes: stringMap(c.localAttributes),
    remoteAttributes: stringMap(c.remoteAttributes),
    ...(typeof c.enabled === "boolean" ? { enabled: c.enabled } : {}),
    ...(typeof c.createdAt === "string" ? { createdAt: c.createdAt } : {}),
    ...(typeof c.updatedAt === "string" ? { updatedAt: c.updatedAt } : {}),
    ...(typeof c.markedInactiveAt === "string" ? { markedInactiveAt: c.markedInactiveAt } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}
