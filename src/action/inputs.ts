/**
 * The action's inputs (SPEC section 7), parsed once into typed settings with every problem reported at once,
 * each naming the input (STYLE.md habit 3). `interval: ten` is an error, never a silent default.
 * INPUTS is the single list that action.yml and the README tables are tested against.
 */
import { InputError, type InputProblem } from "../core/errors.js";
import { MAX_DURATION_MS, parseDuration } from "../core/duration.js";
import { createScrubber } from "../core/secrets.js";
import {
  credentialSourceFromEnv,
  resolveCredentials,
  type CredentialSource,
  type Credentials,
  type NamedValue,
} from "../runtime/credentials.js";

export interface InputSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** The default as action.yml states it; undefined = none (falls back to an environment variable where noted). */
  readonly default?: string;
}

export const INPUTS: readonly InputSpec[] = [
  {
    name: "blueprint",
    required: true,
    description:
      "Blueprint YAML path, or a shipped blueprint name: fleet-management, synthetic-monitoring, k8s-monitoring.",
  },
  {
    name: "env",
    description:
      "Replaces every environment name of the blueprint (and {env} in cluster names), e.g. pr-<pull request number>.",
  },
  { name: "interval", default: "15s", description: "Time between metric pushes (remote write), from 1s." },
  {
    name: "heartbeat-interval",
    default: "45s",
    description: "Time between GetConfig heartbeats of each collector, from 1s.",
  },
  { name: "fm-url", description: "Fleet Management base URL. Default: the GC_FM_URL environment variable." },
  {
    name: "fm-stack-id",
    description:
      "Fleet Management Basic-auth user: the stack's FM instance ID (normally the stack ID; not GC_PROM_USER). Default: GC_FM_STACK_ID.",
  },
  {
    name: "fm-username",
    description: "Alias of fm-stack-id (the name grafana/fleet-management-sync-action uses).",
  },
  {
    name: "fm-token",
    description:
      "Grafana Cloud access-policy token with fleet-management:write (scope set:alloy-data-write). Default: GC_FM_TOKEN.",
  },
  {
    name: "fm-rate-limit",
    default: "15",
    description:
      "Client-side limit of RegisterCollector + GetConfig calls per second (FM allows 20 per stack by default).",
  },
  {
    name: "prom-url",
    description: "Prometheus remote-write URL (…/api/prom/push). Default: GC_PROM_URL, else GC_PROM_RW.",
  },
  {
    name: "prom-user",
    description: "Remote-write Basic-auth user (the Mimir instance ID). Default: GC_PROM_USER.",
  },
  { name: "prom-token", description: "Remote-write token. Default: GC_PROM_TOKEN, else GC_TOKEN." },
  {
    name: "prom-tenant",
    description: "X-Scope-OrgID for a self-hosted multi-tenant Mimir. Default: GC_PROM_TENANT.",
  },
  { name: "dry-run", default: "false", description: "Validate and print the plan; no network call." },
  {
    name: "start-timeout",
    default: "2m",
    description: "How long main waits for every collector to register and the first push to be accepted.",
  },
  {
    name: "max-lifetime",
    default: "6h",
    description: "The background fleet stops itself after this long, even if post never runs.",
  },
  {
    name: "fail-on-cleanup-error",
    default: "false",
    description: "Fail the post step when a collector or series could not be cleaned up (default: warn).",
  },
];

export interface OutputSpec {
  readonly name: string;
  readonly description: string;
}

export const OUTPUTS: readonly OutputSpec[] = [
  { name: "collector-ids", description: "JSON array of the collector IDs of the fleet." },
  { name: "collector-count", description: "Number of collectors in the fleet." },
  { name: "series-per-tick", description: "Active series the fleet writes every tick." },
  { name: "fm-registered", description: "true when the collectors were registered with Fleet Management." },
];

export interface ActionSettings {
  readonly blueprint: string;
  readonly env?: string;
  readonly intervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fmRatePerSecond: number;
  readonly dryRun: boolean;
  readonly startTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly failOnCleanupError: boolean;
  readonly credentials: Credentials;
  /** Plain-words notes for the log (FM off, mixed-up users, …). */
  readonly notices: readonly string[];
}

export type InputReader = (name: string) => string;

