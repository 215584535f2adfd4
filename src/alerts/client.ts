/**
 * The Alertmanager v2 client: `POST {url}/api/v2/alerts` with a JSON list of alerts
 * (prometheus/alertmanager api/v2/openapi.yaml; Mimir serves the same API under `/alertmanager`,
 * docs/fm-protocol.md#collector-status-and-alerts). Retry classes as for remote write: 5xx, 429 and network
 * errors are retried with backoff that honours Retry-After, until the caller's deadline; any other 4xx means
 * the alerts themselves are refused. The retry loop is the shared transport/call-policy.ts; this file only
 * splits the list into requests and classifies answers.
 */
import { systemClock, type Clock, type Random } from "../core/clock.js";
import { AlertmanagerError, describeError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { createScrubber, quoteBody } from "../core/secrets.js";
import { USER_AGENT } from "../core/version.js";
import { ALERTMANAGER_ALERTS_PATH } from "../settings/endpoint.js";
import { parseRetryAfter } from "../transport/backoff.js";
import { callWithPolicy, type CallLimits } from "../transport/call-policy.js";
import { authorizationHeader } from "../transport/endpoint.js";
import { ResponseTooLargeError } from "../transport/http.js";
import type { HttpResponse, HttpTransport, RetryPolicy, SendOutcome } from "../transport/types.js";
import type { PostableAlert } from "./alert.js";
import { zeroAlertCounters, type AlertCounters } from "./counters.js";

/**
 * At most this many alerts per request: Prometheus' own notifier sends batches of 256
 * (prometheus/prometheus notifier/notifier.go, DefaultMaxBatchSize).
 */
export const MAX_ALERTS_PER_REQUEST = 256;
/** At most this many bytes of JSON per request, whatever the count: a proxy in front may refuse more. */
export const MAX_REQUEST_BYTES = 512 * 1024;
/** Prometheus' default timeout for a request to an Alertmanager (`alertmanager_config.timeout`). */
export const DEFAULT_ALERTMANAGER_TIMEOUT_MS = 10_000;
/** How long a post without a deadline keeps retrying. */
export const DEFAULT_POST_WINDOW_MS = 15_000;

export interface AlertmanagerClientOptions {
  /** The Alertmanager base URL, already validated (settings/endpoint.ts): alerts go to `{url}/api/v2/alerts`. */
  url: string;
  /** Basic-auth user. With a token and no user, the token is sent as a Bearer token; with neither, no auth. */
  user?: string;
  token?: string;
  transport: HttpTransport;
  /** The record the client adds its requests, retries, accepted and failed alerts to (the alert set's). */
  counters?: AlertCounters;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Scrubs response bodies before they reach a log or an error. Default: masks the token and the user. */
  scrub?: (text: string) => string;
  policy?: Partial<RetryPolicy>;
  maxAlertsPerRequest?: number;
  maxRequestBytes?: number;
  /**
   * The sentence that says what to check for a failure the settings can cause (a refused token, no
   * answer), which the log line gives instead of the bare error; undefined: the bare error.
   */
  explain?: (error: AlertmanagerError) => string | undefined;
}

export interface PostLimits extends CallLimits {
  /** More reasons to stop (the alert set closing), beside the caller's signal. */
  readonly stops?: readonly (AbortSignal | undefined)[];
}

export interface PostResult {
  /** Every alert was accepted. */
  readonly ok: boolean;
  /** Parallel to the alerts posted: whether Alertmanager accepted each. */
  readonly accepted: readonly boolean[];
  /** Requests made (one per batch tried), without retries. */
  readonly requests: number;
  /** Why the first batch that failed failed. */
  readonly error?: AlertmanagerError;
  /** The caller stopped the post (its signal or a stop aborted): not Alertmanager's failure. */
  readonly stopped?: boolean;
}

export interface AlertmanagerClient {
  /** Posts the alerts in batches, one after the other; stops at the first batch that fails for good. */
  post(alerts: readonly PostableAlert[], limits?: PostLimits): Promise<PostResult>;
}

export function createAlertmanagerClient(options: AlertmanagerClientOptions): AlertmanagerClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const counters = options.counters ?? zeroAlertCounters();
  const timeoutMs = options.timeoutMs ?? DEFAULT_ALERTMANAGER_TIMEOUT_MS;
  const scrub =
    options.scrub ?? createScrubber(options.token ? [options.token] : [], options.user ? [options.user] : []);
  const endpoint = `${options.url}${ALERTMANAGER_ALERTS_PATH}`;
  const headers = requestHeaders(options);
  const maxCount = options.maxAlertsPerRequest ?? MAX_ALERTS_PER_REQUEST;
  const maxBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  let lastLogged: string | undefined;

  const classify = (res: HttpResponse): SendOutcome<number> => {
    if (res.status >= 200 && res.status < 300) return { kind: "success", value: res.status };
    const body = quoteBody(new TextDecoder().decode(res.body), scrub);
    const retryable = res.status === 429 || res.status >= 500;
    const error = new AlertmanagerError(res.status, retryable, body);
    if (!retryable) return { kind: "failure", error };
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"], clock.now());
    return retryAfterMs === undefined
      ? { kind: "retryable", error }
      : { kind: "retryable", error, retryAfterMs };
  };

  const send = async (body: string, limits: PostLimits): Promise<SendOutcome<number>> =>
    callWithPolicy(
      async (a) => {
        counters.requests++;
        try {
          return classify(
            await options.transport.request({
              url: endpoint,
              method: "POST",
              headers,
              body,
              timeoutMs: a.timeoutMs,
              signal: a.signal,
            }),
          );
        } catch (err) {
          // The status line came but the body was over the cap: the status still says what happened.
          if (err instanceof ResponseTooLargeError)
            return classify({
              status: err.status,
              headers: err.headers,
              body: new TextEncoder().encode(err.message),
            });
          return {
            kind: "retryable",
            error: new AlertmanagerError(0, true, quoteBody(describeError(err), scrub)),
          };
        }
      },
      {
        policy: { retry: { ...options.policy }, timeoutMs },
        clock,
        random,
        limits: {
          deadlineMs: limits.deadlineMs ?? clock.monotonic() + DEFAULT_POST_WINDOW_MS,
          signal: limits.signal,
        },
        ...(limits.stops ? { stops: limits.stops } : {}),
        onRetry: ({ delayMs, error }) => {
          counters.retries++;
          logger.debug(`alerts: retrying in ${delayMs} ms after: ${error.message}`);
        },
      },
    );

  return {
    async post(alerts, limits = {}) {
      const accepted = alerts.map(() => false);
      let requests = 0;
      for (const batch of batches(alerts, maxCount, maxBytes)) {
        requests++;
        const outcome = await send(batch.body, limits);
        if (outcome.kind === "success") {
          for (let i = batch.from; i < batch.to; i++) accepted[i] = true;
          counters.posted += batch.to - batch.from;
          continue;
        }
        const error =
          outcome.error instanceof AlertmanagerError
            ? outcome.error
            : new AlertmanagerError(0, outcome.kind === "retryable", describeError(outcome.error));
        const lost = alerts.length - batch.from;
        if (limits.signal?.aborted || limits.stops?.some((s) => s?.aborted)) {
          logger.debug(`alerts: post stopped with ${lost} alerts not posted: ${error.message}`);
          return { ok: false, accepted, requests, error, stopped: true };
        }
        counters.failures += lost;
        const why =
          outcome.kind === "retryable" && outcome.gaveUp
            ? outcome.gaveUp
            : error.retryable
              ? "gave up retrying"
              : "refused";
        // One line per distinct error: a resend every minute against a dead Alertmanager says it once.
        if (error.message !== lastLogged)
          logger.error(
            `${options.explain?.(error) ?? error.message} (${why}; ${lost} alerts not posted)`,
            "Alertmanager",
          );
        else logger.debug(`${error.message} (${why}; ${lost} alerts not posted)`);
        lastLogged = error.message;
        return { ok: false, accepted, requests, error };
      }
      lastLogged = undefined;
      return { ok: true, accepted, requests };
    },
  };
}

