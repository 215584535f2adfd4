/**
 * Credentials for FM and Mimir, resolved from action inputs or environment variables (SPEC sections 5, 6, 9).
 * FM is all-or-nothing: none set means metrics only; a partial set is an error that names what is missing,
 * reported before anything is sent. Plain http:// is refused except on loopback.
 */
import type { InputProblem } from "../core/errors.js";
import { validateEndpoint } from "../transport/endpoint.js";

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

export interface Credentials {
  readonly fm?: FmCredentials;
  readonly prom?: PromCredentials;
}

/** One credential value and the name a user knows it by (an input name or an environment variable). */
export interface NamedValue {
  readonly value: string | undefined;
  readonly name: string;
}

export interface CredentialSource {
  readonly fmUrl: NamedValue;
  readonly fmStackId: NamedValue;
  readonly fmToken: NamedValue;
  readonly promUrl: NamedValue;
  readonly promUser: NamedValue;
  readonly promToken: NamedValue;
  readonly promTenant: NamedValue;
}

const first = (env: NodeJS.ProcessEnv, ...names: string[]): NamedValue => {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, name };
  }
  return { value: undefined, name: names[0]! };
};

/** The environment variables of SPEC sections 5 and 6, with the synthkit aliases GC_PROM_RW and GC_TOKEN. */
export function credentialSourceFromEnv(env: NodeJS.ProcessEnv): CredentialSource {
  return {
    fmUrl: first(env, "GC_FM_URL"),
    fmStackId: first(env, "GC_FM_STACK_ID"),
    fmToken: first(env, "GC_FM_TOKEN"),
    promUrl: first(env, "GC_PROM_URL", "GC_PROM_RW"),
    promUser: first(env, "GC_PROM_USER"),
    promToken: first(env, "GC_PROM_TOKEN", "GC_TOKEN"),
    promTenant: first(env, "GC_PROM_TENANT"),
  };
}

export interface ResolvedCredentials {
  readonly credentials: Credentials;
  readonly problems: InputProblem[];
  /** Plain-words notes for the log, e.g. "FM credentials not set: metrics only". */
  readonly notices: string[];
}

export function resolveCredentials(
  source: CredentialSource,
  options: { requireSome?: boolean } = { requireSome: true },
): ResolvedCredentials {
  const problems: InputProblem[] = [];
  const notices: string[] = [];
  const set = (v: NamedValue) => v.value !== undefined && v.value !== "";

  const url = (v: NamedValue): string | undefined => {
    try {
      return validateEndpoint(v.value!, v.name).toString();
    } catch (err) {
      problems.push({ input: v.name, message: (err as Error).message });
      return undefined;
    }
  };

  let fm: FmCredentials | undefined;
  const fmParts = [source.fmUrl, source.fmStackId, source.fmToken];
  const fmSet = fmParts.filter(set);
  if (fmSet.length === 0) {
    notices.push(
      `Fleet Management credentials are not set (${fmParts.map((p) => p.name).join(", ")}): metrics only, no FM call.`,
    );
  } else if (fmSet.length < fmParts.length) {
    const missing = fmParts.filter((p) => !set(p)).map((p) => p.name);
    problems.push({
      input: missing.join(", "),
      message: `missing: Fleet Management needs all of ${fmParts.map((p) => p.name).join(", ")} (set: ${fmSet.map((p) => p.name).join(", ")})`,
    });
  } else {
    const u = url(source.fmUrl);
    if (u)
      fm = { url: u.replace(/\/+$/, ""), stackId: source.fmStackId.value!, token: source.fmToken.value! };
  }

  let prom: PromCredentials | undefined;
  const authParts = [source.promUser, source.promToken];
  const anyProm = set(source.promUrl) || authParts.some(set) || set(source.promTenant);
  if (!anyProm) {
    notices.push(`Remote-write credentials are not set (${source.promUrl.name}): no metrics are pushed.`);
  } else if (!set(source.promUrl)) {
    problems.push({
      input: source.promUrl.name,
      message: `missing: ${[...authParts, source.promTenant]
        .filter(set)
        .map((p) => p.name)
        .join(", ")} is set but the remote-write URL is not`,
    });
  } else if (authParts.filter(set).length === 1) {
    const missing = authParts.find((p) => !set(p))!;
    problems.push({
      input: missing.name,
      message: `missing: remote write with Basic auth needs both ${source.promUser.name} and ${source.promToken.name}`,
    });
  } else {
    const u = url(source.promUrl);
    if (u) {
      prom = {
        url: u,
        user: source.promUser.value ?? "",
        token: source.promToken.value ?? "",
        ...(set(source.promTenant) ? { tenant: source.promTenant.value! } : {}),
      };
    }
  }

  if (fm && prom && fm.stackId === prom.user && fm.stackId !== "") {
    notices.push(
      `${source.fmStackId.name} equals ${source.promUser.name} (${fm.stackId}). They are usually different: the FM user is the stack's Fleet Management instance ID (normally the stack ID), the remote-write user is the Mimir instance ID.`,
    );
  }
  if (options.requireSome !== false && !fm && !prom && problems.length === 0) {
    problems.push({
      input: `${source.fmUrl.name} / ${source.promUrl.name}`,
      message:
        "nothing to do: set the Fleet Management credentials, the remote-write credentials, or both (or use dry-run to see the plan)",
    });
  }
  return { credentials: { ...(fm ? { fm } : {}), ...(prom ? { prom } : {}) }, problems, notices };
}

/** Every secret and derived secret that must be masked and scrubbed. */
export function secretValues(c: Credentials): { secrets: string[]; users: string[] } {
  const secrets = [c.fm?.token, c.prom?.token].filter((s): s is string => !!s);
  const users = [c.fm?.stackId, c.prom?.user].filter((s): s is string => !!s);
  return { secrets, users };
}
