/**
 * Sends compressed WriteRequests (docs/fm-protocol.md#retries). Retry classes follow the remote-write 1.0
 * spec and Prometheus' own sender (storage/remote/client.go): 5xx, 429 and network errors are retried with
 * backoff until a deadline; any other 4xx means the data itself is refused, so it is logged and counted as
 * lost. The retry loop is the shared transport/retry.ts; this file only classifies answers.
 */
import { systemClock, type Clock, type Random } from "../core/clock.js";
import { describeError, RemoteWriteError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { createScrubber, quoteBody } from "../core/secrets.js";
import { USER_AGENT } from "../core/version.js";
import {
  cappedRetryAfter,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryAfterGiveUpMessage,
} from "../transport/backoff.js";
import { wasNotSent } from "../transport/delivery.js";
import { authorizationHeader } from "../transport/endpoint.js";
import { ResponseTooLargeError } from "../transport/http.js";
import { callWithPolicy } from "../transport/call-policy.js";
import type { HttpResponse, HttpTransport, RetryPolicy, SendOutcome } from "../transport/types.js";
import { zeroRemoteWriteCounters, type RemoteWriteCounters } from "./counters.js";

/**
 * Prometheus' remote_write queue defaults (docs "remote_write" configuration): min_backoff 30ms,
 * max_backoff 5s. Short first retries ride out a blip; the cap keeps a recovering receiver fed promptly.
 */
export const REMOTE_WRITE_RETRY_POLICY: RetryPolicy = { baseMs: 30, capMs: 5_000 };
/** Prometheus' default remote_timeout. */
export const DEFAULT_PUSH_TIMEOUT_MS = 30_000;
/** How long a push without a deadline keeps retrying. */
export const DEFAULT_RETRY_WINDOW_MS = 60_000;

export interface PusherOptions {
  /** The remote-write endpoint, already validated (src/settings/endpoint.ts). */
  url: string;
  /** Basic-auth user (GC_PROM_USER). With a token and no user, the token is sent as a Bearer token. */
  user?: string;
  token?: string;
  /** X-Scope-OrgID for a self-hosted multi-tenant Mimir (GC_PROM_TENANT). */
  tenant?: string;
  transport: HttpTransport;
  /** The counters record the pusher adds its requests, retries and 429s to (the emitter's). */
  counters?: RemoteWriteCounters;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number;
  /**
   * The longest a 429 holds back every push. Default MAX_RETRY_AFTER_MS; the engine gives one tick
   * interval: samples are not queued, so a pause longer than an interval only drops the ticks it spans,
   * where trying each tick once still delivers the ones the receiver accepts.
   */
  maxPauseMs?: number;
  /** Scrubs response bodies before they reach a log or an error. Default: masks the token. */
  scrub?: (text: string) => string;
  policy?: Partial<RetryPolicy>;
}

export interface PushInfo {
  /** Samples in the body, for the log line when they are lost. */
  samples: number;
  /** Monotonic time after which no attempt starts. Default: DEFAULT_RETRY_WINDOW_MS from now. */
  deadlineMs?: number;
  /** Aborting stops further retries (the attempt in flight still completes); the push reports its last outcome. */
  signal?: AbortSignal;
  /**
   * The last chance to send this body (stale markers): a Retry-After that ends past the deadline, this
   * push's own or one that paused every push, is not honoured by giving up; retries keep to the ordinary
   * backoff until the deadline (transport/retry.ts).
   */
  cleanup?: boolean;
}

export interface PushResult {
  readonly ok: boolean;
  /**
   * The samples may be stored: accepted, or an attempt got no answer after it may have left this machine
   * (a timeout, a reset). An HTTP refusal stores nothing, so nothing is owed a stale marker.
   */
  readonly maybeDelivered: boolean;
  /** Last HTTP status, 0 when no answer came. */
  readonly status: number;
  readonly attempts: number;
  readonly error?: RemoteWriteError;
}

export interface Pusher {
  push(body: Uint8Array, info: PushInfo): Promise<PushResult>;
}

export function createPusher(options: PusherOptions): Pusher {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const counters = options.counters ?? zeroRemoteWriteCounters();
  const timeoutMs = options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS;
  const scrub =
    options.scrub ?? createScrubber(options.token ? [options.token] : [], options.user ? [options.user] : []);
  const retry = { ...REMOTE_WRITE_RETRY_POLICY, ...options.policy };
  const headers = requestHeaders(options);
  /**
   * A 429's Retry-After holds back every push, not only the refused one (the receiver asked to slow down),
   * for at most maxPauseMs. `askedMs` is the wait as the server asked it, for the message.
   */
  let paused = { untilMs: 0, askedMs: 0 };
  const maxPauseMs = options.maxPauseMs ?? MAX_RETRY_AFTER_MS;
  let lastLogged: string | undefined;

  const classify = (res: HttpResponse): SendOutcome<number> => {
    if (res.status >= 200 && res.status < 300) return { kind: "success", value: res.status };
    const body = quoteBody(new TextDecoder().decode(res.body), scrub);
    const retryable = res.status === 429 || res.status >= 500;
    const error = new RemoteWriteError(res.status, retryable, body);
    if (!retryable) return { kind: "failure", error };
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"], clock.now());
    if (res.status === 429) {
      counters.throttled++;
      const askedMs = retryAfterMs ?? retry.baseMs;
      const untilMs = clock.monotonic() + Math.min(maxPauseMs, cappedRetryAfter(askedMs));
      if (untilMs > paused.untilMs) paused = { untilMs, askedMs };
    }
    return retryAfterMs === undefined
      ? { kind: "retryable", error }
      : { kind: "retryable", error, retryAfterMs };
  };

  const attempt = async (
    body: Uint8Array,
    attemptTimeoutMs: number,
    onUnanswered: (notSent: boolean) => void,
  ): Promise<SendOutcome<number>> => {
    counters.requests++;
    try {
      const res = await options.transport.request({
        url: options.url,
        method: "POST",
        headers,
        body,
        timeoutMs: attemptTimeoutMs,
      });
      return classify(res);
    } catch (err) {
      // The status line came but the body was over the cap: the status still says what happened.
      if (err instanceof ResponseTooLargeError)
        return classify({
          status: err.status,
          headers: err.headers,
          body: new TextEncoder().encode(err.message),
        });
      onUnanswered(wasNotSent(err));
      return {
        kind: "retryable",
        error: new RemoteWriteError(0, true, quoteBody(describeError(err), scrub)),
      };
    }
  };

  return {
    async push(body, info) {
      const deadlineMs = info.deadlineMs ?? clock.monotonic() + DEFAULT_RETRY_WINDOW_MS;
      let attempts = 0;
      let maybeDelivered = false;
      const lose = (error: RemoteWriteError, why: string): PushResult => {
        // One line per distinct error: a 10,000-collector tick is several requests that tend to fail alike.
        // A refused credential (401/403) is said once by whoever reports the tick, with what to check.
        if (error.message !== lastLogged && error.status !== 401 && error.status !== 403)
          logger.error(`${error.message} (${why}; ${info.samples} samples lost)`, "Remote write failed");
        else logger.debug(`${error.message} (${why}; ${info.samples} samples lost)`);
        lastLogged = error.message;
        return { ok: false, maybeDelivered, status: error.status, attempts, error };
      };
      const pausedPastDeadline = paused.untilMs >= deadlineMs && paused.untilMs > clock.monotonic();
      // Paused past the deadline: an attempt at the last moment could only time out, so do not make one;
      // unless this is cleanup, which tries at once rather than leave series open.
      if (pausedPastDeadline && !info.cleanup)
        return lose(new RemoteWriteError(429, true, retryAfterGiveUpMessage(paused.askedMs)), "not sent");
      const waitMs = pausedPastDeadline ? 0 : Math.min(paused.untilMs, deadlineMs) - clock.monotonic();
      if (waitMs > 0) await clock.sleep(waitMs, info.signal).catch(() => undefined);
      const outcome = await callWithPolicy(
        (a) => {
          attempts = a.number;
          return attempt(body, a.timeoutMs, (notSent) => (maybeDelivered ||= !notSent));
        },
        {
          policy: { retry, timeoutMs },
          clock,
          random,
          limits: { deadlineMs, signal: info.signal },
          retryAfterPastDeadline: info.cleanup ? "backoff" : "give-up",
          onRetry: ({ delayMs, error }) => {
            counters.retries++;
            logger.debug(`remote write: retrying in ${delayMs} ms after: ${error.message}`);
          },
        },
      );
      if (outcome.kind === "success") {
        lastLogged = undefined;
        return { ok: true, maybeDelivered: true, status: outcome.value, attempts };
      }
      const error =
        outcome.error instanceof RemoteWriteError
          ? outcome.error
          : new RemoteWriteError(0, outcome.kind === "retryable", describeError(outcome.error));
      const why =
        outcome.kind === "retryable" && outcome.gaveUp
          ? outcome.gaveUp
          : error.retryable
            ? `gave up after ${attempts} attempts`
            : "the receiver refused the data";
      return lose(error, why);
    },
  };
}

/**
 * The headers remote write 1.0 requires (prometheus/docs content/docs/specs/remote_write_spec.md,
 * "Protocol") plus auth. Built once: callers cannot override the reserved ones.
 */
function requestHeaders(options: PusherOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "content-encoding": "snappy",
    "content-type": "application/x-protobuf",
    "x-prometheus-remote-write-version": "0.1.0",
    "user-agent": USER_AGENT,
  };
  const authorization = authorizationHeader(options.user, options.token);
  if (authorization) headers.authorization = authorization;
  if (options.tenant) headers["x-scope-orgid"] = options.tenant;
  return headers;
}
