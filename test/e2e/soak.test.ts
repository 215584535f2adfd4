/**
 * The soak's CI short form: the same code as `npm run soak` (scripts/soak-lib.ts), with the same fault mix,
 * for 100 collectors over one minute (heartbeat 10 s, tick 5 s), against the built background process.
 *
 * Targets, and why they differ from the long form's:
 * - nothing left registered, no series left open, no sample dropped, cleanup done by the background process
 *   itself: exact, as in the long form;
 * - heartbeats on time ≥ 99 %, not 99.9 %: the run has about 550 slots, so 99.9 % would fail on a single
 *   missed slot, and a true miss rate of 0.05 % (within the long-form target) gives at least one miss in
 *   about a third of runs. 99 % allows six: a gross fault (retries that no longer fit the budget, a stalled
 *   loop) still fails it, chance does not (with a true rate of 0.1 %, seven misses or more happen with
 *   probability ~3e-6);
 * - RSS growth after the first third < 50 %: one minute is still warm-up for V8 (JIT code, heap growth,
 *   undici's pools), so a few per cent of leak is invisible here; the long form measures that. This bound
 *   catches memory that grows with every heartbeat or tick.
 */
import { existsSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { BUILT_DAEMON } from "../../scripts/fleet-under-test.js";
import { formatFigureTable, runSoak, soakFigures, type SoakReport } from "../../scripts/soak-lib.js";

describe("soak, CI short form", () => {
  let report: SoakReport | undefined;
  afterAll(() => {
    if (report) rmSync(report.workDir, { recursive: true, force: true });
  });

  it("keeps 100 collectors on time through FM and remote-write faults, and leaves nothing behind", async () => {
    expect(existsSync(BUILT_DAEMON), `${BUILT_DAEMON} is missing: run 'npm run build' first`).toBe(true);
    report = await runSoak({
      collectors: 100,
      durationMs: 60_000,
      heartbeatIntervalMs: 10_000,
      intervalMs: 5_000,
      reportEveryMs: 10_000,
    });
    const figures = soakFigures(report, {
      maxRssGrowth: 0.5,
      minOnTimeRatio: 0.99,
      maxLeftRegistered: 0,
      maxLeftOpen: 0,
    });
    const table = formatFigureTable(figures);
    const value = (name: string) => figures.find((f) => f.name === name)?.value;
    // The figures belong in the CI log whether or not the run passes.
    console.log(`soak, CI short form\n${table}`);

    expect(report.aborted, table).toBeUndefined();
    expect(report.leftRegistered, table).toBe(0);
    expect(report.leftOpen, table).toBe(0);
    expect(report.cleanedBy, table).toBe("daemon");
    expect(report.problems, table).toEqual([]);
    expect(value("samples_lost"), table).toBe(0);
    // The faults did happen and were ridden out. The receiver draws its 10 % from a seeded PRNG in request
    // order, and pushes are sequential, so this run meets the same push failures every time.
    expect(value("fm_retries"), table).toBeGreaterThan(0);
    expect(value("push_retries"), table).toBeGreaterThan(0);
    expect(report.punctuality.slots, table).toBeGreaterThanOrEqual(100 * 4);
    expect(report.punctuality.ratio, table).toBeGreaterThanOrEqual(0.99);
    expect(report.rssGrowth, table).toBeLessThan(0.5);
    expect(figures.filter((f) => f.ok === false).map((f) => f.name)).toEqual([]);
  }, 240_000);
});
