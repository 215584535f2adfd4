/**
 * One parser for both frontends. The action hands it its inputs (INPUT_*), the CLI its flags and the
 * blueprint argument; both hand it the environment. Every problem is reported at once, each named the
 * frontend's way (`input interval`, `--interval`, or the variable a credential came from, `GC_FM_URL`),
 * with the same sentence after the name whichever frontend asked.
 */
import { createScrubber } from "../core/secrets.js";
import { InputError, type InputProblem } from "../core/errors.js";
import {
  resolveCredentials,
  type CredentialSource,
  type CredentialValue,
  type ResolvedCredentials,
} from "./credentials.js";
import { githubContextAttributes } from "./github-context.js";
import { quote } from "./rule.js";
import { SETTING_KEYS, settingOf, type SettingKey, type SettingsCommand, type ValueOf } from "./table.js";
import type { ActionSettings, CliSettings, FleetSettings, RosterSettings } from "./types.js";

/** Setting names to the text given: action input names, or CLI flag names and `blueprint` for the argument. */
export type RawSettings = Readonly<Record<string, string | undefined>>;

export type Frontend =
  { readonly frontend: "action" } | { readonly frontend: "cli"; readonly command: SettingsCommand };

const CREDENTIAL_KEYS = [
  "fmUrl",
  "fmStackId",
  "fmToken",
  "promUrl",
  "promUser",
  "promToken",
  "promTenant",
  "alertmanagerUrl",
  "alertmanagerUser",
  "alertmanagerToken",
] as const satisfies readonly SettingKey[];

export function parseSettings(
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  frontend: { frontend: "action" },
): ActionSettings;
export function parseSettings<C extends SettingsCommand>(
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  frontend: { frontend: "cli"; command: C },
): CliSettings[C];
export function parseSettings(
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  frontend: Frontend,
): ActionSettings | CliSettings[SettingsCommand] {
  const reader = createReader(raw, env, frontend);
  // Every setting the frontend takes, in table order, so the problems come in the order help lists them.
  reader.readAll();
  const settings = settingsFor(reader, frontend, env);
  reader.finish();
  return settings;
}

/**
 * The credentials alone, with their problems and notices instead of an InputError: `fm-fleet doctor`
 * reports each problem and still checks what is usable.
 */
export function readCredentials(
  env: NodeJS.ProcessEnv,
): ResolvedCredentials & { source: CredentialSource; secrets: string[] } {
  // From the variables, named as the CLI names them: what `fm-fleet run` would read.
  const reader = createReader({}, env, { frontend: "cli", command: "run" });
  const resolved = reader.credentials(true);
  const problems = [...reader.problems, ...resolved.problems].map(reader.scrubProblem);
  return { ...resolved, problems, source: reader.credentialSource(), secrets: reader.secrets };
}

