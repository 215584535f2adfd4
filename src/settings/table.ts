/**
 * Every setting of the action and the CLI, one entry each: its action input, its CLI flag, its default, its
 * description, which CLI commands take it, and its one rule. action.yml and the README inputs table are
 * tested against this table; the CLI's --help option lists and the action's input list are made from it.
 * Adding a setting: an entry here, its field in types.ts and the line of parse.ts that fills it, and, for
 * an input, its rows in action.yml and the README; the rest (help, fuzzing by kind) follows from the entry.
 */
import { SHIPPED_NAMES } from "../blueprint/shipped.js";
import type { Rule } from "./rule.js";
import {
  blueprintRef,
  boolean,
  choice,
  directory,
  duration,
  envName,
  expectations,
  file,
  rate,
  secret,
  shard,
  url,
  user,
} from "./rules.js";

/** The fm-fleet commands whose options come from this table. */
export const SETTINGS_COMMANDS = ["plan", "run", "start", "stop", "status", "sweep", "pipelines"] as const;
export type SettingsCommand = (typeof SETTINGS_COMMANDS)[number];

export interface Setting<T> {
  /** The action input as action.yml names it; absent for a CLI-only setting. */
  readonly input?: string;
  /** Other inputs that mean the same, each with its own action.yml description. */
  readonly aliases?: readonly { readonly input: string; readonly description: string }[];
  /** The CLI flag, without "--". Credentials have none: argv shows in `ps`. */
  readonly flag?: string;
  /** A positional argument instead of a flag, named as help shows it (the blueprint). */
  readonly argument?: string;
  /** Environment variables that hold it, first set wins: after the input in the action, alone in the CLI. */
  readonly variables?: readonly string[];
  /** The fm-fleet commands that take it (by flag, argument or variable). Elsewhere it keeps its default. */
  readonly commands: readonly SettingsCommand[];
  readonly required?: boolean;
  /** As action.yml states it, and what the CLI uses when the flag is absent. */
  readonly default?: string;
  /** action.yml's description of the input. */
  readonly description: string;
  /** The CLI's --help line for the flag or argument; the default is added to it. */
  readonly help?: string;
  /** Its value is a secret: scrubbed from every problem, whatever setting the problem is about. */
  readonly secret?: boolean;
  readonly rule: Rule<T>;
}

const setting = <T>(spec: Setting<T>): Setting<T> => spec;
const FLEET: readonly SettingsCommand[] = ["run", "start"];
/** Commands that call FM: a fleet's, `sweep`'s management calls, and `pipelines`, which needs FM only. */
const FM_CALLS: readonly SettingsCommand[] = [...FLEET, "sweep", "pipelines"];
/** Commands that register collectors (through the client's rate limit and cleanup). */
const REGISTERS: readonly SettingsCommand[] = [...FLEET, "pipelines"];
/** Settings the plan's capacity warning needs, as a live run's: the plan takes them too. */
const SIZES: readonly SettingsCommand[] = ["plan", ...REGISTERS];

