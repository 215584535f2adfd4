/**
 * The hostile soak's CI short form: the same code as `npm run soak -- --profile hostile`
 * (scripts/soak-lib.ts) for 50 collectors over 60 s (heartbeat 10 s, tick 2 s), against the built
 * background process. Once the fleet is ready, FM answers 2 % of calls with a body that never ends, 2 % with
 * Retry-After: 999999, holds 2 % for 30 s, and GetConfig sends a 3 MiB hash 2 % of the time (twice the long
 * form's shares, so a minute meets each kind); remote write meets, in this order, two endless bodies, a 30 s
 * hang and a Retry-After of days (scripted: a minute has too few pushes for shares to be sure of each).
 *
 * Targets: the long form's (RSS peak under 300 MB, nothing left registered, no series left open), and the
 * background process cleans up by itself, with no problem reported. Punctuality and lost samples are not
 * judged: a hung heartbeat is late by design, and the Retry-After holds every later push back.
 */
import { existsSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { BUILT_DAEMON } from "../../scripts/fleet-under-test.js";
import {
  formatFigureTable,
  HOSTILE_FAULTS,
  HOSTILE_FM_FAULT,
  HOSTILE_RW_FAULTS,
  runSoak,
  soakFigures,
  SOAK_PROFILES,
  type SoakFaultPlan,
  type SoakReport,
} from "../../scripts/soak-lib.js";

const fmFault = { ...HOSTILE_FM_FAULT, endlessBody: 0.02, hugeRetryAfter: 0.02, hang: 0.02 };
const CI_FAULTS: SoakFaultPlan = {
  ...HOSTILE_FAULTS,
  afterReady: {
    fm: {
      RegisterCollector: fmFault,
      GetConfig: { ...fmFault, hashBomb: 0.02 },
      UnregisterCollector: fmFault,
    },
    rw: { ...HOSTILE_RW_FAULTS, script: ["endless_body", "endless_body", "hang", "huge_retry_after"] },
  },
};

describe("soak, hostile profile, CI short form", () => {
  let report: SoakReport | undefined;
  afterAll(() => {
    if (report) rmSync(report.workDir, { recursive: true, force: true });
  });

  it("stays under 300 MB and leaves nothing behind through endless bodies, Retry-After of days, hash bombs and hangs", async () => {
    expect(existsSync(BUILT_DAEMON), `${BUILT_DAEMON} is missing: run 'npm run build' first`).toBe(true);
    report = await runSoak({
      collectors: 50,
      durationMs: 60_000,
      heartbeatIntervalMs: 10_000,
      intervalMs: 2_000,
      reportEveryMs: 10_000,
      faults: CI_FAULTS,
    });
    const figures = soakFigures(report, SOAK_PROFILES.hostile.targets);
    const table = formatFigureTable(figures);
    const value = (name: string) => figures.find((f) => f.name === name)?.value ?? 0;
    // The figures belong in the CI log whether or not the run passes.
    console.log(`soak, hostile profile, CI short form\n${table}`);

    expect(report.aborted, table).toBeUndefined();
    expect(report.rssPeakBytes, table).toBeLessThan(300_000_000);
    expect(report.leftRegistered, table).toBe(0);
    expect(report.leftOpen, table).toBe(0);
    expect(report.cleanedBy, table).toBe("daemon");
    expect(report.problems, table).toEqual([]);
    // Every hostile kind was met on both sides.
    for (const kind of ["endless_body", "huge_retry_after", "hang", "hash_bomb"])
      expect(value(`faults_fm_${kind}`), `${kind}\n${table}`).toBeGreaterThan(0);
    for (const kind of ["endless_body", "huge_retry_after", "hang"])
      expect(value(`faults_rw_${kind}`), `${kind}\n${table}`).toBeGreaterThan(0);
    expect(figures.filter((f) => f.ok === false).map((f) => f.name)).toEqual([]);
  }, 240_000);
});
