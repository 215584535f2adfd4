/**
 * A fleet under measurement: a generated blueprint of N collectors, started in the REAL background process
 * (the built dist/daemon/index.js) through launchFleet, and stopped through teardownFleet — the exact calls
 * the action's main and post steps make (src/action/run-main.ts, run-post.ts). Shared by the soak
 * (scripts/soak.ts) and the scale bench (bench/scale.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBlueprint } from "../src/blueprint/load.js";
import { silentLogger, type Logger } from "../src/core/logger.js";
import { buildRoster } from "../src/fleet/roster.js";
import type { Roster } from "../src/fleet/types.js";
import { buildFleetConfig } from "../src/runtime/config.js";
import type { Credentials } from "../src/settings/credentials.js";
import { launchFleet } from "../src/runtime/launch.js";
import type { StatePaths } from "../src/runtime/paths.js";
import { teardownFleet, type TeardownResult } from "../src/runtime/teardown.js";

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../..");
/** The bundle the action spawns; `npm run build` makes it. */
export const BUILT_DAEMON = join(REPO_ROOT, "dist", "daemon", "index.js");

export interface PerOsCounts {
  readonly linux: number;
  readonly windows: number;
  readonly darwin: number;
}

/** A fleet's usual shape: 60 % linux, 25 % windows, the rest darwin (the shipped blueprint's 12/4/3, rounded). */
export function splitPerOs(collectors: number): PerOsCounts {
  const linux = Math.ceil(collectors * 0.6);
  const windows = Math.min(collectors - linux, Math.round(collectors * 0.25));
  return { linux, windows, darwin: collectors - linux - windows };
}

export function blueprintYaml(name: string, perOs: PerOsCounts): string {
  return [
    `name: ${name}`,
    "features:",
    "  fleet_management:",
    `    collectors_per_os: {linux: ${perOs.linux}, windows: ${perOs.windows}, darwin: ${perOs.darwin}}`,
    "",
  ].join("\n");
}

export interface FleetUnderTestOptions {
  /** Blueprint name: the collector IDs start with it. */
  name: string;
  collectors: number;
  intervalMs: number;
  heartbeatIntervalMs: number;
  credentials: Credentials;
  /** Default 15 req/s, the action's default. */
  fmRatePerSecond?: number;
  /** How long the fleet may live before it stops itself (the action's max-lifetime). */
  maxLifetimeMs: number;
  /** Default BUILT_DAEMON. */
  daemonScript?: string;
  /** Default: a fresh folder under the system temp folder. */
  workDir?: string;
  logger?: Logger;
}

export interface FleetUnderTest {
  readonly roster: Roster;
  readonly pid: number;
  readonly nonce: string;
  readonly paths: StatePaths;
  readonly workDir: string;
  /** When the background process reported ready: heartbeats and ticks run from here on. */
  readonly readyAtMs: number;
  /** Stops the fleet as post does. */
  stop(): Promise<TeardownResult>;
}

/** Writes the blueprint, builds the roster from it, and launches the background process. Throws when start fails. */
export async function startFleetUnderTest(options: FleetUnderTestOptions): Promise<FleetUnderTest> {
  const logger = options.logger ?? silentLogger;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), `fm-${options.name}-`));
  mkdirSync(workDir, { recursive: true });
  const blueprintPath = join(workDir, "blueprint.yaml");
  writeFileSync(blueprintPath, blueprintYaml(options.name, splitPerOs(options.collectors)));
  const roster = buildRoster(loadBlueprint(blueprintPath).blueprint);

  const fmRatePerSecond = options.fmRatePerSecond ?? 15;
  const { config, secrets } = buildFleetConfig(
    {
      intervalMs: options.intervalMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      fmRatePerSecond,
      maxLifetimeMs: options.maxLifetimeMs,
      credentials: options.credentials,
    },
    roster,
    Date.now(),
  );
  // Registration makes two rate-limited calls per collector (RegisterCollector + the first GetConfig).
  const startTimeoutMs = 120_000 + Math.ceil(((2 * options.collectors) / fmRatePerSecond) * 1000 * 2);
  const launched = await launchFleet({
    stateDir: join(workDir, "state"),
    config,
    secrets,
    daemonScript: options.daemonScript ?? BUILT_DAEMON,
    startTimeoutMs,
    // The background process stops itself if this script dies, so a crashed measurement leaves no fleet.
    watchPid: process.pid,
    logger,
    beforeSpawn: () => undefined,
    afterSpawn: () => undefined,
  });
  if (!launched.ok) {
    throw new Error(
      `the fleet did not start: ${launched.reason} (log: ${launched.paths.log}; ${launched.teardown.problems.join("; ")})`,
    );
  }
  const { pid, nonce, paths } = launched;
  return {
    roster,
    pid,
    nonce,
    paths,
    workDir,
    readyAtMs: launched.status.updatedAtMs,
    stop: () => teardownFleet({ paths, pid, nonce, logger }),
  };
}
