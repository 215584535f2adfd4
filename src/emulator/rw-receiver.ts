/**
 * A local remote-write 1.0 receiver for tests, the demo and `fm-fleet emulate` (README.md#command-line). It
 * answers the way Prometheus 2.42's write handler does where it matters to a sender
 * (storage/remote/write_handler.go, tsdb/head_append.go): 204 on success, 400 for bad data with the whole
 * request rolled back, including "out of order sample" when a series goes back in time; and it is stricter
 * where Prometheus is lax but the spec is not: missing required headers, unsorted or repeated label names
 * (Prometheus answers the latter with a 500 that a sender would retry forever; docs/fm-protocol.md#labels)
 * are all 400s.
 */
import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { seededRandom } from "../core/clock.js";
import { decodeBody, LabelCache, type DecodedMetadata, type DecodedWriteRequest } from "./rw-decode.js";
import { streamRepeated } from "./stream-body.js";

export interface ReceiverFaults {
  /** Fail exactly the next `failNext` requests (checked first). */
  failNext?: number;
  /** Share of the other requests to fail, drawn from a PRNG seeded with `seed`. */
  failRatio?: number;
  /** How a request fails: an HTTP status (default 503), or "reset" to drop the connection unanswered. */
  status?: number | "reset";
  /** Retry-After header sent with a failure (seconds or an HTTP date). */
  retryAfter?: string;
  /** Body of a failure. Default: a Prometheus-like message for the status. */
  body?: string;
  /**
   * Share of requests answered with a body that never ends, streamed until the client goes away: half a
   * 200 after the samples are stored, half a 503 before. Drawn after `failRatio`, from the same PRNG.
   */
  endlessBodyRatio?: number;
  /** Share answered 429 with `Retry-After: 999999` (11.6 days), nothing stored. */
  hugeRetryAfterRatio?: number;
  /**
   * Share held with no answer for `hangMs`; then, half each, the samples are stored and answered if the
   * client is still connected (nothing happens if it has gone), or the connection is closed unanswered.
   */
  hangRatio?: number;
  /** Default 30 s: Prometheus' remote_timeout, so a sender with the default timeout gives up first. */
  hangMs?: number;
  /** The next requests meet these hostile faults, one each, in order (checked after `failNext`, before any draw). */
  script?: readonly ReceiverFaultKind[];
}

export interface RemoteWriteReceiverOptions {
  /** When user or token is set, requests need `Authorization: Basic base64(user:token)` (else 401). */
  user?: string;
  token?: string;
  faults?: ReceiverFaults;
  seed?: number;
  /** Default 0: any free port. Always on 127.0.0.1. */
  port?: number;
}

export interface ReceivedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly lastValue: number;
  readonly lastTimestampMs: number;
  /** The last sample was the stale marker: the series is closed. */
  readonly stale: boolean;
  readonly samples: number;
}

export interface ReceivedRequest {
  readonly status: number;
  /** Lower-case names, as received (the Authorization value is withheld). */
  readonly headers: Readonly<Record<string, string>>;
  readonly series: number;
  readonly samples: number;
  /** Why a request was refused. */
  readonly error?: string;
  /** The hostile fault this request met, if any. */
  readonly fault?: ReceiverFaultKind;
}

export type ReceiverFaultKind = "endless_body" | "huge_retry_after" | "hang";

export interface RemoteWriteReceiver {
  /** The write endpoint: http://127.0.0.1:<port>/api/v1/write. */
  readonly url: string;
  close(): Promise<void>;
  series(): ReceivedSeries[];
  /** Series whose last sample is not the stale marker. */
  openSeries(): number;
  /** Requests received, answered or not. */
  requests(): number;
  /** The last 1,000 requests, oldest first. */
  log(): readonly ReceivedRequest[];
  /** Metadata by family name, as last received. */
  metadata(): ReadonlyMap<string, DecodedMetadata>;
  /** Replaces the fault plan. */
  setFaults(faults?: ReceiverFaults): void;
  /** Requests that met an injected fault since the start, by kind ("status": failNext/failRatio). */
  faultCounts(): Readonly<Partial<Record<ReceiverFaultKind | "status", number>>>;
}

/** Retry-After of a `hugeRetryAfterRatio` fault. */
export const HUGE_RETRY_AFTER_SECONDS = 999_999;
const DEFAULT_HANG_MS = 30_000;
const ENDLESS_BYTE = "x".charCodeAt(0);

type FaultDraw =
  | { readonly kind: "fail" }
  | { readonly kind: "endless_body"; readonly status: 200 | 503 }
  | { readonly kind: "huge_retry_after" }
  | { readonly kind: "hang"; readonly then: "answer" | "close" };

const WRITE_PATH = "/api/v1/write";
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const LOG_LIMIT = 1000;
const REQUIRED_HEADERS: Readonly<Record<string, string>> = {
  "content-encoding": "snappy",
  "content-type": "application/x-protobuf",
  "x-prometheus-remote-write-version": "0.1.0",
};
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface StoredSeries {
  labels: Record<string, string>;
  lastValue: number;
  lastBits: bigint;
  lastTimestampMs: number;
  stale: boolean;
  samples: number;
}

