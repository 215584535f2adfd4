/**
 * The parts of the Connect protocol (connectrpc.com/docs/protocol) that a unary JSON client needs: reading
 * an error from any non-200 answer, and deciding which errors are worth retrying. Pure, so both are tested
 * on bytes alone.
 */
import type { ConnectCode } from "../core/errors.js";

/** The status a server sends with each code (Connect protocol, "Error Codes"; connect-go connectCodeToHTTP). */
export const HTTP_STATUS_OF_CODE: Readonly<Record<ConnectCode, number>> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

export function isConnectCode(value: unknown): value is ConnectCode {
  return typeof value === "string" && Object.hasOwn(HTTP_STATUS_OF_CODE, value);
}

/**
 * The code of an answer that carries no Connect error body, e.g. one from a proxy or load balancer
 * (Connect protocol, "HTTP to Error Code"; docs/fm-protocol.md#errors-and-http-statuses).
 */
export function codeFromHttpStatus(status: number): ConnectCode {
  switch (status) {
    case 400:
      return "internal";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "unimplemented";
    case 429:
    case 502:
    case 503:
    case 504:
      return "unavailable";
    default:
      return "unknown";
  }
}

export interface ConnectErrorBody {
  readonly code: ConnectCode;
  /** The server's message, or the raw body when it was not a Connect error. Not yet scrubbed. */
  readonly message: string;
  /** Whether the code came from a Connect error body (true) or was inferred from the status (false). */
  readonly fromBody: boolean;
}

/** Reads `{"code","message"}` from a non-200 answer; anything else falls back to the status. */
export function decodeConnectError(status: number, body: string): ConnectErrorBody {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null) {
      const { code, message } = parsed as { code?: unknown; message?: unknown };
      // Only `code` is required; `{}` and unknown codes are not valid Connect errors (Connect protocol, "Error").
      if (isConnectCode(code))
        return { code, message: typeof message === "string" ? message : "", fromBody: true };
    }
  } catch {
    // Not JSON: an HTML error page or plain text from something in front of FM.
  }
  return { code: codeFromHttpStatus(status), message: body, fromBody: false };
}

/**
 * Transient by nature, so a retry with backoff may succeed (docs/fm-protocol.md#retry-classes). Never
 * unauthenticated, permission_denied or invalid_argument: the same request fails the same way, and hammering
 * a stack with bad credentials helps nobody.
 */
export function isRetryableCode(code: ConnectCode): boolean {
  return code === "unavailable" || code === "resource_exhausted" || code === "deadline_exceeded";
}

/** Errors that say the configuration is wrong: retrying cannot help and every other call will fail too. */
export function isFatalCode(code: ConnectCode): boolean {
  return code === "unauthenticated" || code === "permission_denied" || code === "invalid_argument";
}