/**
 * The alerts split into request bodies of at most `maxCount` alerts and `maxBytes` bytes of JSON, in order.
 * An alert larger than `maxBytes` on its own still goes, alone: it cannot be made smaller here.
 */
export function batches(
  alerts: readonly PostableAlert[],
  maxCount: number,
  maxBytes: number,
): { from: number; to: number; body: string }[] {
  const out: { from: number; to: number; body: string }[] = [];
  let from = 0;
  let parts: string[] = [];
  let bytes = 2; // "[" and "]"
  const close = (to: number) => {
    if (parts.length > 0) out.push({ from, to, body: `[${parts.join(",")}]` });
    from = to;
    parts = [];
    bytes = 2;
  };
  alerts.forEach((alert, i) => {
    const json = JSON.stringify(alert);
    const size = Buffer.byteLength(json) + (parts.length > 0 ? 1 : 0);
    if (parts.length > 0 && (parts.length >= maxCount || bytes + size > maxBytes)) close(i);
    bytes += Buffer.byteLength(json) + (parts.length > 0 ? 1 : 0);
    parts.push(json);
  });
  close(alerts.length);
  return out;
}

function requestHeaders(options: AlertmanagerClientOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
  };
  const authorization = authorizationHeader(options.user, options.token);
  if (authorization) headers.authorization = authorization;
  return headers;
}
