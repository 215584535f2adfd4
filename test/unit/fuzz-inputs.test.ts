/**
 * Property-based fuzzing of the settings parser as the action calls it (issue 7 item 3), and proof that
 * the whole validation path (inputs, blueprint, roster) opens no connection. Run counts and seeds:
 * test/helpers/fuzz-params.ts (FUZZ_RUNS, FUZZ_SEED).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseActionSettings } from "../../src/action/inputs.js";
import { loadBlueprint } from "../../src/blueprint/load.js";
import { BlueprintError, InputError } from "../../src/core/errors.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { ACTION_INPUTS } from "../../src/settings/table.js";
import type { ActionSettings } from "../../src/settings/types.js";
import { mutatedSeed, schemaShaped, tokenSoup } from "../helpers/blueprint-arbitraries.js";
import { fuzzBudget } from "../helpers/fuzz-params.js";
import {
  CREDENTIAL_VARIABLES,
  inputCase,
  inputCaseOf,
  inputVariable,
  type InputCase,
} from "../helpers/input-arbitraries.js";
import { NetworkBlockedError, blockNetwork } from "../helpers/no-network.js";

/** Names a problem may give in the action: an input as "input <name>", or a credential variable. */
const KNOWN_NAMES = new Set<string>([
  ...ACTION_INPUTS.map((i) => `input ${i.name}`),
  ...CREDENTIAL_VARIABLES,
]);
/** The longest wait a Node.js timer can do (setTimeout clamps anything longer to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const REGRESSIONS = join(import.meta.dirname, "../fixtures/fuzz/input-regressions");

/** Loopback (localhost, 127.0.0.0/8, ::1), written independently of src/core/loopback.ts. */
const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/** Neither the token nor its JSON-escaped form (problems quote values that way) may appear. */
function assertNoToken(texts: readonly string[], tokens: readonly string[]): void {
  for (const text of texts)
    for (const token of tokens)
      for (const form of [token, JSON.stringify(token).slice(1, -1)])
        assert.ok(!text.includes(form), `a token value appears in ${JSON.stringify(text.slice(0, 300))}`);
}

/** What a settings object promises the rest of the action (README.md#inputs). */
function assertUsable({ fleet: s }: ActionSettings): void {
  assert.ok(s.blueprint !== "");
  assert.ok(s.env === undefined || /^[a-z0-9][a-z0-9-]{0,29}$/.test(s.env), `env ${s.env}`);
  for (const [name, ms] of Object.entries({
    interval: s.intervalMs,
    "heartbeat-interval": s.heartbeatIntervalMs,
    "start-timeout": s.startTimeoutMs,
    "max-lifetime": s.maxLifetimeMs,
  }))
    assert.ok(Number.isSafeInteger(ms) && ms >= 1000 && ms <= MAX_TIMER_MS, `${name}: ${ms} ms`);
  // The range its own error message states.
  assert.ok(s.fmRatePerSecond >= 0.1 && s.fmRatePerSecond <= 1000, `fm-rate-limit ${s.fmRatePerSecond}`);
  for (const raw of [s.credentials.fm?.url, s.credentials.prom?.url, s.credentials.alertmanager?.url]) {
    if (raw === undefined) continue;
    const url = new URL(raw);
    assert.ok(
      url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname)),
      `accepted ${raw}`,
    );
    assert.equal(url.username + url.password, "", `credentials in ${raw}`);
    assert.ok(!raw.includes("#"), `fragment in ${raw}`);
  }
  // The FM URL is a base: a query would land in the middle of every request path.
  if (s.credentials.fm) assert.ok(!s.credentials.fm.url.includes("?"), `query in ${s.credentials.fm.url}`);
  // So is the Alertmanager URL: alerts go to {url}/api/v2/alerts.
  if (s.credentials.alertmanager)
    assert.ok(
      !/[?]|\/$/.test(s.credentials.alertmanager.url),
      `not a base: ${s.credentials.alertmanager.url}`,
    );
}

function checkInputs(c: InputCase): "settings" | "input-error" {
  let settings: ActionSettings;
  try {
    settings = parseActionSettings(c.env);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    assert.ok(err.problems.length > 0, "an InputError with no problem");
    for (const p of err.problems) {
      for (const name of p.subject.split(/, | \/ /))
        assert.ok(
          KNOWN_NAMES.has(name),
          `problem names ${JSON.stringify(p.subject)}, not an input or variable`,
        );
      assert.ok(p.message.trim() !== "", `empty message for ${p.subject}`);
    }
    assertNoToken([err.message, ...err.problems.map((p) => p.message)], c.tokens);
    return "input-error";
  }
  // Notices are not scanned: main prints them after masking every token (run-main.ts); an InputError is
  // printed before anything could be masked, so it alone must never carry one.
  assertUsable(settings);
  return "settings";
}

describe("inputs fuzzing: settings, or an InputError that names each input and keeps tokens secret", () => {
  const budget = fuzzBudget(1000, 0x1a9075);
  it("random inputs and credential variables", { timeout: budget.timeoutMs }, () => {
    const seen = { settings: 0, "input-error": 0 };
    fc.assert(
      fc.property(inputCase, (c) => {
        seen[checkInputs(c)]++;
      }),
      budget.params,
    );
    // Both branches must be exercised, or half of the invariants go unchecked.
    expect(seen.settings).toBeGreaterThan(budget.params.numRuns * 0.02);
    expect(seen["input-error"]).toBeGreaterThan(budget.params.numRuns * 0.3);
  });
});

