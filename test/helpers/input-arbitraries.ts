/**
 * fast-check arbitraries for the action's inputs and credential variables (README.md#inputs), for the
 * fuzz tests (issue 7 item 3), chosen by the kind of each setting in src/settings/table.ts: durations,
 * numbers and booleans in odd spellings, URLs with odd schemes, hosts, IPv6 and userinfo, tokens of every
 * shape, and tokens pasted where a URL or a user belongs.
 */
import fc from "fast-check";
import type { SettingKind } from "../../src/settings/rule.js";
import { ACTION_INPUTS, SETTING_KEYS, settingOf, type Setting } from "../../src/settings/table.js";
import { SHIPPED_NAMES } from "../../src/blueprint/shipped.js";

/** The credential environment variables (README.md#inputs), with the synthkit aliases. */
export const CREDENTIAL_VARIABLES = [
  "GC_FM_URL",
  "GC_FM_STACK_ID",
  "GC_FM_TOKEN",
  "GC_PROM_URL",
  "GC_PROM_RW",
  "GC_PROM_USER",
  "GC_PROM_TOKEN",
  "GC_TOKEN",
  "GC_PROM_TENANT",
  "GC_ALERTMANAGER_URL",
  "GC_ALERTMANAGER_USER",
  "GC_ALERTMANAGER_TOKEN",
] as const;

/** Where a token is meant to go; its value must never be echoed back. */
export const TOKEN_INPUTS = ["fm-token", "prom-token", "alertmanager-token"] as const;
export const TOKEN_VARIABLES = ["GC_FM_TOKEN", "GC_PROM_TOKEN", "GC_TOKEN", "GC_ALERTMANAGER_TOKEN"] as const;

/** Accepted spellings, per kind of input. */
const VALID_DURATIONS = ["15s", "45s", "1s", "1000ms", "1.5s", "1h30m", "2m", "6h", "596h"];
const VALID_RATES = ["15", "1", "0.1", "2.5", "1000"];
const VALID_BOOLEANS = ["true", "True", "TRUE", "false", "False", "FALSE"];

/** Spellings a user might try, most of them wrong; some at and just past a limit. */
const ODD_DURATIONS = [
  "999ms",
  "0.5s",
  "0s",
  "15",
  "ten",
  "-1s",
  "1e3s",
  "1.s",
  ".5s",
  "15S",
  "1 s",
  "s",
  "\uff11\uff15s",
  "\u0663s",
  "1h-1m",
  "597h",
  "1000h",
  "99999999999999999999999h",
  `1${"0".repeat(400)}s`,
];
const ODD_RATES = [
  "0",
  "0.05",
  "0.001",
  "1000.0001",
  "1001",
  "1e3",
  "Infinity",
  "NaN",
  "0x10",
  "-0",
  "-1",
  "00015",
  "15.",
  "\u0663",
  `1${"0".repeat(400)}`,
];
const ODD_BOOLEANS = ["yes", "no", "on", "1", "0", "tRUE", "t"];
const VALID_CLEANUP = ["delete", "unregister"];
const ODD_CLEANUP = ["Delete", "remove", "unregistered", "delete ", "none", "true"];
const VALID_SHARDS = ["1/1", "1/4", "4/4", "2/3", "256/256", "17/256"];
const ODD_SHARDS = [
  "0/4",
  "5/4",
  "1/0",
  "1/257",
  "2",
  "2/",
  "/4",
  "a/b",
  "1/4/2",
  "-1/4",
  "1.5/4",
  "\u0661/2",
];

const SCHEMES = [
  "https://",
  "http://",
  "HTTP://",
  "hTTps://",
  "ftp://",
  "file://",
  "ws://",
  "javascript:",
  "data:,",
  "https:",
  "https:/",
  "//",
  "",
];
const USERINFO = ["", "", "", "user@", "user:pass@", ":@", "@", "glc_abcdefghijklmnop@"];
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
const GRAFANA_HOSTS = ["fleet-management-prod-001.grafana.net", "prometheus-prod-01.grafana.net"];
const HOSTS = [
  "localhost",
  "LOCALHOST",
  "localhost.",
  "127.0.0.1",
  "127.1",
  "2130706433",
  "0x7f000001",
  "127.255.255.255",
  "128.0.0.1",
  "0.0.0.0",
  "[::1]",
  "[0:0:0:0:0:0:0:1]",
  "[::ffff:127.0.0.1]",
  "[::]",
  "[fe80::1%25eth0]",
  "foo.localhost",
  ...GRAFANA_HOSTS,
  "\u4f8b\u3048.jp",
  "xn--r8jz45g.jp",
  "%6cocalhost",
  "\u24dbocalhost",
  "127\u30020\u30020\u30021",
  "evil.com#@localhost",
  "localhost@evil.com",
  "a b",
  "",
];
const PORTS = ["", "", ":0", ":443", ":8080", ":65535", ":65536", ":-1", ":x"];
const PATHS = ["", "/", "/api/prom/push", "/?x=1", "#frag", "/../..", "/%2e%2e/"];