/** `core.getInput` semantics without the dependency: INPUT_<NAME> with spaces as "_", hyphens kept, trimmed. */
export function envInputReader(env: NodeJS.ProcessEnv): InputReader {
  return (name) => (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

const ENV_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

export function parseDurationInput(
  read: InputReader,
  name: string,
  problems: InputProblem[],
  minMs: number,
): number {
  const raw = read(name) || INPUTS.find((i) => i.name === name)!.default!;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    problems.push({ input: name, message: `expected a duration such as 15s, 2m or 1h, found "${raw}"` });
    return 0;
  }
  if (ms < minMs)
    problems.push({ input: name, message: `must be at least ${minMs / 1000}s, found "${raw}"` });
  else if (ms > MAX_DURATION_MS)
    problems.push({
      input: name,
      message: `must be at most ${MAX_DURATION_MS / 3_600_000}h, found "${raw}"`,
    });
  return ms;
}

function parseBoolean(read: InputReader, name: string, problems: InputProblem[]): boolean {
  const raw = read(name) || INPUTS.find((i) => i.name === name)!.default!;
  // The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them.
  if (["true", "True", "TRUE"].includes(raw)) return true;
  if (["false", "False", "FALSE"].includes(raw)) return false;
  problems.push({ input: name, message: `expected true or false, found "${raw}"` });
  return false;
}

export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv): ActionSettings {
  const problems: InputProblem[] = [];
  const blueprint = read("blueprint");
  if (!blueprint)
    problems.push({ input: "blueprint", message: "is required: a blueprint file path or a shipped name" });

  const fleetEnv = read("env");
  if (fleetEnv && (!ENV_NAME_RE.test(fleetEnv) || fleetEnv.length > 30)) {
    problems.push({
      input: "env",
      message: `expected at most 30 chars of [a-z0-9-] starting with a letter or digit, found "${fleetEnv}"`,
    });
  }
  const intervalMs = parseDurationInput(read, "interval", problems, 1000);
  const heartbeatIntervalMs = parseDurationInput(read, "heartbeat-interval", problems, 1000);
  const startTimeoutMs = parseDurationInput(read, "start-timeout", problems, 1000);
  const maxLifetimeMs = parseDurationInput(read, "max-lifetime", problems, 1000);
  const dryRun = parseBoolean(read, "dry-run", problems);
  const failOnCleanupError = parseBoolean(read, "fail-on-cleanup-error", problems);

  const rateRaw = read("fm-rate-limit") || "15";
  const fmRatePerSecond = Number(rateRaw);
  if (!/^\d+(\.\d+)?$/.test(rateRaw) || !(fmRatePerSecond >= 0.1) || fmRatePerSecond > 1000) {
    problems.push({
      input: "fm-rate-limit",
      message: `expected a number of calls per second from 0.1 to 1000, found "${rateRaw}"`,
    });
  }

  const stackIdInput = read("fm-stack-id") ? "fm-stack-id" : "fm-username";
  if (read("fm-stack-id") && read("fm-username") && read("fm-stack-id") !== read("fm-username")) {
    problems.push({
      input: "fm-username",
      message: "is an alias of fm-stack-id; set one of them, not both with different values",
    });
  }
  const fromEnv = credentialSourceFromEnv(env);
  // The input's own name, as InputProblem.input promises ("fm-url", not "input fm-url": InputError's
  // message already reads "input fm-url: …").
  const pick = (input: string, fallback: NamedValue): NamedValue =>
    read(input) ? { value: read(input), name: input } : fallback;
  const source: CredentialSource = {
    fmUrl: pick("fm-url", fromEnv.fmUrl),
    fmStackId: pick(stackIdInput, fromEnv.fmStackId),
    fmToken: pick("fm-token", fromEnv.fmToken),
    promUrl: pick("prom-url", fromEnv.promUrl),
    promUser: pick("prom-user", fromEnv.promUser),
    promToken: pick("prom-token", fromEnv.promToken),
    promTenant: pick("prom-tenant", fromEnv.promTenant),
  };
  const resolved = resolveCredentials(source, { requireSome: !dryRun });
  problems.push(...resolved.problems);

  if (problems.length > 0) {
    // A token pasted into a URL field comes back in "is not a URL: …", and main reports this error before
    // it can mask anything: scrub every token given, used or overridden, from every message (SPEC section 9).
    const tokens = [read("fm-token"), read("prom-token"), env.GC_FM_TOKEN, env.GC_PROM_TOKEN, env.GC_TOKEN];
    const scrub = createScrubber(tokens.map((t) => t?.trim() ?? "").filter((t) => t !== ""));
    throw new InputError(problems.map((p) => ({ input: p.input, message: scrub(p.message) })));
  }
  return {
    blueprint,
    ...(fleetEnv ? { env: fleetEnv } : {}),
    intervalMs,
    heartbeatIntervalMs,
    fmRatePerSecond,
    dryRun,
    startTimeoutMs,
    maxLifetimeMs,
    failOnCleanupError,
    credentials: resolved.credentials,
    notices: resolved.notices,
  };
}
