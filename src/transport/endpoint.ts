/** How the transports authenticate to FM and remote write: HTTP Basic auth. */

/** The value of an `Authorization` header for HTTP Basic auth (RFC 7617). Never log it. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}