/**
 * Runner environments that broke the parser, kept as fixed examples (test/fixtures/fuzz/input-regressions),
 * each with the problem it now reports. `found`: the property and seed that found it.
 */
const REGRESSION_CASES: readonly { file: string; found: string; subject: string; message: RegExp }[] = [
  {
    file: "problem-named-input-fm-url.json",
    found: 'seed 1740917: the problem named "input fm-url"',
    subject: "input fm-url",
    message: /^expected an https:\/\/ URL, found "!"$/,
  },
  {
    file: "token-pasted-as-url.json",
    found: "seed 1740917 (token shortened): the error quoted the token",
    subject: "input prom-url",
    message: /^expected an https:\/\/ URL, found "\*\*\*"$/,
  },
  {
    file: "overridden-token-pasted-as-url.json",
    found: "seed 1740917: an overridden GC_PROM_TOKEN was quoted",
    subject: "input fm-url",
    message: /^expected an https:\/\/ URL, found "\*\*\*"$/,
  },
  {
    file: "interval-infinite.json",
    found: "seed 1740917: interval of Infinity ms was accepted",
    subject: "input interval",
    message: /^must be at most 596h, found "10{400}s"$/,
  },
  {
    file: "rate-below-range.json",
    found: "seed 1740917: 0.05 calls per second was accepted",
    subject: "input fm-rate-limit",
    message: /^expected a number of calls per second from 0\.1 to 1000, found "0\.05"$/,
  },
];

describe("inputs fuzzing regressions (test/fixtures/fuzz/input-regressions)", () => {
  it("has a case for every fixture", () => {
    expect(readdirSync(REGRESSIONS).sort()).toEqual(REGRESSION_CASES.map((c) => c.file).sort());
  });

  it.each(REGRESSION_CASES)("$file ($found)", ({ file, subject, message }) => {
    const env = JSON.parse(readFileSync(join(REGRESSIONS, file), "utf8")) as Record<string, string>;
    expect(checkInputs(inputCaseOf(env))).toBe("input-error");
    let error: unknown;
    try {
      parseActionSettings(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const problem = (error as InputError).problems.find((p) => p.subject === subject);
    expect(problem?.message).toMatch(message);
  });
});

describe("no network before validation", () => {
  it("the guard fails a connection attempt loudly and records it", async () => {
    const guard = blockNetwork();
    try {
      expect(() => net.connect({ host: "127.0.0.1", port: 9 })).toThrow(NetworkBlockedError);
      await expect(fetch("https://example.invalid/")).rejects.toThrow(NetworkBlockedError);
      expect(guard.attempts).toEqual([
        { via: "net.Socket.connect", target: "127.0.0.1:9" },
        { via: "fetch", target: "https://example.invalid/" },
      ]);
    } finally {
      guard.restore();
    }
    expect(Object.getOwnPropertyDescriptor(net.Socket.prototype, "connect")?.value).not.toHaveProperty(
      "name",
      "blockedConnect",
    );
  });

  /** Credentials that pass validation and point where nothing listens (the discard port on loopback). */
  const NOWHERE: Record<string, string> = {
    GC_FM_URL: "http://127.0.0.1:9",
    GC_FM_STACK_ID: "123456",
    GC_FM_TOKEN: "glc_nowhere_fm_token",
    GC_PROM_URL: "http://[::1]:9/api/prom/push",
    GC_PROM_USER: "654321",
    GC_PROM_TOKEN: "glc_nowhere_prom_token",
  };
  const dir = mkdtempSync(join(tmpdir(), "fm-fuzz-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const budget = fuzzBudget(300, 0x0ff11e);
  it(
    "parseActionSettings, loadBlueprint and buildRoster open none, whatever the inputs and the blueprint",
    { timeout: budget.timeoutMs },
    () => {
      const seen = { roster: 0, rejected: 0 };
      const guard = blockNetwork();
      try {
        fc.assert(
          fc.property(
            inputCase,
            fc.constantFrom("fuzzed", "fuzzed with nowhere credentials", "only nowhere credentials"),
            fc.option(fc.oneof(mutatedSeed, schemaShaped, tokenSoup), { nil: undefined }),
            (c, inputs, blueprintText) => {
              // Fuzzed inputs mostly fail before the blueprint is read: the last kind gets to the roster.
              const env =
                inputs === "fuzzed"
                  ? { ...c.env }
                  : inputs === "only nowhere credentials"
                    ? { ...NOWHERE, [inputVariable("blueprint")]: "fleet-management" }
                    : { ...c.env, ...NOWHERE };
              if (blueprintText !== undefined) {
                writeFileSync(join(dir, "blueprint.yaml"), blueprintText);
                env[inputVariable("blueprint")] = "blueprint.yaml";
              }
              try {
                const { fleet } = parseActionSettings(env);
                const loaded = loadBlueprint(fleet.blueprint, { cwd: dir });
                buildRoster(loaded.blueprint, fleet.env === undefined ? {} : { env: fleet.env });
                seen.roster++;
              } catch (err) {
                if (!(err instanceof InputError || err instanceof BlueprintError)) throw err;
                seen.rejected++;
              }
              assert.deepEqual(guard.attempts, []);
            },
          ),
          budget.params,
        );
      } finally {
        guard.restore();
      }
      expect(guard.attempts).toEqual([]);
      expect(seen.roster).toBeGreaterThan(0);
    },
  );
});
