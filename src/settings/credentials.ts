/**
 * Credentials for FM, Mimir and Alertmanager, resolved as groups. Each value has already
 * passed its setting's own rule (a URL check, say); what is left here is how the values go together:
 * FM is all-or-nothing (none set means metrics only; a partial set is a problem naming what is missing,
 * reported before anything is sent), remote write needs a URL, and Basic auth needs both halves.
 * Alertmanager is all-or-nothing like FM: none set means no alert is posted.
 */
import type { InputProblem } from "../core/errors.js";

export interface FmCredentials {
  readonly url: string;
  /** The FM instance ID (normally the stack ID): the Basic-auth user. Not GC_PROM_USER. */
  readonly stackId: string;
  readonly token: string;
}

export interface PromCredentials {
  readonly url: string;
  /** Basic-auth user (Grafana Cloud: the Mimir instance ID); "" for an unauthenticated receiver. */
  readonly user: string;
  readonly token: string;
  /** X-Scope-OrgID for a self-hosted multi-tenant Mimir. */
  readonly tenant?: string;
}

/** Where unhealthy collectors fire alerts (docs/fm-protocol.md#collector-status-and-alerts). */
export interface AlertmanagerCredentials {
  /** The Alertmanager base URL: alerts are posted to `{url}/api/v2/alerts`. */
  readonly url: string;
  /** Basic-auth user (Grafana Cloud: the stack's Alertmanager instance ID). */
  readonly user: string;
  readonly token: string;
}

export interface Credentials {
  readonly fm?: FmCredentials;
  readonly prom?: PromCredentials;
  readonly alertmanager?: AlertmanagerCredentials;
}

/** One credential as the user gave it. */
export interface CredentialValue {
  /** Where it came from, as the frontend names it (`input fm-url`, `GC_FM_URL`); if unset, where to set it. */
  readonly name: string;
  /** Something was set, valid or not. */
  readonly given: boolean;
  /** The value after its rule; undefined when not given or refused (the rule's problem is reported already). */
  readonly value?: string;
}

export interface CredentialSource {
  readonly fmUrl: CredentialValue;
  readonly fmStackId: CredentialValue;
  readonly fmToken: CredentialValue;
  readonly promUrl: CredentialValue;
  readonly promUser: CredentialValue;
  readonly promToken: CredentialValue;
  readonly promTenant: CredentialValue;
  readonly alertmanagerUrl: CredentialValue;
  readonly alertmanagerUser: CredentialValue;
  readonly alertmanagerToken: CredentialValue;
}

export interface ResolvedCredentials {
  readonly credentials: Credentials;
  readonly problems: InputProblem[];
  /** Plain-words notes for the log, e.g. "FM credentials not set: metrics only". */
  readonly notices: string[];
}

export interface ResolveOptions {
  /** Set neither FM nor remote write is a problem (a live start), not a notice (a plan, a dry run). */
  readonly requireSome: boolean;
  /** What to suggest instead when nothing is set, in the frontend's words. */
  readonly nothingToDoHint: string;
}

const names = (values: readonly CredentialValue[]) => values.map((v) => v.name).join(", ");

export function resolveCredentials(source: CredentialSource, options: ResolveOptions): ResolvedCredentials {
  const problems: InputProblem[] = [];
  const notices: string[] = [];
  const given = (v: CredentialValue) => v.given;

  let fm: FmCredentials | undefined;
  const fmParts = [source.fmUrl, source.fmStackId, source.fmToken];
  const fmGiven = fmParts.filter(given);
  if (fmGiven.length === 0) {
    notices.push(`Fleet Management credentials are not set (${names(fmParts)}): metrics only, no FM call.`);
  } else if (fmGiven.length < fmParts.length) {
    const missing = fmParts.filter((p) => !given(p));
    problems.push({
      subject: missing.map((p) => p.name).join(", "),
      message: `missing: Fleet Management needs all of ${names(fmParts)} (set: ${names(fmGiven)})`,
    });
  } else if (fmParts.every((p) => p.value !== undefined)) {
    fm = { url: source.fmUrl.value!, stackId: source.fmStackId.value!, token: source.fmToken.value! };
  }

  let prom: PromCredentials | undefined;
  const authParts = [source.promUser, source.promToken];
  if (![source.promUrl, ...authParts, source.promTenant].some(given)) {
    notices.push(`Remote-write credentials are not set (${source.promUrl.name}): no metrics are pushed.`);
  } else if (!given(source.promUrl)) {
    problems.push({
      subject: source.promUrl.name,
      message: `missing: ${names([...authParts, source.promTenant].filter(given))} is set but the remote-write URL is not`,
    });
  } else if (authParts.filter(given).length === 1) {
    const missing = authParts.find((p) => !given(p))!;
    problems.push({
      subject: missing.name,
      message: `missing: remote write with Basic auth needs both ${source.promUser.name} and ${source.promToken.name}`,
    });
  } else if (source.promUrl.value !== undefined) {
    prom = {
      url: source.promUrl.value,
      user: source.promUser.value ?? "",
      token: source.promToken.value ?? "",
      ...(source.promTenant.value ? { tenant: source.promTenant.value } : {}),
    };
  }

  let alertmanager: AlertmanagerCredentials | undefined;
  const amParts = [source.alertmanagerUrl, source.alertmanagerUser, source.alertmanagerToken];
  const amGiven = amParts.filter(given);
  if (amGiven.length > 0 && amGiven.length < amParts.length) {
    const missing = amParts.filter((p) => !given(p));
    problems.push({
      subject: missing.map((p) => p.name).join(", "),
      message: `missing: alerts need all of ${names(amParts)} (set: ${names(amGiven)})`,
    });
  } else if (amParts.every((p) => p.value !== undefined)) {
    alertmanager = {
      url: source.alertmanagerUrl.value!,
      user: source.alertmanagerUser.value!,
      token: source.alertmanagerToken.value!,
    };
  }

  if (fm && prom && fm.stackId === prom.user && fm.stackId !== "") {
    notices.push(
      `${source.fmStackId.name} equals ${source.promUser.name} (${fm.stackId}). They are usually different: the FM user is the stack's Fleet Management instance ID (normally the stack ID), the remote-write user is the Mimir instance ID.`,
    );
  }
  const anyGiven = [...fmParts, source.promUrl, ...authParts, source.promTenant].some(given);
  if (options.requireSome && !anyGiven) {
    problems.push({
      subject: `${source.fmUrl.name} / ${source.promUrl.name}`,
      message: `nothing to do: set the Fleet Management credentials, the remote-write credentials, or both (${options.nothingToDoHint})`,
    });
  }
  return {
    credentials: {
      ...(fm ? { fm } : {}),
      ...(prom ? { prom } : {}),
      ...(alertmanager ? { alertmanager } : {}),
    },
    problems,
    notices,
  };
}

/** Every secret and derived secret that must be masked and scrubbed. */
export function secretValues(c: Credentials): { secrets: string[]; users: string[] } {
  const secrets = [c.fm?.token, c.prom?.token, c.alertmanager?.token].filter((s): s is string => !!s);
  const users = [c.fm?.stackId, c.prom?.user, c.alertmanager?.user].filter((s): s is string => !!s);
  return { secrets, users };
}
