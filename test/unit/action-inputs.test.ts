import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUTS, OUTPUTS, envInputReader, parseInputs } from "../../src/action/inputs.js";
import { InputError } from "../../src/core/errors.js";

const root = resolve(import.meta.dirname, "../..");
const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? "";
const FM_ENV = {
  GC_FM_URL: "https://fleet-management-prod-001.grafana.net/",
  GC_FM_STACK_ID: "123",
  GC_FM_TOKEN: "glc_secret_value_1",
};

function problemsOf(fn: () => unknown): { input: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("action.yml, the input parser and the README stay in sync", () => {
  const action = parse(readFileSync(resolve(root, "action.yml"), "utf8")) as {
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string }>;
    runs: Record<string, string>;
  };
  const readme = readFileSync(resolve(root, "README.md"), "utf8");

  it("declares exactly the parser's inputs, with the same descriptions, required flags and defaults", () => {
    expect(Object.keys(action.inputs)).toEqual(INPUTS.map((i) => i.name));
    for (const spec of INPUTS) {
      const yml = action.inputs[spec.name]!;
      expect(yml.description, spec.name).toBe(spec.description);
      expect(yml.required ?? false, spec.name).toBe(spec.required ?? false);
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

  it("documents every input and output in the README tables", () => {
    for (const spec of INPUTS) {
      const row = readme.split("\n").find((l) => new RegExp(`^\\|\\s*\`${spec.name}\`\\s*\\|`).test(l));
      expect(row, `README row for input ${spec.name}`).toBeDefined();
      expect(row).toContain(spec.default !== undefined ? `\`${spec.default}\`` : "");
    }
    for (const o of OUTPUTS)
      expect(readme, `README row for output ${o.name}`).toMatch(new RegExp(`\\|\\s*\`${o.name}\`\\s*\\|`));
  });
});

describe("parseInputs", () => {
  it("applies the documented defaults", () => {
    const s = parseInputs(reader({ blueprint: "fleet-management" }), FM_ENV);
    expect(s).toMatchObject({
      blueprint: "fleet-management",
      intervalMs: 15_000,
      heartbeatIntervalMs: 45_000,
      fmRatePerSecond: 15,
      dryRun: false,
      startTimeoutMs: 120_000,
      maxLifetimeMs: 6 * 3_600_000,
      failOnCleanupError: false,
    });
    expect(s.credentials.fm).toEqual({
      url: "https://fleet-management-prod-001.grafana.net",
      stackId: "123",
      token: "glc_secret_value_1",
    });
    expect(s.credentials.prom).toBeUndefined();
  });

  it("reads INPUT_ variables with hyphens kept, as the runner sets them", () => {
    const read = envInputReader({ "INPUT_HEARTBEAT-INTERVAL": " 10s ", INPUT_BLUEPRINT: "x" });
    expect(read("heartbeat-interval")).toBe("10s");
    expect(read("blueprint")).toBe("x");
  });

  it("reports every bad input at once, naming each", () => {
    const problems = problemsOf(() =>
      parseInputs(
        reader({
          interval: "ten",
          "heartbeat-interval": "500ms",
          "dry-run": "yes",
          "fm-rate-limit": "-1",
          env: "PR_1",
        }),
        FM_ENV,
      ),
    );
    const byInput = Object.fromEntries(problems.map((p) => [p.input, p.message]));
    expect(byInput.blueprint).toMatch(/required/);
    expect(byInput.interval).toMatch(/expected a duration.*found "ten"/);
    expect(byInput["heartbeat-interval"]).toMatch(/at least 1s/);
    expect(byInput["dry-run"]).toMatch(/expected true or false, found "yes"/);
    expect(byInput["fm-rate-limit"]).toMatch(/found "-1"/);
    expect(byInput.env).toMatch(/\[a-z0-9-\]/);
  });

  it("names the missing FM credentials when only some are set", () => {
    const problems = problemsOf(() =>
      parseInputs(reader({ blueprint: "x" }), {
        GC_FM_URL: "https://fm.example.com",
        GC_FM_TOKEN: "glc_abcdefgh",
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.input).toBe("GC_FM_STACK_ID");
    expect(problems[0]!.message).toMatch(/needs all of GC_FM_URL, GC_FM_STACK_ID, GC_FM_TOKEN/);
  });

  it("inputs win over environment variables, and fm-username is an alias of fm-stack-id", () => {
    const s = parseInputs(reader({ blueprint: "x", "fm-username": "999" }), FM_ENV);
    expect(s.credentials.fm?.stackId).toBe("999");
  });

  it("accepts the synthkit aliases GC_PROM_RW and GC_TOKEN", () => {
    const s = parseInputs(reader({ blueprint: "x" }), {
      GC_PROM_RW: "https://prometheus-prod-01.grafana.net/api/prom/push",
      GC_PROM_USER: "555",
      GC_TOKEN: "glc_prom_token_1",
    });
    expect(s.credentials.prom).toEqual({
      url: "https://prometheus-prod-01.grafana.net/api/prom/push",
      user: "555",
      token: "glc_prom_token_1",
    });
    expect(s.notices.join(" ")).toMatch(/metrics only/);
  });

  it("refuses plain http except on loopback", () => {
    const problems = problemsOf(() =>
      parseInputs(reader({ blueprint: "x", "fm-url": "http://fm.example.com" }), { ...FM_ENV }),
    );
    expect(problems.map((p) => p.input).join()).toMatch(/fm-url/);
    const ok = parseInputs(reader({ blueprint: "x", "fm-url": "http://127.0.0.1:8080" }), FM_ENV);
    expect(ok.credentials.fm?.url).toBe("http://127.0.0.1:8080");
  });

  it("asks for some credentials unless dry-run", () => {
    expect(problemsOf(() => parseInputs(reader({ blueprint: "x" }), {}))[0]!.message).toMatch(
      /nothing to do/,
    );
    expect(parseInputs(reader({ blueprint: "x", "dry-run": "true" }), {}).dryRun).toBe(true);
  });

  it("warns when the FM user equals the Mimir user, the classic mix-up", () => {
    const s = parseInputs(reader({ blueprint: "x" }), {
      ...FM_ENV,
      GC_PROM_URL: "https://prometheus-prod-01.grafana.net/api/prom/push",
      GC_PROM_USER: "123",
      GC_PROM_TOKEN: "glc_other",
    });
    expect(s.notices.join(" ")).toMatch(/GC_FM_STACK_ID equals GC_PROM_USER/);
  });
});
