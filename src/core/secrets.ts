/**
 * Scrubbing of credentials from any text that may reach a log, an error or a file
 * (README.md#what-happens-when). Known secrets are replaced verbatim and in their base64 Basic-auth forms;
 * anything that looks like a Grafana Cloud token or an Authorization header value is replaced by pattern, so
 * a secret we were never told about (one echoed by a server, say) is still caught.
 */

const MASK = "***";

/** Patterns for values that look like credentials whoever they belong to. */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  // Grafana Cloud access-policy tokens and service-account tokens.
  /\bglc_[A-Za-z0-9+/=_-]{8,}/g,
  /\bglsa_[A-Za-z0-9_]{8,}/g,
  // Authorization header values.
  /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,}/gi,
  // user:password@ in URLs.
  /(\/\/)[^/\s:@]+:[^/\s@]+@/g,
];

export function maskPatterns(text: string): string {
  let out = text;
  for (const re of CREDENTIAL_PATTERNS) {
    out = out.replace(re, (m, g1: unknown) => {
      if (typeof g1 === "string" && g1 === "//") return `//${MASK}@`;
      if (typeof g1 === "string" && /^(basic|bearer)$/i.test(g1)) return `${g1} ${MASK}`;
      return MASK;
    });
  }
  return out;
}

/** Every form in which a secret could appear: itself and the base64 of the Basic-auth pairs it is in. */
export function secretForms(secrets: readonly string[], users: readonly string[] = []): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(Buffer.from(s).toString("base64"));
    for (const u of users) if (u) forms.add(Buffer.from(`${u}:${s}`).toString("base64"));
  }
  // Longest first so a secret that contains another is masked whole.
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

export function createScrubber(
  secrets: readonly string[],
  users: readonly string[] = [],
): (text: string) => string {
  const forms = secretForms(secrets, users);
  return (text: string) => {
    let out = text;
    for (const f of forms) out = out.split(f).join(MASK);
    return maskPatterns(out);
  };
}

/** Truncate a server's body for quoting in an error or a log, after scrubbing. */
export function quoteBody(body: string, scrub: (s: string) => string = maskPatterns, max = 300): string {
  const clean = scrub(body.replace(/\s+/g, " ").trim());
  return clean.length > max ? `${clean.slice(0, max)}… (${clean.length - max} more chars)` : clean;
}
