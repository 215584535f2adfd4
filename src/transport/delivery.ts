/**
 * Whether a request that got no answer may still have reached the server. A refused or unresolvable
 * connection, or one whose TLS handshake failed, sent nothing, so FM cannot hold a collector it registered
 * and Mimir cannot hold a sample it carried; a timeout or a reset after the request went out may have
 * delivered it. Cleanup uses the difference: it owes an Unregister or a stale marker only for what may have
 * arrived.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  // undici's connect timeout: the TCP (or TLS) connection never opened.
  "UND_ERR_CONNECT_TIMEOUT",
  // A TLS handshake that failed: the request is written only once it succeeds. The server's certificate
  // was refused (the host name check, and OpenSSL's verify results as Node names them:
  // https://nodejs.org/api/tls.html#x509-certificate-error-codes), or the server does not speak TLS at
  // all (an https:// URL on a plain port).
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

/** True when `err` (or an error in its cause chain) says no byte of the request left this machine. */
export function wasNotSent(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NOT_SENT_CODES.has(code)) return true;
  }
  return false;
}
