/** How the transports authenticate to FM and remote write: HTTP Basic auth. */

/** The value of an `Authorization` header for HTTP Basic auth (RFC 7617). Never log it. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

/**
 * The Authorization header of a client that takes a user and a token: Basic with a user, Bearer with a token
 * alone, none with neither (remote write and Alertmanager accept each).
 */
export function authorizationHeader(user: string | undefined, token: string | undefined): string | undefined {
  if (user !== undefined) return basicAuth(user, token ?? "");
  return token ? `Bearer ${token}` : undefined;
}
