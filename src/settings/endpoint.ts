/**
 * The rule for the FM and remote-write URLs. Credentials never travel in clear text, so plain http:// is
 * allowed only to loopback hosts (the local emulator and receiver). The FM URL is a base under which the
 * Connect procedures are called (`{url}/collector.v1.CollectorService/GetConfig`, docs/fm-protocol.md), so
 * a query or fragment in it would end up in the middle of every request path: it is refused, not mangled.
 * The Alertmanager URL is a base the same way: alerts go to `{url}/api/v2/alerts`
 * (docs/fm-protocol.md#collector-status-and-alerts).
 */
import { isLoopbackHost } from "../core/loopback.js";
import { maskPatterns } from "../core/secrets.js";
import { ok, problem, quote, type Parsed } from "./rule.js";

/**
 * `base`: FM's base URL, paths are appended; `push`: the remote-write URL, used as it is; `alertmanager`: the
 * Alertmanager's base URL, `/api/v2/alerts` is appended.
 */
export type EndpointUse = "base" | "push" | "alertmanager";

/** The path the Alertmanager client appends to its base URL (prometheus/alertmanager api/v2/openapi.yaml). */
export const ALERTMANAGER_ALERTS_PATH = "/api/v2/alerts";

/** The URL as the clients use it (a base without trailing "/"), or why it cannot be used. */
export function validateEndpoint(text: string, use: EndpointUse): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // A token pasted into the URL field is the classic mix-up: never quote anything token-shaped.
    return problem(`expected an https:// URL, found ${quote(maskPatterns(text))}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return problem(`expected an https:// URL, found the scheme ${quote(url.protocol)}`);
  if (url.username !== "" || url.password !== "")
    return problem("must not hold credentials (user:password@): set the user and the token on their own");
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname))
    return problem(
      `uses plain http:// to ${url.hostname}, which would send credentials in clear text: use https:// ` +
        "(http:// is allowed only for loopback hosts such as 127.0.0.1 and localhost)",
    );
  // A fragment is never sent, so one here is a paste accident; say so rather than drop part of the text.
  if (url.hash !== "" || url.href.includes("#"))
    return problem('must not have a fragment ("#…"): it is never sent, so remove it');
  if (use === "push") return ok(url.href);
  if (url.search !== "" || url.href.includes("?"))
    return problem(
      use === "base"
        ? 'must be a base URL without a query ("?…"): the Fleet Management calls go to paths under it, ' +
            "e.g. https://fleet-management-prod-001.grafana.net"
        : `must be a base URL without a query ("?…"): alerts are posted to {url}${ALERTMANAGER_ALERTS_PATH}, ` +
            "e.g. http://127.0.0.1:9093, or a Mimir or Grafana Cloud URL ending in /alertmanager",
    );
  const base = url.href.replace(/\/+$/, "");
  // The full endpoint pasted where the base goes would post to …/api/v2/alerts/api/v2/alerts: say so.
  if (use === "alertmanager" && /\/api\/v[12]\/alerts$/.test(base))
    return problem(
      `must be the Alertmanager base URL, without ${base.slice(base.lastIndexOf("/api/"))}: alerts are posted to {url}${ALERTMANAGER_ALERTS_PATH}`,
    );
  return ok(base);
}
