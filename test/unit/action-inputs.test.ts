import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseActionSettings, readActionInputs } from "../../src/action/inputs.js";
import { OUTPUTS } from "../../src/action/outputs.js";
import { InputError } from "../../src/core/errors.js";
import { ACTION_INPUTS } from "../../src/settings/table.js";

const root = resolve(import.meta.dirname, "../..");
/** The runner's environment for these inputs: INPUT_<NAME>, hyphens kept (actions/toolkit getInput). */
const inputEnv = (inputs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
const parseInputs = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  parseActionSettings({ ...env, ...inputEnv(inputs) });
const FM_ENV = {
  GC_FM_URL: "https://fleet-management-prod-001.grafana.net/",
  GC_FM_STACK_ID: "123",
  GC_FM_TOKEN: "glc_secret_value_1",
};

function problemsOf(fn: () => unknown): { subject: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("action.yml, the settings table and the README stay in sync", () => {
  const action = parse(readFileSync(resolve(root, "action.yml"), "utf8")) as {
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
    runs: Record<string, string>;
  };
  const readme = readFileSync(resolve(root, "README.md"), "utf8");

  it("declares exactly the table's inputs, with the same descriptions, required flags and defaults", () => {
    expect(Object.keys(action.inputs)).toEqual(ACTION_INPUTS.map((i) => i.name));
    for (const spec of ACTION_INPUTS) {
      const yml = action.inputs[spec.name]!;
      expect(yml.description, spec.name).toBe(spec.description);
      expect(yml.required ?? false, spec.name).toBe(spec.required);
      expect(yml.default, spec.name).toBe(spec.default);
    }
  });

  it("declares exactly the outputs the action sets", () => {
    expect(Object.keys(action.outputs)).toEqual(OUTPUTS.map((o) => o.name));
    for (const o of OUTPUTS) expect(action.outputs[o.name]!.description).toBe(o.description);
  });

  it("runs on node24 with an always() post", () => {
    expect(action.runs).toMatchObject({
      using: "node24",
      main: "dist/main/index.js",
      post: "dist/post/index.js",
      "post-if": "always()",
    });
  });

  it("documents every input and output in the README tables, and no other input", () => {
    const rows = readme.split("\n");
    for (const spec of ACTION_INPUTS) {
      const row = rows.find((l) => new RegExp(`^\\|\\s*\`${spec.name}\`\\s*\\|`).test(l));
      expect(row, `README row for input ${spec.name}`).toBeDefined();
      expect(row).toContain(spec.default !== undefined ? `\`${spec.default}\`` : "");
    }
    // The inputs table: from its header to the first line that is not a row.
    const header = rows.findIndex((l) => /^\|\s*input\s*\|/.test(l));
    const end = rows.findIndex((l, i) => i > header && !l.startsWith("|"));
    const documented = rows
      .slice(header + 2, end)
      .map((l) => /^\|\s*`([^`]+)`/.exec(l)?.[1])
      .filter((n) => n !== undefined);
    expect(documented).toEqual(ACTION_INPUTS.map((i) => i.name));
    for (const o of OUTPUTS)
      expect(readme, `README row for output ${o.name}`).toMatch(new RegExp(`\\|\\s*\`${o.name}\`\\s*\\|`));
  });
});

