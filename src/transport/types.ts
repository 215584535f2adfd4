/**
 * The transport contract shared by the FM client and the remote-write pusher (after
 * open-telemetry/opentelemetry-js experimental/packages/otlp-exporter-base): a send returns an outcome
 * instead of throwing, and retry is a wrapper around it. Codecs stay out of this folder.
 */

export type SendOutcome<T> =
  | { readonly kind: "success"; readonly value: T }
  | {
      readonly kind: "retryable";
      readonly error: Error;
      /** The server's Retry-After, as asked (transport/backoff.ts caps the wait). */
      readonly retryAfterMs?: number;
      /** Set by the retry wrapper when it stopped for a reason the error does not tell. */
      readonly gaveUp?: string;
    }
  | { readonly kind: "failure"; readonly error: Error };

export interface HttpRequest {
  readonly url: string;
  readonly method: "POST" | "GET";
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** Per-call timeout; default 15 s (docs/fm-protocol.md#timeouts). */
  readonly timeoutMs?: number;
  /**
   * Largest body read; a longer one rejects with "response too large" and the connection is closed.
   * Default 1 MiB (transport/http.ts DEFAULT_MAX_BODY_BYTES).
   */
  readonly maxBodyBytes?: number;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

export interface HttpTransport {
  /** Resolves with any HTTP status; rejects only when no response arrived (network error, timeout, abort). */
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Closes the pooled connections so the process can exit by itself. */
  close(): Promise<void>;
}

export interface RetryPolicy {
  /** First backoff ceiling in ms (full jitter draws from [0, ceiling)). Default 250. */
  readonly baseMs: number;
  /** Largest backoff ceiling in ms. Default 10 000. */
  readonly capMs: number;
  /** Attempts including the first; undefined = until the deadline. */
  readonly maxAttempts?: number;
}

export interface RateLimiter {
  /** Waits for a token. Rejects when the signal aborts. */
  acquire(signal?: AbortSignal): Promise<void>;
}