/** URLs the parser should accept: https anywhere, http on loopback. */
const validUrl = fc.oneof(
  fc
    .tuple(fc.constantFrom(...GRAFANA_HOSTS), fc.constantFrom("", ":443", "/api/prom/push"))
    .map(([host, rest]) => `https://${host}${rest}`),
  fc
    .tuple(fc.constantFrom(...LOOPBACK_HOSTS), fc.constantFrom("", ":8080", ":9/api/prom/push"))
    .map(([host, rest]) => `http://${host}${rest}`),
);

export const urlValue: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(...[SCHEMES, USERINFO, HOSTS, PORTS, PATHS].map((parts) => fc.constantFrom(...parts)))
      .map((parts) => parts.join("")),
  },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
);

/** Tokens as Grafana Cloud issues them and as anything else a user might paste: at least 8 chars, trimmed. */
export const tokenValue: fc.Arbitrary<string> = fc
  .oneof(
    fc.base64String({ minLength: 20, maxLength: 80 }).map((b) => `glc_${b}`),
    fc.stringMatching(/^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/),
    fc.string({ unit: "grapheme-ascii", minLength: 8, maxLength: 40 }),
    fc.string({ unit: "binary", minLength: 8, maxLength: 40 }),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => "t".repeat(n)),
  )
  .map((t) => t.trim())
  .filter((t) => t.length >= 8);

const userValue = fc.integer({ min: 0, max: 99_999_999 }).map(String);
const oddUserValue = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);

const blueprintRef = fc.constantFrom(...SHIPPED_NAMES);
const oddBlueprintRef = fc.oneof(
  fc.constantFrom("", "fleet-managment", "./missing.yaml", "../../etc/hostname", "/dev/null"),
  fc.string({ unit: "binary", maxLength: 20 }),
);

const envValue = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,29}$/);
const oddEnvValue = fc.oneof(
  fc.constantFrom("a".repeat(31), "PR-1", "pr_1", "-x", "pr-\u0661"),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** Pipeline expectations as a workflow writes them, and as it gets them wrong. */
const VALID_EXPECTATIONS = [
  "- match: ['collector.os=\"linux\"']\n  pipelines: [node_metrics_linux]",
  "- match: []\n  pipelines: []",
  '[{match: [\'env=~"prod|staging"\', "collector.os!=windows"], pipelines: [a, b]}]',
];
const ODD_EXPECTATIONS = [
  "match: []",
  "- match: collector.os=linux\n  pipelines: [a]",
  "- match: ['os=~\"[\"']\n  pipelines: [a]",
  "- macth: []\n  pipelines: [a]",
  "- match: []\n  pipelines: [1, '']",
  "- [",
  "- &a [*a]",
];
const expectationsValue = fc.constantFrom(...VALID_EXPECTATIONS);
const oddExpectationsValue = fc.oneof(
  fc.constantFrom(...ODD_EXPECTATIONS),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const anyString = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 }));

const INPUT_NAMES = ACTION_INPUTS.map((i) => i.name);

/** The setting an input or variable belongs to, from the settings table. */
function settingNamed(name: string): Setting<unknown> {
  const key = SETTING_KEYS.find((k) => {
    const s = settingOf(k);
    return s.input === name || s.aliases?.some((a) => a.input === name) || s.variables?.includes(name);
  });
  if (key === undefined) throw new Error(`no setting is named ${name}`);
  return settingOf(key);
}

/** Inputs that are not credentials (credentials also have environment variables). */
const SETTING_INPUTS = INPUT_NAMES.filter((n) => settingNamed(n).variables === undefined);

/** Per input or variable, by the kind of its setting: a value it accepts, and one a user might get wrong. */
function domainOf(name: string, token: fc.Arbitrary<string>) {
  const pair = (valid: fc.Arbitrary<string>, odd: fc.Arbitrary<string>) => ({ valid, odd });
  const kind: SettingKind = settingNamed(name).rule.kind;
  switch (kind) {
    case "blueprint":
      return pair(blueprintRef, oddBlueprintRef);
    case "env-name":
      return pair(envValue, oddEnvValue);
    case "duration":
      return pair(fc.constantFrom(...VALID_DURATIONS), fc.constantFrom(...ODD_DURATIONS));
    case "rate":
      return pair(fc.constantFrom(...VALID_RATES), fc.constantFrom(...ODD_RATES));
    case "boolean":
      return pair(fc.constantFrom(...VALID_BOOLEANS), fc.constantFrom(...ODD_BOOLEANS));
    case "choice":
      return pair(fc.constantFrom(...VALID_CLEANUP), fc.constantFrom(...ODD_CLEANUP));
    case "shard":
      return pair(fc.constantFrom(...VALID_SHARDS), fc.constantFrom(...ODD_SHARDS));
    case "url":
      // A token pasted into the URL field is a classic mix-up: it must not be echoed in the error.
      return pair(validUrl, fc.oneof({ weight: 5, arbitrary: urlValue }, { weight: 1, arbitrary: token }));
    case "secret":
      return pair(token, token);
    case "expectations":
      return pair(expectationsValue, oddExpectationsValue);
    case "user":
    case "path":
      return pair(
        userValue,
        fc.oneof({ weight: 5, arbitrary: oddUserValue }, { weight: 1, arbitrary: token }),
      );
  }
}