describe("the action's settings from INPUT_* variables", () => {
  it("applies the documented defaults", () => {
    const s = parseInputs({ blueprint: "fleet-management" }, FM_ENV);
    expect(s).toMatchObject({
      fleet: {
        blueprint: "fleet-management",
        intervalMs: 15_000,
        heartbeatIntervalMs: 45_000,
        fmRatePerSecond: 15,
        startTimeoutMs: 120_000,
        maxLifetimeMs: 6 * 3_600_000,
      },
      dryRun: false,
      failOnCleanupError: false,
    });
    expect(s.fleet.env).toBeUndefined();
    expect(s.fleet.credentials.fm).toEqual({
      url: "https://fleet-management-prod-001.grafana.net",
      stackId: "123",
      token: "glc_secret_value_1",
    });
    expect(s.fleet.credentials.prom).toBeUndefined();
  });

  it("reads INPUT_ variables with hyphens kept, trimmed, and empty ones as unset", () => {
    expect(
      readActionInputs({
        "INPUT_HEARTBEAT-INTERVAL": " 10s ",
        INPUT_BLUEPRINT: "x",
        INPUT_ENV: "",
        INPUT_OTHER: "y",
      }),
    ).toEqual({ "heartbeat-interval": "10s", blueprint: "x" });
  });

  it("reports every bad input at once, naming each", () => {
    const problems = problemsOf(() =>
      parseInputs(
        {
          interval: "ten",
          "heartbeat-interval": "500ms",
          "dry-run": "yes",
          "fm-rate-limit": "-1",
          env: "PR_1",
        },
        FM_ENV,
      ),
    );
    expect(problems.map((p) => `${p.subject}: ${p.message}`)).toEqual([
      "input blueprint: expected a blueprint file or a shipped name (fleet-management, synthetic-monitoring, k8s-monitoring, incident), found nothing",
      'input env: expected an environment name of lowercase letters, digits and "-", starting with a letter or digit, at most 30 chars, found "PR_1"',
      'input interval: expected a duration such as 15s, 2m or 1h, found "ten"',
      'input heartbeat-interval: must be at least 1s, found "500ms"',
      'input fm-rate-limit: expected a number of calls per second from 0.1 to 1000, found "-1"',
      'input dry-run: expected true or false, found "yes"',
    ]);
  });

  it("names the missing FM credentials when only some are set", () => {
    const problems = problemsOf(() =>
      parseInputs({ blueprint: "x" }, { GC_FM_URL: "https://fm.example.com", GC_FM_TOKEN: "glc_abcdefgh" }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.subject).toBe("GC_FM_STACK_ID");
    expect(problems[0]!.message).toMatch(/needs all of GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN/);
  });

  it("inputs win over environment variables, and fm-username is an alias of fm-stack-id", () => {
    const s = parseInputs({ blueprint: "x", "fm-username": "999" }, FM_ENV);
    expect(s.fleet.credentials.fm?.stackId).toBe("999");
    const both = problemsOf(() =>
      parseInputs({ blueprint: "x", "fm-stack-id": "1", "fm-username": "2" }, FM_ENV),
    );
    expect(both).toEqual([
      {
        subject: "input fm-username",
        message: "is another name for input fm-stack-id: set one of them, not both with different values",
      },
    ]);
  });

  it("accepts the synthkit aliases GC_PROM_RW and GC_TOKEN", () => {
    const s = parseInputs(
      { blueprint: "x" },
      {
        GC_PROM_RW: "https://prometheus-prod-01.grafana.net/api/prom/push",
        GC_PROM_USER: "555",
        GC_TOKEN: "glc_prom_token_1",
      },
    );
    expect(s.fleet.credentials.prom).toEqual({
      url: "https://prometheus-prod-01.grafana.net/api/prom/push",
      user: "555",
      token: "glc_prom_token_1",
    });
    expect(s.notices.join(" ")).toMatch(/metrics only/);
  });

  it("refuses plain http except on loopback", () => {
    const problems = problemsOf(() =>
      parseInputs({ blueprint: "x", "fm-url": "http://fm.example.com" }, { ...FM_ENV }),
    );
    expect(problems.map((p) => p.subject)).toEqual(["input fm-url"]);
    expect(problems[0]!.message).toMatch(/^uses plain http:\/\/ to fm\.example\.com/);
    const ok = parseInputs({ blueprint: "x", "fm-url": "http://127.0.0.1:8080" }, FM_ENV);
    expect(ok.fleet.credentials.fm?.url).toBe("http://127.0.0.1:8080");
  });

  it("asks for some credentials unless dry-run", () => {
    expect(problemsOf(() => parseInputs({ blueprint: "x" }))).toEqual([
      {
        subject: "GC_FM_URL / GC_PROM_URL",
        message:
          "nothing to do: set the Fleet Management credentials, the remote-write credentials, or both (set dry-run: true to see the plan without them)",
      },
    ]);
    expect(parseInputs({ blueprint: "x", "dry-run": "true" }).dryRun).toBe(true);
  });

  it("warns when the FM user equals the Mimir user, the classic mix-up", () => {
    const s = parseInputs(
      { blueprint: "x" },
      {
        ...FM_ENV,
        GC_PROM_URL: "https://prometheus-prod-01.grafana.net/api/prom/push",
        GC_PROM_USER: "123",
        GC_PROM_TOKEN: "glc_other",
      },
    );
    expect(s.notices.join(" ")).toMatch(/GC_FM_STACK_ID equals GC_PROM_USER/);
  });
});
