import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/core/clock.js";
import {
  firstRoundAtOrAfter,
  heartbeatBudgetEndMs,
  heartbeatCapacityWarning,
  jitterMs,
  maxJitterMs,
  phaseMs,
  slotMs,
} from "../../src/fm/schedule.js";

describe("heartbeat schedule", () => {
  it("spreads N collectors evenly over the interval", () => {
    const phases = Array.from({ length: 10 }, (_, i) => phaseMs(i, 10, 45_000));
    expect(phases).toEqual([0, 4500, 9000, 13500, 18000, 22500, 27000, 31500, 36000, 40500]);
  });

  it("anchors every round to the start, one interval apart", () => {
    const plan = { startMs: 1000, intervalMs: 45_000, count: 4 };
    expect([0, 1, 2].map((r) => slotMs(plan, 3, r))).toEqual([1000 + 33_750, 1000 + 78_750, 1000 + 123_750]);
    expect(firstRoundAtOrAfter(plan, 3, 1000)).toBe(0);
    expect(firstRoundAtOrAfter(plan, 3, 1000 + 33_751)).toBe(1);
    expect(firstRoundAtOrAfter(plan, 3, 1000 + 78_750)).toBe(1);
  });

  it("jitters by at most ±100 ms, and by less than half the gap between neighbours", () => {
    expect(maxJitterMs(10, 45_000)).toBe(100);
    expect(maxJitterMs(10_000, 45_000)).toBe(2.25);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1000, max: 600_000 }),
        fc.integer(),
        (n, i, s) => {
          const max = maxJitterMs(n, i);
          const j = jitterMs(seededRandom(s), max);
          expect(Math.abs(j)).toBeLessThanOrEqual(100);
          expect(Math.abs(j)).toBeLessThanOrEqual(i / n / 2);
        },
      ),
    );
  });

  it("ends a heartbeat's budget before the same collector's next slot", () => {
    expect(heartbeatBudgetEndMs(0, 45_000, 10)).toBe(45_000 - 100 - 1000);
    expect(heartbeatBudgetEndMs(0, 1000, 2)).toBe(1000 - 100 - 100);
  });
});

describe("heartbeatCapacityWarning", () => {
  it("says nothing when the fleet fits 90 % of the rate (the rest is kept for retries)", () => {
    expect(heartbeatCapacityWarning(607, 45_000, 15)).toBeUndefined();
    expect(heartbeatCapacityWarning(608, 45_000, 15)).toBeDefined();
  });

  it("gives the numbers and the fix when it does not", () => {
    const w = heartbeatCapacityWarning(1000, 45_000, 15);
    expect(w).toContain("1000 collectors heartbeating every 45s need 22.2 GetConfig calls per second");
    expect(w).toContain("above 13.5 req/s (90 % of the client's limit of 15 req/s");
    expect(w).toContain("at least 1m15s");
    expect(w).toContain("at most 607 collectors");
  });
});