function settingsFor(
  reader: Reader,
  frontend: Frontend,
  env: NodeJS.ProcessEnv,
): ActionSettings | CliSettings[SettingsCommand] {
  const roster = (): RosterSettings => {
    const envOverride = reader.value("env");
    const shard = reader.value("shard");
    return {
      blueprint: reader.value("blueprint") ?? "",
      ...(envOverride === undefined ? {} : { env: envOverride }),
      contextAttributes: githubContextAttributes(env),
      ...(shard === undefined ? {} : { shard }),
    };
  };
  const fleet = (requireSome: boolean): { fleet: FleetSettings; notices: readonly string[] } => {
    const base = {
      ...roster(),
      intervalMs: reader.defaulted("intervalMs"),
      heartbeatIntervalMs: reader.defaulted("heartbeatIntervalMs"),
      fmRatePerSecond: reader.defaulted("fmRatePerSecond"),
      startTimeoutMs: reader.defaulted("startTimeoutMs"),
      maxLifetimeMs: reader.defaulted("maxLifetimeMs"),
      cleanup: reader.defaulted("cleanup"),
      speaker: frontend.frontend,
    };
    const resolved = reader.credentials(requireSome);
    reader.problems.push(...resolved.problems);
    return { fleet: { ...base, credentials: resolved.credentials }, notices: resolved.notices };
  };

  /** Some FM credential was set: when FM is still off, a problem about it was reported already. */
  const fmGiven = () => {
    const source = reader.credentialSource();
    return source.fmUrl.given || source.fmStackId.given || source.fmToken.given;
  };

  if (frontend.frontend === "action") {
    const dryRun = reader.defaulted("dryRun");
    const started = fleet(!dryRun);
    const expectations = reader.value("expectPipelines");
    // Without FM no collector receives anything, so every expectation would fail: say why at once.
    if (expectations !== undefined && !dryRun && !started.fleet.credentials.fm && !fmGiven())
      reader.problems.push({
        subject: "input expect-pipelines",
        message:
          "needs Fleet Management: set fm-url, fm-stack-id and fm-token (or GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN)",
      });
    return {
      ...started,
      dryRun,
      sweep: reader.defaulted("sweep"),
      sweepOlderThanMs: reader.defaulted("sweepOlderThanMs"),
      failOnCleanupError: reader.defaulted("failOnCleanupError"),
      ...(expectations === undefined ? {} : { expectations }),
      expectPipelinesFail: reader.defaulted("expectPipelinesFail"),
    };
  }
  switch (frontend.command) {
    case "plan":
      return {
        roster: roster(),
        intervalMs: reader.defaulted("intervalMs"),
        heartbeatIntervalMs: reader.defaulted("heartbeatIntervalMs"),
        fmRatePerSecond: reader.defaulted("fmRatePerSecond"),
        json: reader.defaulted("json"),
      };
    case "run": {
      const durationMs = reader.value("durationMs");
      return { ...fleet(true), ...(durationMs === undefined ? {} : { durationMs }) };
    }
    case "start":
      return { ...fleet(true), stateDir: reader.defaulted("stateDir") };
    case "stop":
    case "status":
      return { stateDir: reader.defaulted("stateDir"), json: reader.defaulted("json") };
    case "sweep": {
      const resolved = reader.credentials(false);
      reader.problems.push(...resolved.problems);
      const fm = resolved.credentials.fm;
      // Sweeping is FM's management API and nothing else: without FM credentials there is nothing to ask.
      if (!fm && resolved.problems.length === 0)
        reader.problems.push({
          subject: "GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN",
          message: "missing: fm-fleet sweep asks Fleet Management, so it needs all three",
        });
      return {
        fm: fm!,
        olderThanMs: reader.defaulted("sweepOlderThanMs"),
        dryRun: reader.defaulted("dryRun"),
        json: reader.defaulted("json"),
        notices: resolved.notices.filter((n) => !n.startsWith("Remote-write")),
      };
    }
    case "pipelines": {
      const { fleet: settings, notices } = fleet(false);
      if (!settings.credentials.fm && !fmGiven())
        reader.problems.push({
          subject: "GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN",
          message:
            "missing: fm-fleet pipelines asks Fleet Management what each collector receives, so it needs its credentials (fm-fleet emulate prints local ones)",
        });
      const expectFile = reader.value("expectFile");
      return {
        fleet: settings,
        ...(expectFile === undefined ? {} : { expectFile }),
        json: reader.defaulted("json"),
        // Remote write is not read here, so its "not set" notice would only confuse.
        notices: notices.filter((n) => !n.startsWith("Remote-write")),
      };
    }
  }
}

interface Reader {
  readAll(): void;
  /** The setting's value: given, else its default; undefined when neither (or refused: then a problem). */
  value<K extends SettingKey>(key: K): ValueOf<K> | undefined;
  /** The same for a setting that has a default: never undefined unless a problem was recorded. */
  defaulted<K extends SettingKey>(key: K): ValueOf<K>;
  credentials(requireSome: boolean): ResolvedCredentials;
  credentialSource(): CredentialSource;
  readonly problems: InputProblem[];
  /** Every secret given, in inputs or variables, used or not. */
  readonly secrets: string[];
  readonly scrubProblem: (p: InputProblem) => InputProblem;
  /** Throws one InputError with every problem, scrubbed of every secret given, if there is any. */
  finish(): void;
}

