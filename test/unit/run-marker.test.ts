/**
 * The run marker `fake.run`: its two formats, a new value per start, carried on every collector a start
 * registers (and in the fleet file post cleans up from), and never in `plan --json`.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { formatRunMarker, isRunMarker, runMarkerFromEnv, withRunMarker } from "../../src/fleet/run-marker.js";
import { buildFleetConfig, fleetConfigSchema, newRunMarker } from "../../src/runtime/config.js";
import { standaloneFleet } from "../helpers/collectors.js";

const ACTIONS = { GITHUB_ACTIONS: "true", GITHUB_RUN_ID: "16409374211", GITHUB_RUN_ATTEMPT: "2" };

describe("the run marker's format", () => {
  it("is <run_id>-<run_attempt>-<8 hex> inside GitHub Actions", () => {
    expect(runMarkerFromEnv(ACTIONS, "0a1b2c3d")).toBe("16409374211-2-0a1b2c3d");
    // An older runner without GITHUB_RUN_ATTEMPT: the first attempt.
    expect(runMarkerFromEnv({ ...ACTIONS, GITHUB_RUN_ATTEMPT: undefined }, "0a1b2c3d")).toBe(
      "16409374211-1-0a1b2c3d",
    );
  });

  it("is local-<8 hex> anywhere else, even with a stray GITHUB_RUN_ID", () => {
    expect(runMarkerFromEnv({}, "deadbeef")).toBe("local-deadbeef");
    expect(runMarkerFromEnv({ GITHUB_RUN_ID: "5" }, "deadbeef")).toBe("local-deadbeef");
    expect(runMarkerFromEnv({ ...ACTIONS, GITHUB_RUN_ID: "not-a-number" }, "deadbeef")).toBe(
      "local-deadbeef",
    );
  });

  it("takes exactly 8 lowercase hex digits of randomness", () => {
    expect(() => formatRunMarker({ random: "DEADBEEF" })).toThrow(RangeError);
    expect(() => formatRunMarker({ random: "abc" })).toThrow(RangeError);
    expect(isRunMarker("local-deadbeef")).toBe(true);
    expect(isRunMarker("12-1-deadbeef")).toBe(true);
    expect(isRunMarker("local-deadbee")).toBe(false);
    expect(isRunMarker("12-deadbeef")).toBe(false);
  });

  it("is new at every start", () => {
    const markers = Array.from({ length: 200 }, () => newRunMarker(ACTIONS));
    for (const m of markers) expect(m).toMatch(/^16409374211-2-[0-9a-f]{8}$/);
    expect(new Set(markers).size).toBe(200);
    expect(newRunMarker({})).toMatch(/^local-[0-9a-f]{8}$/);
  });
});

describe("the run marker on the fleet", () => {
  it("is on every collector of the saved fleet config, which post reads back", () => {
    const collectors = standaloneFleet(3);
    const { config } = buildFleetConfig(
      {
        intervalMs: 15_000,
        heartbeatIntervalMs: 45_000,
        fmRatePerSecond: 15,
        maxLifetimeMs: 60_000,
        credentials: {},
      },
      { blueprint: "b", collectors },
      0,
      { runMarker: "7-1-00000000" },
    );
    const saved = fleetConfigSchema.parse(JSON.parse(JSON.stringify(config)));
    expect(saved.runMarker).toBe("7-1-00000000");
    for (const c of saved.collectors) expect(c.attributes["fake.run"]).toBe("7-1-00000000");
    // The roster it came from is left as it was.
    for (const c of collectors) expect(c.attributes).not.toHaveProperty("fake.run");
  });

  it("replaces a marker already there rather than adding a second", () => {
    const [c] = standaloneFleet(1);
    const once = withRunMarker(c!, "local-00000001");
    const twice = withRunMarker(once, "local-00000002");
    expect(twice.attributes["fake.run"]).toBe("local-00000002");
    expect(Object.keys(twice.attributes).length).toBe(Object.keys(c!.attributes).length + 1);
  });

  it("is the one attribute plan --json leaves out", async () => {
    let stdout = "";
    const io: CliIo = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => undefined },
      env: { GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "octo/app", GITHUB_RUN_ID: "9" },
      cwd: process.cwd(),
    };
    expect(await runCli(["plan", "fleet-management", "--json"], io)).toBe(0);
    const plan = JSON.parse(stdout) as { collectors: { attributes: Record<string, string> }[] };
    for (const c of plan.collectors) {
      expect(c.attributes).not.toHaveProperty("fake.run");
      expect(Object.keys(c.attributes).sort()).toEqual(
        ["collector.os", "collector.version", "env", "fake", "github.repository", "github.run_id"].sort(),
      );
    }
  });
});
