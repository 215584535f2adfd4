/**
 * The one HTTP client of the process: an undici Agent with keep-alive and a bounded pool per origin, shared
 * by the FM client and the remote-write pusher. It is owned and closed explicitly, so a finished process
 * exits by itself (STYLE.md habit 8).
 */
import { Agent } from "undici";
import type { HttpRequest, HttpResponse, HttpTransport } from "./types.js";

export interface HttpTransportOptions {
  /** Connections per origin. Default 16: enough for 15 req/s at FM latencies, few enough to be polite. */
  connections?: number;
  /** How long an idle connection is kept open. Default 30 s, under FM's heartbeat interval of 45 s. */
  keepAliveTimeoutMs?: number;
  /** Per-call timeout when the request gives none. Default 15 s (SPEC section 5). */
  defaultTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const agent = new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
  });
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
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
        const res = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal: controller.signal,
        });
        // The timeout covers the body too: a server that stalls mid-body is as dead as one that never answers.
        const body = new Uint8Array(await res.body.arrayBuffer());
        return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
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
