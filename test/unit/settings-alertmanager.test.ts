/**
 * The three Alertmanager settings as a user meets them: all or nothing, the URL rule (loopback-only
 * http://, a base URL), the token masked and never on the command line, and the token handed to the
 * background process with the secrets, never in the fleet file.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseActionSettings } from "../../src/action/inputs.js";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { InputError } from "../../src/core/errors.js";
import { buildFleetConfig, fleetConfigSchema } from "../../src/runtime/config.js";
import { secretValues } from "../../src/settings/credentials.js";
import { parseSettings } from "../../src/settings/parse.js";
import { standaloneFleet } from "../helpers/collectors.js";
import { blockNetwork } from "../helpers/no-network.js";

const AM_TOKEN = "glc_alertmanager_token_for_settings_test";
const BASE = {
  GC_PROM_URL: "https://prometheus-prod-01.grafana.net/api/prom/push",
  GC_PROM_USER: "654321",
  GC_PROM_TOKEN: "glc_prom_token_for_settings_test",
};
const ALERTMANAGER = {
  GC_ALERTMANAGER_URL: "https://alertmanager.example.net/alertmanager/",
  GC_ALERTMANAGER_USER: "777777",
  GC_ALERTMANAGER_TOKEN: AM_TOKEN,
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.subject}: ${p.message}`);
    throw err;
  }
  throw new Error("expected an InputError");
}

const run = (env: NodeJS.ProcessEnv) =>
  parseSettings({ blueprint: "fleet-management" }, env, { frontend: "cli", command: "run" });

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: join(import.meta.dirname, "../fixtures/blueprints"),
  };
  return { code: await runCli(argv, io), stdout, stderr };
}

describe("the Alertmanager settings", () => {
  it("give the fleet its Alertmanager when all three are set, the URL as a base without a trailing /", () => {
    expect(run({ ...BASE, ...ALERTMANAGER }).fleet.credentials.alertmanager).toEqual({
      url: "https://alertmanager.example.net/alertmanager",
      user: "777777",
      token: AM_TOKEN,
    });
    const action = parseActionSettings({
      ...BASE,
      INPUT_BLUEPRINT: "fleet-management",
      "INPUT_ALERTMANAGER-URL": "http://127.0.0.1:9093",
      "INPUT_ALERTMANAGER-USER": "1",
      "INPUT_ALERTMANAGER-TOKEN": AM_TOKEN,
    });
    expect(action.fleet.credentials.alertmanager).toEqual({
      url: "http://127.0.0.1:9093",
      user: "1",
      token: AM_TOKEN,
    });
  });

  it("are optional: none set means no Alertmanager and no problem", () => {
    expect(run(BASE).fleet.credentials).not.toHaveProperty("alertmanager");
  });

  it("are all or nothing: a partial set names what is missing, before any network call", async () => {
    const guard = blockNetwork();
    try {
      const { code, stderr } = await cli(["run", "fleet-management", "--duration", "1s"], {
        ...BASE,
        GC_ALERTMANAGER_URL: ALERTMANAGER.GC_ALERTMANAGER_URL,
      });
      expect(code).toBe(2);
      expect(stderr).toBe(
        "fm-fleet run: GC_ALERTMANAGER_USER, GC_ALERTMANAGER_TOKEN: missing: alerts need all of GC_ALERTMANAGER_URL, GC_ALERTMANAGER_USER, GC_ALERTMANAGER_TOKEN (set: GC_ALERTMANAGER_URL)\n",
      );
    } finally {
      guard.restore();
    }
    expect(guard.attempts).toEqual([]);
    expect(
      problems(() =>
        parseActionSettings({
          ...BASE,
          INPUT_BLUEPRINT: "fleet-management",
          "INPUT_ALERTMANAGER-TOKEN": AM_TOKEN,
          "INPUT_ALERTMANAGER-USER": "1",
        }),
      ),
    ).toEqual([
      "GC_ALERTMANAGER_URL: missing: alerts need all of GC_ALERTMANAGER_URL, input alertmanager-user, input alertmanager-token (set: input alertmanager-user, input alertmanager-token)",
    ]);
  });

  it.each([
    ["http://alertmanager.example.net", /plain http:\/\/ to alertmanager\.example\.net/],
    ["https://am.example.net/alertmanager/api/v2/alerts", /without \/api\/v2\/alerts: alerts are posted to/],
    ["https://am.example.net/?org=1", /without a query/],
    ["https://user:pw@am.example.net", /must not hold credentials/],
  ])("refuse the URL %s", (url, message) => {
    const lines = problems(() => run({ ...BASE, ...ALERTMANAGER, GC_ALERTMANAGER_URL: url }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^GC_ALERTMANAGER_URL: /);
    expect(lines[0]).toMatch(message);
  });

  it("accept plain http:// on loopback only", () => {
    for (const url of ["http://127.0.0.1:9093", "http://localhost:9093/alertmanager", "http://[::1]:9093"])
      expect(
        run({ ...BASE, ...ALERTMANAGER, GC_ALERTMANAGER_URL: url }).fleet.credentials.alertmanager?.url,
      ).toBe(url.replace(/\/$/, ""));
  });

  it("keep the token out of every problem, even pasted where the URL belongs", () => {
    const lines = problems(() => run({ ...BASE, ...ALERTMANAGER, GC_ALERTMANAGER_URL: AM_TOKEN }));
    expect(lines).toEqual(['GC_ALERTMANAGER_URL: expected an https:// URL, found "***"']);
  });

  it("never take the token from the command line", async () => {
    const { code, stderr } = await cli(["run", "fleet-management", "--alertmanager-token", AM_TOKEN], {
      ...BASE,
      ...ALERTMANAGER,
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      "fm-fleet run: --alertmanager-token: is not an option of fm-fleet run: credentials come from the environment (GC_ALERTMANAGER_TOKEN) or a .env file, never from the command line\n",
    );
  });

  it("mask the token and its Basic-auth form, and hand it over with the secrets, never in the fleet file", () => {
    const { credentials } = run({ ...BASE, ...ALERTMANAGER }).fleet;
    const known = secretValues(credentials);
    expect(known.secrets).toContain(AM_TOKEN);
    expect(known.users).toContain("777777");
    const { config, secrets } = buildFleetConfig(
      {
        intervalMs: 15_000,
        heartbeatIntervalMs: 45_000,
        fmRatePerSecond: 15,
        maxLifetimeMs: 60_000,
        credentials,
      },
      { blueprint: "x", collectors: standaloneFleet(1) },
      0,
    );
    expect(JSON.stringify(config)).not.toContain(AM_TOKEN);
    expect(config.alertmanager).toEqual({
      url: "https://alertmanager.example.net/alertmanager",
      user: "777777",
    });
    expect(fleetConfigSchema.parse(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(secrets.alertmanagerToken).toBe(AM_TOKEN);
  });
});