class Rejection extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function createRemoteWriteReceiver(
  options: RemoteWriteReceiverOptions = {},
): Promise<RemoteWriteReceiver> {
  const store = new Map<string, StoredSeries>();
  // A sender repeats every series' labels in each request: each list is decoded, checked and keyed once.
  const labelCache = new LabelCache();
  const checked = new WeakMap<
    readonly (readonly [string, string])[],
    { key: string; labels: Record<string, string> }
  >();
  const metadata = new Map<string, DecodedMetadata>();
  const log: ReceivedRequest[] = [];
  const random = seededRandom(options.seed ?? 1);
  const expectedAuth =
    options.user !== undefined || options.token !== undefined
      ? `Basic ${Buffer.from(`${options.user ?? ""}:${options.token ?? ""}`).toString("base64")}`
      : undefined;
  let faults: ReceiverFaults = { ...options.faults };
  let requestCount = 0;
  const faultCounts: Partial<Record<ReceiverFaultKind | "status", number>> = {};

  const record = (entry: ReceivedRequest) => {
    log.push(entry);
    if (log.length > LOG_LIMIT) log.shift();
  };

  // Ends the waits of hung requests when the receiver closes, so no timer outlives it.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);

  /** One draw per request (none when no share is set, so old seeds fail the same requests). */
  const drawFault = (): FaultDraw | undefined => {
    if (faults.failNext && faults.failNext > 0) {
      faults.failNext--;
      return { kind: "fail" };
    }
    const [scripted, ...rest] = faults.script ?? [];
    if (scripted) {
      faults.script = rest;
      if (scripted === "endless_body") return { kind: scripted, status: random() < 0.5 ? 200 : 503 };
      if (scripted === "hang") return { kind: scripted, then: random() < 0.5 ? "answer" : "close" };
      return { kind: scripted };
    }
    const shares = [
      faults.failRatio,
      faults.endlessBodyRatio,
      faults.hugeRetryAfterRatio,
      faults.hangRatio,
    ] as const;
    if (shares.every((share) => share === undefined)) return undefined;
    const r = random();
    let upTo = 0;
    const kinds = ["fail", "endless_body", "huge_retry_after", "hang"] as const;
    for (const [i, kind] of kinds.entries()) {
      upTo += shares[i] ?? 0;
      if (r >= upTo) continue;
      if (kind === "endless_body") return { kind, status: random() < 0.5 ? 200 : 503 };
      if (kind === "hang") return { kind, then: random() < 0.5 ? "answer" : "close" };
      return { kind };
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requestCount++;
    const headers = headerRecord(req);
    if (req.method === "GET" && (req.url === "/" || req.url === "/api/v1/summary")) {
      const all = [...store.values()];
      sendJson(res, 200, {
        requests: requestCount,
        series: all.length,
        openSeries: all.filter((s) => !s.stale).length,
      });
      return;
    }
    if (req.url !== WRITE_PATH) return answer(res, 404, `not found; remote write goes to ${WRITE_PATH}`);
    if (req.method !== "POST") return answer(res, 405, "method not allowed");

    const body = await readBody(req);
    const draw = drawFault();
    if (draw) {
      const kind = draw.kind === "fail" ? "status" : draw.kind;
      faultCounts[kind] = (faultCounts[kind] ?? 0) + 1;
    }
    const hostile = (kind: ReceiverFaultKind, status: number) =>
      record({ status, headers, series: 0, samples: 0, error: `injected fault: ${kind}`, fault: kind });
    if (draw?.kind === "huge_retry_after") {
      hostile(draw.kind, 429);
      res.setHeader("retry-after", String(HUGE_RETRY_AFTER_SECONDS));
      return answer(res, 429, defaultFaultBody(429));
    }
    if (draw?.kind === "endless_body" && draw.status === 503) {
      hostile(draw.kind, 503);
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
      return streamRepeated(res, { byte: ENDLESS_BYTE, count: Infinity });
    }
    if (draw?.kind === "hang") {
      let gone = false;
      res.once("close", () => (gone = true));
      const held = await delay(faults.hangMs ?? DEFAULT_HANG_MS, undefined, { signal: closing.signal }).then(
        () => true,
        () => false,
      );
      if (!held || gone || draw.then === "close") {
        hostile(draw.kind, 0);
        req.socket.destroy();
        return;
      }
    }
    if (draw?.kind === "fail") {
      const status = faults.status ?? 503;
      record({
        status: status === "reset" ? 0 : status,
        headers,
        series: 0,
        samples: 0,
        error: "injected fault",
      });
      if (status === "reset") {
        req.socket.destroy();
        return;
      }
      if (faults.retryAfter !== undefined) res.setHeader("retry-after", faults.retryAfter);
      return answer(res, status, faults.body ?? defaultFaultBody(status));
    }

    try {
      if (body === undefined) throw new Rejection(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
        res.setHeader("www-authenticate", 'Basic realm="remote write"');
        throw new Rejection(401, "authentication required");
      }
      for (const [name, value] of Object.entries(REQUIRED_HEADERS))
        if (headers[name] !== value)
          throw new Rejection(400, `header ${name} must be "${value}", got "${headers[name] ?? ""}"`);
      let request: DecodedWriteRequest;
      try {
        request = decodeBody(body, labelCache);
      } catch (err) {
        throw new Rejection(
          400,
          `cannot decode the request: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const samples = apply(request);
      const fault = draw?.kind === "endless_body" || draw?.kind === "hang" ? { fault: draw.kind } : {};
      if (draw?.kind === "endless_body") {
        // Stored, but the answer never ends.
        record({ status: 200, headers, series: request.timeseries.length, samples, ...fault });
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        return streamRepeated(res, { byte: ENDLESS_BYTE, count: Infinity });
      }
      record({ status: 204, headers, series: request.timeseries.length, samples, ...fault });
      res.writeHead(204).end();
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      record({ status: err.status, headers, series: 0, samples: 0, error: err.message });
      answer(res, err.status, err.message);
    }
  };

  /** Validates the whole request, then stores it: a refused request changes nothing (as Prometheus 2.42). */
  const apply = (request: DecodedWriteRequest): number => {
    const staged = new Map<string, StoredSeries>();
    let samples = 0;
    for (const ts of request.timeseries) {
      let known = checked.get(ts.labels);
      if (!known) {
        const key = seriesKey(ts.labels);
        known = { key, labels: checkLabels(ts.labels, key) };
        checked.set(ts.labels, known);
      }
      const { key, labels } = known;
      const current = staged.get(key) ?? store.get(key);
      const next: StoredSeries = current
        ? { ...current }
        : {
            labels,
            lastValue: 0,
            lastBits: 0n,
            lastTimestampMs: Number.NEGATIVE_INFINITY,
            stale: false,
            samples: 0,
          };
      for (const s of ts.samples) {
        if (s.timestampMs < next.lastTimestampMs)
          throw new Rejection(
            400,
            `out of order sample for series ${key}: ${s.timestampMs} is before ${next.lastTimestampMs}`,
          );
        if (s.timestampMs === next.lastTimestampMs) {
          // The TSDB ignores an exact repeat and refuses a different value at the same time.
          if (s.bits === next.lastBits) continue;
          throw new Rejection(400, `duplicate sample for timestamp ${s.timestampMs} in series ${key}`);
        }
        next.lastTimestampMs = s.timestampMs;
        next.lastValue = s.value;
        next.lastBits = s.bits;
        next.stale = s.stale;
        next.samples++;
        samples++;
      }
      staged.set(key, next);
    }
    for (const [key, series] of staged) store.set(key, series);
    for (const m of request.metadata) metadata.set(m.family, m);
    return samples;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) answer(res, 500, err instanceof Error ? err.message : String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${WRITE_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort(new Error("the receiver is closing"));
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    series: () =>
      [...store.values()].map((s) => ({
        labels: { ...s.labels },
        lastValue: s.lastValue,
        lastTimestampMs: s.lastTimestampMs,
        stale: s.stale,
        samples: s.samples,
      })),
    openSeries: () => [...store.values()].filter((s) => !s.stale).length,
    requests: () => requestCount,
    log: () => [...log],
    metadata: () => new Map(metadata),
    setFaults(next) {
      faults = { ...next };
    },
    faultCounts: () => ({ ...faultCounts }),
  };
}

/** Label checks of remote write 1.0 ("Labels"): a name, valid unique names in sorted order. */
function checkLabels(labels: readonly (readonly [string, string])[], key: string): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  let previous: string | undefined;
  for (const [name, value] of labels) {
    if (!LABEL_NAME_RE.test(name)) throw new Rejection(400, `invalid label name "${name}" in series ${key}`);
    if (seen.has(name)) throw new Rejection(400, `duplicate label name ${name} in series ${key}`);
    if (previous !== undefined && previous > name)
      throw new Rejection(400, `labels not sorted by name (${previous} before ${name}) in series ${key}`);
    if (value === "") throw new Rejection(400, `empty value for label ${name} in series ${key}`);
    previous = name;
    seen.add(name);
    out[name] = value;
  }
  if (!seen.has("__name__")) throw new Rejection(400, `series without __name__: ${key}`);
  return out;
}

function seriesKey(labels: readonly (readonly [string, string])[]): string {
  return `{${labels.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(",")}}`;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "authorization") continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** The body, or undefined when it passes MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function defaultFaultBody(status: number): string {
  if (status === 429) return "too many requests: ingestion rate limit exceeded";
  if (status >= 500) return "service unavailable";
  return "bad request: injected fault";
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${message}\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