export const SETTINGS = {
  blueprint: setting({
    input: "blueprint",
    argument: "blueprint",
    commands: ["plan", "run", "start", "pipelines"],
    required: true,
    description: `Blueprint YAML path, or a shipped blueprint name: ${SHIPPED_NAMES.join(", ")}.`,
    help: `a blueprint file, or a shipped name: ${SHIPPED_NAMES.join(", ")}`,
    rule: blueprintRef,
  }),
  env: setting({
    input: "env",
    flag: "env",
    commands: ["plan", "run", "start", "pipelines"],
    description:
      "Replaces every environment name of the blueprint (and {env} in cluster names), e.g. pr-<pull request number>.",
    help: "replace every environment name of the blueprint (e.g. pr-123)",
    rule: envName,
  }),
  shard: setting({
    input: "shard",
    flag: "shard",
    commands: ["plan", "run", "start"],
    description:
      "Run one part of the fleet, i/n (1 ≤ i ≤ n ≤ 256): the collector at position k of the whole roster belongs to part (k mod n) + 1; IDs stay the whole roster's. Default: the whole fleet.",
    help: "run part i of n of the roster (collector k goes to part k mod n + 1)",
    rule: shard,
  }),
  intervalMs: setting({
    input: "interval",
    flag: "interval",
    commands: ["plan", "run", "start"],
    default: "15s",
    description: "Time between metric pushes (remote write), from 1s.",
    help: "time between metric pushes, from 1s",
    rule: duration(1000),
  }),
  heartbeatIntervalMs: setting({
    input: "heartbeat-interval",
    flag: "heartbeat-interval",
    commands: ["plan", ...FLEET],
    default: "45s",
    description: "Time between GetConfig heartbeats of each collector, from 1s.",
    help: "time between GetConfig heartbeats of each collector, from 1s",
    rule: duration(1000),
  }),
  fmUrl: setting({
    input: "fm-url",
    variables: ["GC_FM_URL"],
    commands: FM_CALLS,
    description: "Fleet Management base URL. Default: the GC_FM_URL environment variable.",
    rule: url("base"),
  }),
  fmStackId: setting({
    input: "fm-stack-id",
    aliases: [
      {
        input: "fm-username",
        description: "Alias of fm-stack-id (the name grafana/fleet-management-sync-action uses).",
      },
    ],
    variables: ["GC_FM_STACK_ID"],
    commands: FM_CALLS,
    description:
      "Fleet Management Basic-auth user: the stack's FM instance ID (normally the stack ID; not GC_PROM_USER). Default: GC_FM_STACK_ID.",
    rule: user,
  }),
  fmToken: setting({
    input: "fm-token",
    variables: ["GC_FM_TOKEN"],
    commands: FM_CALLS,
    secret: true,
    description:
      "Grafana Cloud access-policy token with fleet-management:write (scope set:alloy-data-write). Default: GC_FM_TOKEN.",
    rule: secret,
  }),
  fmRatePerSecond: setting({
    input: "fm-rate-limit",
    flag: "fm-rate-limit",
    commands: SIZES,
    default: "15",
    description:
      "Client-side limit of RegisterCollector + GetConfig calls per second (FM allows 20 per stack by default).",
    help: "client-side limit of Fleet Management calls per second; FM allows 20 per stack",
    rule: rate(0.1, 1000),
  }),
  promUrl: setting({
    input: "prom-url",
    variables: ["GC_PROM_URL", "GC_PROM_RW"],
    commands: FLEET,
    description: "Prometheus remote-write URL (…/api/prom/push). Default: GC_PROM_URL, else GC_PROM_RW.",
    rule: url("push"),
  }),
  promUser: setting({
    input: "prom-user",
    variables: ["GC_PROM_USER"],
    commands: FLEET,
    description: "Remote-write Basic-auth user (the Mimir instance ID). Default: GC_PROM_USER.",
    rule: user,
  }),
  promToken: setting({
    input: "prom-token",
    variables: ["GC_PROM_TOKEN", "GC_TOKEN"],
    commands: FLEET,
    secret: true,
    description: "Remote-write token. Default: GC_PROM_TOKEN, else GC_TOKEN.",
    rule: secret,
  }),
  promTenant: setting({
    input: "prom-tenant",
    variables: ["GC_PROM_TENANT"],
    commands: FLEET,
    description: "X-Scope-OrgID for a self-hosted multi-tenant Mimir. Default: GC_PROM_TENANT.",
    rule: user,
  }),
  alertmanagerUrl: setting({
    input: "alertmanager-url",
    variables: ["GC_ALERTMANAGER_URL"],
    commands: FLEET,
    description:
      "Alertmanager base URL: unhealthy collectors fire alerts at {url}/api/v2/alerts (Grafana Cloud and Mimir: the URL ends in /alertmanager). Optional. Default: GC_ALERTMANAGER_URL.",
    rule: url("alertmanager"),
  }),
  alertmanagerUser: setting({
    input: "alertmanager-user",
    variables: ["GC_ALERTMANAGER_USER"],
    commands: FLEET,
    description:
      "Alertmanager Basic-auth user (Grafana Cloud: the stack's Alertmanager instance ID). Default: GC_ALERTMANAGER_USER.",
    rule: user,
  }),
  alertmanagerToken: setting({
    input: "alertmanager-token",
    variables: ["GC_ALERTMANAGER_TOKEN"],
    commands: FLEET,
    secret: true,
    description:
      "Alertmanager token (Grafana Cloud: an access-policy token allowed to write alerts). Default: GC_ALERTMANAGER_TOKEN.",
    rule: secret,
  }),
  dryRun: setting({
    input: "dry-run",
    flag: "dry-run",
    commands: ["sweep"],
    default: "false",
    description: "Validate and print the plan; no network call.",
    help: "print what would be deleted and delete nothing",
    rule: boolean,
  }),
  startTimeoutMs: setting({
    input: "start-timeout",
    flag: "start-timeout",
    commands: ["start"],
    default: "2m",
    description:
      "How long main waits for every collector to register and the first push to be accepted (and, with expect-pipelines, for every first GetConfig answer).",
    help: "how long to wait for every collector to register and the first push to be accepted",
    rule: duration(1000),
  }),
  maxLifetimeMs: setting({
    input: "max-lifetime",
    flag: "max-lifetime",
    commands: ["start"],
    default: "6h",
    description: "The background fleet stops itself after this long, even if post never runs.",
    help: "the background fleet stops itself after this long, even if never stopped",
    rule: duration(1000),
  }),
  cleanup: setting({
    input: "cleanup",
    flag: "cleanup",
    commands: REGISTERS,
    default: "delete",
    description:
      "delete: after UnregisterCollector, delete this run's collectors from FM's list (needs fleet-management:read and :write; falls back to unregister with a warning). unregister: leave them listed as inactive.",
    help: "delete this run's collectors from FM after unregistering them, or only unregister them",
    rule: choice(["delete", "unregister"] as const),
  }),
  sweep: setting({
    input: "sweep",
    commands: [],
    default: "false",
    description:
      "Before registering, delete this repository's leftovers from FM: fake collectors with its github.repository marked inactive for over an hour (as fm-fleet sweep does).",
    rule: boolean,
  }),
  sweepOlderThanMs: setting({
    flag: "older-than",
    commands: ["sweep"],
    default: "1h",
    description: "Sweep only collectors FM marked inactive at least this long ago.",
    help: "only collectors FM marked inactive at least this long ago",
    rule: duration(0),
  }),
  failOnCleanupError: setting({
    input: "fail-on-cleanup-error",
    commands: [],
    default: "false",
    description: "Fail the post step when a collector or series could not be cleaned up (default: warn).",
    rule: boolean,
  }),
  // Pipeline expectations: which pipelines each collector should receive from FM.
  expectPipelines: setting({
    input: "expect-pipelines",
    commands: [],
    description:
      "YAML list of `- match: [Alertmanager matchers]` with `pipelines: [names]`: main fails unless every collector receives exactly the pipelines of the entries that match it.",
    rule: expectations,
  }),
  expectPipelinesFail: setting({
    input: "expect-pipelines-fail",
    commands: [],
    default: "true",
    description:
      "Fail main when a collector does not receive what expect-pipelines says; false: warn and go on.",
    rule: boolean,
  }),
  expectFile: setting({
    flag: "expect",
    commands: ["pipelines"],
    description: "A YAML file of pipeline expectations.",
    help: "check what each collector receives against this file (- match: [...], pipelines: [...])",
    rule: file,
  }),
  durationMs: setting({
    flag: "duration",
    commands: ["run"],
    description: "How long the fleet runs before it cleans up.",
    help: "stop and clean up after this long (default: at Ctrl-C)",
    rule: duration(1000),
  }),
  stateDir: setting({
    flag: "state-dir",
    commands: ["start", "stop", "status"],
    default: ".fm-fleet",
    description: "Where the background fleet's state lives.",
    help: "where the background fleet's state lives, one fleet per folder",
    rule: directory,
  }),
  json: setting({
    flag: "json",
    commands: ["plan", "status", "sweep", "pipelines"],
    default: "false",
    description: "Print JSON instead of a table.",
    help: "print JSON instead of text",
    rule: boolean,
  }),
};