/** Mostly what a user sets, with padding the runner trims (core.getInput) and a stray value now and then. */
const loosely = (d: { valid: fc.Arbitrary<string>; odd: fc.Arbitrary<string> }) =>
  fc.oneof(
    { weight: 6, arbitrary: d.valid },
    { weight: 4, arbitrary: d.odd },
    { weight: 1, arbitrary: anyString },
    { weight: 1, arbitrary: d.odd.map((v) => ` ${v}\n`) },
  );

export interface InputCase {
  /** INPUT_* variables as the runner sets them, plus credential variables. */
  readonly env: Record<string, string>;
  /** Every value set in a token input or variable (trimmed, as the parser sees it). */
  readonly tokens: readonly string[];
}

/** INPUT_<NAME> the way the runner spells it (hyphens kept, upper case; actions/toolkit getInput). */
export const inputVariable = (name: string) => `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;

/** Where each credential can come from: an input, its variable, or (Prometheus) the synthkit aliases. */
const FM_SOURCES = [
  ["fm-url", "fm-stack-id", "fm-token"].map(inputVariable),
  ["fm-url", "fm-username", "fm-token"].map(inputVariable),
  ["GC_FM_URL", "GC_FM_STACK_ID", "GC_FM_TOKEN"],
];
const PROM_SOURCES = [
  ["prom-url", "prom-user", "prom-token"].map(inputVariable),
  ["GC_PROM_URL", "GC_PROM_USER", "GC_PROM_TOKEN"],
  ["GC_PROM_RW", "GC_PROM_USER", "GC_TOKEN"],
];
const ALERTMANAGER_SOURCES = [
  ["alertmanager-url", "alertmanager-user", "alertmanager-token"].map(inputVariable),
  ["GC_ALERTMANAGER_URL", "GC_ALERTMANAGER_USER", "GC_ALERTMANAGER_TOKEN"],
];
const nameOf = (variable: string) =>
  variable.startsWith("INPUT_") ? variable.slice(6).toLowerCase() : variable;

/**
 * A runner whose user meant well: valid settings, complete FM and remote-write credentials from inputs or
 * variables (or none, with dry-run), then a few fields changed to something odd.
 */
function plausibleCase(token: fc.Arbitrary<string>): fc.Arbitrary<Partial<Record<string, string>>> {
  const settings = fc.record(
    Object.fromEntries(SETTING_INPUTS.map((n) => [inputVariable(n), domainOf(n, token).valid])),
    { requiredKeys: [inputVariable("blueprint")] },
  );
  const group = (sources: string[][]) =>
    fc
      .option(fc.constantFrom(...sources), { nil: undefined })
      .chain((vars) =>
        vars === undefined
          ? fc.constant({})
          : fc
              .tuple(...vars.map((v) => domainOf(nameOf(v), token).valid))
              .map((values) => Object.fromEntries(vars.map((v, i) => [v, values[i]!]))),
      );
  const everyField = [...INPUT_NAMES.map(inputVariable), ...CREDENTIAL_VARIABLES];
  const odd = fc.array(
    fc
      .constantFrom(...everyField)
      .chain((v) => loosely(domainOf(nameOf(v), token)).map((value) => [v, value] as const)),
    { maxLength: 2 },
  );
  return fc
    .tuple(settings, group(FM_SOURCES), group(PROM_SOURCES), group(ALERTMANAGER_SOURCES), odd)
    .map(([s, fm, prom, am, changes]) => ({ ...s, ...fm, ...prom, ...am, ...Object.fromEntries(changes) }));
}

/** Anything in any input or variable. */
function wildCase(token: fc.Arbitrary<string>): fc.Arbitrary<Partial<Record<string, string>>> {
  const fields = [...INPUT_NAMES.map(inputVariable), ...CREDENTIAL_VARIABLES];
  return fc.record(Object.fromEntries(fields.map((v) => [v, loosely(domainOf(nameOf(v), token))])), {
    requiredKeys: [],
  });
}

/** A runner environment. Tokens are drawn first so the same values can turn up in other fields. */
export const inputCase: fc.Arbitrary<InputCase> = fc
  .uniqueArray(tokenValue, { minLength: 1, maxLength: 3 })
  .chain((tokens) => {
    const token = fc.constantFrom(...tokens);
    return fc.oneof(plausibleCase(token), wildCase(token));
  })
  .map((raw) => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw)) if (value !== undefined) env[name] = value;
    return inputCaseOf(env);
  });

/**
 * The case for a runner environment: its token values, trimmed as the parser sees them. Shorter ones are
 * left out: a 3-char token would match ordinary words in messages.
 */
export function inputCaseOf(env: Record<string, string>): InputCase {
  const given = [...TOKEN_INPUTS.map(inputVariable), ...TOKEN_VARIABLES].map((v) => env[v]?.trim() ?? "");
  return { env, tokens: [...new Set(given.filter((t) => t.length >= 8))] };
}
