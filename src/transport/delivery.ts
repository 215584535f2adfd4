/**
 * Whether a request that got no answer may still have reached the server. A refused or unresolvable
 * connection sent nothing, so FM cannot hold a collector it registered and Mimir cannot hold a sample it
 * carried; a timeout or a reset after the request went out may have delivered it. Cleanup uses the
 * difference: it owes an Unregister or a stale marker only for what may have arrived.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  // undici's connect timeout: the TCP (or TLS) connection never opened.
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** True when `err` (or an error in its cause chain) says no byte of the request left this machine. */
export function wasNotSent(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NOT_SENT_CODES.has(code)) return true;
  }
  return false;
}
