/**
 * The settings parser both frontends call (src/settings/): the same bad value gives the same sentence from
 * the action and from `fm-fleet plan`, `run` and `start`, each named the frontend's way; every problem at
 * once; credentials from variables only in the CLI; "did you mean"; URLs with a query or fragment.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseActionSettings } from "../../src/action/inputs.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { InputError } from "../../src/core/errors.js";
import { githubContextAttributes } from "../../src/settings/github-context.js";
import { parseSettings } from "../../src/settings/parse.js";
import { envName } from "../../src/settings/rules.js";
import {
  commandFlags,
  SETTINGS,
  SETTINGS_COMMANDS,
  SETTING_KEYS,
  settingOf,
} from "../../src/settings/table.js";

const FM_TOKEN = "glc_fm_token_for_settings_test";
const PROM_TOKEN = "glc_prom_token_for_settings_test";
/** Complete, valid credentials: with them, a start fails only on the value under test. */
const CREDENTIALS = {
  GC_FM_URL: "https://fleet-management-prod-001.grafana.net",
  GC_FM_STACK_ID: "123456",
  GC_FM_TOKEN: FM_TOKEN,
  GC_PROM_URL: "https://prometheus-prod-01.grafana.net/api/prom/push",
  GC_PROM_USER: "654321",
  GC_PROM_TOKEN: PROM_TOKEN,
};

