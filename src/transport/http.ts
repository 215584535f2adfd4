/**
 * The one HTTP client of the process: an undici Agent with keep-alive and a bounded pool per origin, shared
 * by the FM client and the remote-write pusher. It is owned and closed explicitly, so a finished process
 * exits by itself.
 */
// From undici's files, not its index (nodejs/undici index.js): the index loads fetch, WebSocket, the cache
// stores and the mocks too, which took a third of the CLI bundle and ~60 ms of CPU at every start
// (bench/whole-process.ts). The index only re-exports the Agent and adds the request API to every
// dispatcher's prototype; here the request function is called on the agent instead.
import Agent from "undici/lib/dispatcher/agent.js";
import agentRequest from "undici/lib/api/api-request.js";
import { keepHttpParserOnBaselineTier } from "./parser-tiering.js";
import type { HttpRequest, HttpResponse, HttpTransport } from "./types.js";

export interface HttpTransportOptions {
  /** Connections per origin. Default 16: enough for 15 req/s at FM latencies, few enough to be polite. */
  connections?: number;
  /** How long an idle connection is kept open. Default 30 s, under FM's heartbeat interval of 45 s. */
  keepAliveTimeoutMs?: number;
  /** Per-call timeout when the request gives none. Default 15 s (docs/fm-protocol.md#timeouts). */
  defaultTimeoutMs?: number;
  /** Body cap when the request gives none. Default DEFAULT_MAX_BODY_BYTES. */
  defaultMaxBodyBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * 1 MiB: remote-write answers are empty or a line of text, FM answers other than GetConfig are a few hundred
 * bytes, and error bodies are only ever quoted truncated. A server that sends more is broken or hostile;
 * reading it whole let an endless body take the process to gigabytes.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * An answer whose body passed the cap. The status line did arrive, so it is kept: a caller can still tell a
 * 503 from a 200 when deciding whether to retry.
 */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(
    readonly target: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string | undefined>>,
    readonly limitBytes: number,
  ) {
    super(`response too large (over ${limitBytes} bytes) from ${target} with status ${status}`);
  }
}

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  // Before the agent opens its first connection, which compiles undici's parser (parser-tiering.ts).
  keepHttpParserOnBaselineTier();
  const agent = new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
  });
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultMaxBodyBytes = options.defaultMaxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let closing: Promise<void> | undefined;

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const url = new URL(req.url);
      // Named for errors: origin and path only, since a query string could carry something sensitive.
      const target = `${url.origin}${url.pathname}`;
      const timeoutMs = req.timeoutMs ?? defaultTimeoutMs;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(timeoutError(target, timeoutMs)), timeoutMs);
      const onCallerAbort = () => controller.abort(req.signal?.reason);
      if (req.signal?.aborted) onCallerAbort();
      req.signal?.addEventListener("abort", onCallerAbort, { once: true });
      try {
        const res = await agentRequest.call(agent, {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal: controller.signal,
        });
        const headers = flattenHeaders(res.headers);
        // The timeout covers the body too (the controller aborts the stream): a server that stalls or
        // trickles mid-body is as dead as one that never answers.
        const body = await readCapped(
          res.body,
          req.maxBodyBytes ?? defaultMaxBodyBytes,
          () => {
            const err = new ResponseTooLargeError(
              target,
              res.statusCode,
              headers,
              req.maxBodyBytes ?? defaultMaxBodyBytes,
            );
            // Aborting closes the connection: the rest of the body is never read.
            controller.abort(err);
            return err;
          },
          headers["content-length"],
        );
        return { status: res.statusCode, headers, body };
      } catch (err) {
        if (controller.signal.aborted && controller.signal.reason instanceof Error)
          throw controller.signal.reason;
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`no answer from ${target}: ${reason}`, { cause: err });
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onCallerAbort);
      }
    },
    close() {
      closing ??= agent.close();
      return closing;
    },
  };
}

/**
 * Reads a body chunk by chunk and stops as soon as it passes `limit` bytes, so at most `limit` bytes are
 * held whatever the server sends. A declared Content-Length over the limit is refused before reading.
 */
async function readCapped(
  stream: AsyncIterable<Uint8Array>,
  limit: number,
  tooLarge: () => Error,
  contentLength: string | undefined,
): Promise<Uint8Array> {
  if (contentLength !== undefined && Number(contentLength) > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function timeoutError(target: string, timeoutMs: number): Error {
  const err = new Error(`no answer from ${target} within ${timeoutMs} ms`);
  err.name = "TimeoutError";
  return err;
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}