export type SettingKey = keyof typeof SETTINGS;
export type ValueOf<K extends SettingKey> = (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Each setting as the untyped table, for code that walks all of them. */
export const settingOf = (key: SettingKey): Setting<unknown> => SETTINGS[key];

/** An action input as action.yml declares it. */
export interface ActionInput {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly default?: string;
}

/** The action's inputs in table order, each alias right after its setting. */
export const ACTION_INPUTS: readonly ActionInput[] = SETTING_KEYS.flatMap((key): ActionInput[] => {
  const s = settingOf(key);
  if (s.input === undefined) return [];
  return [
    {
      name: s.input,
      description: s.description,
      required: s.required ?? false,
      ...(s.default === undefined ? {} : { default: s.default }),
    },
    ...(s.aliases ?? []).map((a) => ({ name: a.input, description: a.description, required: false })),
  ];
});

/** A flag of an fm-fleet command, for the command-line reader. */
export interface FlagSpec {
  readonly name: string;
  /** false for a switch (`--json`): the CLI writes booleans without a value. */
  readonly takesValue: boolean;
}

export function commandFlags(command: SettingsCommand): FlagSpec[] {
  return SETTING_KEYS.map(settingOf)
    .filter((s) => s.flag !== undefined && s.commands.includes(command))
    .map((s) => ({ name: s.flag!, takesValue: s.rule.kind !== "boolean" }));
}

/**
 * Why a flag the command does not take is still a name the table knows: a credential (which never goes on
 * the command line) or another command's flag. Undefined for a name the table does not know.
 */
export function unknownFlagReason(
  command: SettingsCommand,
  name: string,
): { readonly reason: string; readonly takesValue: boolean } | undefined {
  for (const s of SETTING_KEYS.map(settingOf)) {
    const takesValue = s.rule.kind !== "boolean";
    if (s.flag === name && !s.commands.includes(command)) {
      const others = SETTINGS_COMMANDS.filter((c) => s.commands.includes(c)).map((c) => `fm-fleet ${c}`);
      const list =
        others.length === 1 ? others[0]! : `${others.slice(0, -1).join(", ")} and ${others.at(-1)!}`;
      return { reason: `only ${list} take${others.length === 1 ? "s" : ""} it`, takesValue };
    }
    if (s.flag === undefined && s.variables !== undefined && s.input === name)
      return {
        reason: `credentials come from the environment (${s.variables.join(" or ")}) or a .env file, never from the command line`,
        takesValue,
      };
  }
  return undefined;
}

/** Whether the command takes the blueprint argument. */
export const takesBlueprint = (command: SettingsCommand): boolean =>
  SETTINGS.blueprint.commands.includes(command);

/** The options part of a command's --help: one aligned line per flag, with its default. */
export function optionsHelp(command: SettingsCommand): string {
  const rows: [string, string][] = [];
  for (const s of SETTING_KEYS.map(settingOf)) {
    if (!s.commands.includes(command) || s.help === undefined) continue;
    const dflt = s.default !== undefined && s.rule.kind !== "boolean" ? ` (default ${s.default})` : "";
    if (s.argument !== undefined) rows.push([`<${s.argument}>`, s.help]);
    else if (s.flag !== undefined)
      rows.push([
        s.rule.kind === "boolean" ? `--${s.flag}` : `--${s.flag} ${s.rule.placeholder}`,
        `${s.help}${dflt}`,
      ]);
  }
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

/** The environment variables the credentials are read from, for the CLI's help. */
export function credentialVariables(): string[] {
  return SETTING_KEYS.map(settingOf).flatMap((s) =>
    s.variables !== undefined && s.variables.length > 0
      ? [
          s.variables.length > 1
            ? `${s.variables[0]} (or ${s.variables.slice(1).join(", ")})`
            : s.variables[0]!,
        ]
      : [],
  );
}