/** "subject: message" for each problem of an InputError. */
function problemLines(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.subject}: ${p.message}`);
    throw err;
  }
  throw new Error("expected an InputError");
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    // No .env file here: the environment is exactly what the test passes.
    cwd: join(import.meta.dirname, "../fixtures/blueprints"),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The problem lines `fm-fleet <command>` printed: one after "fm-fleet <command>: ", or a "  - " list. */
function cliProblemLines(command: string, stderr: string): string[] {
  const body = stderr.trimEnd().slice(`fm-fleet ${command}: `.length);
  return /^\d+ problems:\n/.test(body)
    ? body
        .split("\n")
        .slice(1)
        .map((l) => l.replace(/^ {2}- /, ""))
    : [body];
}

type Frontend = "action" | "plan" | "run" | "start";

/** What one frontend prints about `name = value` (an input/flag name, or a variable when `variable`). */
async function problemsFrom(
  frontend: Frontend,
  name: string,
  value: string,
  variable: boolean,
): Promise<string[]> {
  if (frontend === "action") {
    const set = variable ? { [name]: value } : { [`INPUT_${name.toUpperCase()}`]: value };
    return problemLines(() =>
      parseActionSettings({ ...CREDENTIALS, INPUT_BLUEPRINT: "fleet-management", ...set }),
    );
  }
  const argv = [frontend, "fleet-management", ...(variable ? [] : [`--${name}`, value])];
  const { code, stdout, stderr } = await cli(argv, {
    ...CREDENTIALS,
    ...(variable ? { [name]: value } : {}),
  });
  expect(code, stderr).toBe(2);
  expect(stdout).toBe("");
  return cliProblemLines(frontend, stderr);
}

const ALL: readonly Frontend[] = ["action", "plan", "run", "start"];
const STARTS: readonly Frontend[] = ["action", "run", "start"];

describe("one sentence for one bad value, from the action and from plan, run and start", () => {
  const cases: {
    name: string;
    value: string;
    variable?: boolean;
    frontends: readonly Frontend[];
    sentence: string;
  }[] = [
    {
      name: "interval",
      value: "ten",
      frontends: ALL,
      sentence: 'expected a duration such as 15s, 2m or 1h, found "ten"',
    },
    { name: "interval", value: "500ms", frontends: ALL, sentence: 'must be at least 1s, found "500ms"' },
    { name: "interval", value: "1000h", frontends: ALL, sentence: 'must be at most 596h, found "1000h"' },
    {
      name: "env",
      value: "PR_1",
      frontends: ALL,
      sentence:
        'expected an environment name of lowercase letters, digits and "-", starting with a letter or digit, at most 30 chars, found "PR_1"',
    },
    {
      name: "shard",
      value: "5/4",
      frontends: ALL,
      sentence: 'expected a part from 1 to 4 before the "/", found "5/4"',
    },
    {
      name: "shard",
      value: "1/300",
      frontends: ALL,
      sentence: 'expected between 1 and 256 parts after the "/", found "1/300"',
    },
    {
      name: "shard",
      value: "2 of 4",
      frontends: ALL,
      sentence: 'expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ 256 (e.g. 2/4), found "2 of 4"',
    },
    {
      name: "cleanup",
      value: "remove",
      frontends: STARTS,
      sentence: 'expected one of delete, unregister, found "remove"',
    },
    {
      name: "heartbeat-interval",
      value: "45",
      frontends: STARTS,
      sentence: 'expected a duration such as 15s, 2m or 1h, found "45"',
    },
    {
      name: "fm-rate-limit",
      value: "0.05",
      frontends: STARTS,
      sentence: 'expected a number of calls per second from 0.1 to 1000, found "0.05"',
    },
    {
      name: "start-timeout",
      value: "0s",
      frontends: ["action", "start"],
      sentence: 'must be at least 1s, found "0s"',
    },
    {
      name: "max-lifetime",
      value: "forever",
      frontends: ["action", "start"],
      sentence: 'expected a duration such as 15s, 2m or 1h, found "forever"',
    },
    {
      name: "GC_FM_URL",
      value: "https://fleet-management-prod-001.grafana.net/?stack=1",
      variable: true,
      frontends: STARTS,
      sentence:
        'must be a base URL without a query ("?…"): the Fleet Management calls go to paths under it, e.g. https://fleet-management-prod-001.grafana.net',
    },
    {
      name: "GC_PROM_URL",
      value: "ftp://prometheus-prod-01.grafana.net/api/prom/push",
      variable: true,
      frontends: STARTS,
      sentence: 'expected an https:// URL, found the scheme "ftp:"',
    },
  ];

  it.each(cases)("$name = $value", async ({ name, value, variable = false, frontends, sentence }) => {
    for (const frontend of frontends) {
      const subject = variable ? name : frontend === "action" ? `input ${name}` : `--${name}`;
      expect(await problemsFrom(frontend, name, value, variable), frontend).toEqual([
        `${subject}: ${sentence}`,
      ]);
    }
  });

  it("covers every flag the table gives plan, run and start", () => {
    const covered = new Set(cases.filter((c) => !c.variable).map((c) => c.name));
    const starting = ["plan", "run", "start"] as const;
    const withRules = starting
      .flatMap((c) => commandFlags(c))
      .filter((f) => f.name !== "json" && f.name !== "state-dir");
    expect([...new Set(withRules.map((f) => f.name))].filter((n) => !covered.has(n))).toEqual(["duration"]);
  });
});

describe("every problem at once", () => {
  it("the action lists each bad input and the credentials in one error", () => {
    expect(
      problemLines(() =>
        parseActionSettings({
          "INPUT_HEARTBEAT-INTERVAL": "soon",
          INPUT_ENV: "Feature/1",
          "INPUT_DRY-RUN": "yes",
          GC_FM_URL: "https://fleet-management-prod-001.grafana.net",
          GC_FM_TOKEN: FM_TOKEN,
        }),
      ),
    ).toEqual([
      "input blueprint: expected a blueprint file or a shipped name (fleet-management, synthetic-monitoring, k8s-monitoring, incident), found nothing",
      'input env: expected an environment name of lowercase letters, digits and "-", starting with a letter or digit, at most 30 chars, found "Feature/1"',
      'input heartbeat-interval: expected a duration such as 15s, 2m or 1h, found "soon"',
      'input dry-run: expected true or false, found "yes"',
      "GC_FM_STACK_ID: missing: Fleet Management needs all of GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN (set: GC_FM_URL, GC_FM_TOKEN)",
    ]);
  });

  it("the CLI lists unknown flags, stray arguments, bad values and missing credentials together", async () => {
    const { code, stderr } = await cli(
      ["run", "a.yaml", "b.yaml", "--intervall", "10s", "--env", "PR 1", "--duration", "forever", "--colour"],
      { GC_FM_URL: "https://fleet-management-prod-001.grafana.net", GC_FM_TOKEN: FM_TOKEN },
    );
    expect(code).toBe(2);
    expect(cliProblemLines("run", stderr)).toEqual([
      "--intervall: is not an option of fm-fleet run: did you mean --interval?",
      "--colour: is not an option of fm-fleet run (see fm-fleet run --help)",
      '<blueprint>: "a.yaml" is neither a file nor a shipped blueprint (fleet-management, synthetic-monitoring, k8s-monitoring, incident)',
      "<blueprint>: expected one blueprint path or shipped name, found 2",
      '--env: expected an environment name of lowercase letters, digits and "-", starting with a letter or digit, at most 30 chars, found "PR 1"',
      '--duration: expected a duration such as 15s, 2m or 1h, found "forever"',
      "GC_FM_STACK_ID: missing: Fleet Management needs all of GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN (set: GC_FM_URL, GC_FM_TOKEN)",
    ]);
  });

  it("run --duration forever with no credentials reports both", async () => {
    const { stderr } = await cli(["run", "fleet-management", "--duration", "forever"]);
    expect(cliProblemLines("run", stderr)).toEqual([
      '--duration: expected a duration such as 15s, 2m or 1h, found "forever"',
      "GC_FM_URL / GC_PROM_URL: nothing to do: set the Fleet Management credentials, the remote-write credentials, or both (fm-fleet plan shows the fleet without them)",
    ]);
  });

  it("a mistyped blueprint joins the other problems of the line, with its likely name", async () => {
    const { code, stderr } = await cli([
      "run",
      "fleet-managment",
      "--duration",
      "forever",
      "--interval",
      "0s",
    ]);
    expect(code).toBe(2);
    expect(cliProblemLines("run", stderr)).toEqual([
      '<blueprint>: "fleet-managment" is neither a file nor a shipped blueprint (fleet-management, synthetic-monitoring, k8s-monitoring, incident): did you mean fleet-management?',
      '--interval: must be at least 1s, found "0s"',
      '--duration: expected a duration such as 15s, 2m or 1h, found "forever"',
      "GC_FM_URL / GC_PROM_URL: nothing to do: set the Fleet Management credentials, the remote-write credentials, or both (fm-fleet plan shows the fleet without them)",
    ]);
  });
});

describe("each frontend's own words", () => {
  it("names a credential by the input or the variable it came from in the action", () => {
    const url = "https://fleet-management-prod-001.grafana.net/#x";
    expect(
      problemLines(() => parseActionSettings({ ...CREDENTIALS, INPUT_BLUEPRINT: "x", "INPUT_FM-URL": url })),
    ).toEqual(['input fm-url: must not have a fragment ("#…"): it is never sent, so remove it']);
    expect(
      problemLines(() => parseActionSettings({ ...CREDENTIALS, INPUT_BLUEPRINT: "x", GC_FM_URL: url })),
    ).toEqual(['GC_FM_URL: must not have a fragment ("#…"): it is never sent, so remove it']);
  });

  it("the CLI reads credentials from variables only, never from inputs or flags, and names the variable", async () => {
    // An INPUT_* variable left in a shell means nothing to the CLI.
    const fromInputs = await cli(["run", "fleet-management"], {
      "INPUT_FM-URL": CREDENTIALS.GC_FM_URL,
      "INPUT_FM-STACK-ID": "1",
      "INPUT_FM-TOKEN": FM_TOKEN,
    });
    expect(fromInputs.stderr).toMatch(/^fm-fleet run: GC_FM_URL \/ GC_PROM_URL: nothing to do/);
    const onArgv = await cli(["run", "fleet-management", "--fm-token", FM_TOKEN], CREDENTIALS);
    expect(onArgv.stderr).toBe(
      "fm-fleet run: --fm-token: is not an option of fm-fleet run: credentials come from the environment (GC_FM_TOKEN) or a .env file, never from the command line\n",
    );
    expect(onArgv.stderr).not.toContain(FM_TOKEN);
    const badVariable = await cli(["start", "fleet-management"], { ...CREDENTIALS, GC_FM_URL: "not a url" });
    expect(badVariable.stderr).toBe(
      'fm-fleet start: GC_FM_URL: expected an https:// URL, found "not a url"\n',
    );
  });

  it("never uses the action's words in the CLI", async () => {
    const outputs = await Promise.all([
      cli(["run", "fleet-management"]),
      cli(["start", "fleet-management", "--interval", "x", "--fm-rate-limit", "0"], {
        GC_PROM_URL: "http://example.com",
      }),
      cli(["plan", "--env", "X"]),
    ]);
    for (const { stderr } of outputs) {
      expect(stderr).not.toMatch(/\binput\b|dry-run|--blueprint/);
      expect(stderr).toMatch(/^fm-fleet (run|start|plan): /);
    }
  });

  it("keeps tokens out of every problem, given in a variable and pasted where a URL belongs", async () => {
    const { stderr } = await cli(["run", "fleet-management"], { ...CREDENTIALS, GC_FM_URL: PROM_TOKEN });
    expect(stderr).toBe('fm-fleet run: GC_FM_URL: expected an https:// URL, found "***"\n');
    expect(
      problemLines(() =>
        parseActionSettings({
          INPUT_BLUEPRINT: "x",
          "INPUT_PROM-TOKEN": "tok\u0001en-1234",
          "INPUT_PROM-URL": "tok\u0001en-1234",
        }),
      ).join(),
    ).not.toMatch(/tok.*en-1234/);
  });
});

describe("did you mean", () => {
  it.each([
    [
      ["run", "fleet-management", "--heartbeat-intervl", "10s"],
      "--heartbeat-intervl: is not an option of fm-fleet run: did you mean --heartbeat-interval?",
    ],
    [
      ["start", "fleet-management", "--max-lifetme=1h"],
      "--max-lifetme: is not an option of fm-fleet start: did you mean --max-lifetime?",
    ],
    [
      ["status", "--state-dri", "x"],
      "--state-dri: is not an option of fm-fleet status: did you mean --state-dir?",
    ],
    [
      ["plan", "fleet-management", "--jsno"],
      "--jsno: is not an option of fm-fleet plan: did you mean --json?",
    ],
    [
      ["plan", "fleet-managment"],
      '<blueprint>: "fleet-managment" is neither a file nor a shipped blueprint (fleet-management, synthetic-monitoring, k8s-monitoring, incident): did you mean fleet-management?',
    ],
    [["plan", "k8s-monitorng"], "did you mean k8s-monitoring?"],
    [["run", "incdent", "--duration", "1m"], "did you mean incident?"],
    [["start", "fleet-management.yml"], "did you mean fleet-management?"],
  ])("%j", async (argv, message) => {
    const { code, stderr } = await cli(argv, CREDENTIALS);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("says which command takes another command's flag", async () => {
    expect((await cli(["start", "fleet-management", "--duration", "5m"], CREDENTIALS)).stderr).toBe(
      "fm-fleet start: --duration: is not an option of fm-fleet start: only fm-fleet run takes it\n",
    );
    expect((await cli(["run", "fleet-management", "--state-dir", "s"], CREDENTIALS)).stderr).toBe(
      "fm-fleet run: --state-dir: is not an option of fm-fleet run: only fm-fleet start, fm-fleet stop and fm-fleet status take it\n",
    );
  });

  it("takes the mistyped flag's value as its value, not as the blueprint", async () => {
    const { stderr } = await cli(["plan", "--intervl", "10s"]);
    expect(cliProblemLines("plan", stderr)).toEqual([
      "--intervl: is not an option of fm-fleet plan: did you mean --interval?",
      "<blueprint>: expected a blueprint file or a shipped name (fleet-management, synthetic-monitoring, k8s-monitoring, incident), found nothing",
    ]);
  });

  it("suggests a command for a mistyped one, and nothing for a word far from any", async () => {
    expect((await cli(["strat"])).stderr).toMatch(
      /^fm-fleet: unknown command "strat": did you mean start\?\n/,
    );
    expect((await cli(["stauts"])).stderr).toMatch(
      /^fm-fleet: unknown command "stauts": did you mean status\?\n/,
    );
    expect((await cli(["deploy"])).stderr).toMatch(/^fm-fleet: unknown command "deploy"\n/);
    expect((await cli(["plan", "fleet-management", "--verbose"])).stderr).toContain(
      "--verbose: is not an option of fm-fleet plan (see fm-fleet plan --help)",
    );
    expect((await cli(["plan", "some-other-fleet"])).stderr).toMatch(
      /"some-other-fleet" is neither a file nor a shipped blueprint \([^)]*\)\n/,
    );
  });
});

describe("typed settings per use", () => {
  it("gives run its duration, start its state folder, status its switches", () => {
    const run = parseSettings({ blueprint: "fleet-management", duration: "5m", env: "pr-7" }, CREDENTIALS, {
      frontend: "cli",
      command: "run",
    });
    expect(run.durationMs).toBe(300_000);
    expect(run.fleet).toMatchObject({ blueprint: "fleet-management", env: "pr-7", intervalMs: 15_000 });
    expect(run.fleet.credentials.fm?.url).toBe(CREDENTIALS.GC_FM_URL);
    const start = parseSettings({ blueprint: "x", "start-timeout": "30s" }, CREDENTIALS, {
      frontend: "cli",
      command: "start",
    });
    expect(start).toMatchObject({
      stateDir: ".fm-fleet",
      fleet: { startTimeoutMs: 30_000, maxLifetimeMs: 6 * 3_600_000 },
    });
    expect(
      parseSettings({ json: "true", "state-dir": "s" }, {}, { frontend: "cli", command: "status" }),
    ).toEqual({
      stateDir: "s",
      json: true,
    });
    // plan reads no credentials: none set is no problem.
    expect(parseSettings({ blueprint: "x" }, {}, { frontend: "cli", command: "plan" })).toMatchObject({
      intervalMs: 15_000,
      json: false,
    });
  });

  it("refuses, as a caller's mistake, a name the frontend does not have", () => {
    expect(
      problemLines(() =>
        parseSettings({ blueprint: "x", "fm-url": "https://x" }, {}, { frontend: "cli", command: "plan" }),
      ),
    ).toEqual(["--fm-url: is not an option of fm-fleet plan"]);
    expect(
      problemLines(() =>
        parseSettings({ blueprint: "x", duration: "1m" }, CREDENTIALS, { frontend: "action" }),
      ),
    ).toEqual(["input duration: is not an input of this action"]);
  });

  it("checks every default against its own rule", () => {
    for (const key of SETTING_KEYS) {
      const s = settingOf(key);
      if (s.default !== undefined) expect(s.rule.parse(s.default).ok, key).toBe(true);
    }
  });
});

describe("the env rule, the one check of the env override", () => {
  it("accepts environment names and refuses anything else, before any roster is built", () => {
    expect(envName.parse("pr-42")).toEqual({ ok: true, value: "pr-42" });
    for (const bad of ["PR 42", "x".repeat(31), "-x", "pr_1", "pr-\u0661"])
      expect(envName.parse(bad), bad).toMatchObject({ ok: false });
    expect(envName.parse("x".repeat(31))).toMatchObject({
      problem: expect.stringContaining("at most 30 chars") as unknown,
    });
  });
});

describe("help made from the table", () => {
  it.each(SETTINGS_COMMANDS)(
    "fm-fleet %s --help lists exactly its flags, each with its default",
    async (command) => {
      const { stdout } = await cli([command, "--help"]);
      const listed = [...stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]);
      expect(listed).toEqual(commandFlags(command).map((f) => `--${f.name}`));
      for (const key of SETTING_KEYS) {
        const s = settingOf(key);
        if (
          s.flag === undefined ||
          !s.commands.includes(command) ||
          s.default === undefined ||
          s.rule.kind === "boolean"
        )
          continue;
        expect(stdout).toMatch(
          new RegExp(`^ {2}--${s.flag} .*\\(default ${s.default.replace(".", "\\.")}\\)$`, "m"),
        );
      }
    },
  );

  it("names the credential variables in run's help, and no credential flag anywhere", async () => {
    const { stdout } = await cli(["run", "--help"]);
    for (const v of SETTINGS.promUrl.variables ?? []) expect(stdout).toContain(v);
    expect(stdout).toContain("GC_FM_STACK_ID");
    for (const command of SETTINGS_COMMANDS)
      expect(commandFlags(command).map((f) => f.name)).not.toContain("fm-token");
  });
});

describe("GitHub context attributes, from the environment passed in", () => {
  const GITHUB = { GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "octo/fleet", GITHUB_RUN_ID: "777" };

  it("are set inside GitHub Actions only", () => {
    expect(githubContextAttributes(GITHUB)).toEqual({
      "github.repository": "octo/fleet",
      "github.run_id": "777",
    });
    expect(githubContextAttributes({ ...GITHUB, GITHUB_ACTIONS: undefined })).toEqual({});
    expect(githubContextAttributes({ GITHUB_ACTIONS: "true" })).toEqual({});
  });

  it("reach the plan's attributes, as a run from the same place would send them", async () => {
    const { stdout } = await cli(["plan", "fleet-management", "--json"], GITHUB);
    const plan = JSON.parse(stdout) as { collectors: { attributes: Record<string, string> }[] };
    expect(plan.collectors[0]!.attributes).toMatchObject({
      "github.repository": "octo/fleet",
      "github.run_id": "777",
    });
  });
});

describe("pipeline expectations: the action's expect-pipelines and fm-fleet pipelines --expect", () => {
  const BAD = "- match: ['env=~\"[\"']\n  pipelines: node_metrics\n";
  const SENTENCES = [
    'entry 1 match: matcher "env=~\\"[\\"": invalid regular expression "[": missing closing ] of a character class',
    'entry 1 pipelines: expected a list of pipeline names, found "node_metrics"',
  ];

  it("say the same about the same bad YAML, each at its line and column, before any call", async () => {
    const action = problemLines(() =>
      parseActionSettings({
        ...CREDENTIALS,
        INPUT_BLUEPRINT: "fleet-management",
        "INPUT_EXPECT-PIPELINES": BAD,
      }),
    );
    expect(action).toEqual([
      `input expect-pipelines: 2 problems: line 1, column 11: ${SENTENCES[0]}; line 2, column 14: ${SENTENCES[1]}`,
    ]);
    const dir = mkdtempSync(join(tmpdir(), "fm-expect-"));
    const file = join(dir, "expect.yaml");
    writeFileSync(file, BAD);
    // FM credentials point at a port nobody listens on: a call would fail differently, and later.
    const { code, stdout, stderr } = await cli(["pipelines", "fleet-management", "--expect", file], {
      GC_FM_URL: "http://127.0.0.1:9",
      GC_FM_STACK_ID: "1",
      GC_FM_TOKEN: FM_TOKEN,
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(cliProblemLines("pipelines", stderr)).toEqual([
      `--expect: ${file}:1:11: ${SENTENCES[0]}`,
      `--expect: ${file}:2:14: ${SENTENCES[1]}`,
    ]);
  });

  it("need Fleet Management, and the pipelines command needs nothing else", async () => {
    expect(
      problemLines(() =>
        parseActionSettings({
          INPUT_BLUEPRINT: "fleet-management",
          "INPUT_EXPECT-PIPELINES": "- match: []\n  pipelines: [a]",
          GC_PROM_URL: CREDENTIALS.GC_PROM_URL,
          GC_PROM_USER: CREDENTIALS.GC_PROM_USER,
          GC_PROM_TOKEN: PROM_TOKEN,
        }),
      ),
    ).toEqual([
      "input expect-pipelines: needs Fleet Management: set fm-url, fm-stack-id and fm-token (or GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN)",
    ]);
    const onlyProm = await cli(["pipelines", "fleet-management"], {
      GC_PROM_URL: CREDENTIALS.GC_PROM_URL,
      GC_PROM_USER: CREDENTIALS.GC_PROM_USER,
      GC_PROM_TOKEN: PROM_TOKEN,
    });
    expect(onlyProm.code).toBe(2);
    expect(cliProblemLines("pipelines", onlyProm.stderr)).toEqual([
      "GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN: missing: fm-fleet pipelines asks Fleet Management what each collector receives, so it needs its credentials (fm-fleet emulate prints local ones)",
    ]);
    const settings = parseSettings(
      { blueprint: "fleet-management", expect: "expect.yaml", json: "true" },
      CREDENTIALS,
      { frontend: "cli", command: "pipelines" },
    );
    expect(settings).toMatchObject({ expectFile: "expect.yaml", json: true });
    expect(settings.fleet.credentials.fm?.url).toBe(CREDENTIALS.GC_FM_URL);
    // Remote write is not read: the command writes no metric.
    expect(settings.fleet.credentials.prom).toBeUndefined();
    expect(settings.notices.join()).not.toContain("Remote-write");
  });

  it("defaults expect-pipelines-fail to true, and reads the expectations into matchers", () => {
    const s = parseActionSettings({
      ...CREDENTIALS,
      INPUT_BLUEPRINT: "fleet-management",
      "INPUT_EXPECT-PIPELINES": "- match: ['collector.os=\"linux\"']\n  pipelines: [node]",
    });
    expect(s.expectPipelinesFail).toBe(true);
    expect(s.expectations?.map((e) => [e.match.map((m) => m.source), e.pipelines])).toEqual([
      [['collector.os="linux"'], ["node"]],
    ]);
    expect(
      parseActionSettings({ ...CREDENTIALS, INPUT_BLUEPRINT: "x", "INPUT_EXPECT-PIPELINES-FAIL": "false" })
        .expectPipelinesFail,
    ).toBe(false);
  });
});
