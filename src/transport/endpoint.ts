/**
 * Where and as whom to connect. SPEC section 9: credentials never travel in clear text, so plain http:// is
 * allowed only to loopback hosts (the local emulator and receiver).
 */
import { isIP } from "node:net";
import { CredentialsError } from "../core/errors.js";
import { maskPatterns } from "../core/secrets.js";

/**
 * Parses `raw` as an http(s) base URL for the variable or input `name` (e.g. `GC_FM_URL`, `fm-url`), or
 * throws a CredentialsError that names it.
 */
export function validateEndpoint(raw: string, name: string): URL {
  const text = raw.trim();
  if (text === "") throw new CredentialsError(`${name} is empty: set it to the https:// URL of the service`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CredentialsError(`${name} is not a URL: "${maskPatterns(text)}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new CredentialsError(`${name} must be an https:// URL, got the scheme "${url.protocol}"`);
  if (url.username !== "" || url.password !== "")
    throw new CredentialsError(
      `${name} must not hold credentials (user:password@); pass them in their own variables or inputs`,
    );
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname))
    throw new CredentialsError(
      `${name} uses plain http:// to ${url.hostname}, which would send credentials in clear text; ` +
        `use https:// (http:// is allowed only for loopback hosts such as 127.0.0.1 and localhost)`,
    );
  return url;
}

/** localhost, 127.0.0.0/8 and ::1. `hostname` is as URL gives it: IPv6 in brackets. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/** The value of an `Authorization` header for HTTP Basic auth (RFC 7617). Never log it. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}