function createReader(raw: RawSettings, env: NodeJS.ProcessEnv, frontend: Frontend): Reader {
  const problems: InputProblem[] = [];
  const isAction = frontend.frontend === "action";
  const accepts = (key: SettingKey) =>
    isAction ? settingOf(key).input !== undefined : settingOf(key).commands.includes(frontend.command);

  /** The raw names the frontend knows a setting by, each with the name problems give it. */
  const rawNames = (key: SettingKey): { raw: string; subject: string }[] => {
    const s = settingOf(key);
    if (isAction)
      return [s.input, ...(s.aliases ?? []).map((a) => a.input)]
        .filter((n): n is string => n !== undefined)
        .map((n) => ({ raw: n, subject: `input ${n}` }));
    if (!accepts(key)) return [];
    if (s.argument !== undefined) return [{ raw: s.argument, subject: `<${s.argument}>` }];
    if (s.flag !== undefined) return [{ raw: s.flag, subject: `--${s.flag}` }];
    return [];
  };

  // Names in `raw` that no setting of this frontend has: a caller's mistake, reported like a user's.
  const known = new Set(SETTING_KEYS.flatMap((k) => rawNames(k).map((n) => n.raw)));
  for (const name of Object.keys(raw))
    if (raw[name] !== undefined && !known.has(name))
      problems.push(
        isAction
          ? { subject: `input ${name}`, message: "is not an input of this action" }
          : { subject: `--${name}`, message: `is not an option of fm-fleet ${frontend.command}` },
      );

  const secrets = SETTING_KEYS.filter((k) => settingOf(k).secret)
    .flatMap((k) => [
      ...rawNames(k).map((n) => raw[n.raw]),
      ...(settingOf(k).variables ?? []).map((v) => env[v]),
    ])
    .map((t) => t?.trim() ?? "")
    .filter((t) => t !== "");
  // Problems quote values JSON-escaped (rule.ts), so a token with a control character in it appears
  // escaped: mask that form too.
  const scrub = createScrubber([...secrets, ...secrets.map((t) => quote(t).slice(1, -1))]);
  const scrubProblem = (p: InputProblem): InputProblem => ({ subject: p.subject, message: scrub(p.message) });

  /** Where the value of a setting came from, and its text: the first name or variable that is set. */
  const given = (key: SettingKey): { subject: string; text: string } | undefined => {
    const s = settingOf(key);
    const names = rawNames(key);
    const set = names.flatMap((n) => {
      const text = raw[n.raw]?.trim();
      // An empty action input is an unset one (the runner passes every input); an empty flag was typed.
      if (text === undefined || (text === "" && isAction)) return [];
      return [{ subject: n.subject, text }];
    });
    const [first, ...others] = set;
    for (const other of others)
      if (first !== undefined && other.text !== first.text)
        problems.push({
          subject: other.subject,
          message: `is another name for ${first.subject}: set one of them, not both with different values`,
        });
    if (first !== undefined) return first;
    if (!accepts(key)) return undefined;
    for (const variable of s.variables ?? []) {
      const text = env[variable]?.trim();
      if (text) return { subject: variable, text };
    }
    return undefined;
  };

  const cache = new Map<SettingKey, { subject?: string; value?: unknown }>();
  const read = (key: SettingKey): { subject?: string; value?: unknown } => {
    const cached = cache.get(key);
    if (cached) return cached;
    const s = settingOf(key);
    const g = given(key);
    let result: { subject?: string; value?: unknown } = {};
    if (g !== undefined && g.text === "") {
      problems.push({ subject: g.subject, message: `expected ${s.rule.expected}, found nothing` });
      result = { subject: g.subject };
    } else if (g !== undefined) {
      const parsed = s.rule.parse(g.text);
      if (parsed.ok) result = { subject: g.subject, value: parsed.value };
      else {
        problems.push({ subject: g.subject, message: parsed.problem });
        result = { subject: g.subject };
      }
    } else if (s.required && accepts(key)) {
      const subject = rawNames(key)[0]?.subject ?? key;
      problems.push({ subject, message: `expected ${s.rule.expected}, found nothing` });
    } else if (s.default !== undefined) {
      const parsed = s.rule.parse(s.default);
      if (!parsed.ok) throw new Error(`the default of ${key} breaks its own rule: ${parsed.problem}`);
      result = { value: parsed.value };
    }
    cache.set(key, result);
    return result;
  };

  const credentialValue = (key: SettingKey): CredentialValue => {
    const r = read(key);
    const s = settingOf(key);
    // Unset: name the variable, which both frontends read.
    if (r.subject === undefined) return { name: s.variables?.[0] ?? key, given: false };
    return { name: r.subject, given: true, ...(typeof r.value === "string" ? { value: r.value } : {}) };
  };
  const credentialSource = (): CredentialSource =>
    Object.fromEntries(CREDENTIAL_KEYS.map((k) => [k, credentialValue(k)])) as Record<
      (typeof CREDENTIAL_KEYS)[number],
      CredentialValue
    >;

  return {
    readAll: () => SETTING_KEYS.filter(accepts).forEach(read),
    value: <K extends SettingKey>(key: K) => read(key).value as ValueOf<K> | undefined,
    defaulted: <K extends SettingKey>(key: K) => read(key).value as ValueOf<K>,
    credentials: (requireSome) =>
      resolveCredentials(credentialSource(), {
        requireSome,
        nothingToDoHint: isAction
          ? "set dry-run: true to see the plan without them"
          : "fm-fleet plan shows the fleet without them",
      }),
    credentialSource,
    problems,
    secrets,
    scrubProblem,
    finish() {
      if (problems.length > 0) throw new InputError(problems.map(scrubProblem));
    },
  };
}
