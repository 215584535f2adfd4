/**
 * What to check when a service refuses us or cannot be reached, in the words of the frontend the user
 * typed into: the CLI names environment variables and flags (`GC_FM_TOKEN`, `--dry-run`), the action names
 * its inputs (`fm-token`, `dry-run: true`). One sentence, ending in the doctor suggestion. Pure.
 */
import { AlertmanagerError, FmApiError, RemoteWriteError } from "../core/errors.js";
import { SETTINGS } from "./table.js";

/** Which frontend the user speaks to. */
export type Speaker = "cli" | "action";

/** The services a fleet talks to. */
export type Service = "fm" | "prom" | "alertmanager";

/**
 * What kind of failure a check applies to: the credentials refused (401), accepted but not allowed (403),
 * or no answer at all (connection refused, name not resolved, timeout).
 */
export type FailureClass = "refused" | "forbidden" | "unreachable";

const CREDENTIALS = {
  fm: { url: SETTINGS.fmUrl, user: SETTINGS.fmStackId, token: SETTINGS.fmToken },
  prom: { url: SETTINGS.promUrl, user: SETTINGS.promUser, token: SETTINGS.promToken },
  alertmanager: {
    url: SETTINGS.alertmanagerUrl,
    user: SETTINGS.alertmanagerUser,
    token: SETTINGS.alertmanagerToken,
  },
} as const;

/** A credential as the frontend names it: `GC_FM_TOKEN` in the CLI, `input fm-token` in the action. */
export function credentialName(service: Service, part: "url" | "user" | "token", speaker: Speaker): string {
  const setting = CREDENTIALS[service][part];
  const variable = setting.variables?.[0] ?? "";
  return speaker === "cli" ? variable : setting.input ? `input ${setting.input}` : variable;
}

/** The closing words of every credential hint: doctor tests each credential and explains its answer. */
export function doctorSuggestion(speaker: Speaker): string {
  return speaker === "cli"
    ? "or run fm-fleet doctor, which tests each one"
    : "or run fm-fleet doctor with the same values on your machine, which tests each one";
}

const SERVICE_NAMES: Record<Service, string> = {
  fm: "Fleet Management",
  prom: "the remote-write endpoint",
  alertmanager: "Alertmanager",
};

/** What each credential must be, for the refused and forbidden hints. */
function whatToCheck(service: Service, failure: FailureClass, speaker: Speaker): string {
  const name = (part: "url" | "user" | "token") => credentialName(service, part, speaker);
  if (failure === "unreachable") return `check ${name("url")} and this machine's network`;
  switch (service) {
    case "fm": {
      const stackId = `${name("user")} (the Fleet Management instance ID under Connections > Fleet Management > API, normally the stack ID, not ${credentialName("prom", "user", speaker)})`;
      const token = `${name("token")} (an access-policy token of this stack with the fleet-management:read and fleet-management:write scopes)`;
      return failure === "refused" ? `check ${stackId} and ${token}` : `check ${token} and ${stackId}`;
    }
    case "prom":
      return `check ${name("user")} (the Mimir instance ID, a number) and ${name("token")} (an access-policy token with the metrics:write scope)`;
    case "alertmanager":
      return `check ${name("user")} (the stack's Alertmanager instance ID) and ${name("token")} (an access-policy token allowed to write alerts)`;
  }
}

/**
 * "Fleet Management refused the credentials (…): check GC_FM_STACK_ID (…) and GC_FM_TOKEN (…), or run
 * fm-fleet doctor, which tests each one." `detail` is what the service said, in parentheses.
 */
export function credentialHint(
  service: Service,
  failure: FailureClass,
  speaker: Speaker,
  detail?: string,
): string {
  const what =
    failure === "refused"
      ? `${SERVICE_NAMES[service]} refused the credentials`
      : failure === "forbidden"
        ? `${SERVICE_NAMES[service]} accepted the credentials but refused the call`
        : `${SERVICE_NAMES[service]} did not answer`;
  const said = detail ? ` (${detail})` : "";
  return `${capitalize(what)}${said}: ${whatToCheck(service, failure, speaker)}, ${doctorSuggestion(speaker)}.`;
}

/**
 * The class of a failure that the user's settings can cause, or undefined for anything else (a 500, a
 * 429, a malformed answer). Reads the typed errors of core/errors.ts, or the messages they make, since a
 * report carries a failure as text.
 */
export function classifyFailure(error: unknown): { service: Service; failure: FailureClass } | undefined {
  if (error instanceof FmApiError) return byFmCode(error.code, error.status !== 0);
  if (error instanceof RemoteWriteError) return byStatus("prom", error.status);
  if (error instanceof AlertmanagerError) return byStatus("alertmanager", error.status);
  const text = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  // The messages of RemoteWriteError, AlertmanagerError and FmApiError (core/errors.ts).
  const rw = /remote write failed(?: with HTTP (\d{3})| \(no answer\))/.exec(text);
  if (rw) return byStatus("prom", rw[1] ? Number(rw[1]) : 0);
  const am = /Alertmanager refused the alerts(?: with HTTP (\d{3})| \(no answer\))/.exec(text);
  if (am) return byStatus("alertmanager", am[1] ? Number(am[1]) : 0);
  const fm = /FM \w+(?: for \S+)? failed: (\w+)( \(HTTP \d+\))?/.exec(text);
  if (fm) return byFmCode(fm[1]!, fm[2] !== undefined);
  return undefined;
}

/** An FM failure by its Connect code, and whether an HTTP answer came (a timeout with one is the server's). */
function byFmCode(code: string, answered: boolean): { service: Service; failure: FailureClass } | undefined {
  if (code === "unauthenticated") return { service: "fm", failure: "refused" };
  if (code === "permission_denied") return { service: "fm", failure: "forbidden" };
  if (!answered && (code === "unavailable" || code === "deadline_exceeded"))
    return { service: "fm", failure: "unreachable" };
  return undefined;
}

function byStatus(service: Service, status: number): { service: Service; failure: FailureClass } | undefined {
  if (status === 401) return { service, failure: "refused" };
  if (status === 403) return { service, failure: "forbidden" };
  if (status === 0) return { service, failure: "unreachable" };
  return undefined;
}

/**
 * The one sentence for a failure the user's settings can cause, with the failure itself in parentheses,
 * or undefined for any other failure (see classifyFailure).
 */
export function hintFor(error: unknown, speaker: Speaker): string | undefined {
  const found = classifyFailure(error);
  if (!found) return undefined;
  const detail = error instanceof Error ? error.message : typeof error === "string" ? error : undefined;
  return credentialHint(found.service, found.failure, speaker, detail);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
