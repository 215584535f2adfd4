import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planBatches } from "../../src/remote-write/batch.js";

describe("planBatches", () => {
  it("covers every item once, in order, each batch within budget unless a single item is larger", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20_000 }),
        (sizes, budget) => {
          const batches = planBatches(sizes, budget);
          let next = 0;
          for (const b of batches) {
            expect(b.start).toBe(next);
            expect(b.end).toBeGreaterThan(b.start);
            const sum = sizes.slice(b.start, b.end).reduce((a, x) => a + x, 0);
            if (b.end - b.start > 1) expect(sum).toBeLessThanOrEqual(budget);
            next = b.end;
          }
          expect(next).toBe(sizes.length);
        },
      ),
    );
  });

  it("fills batches greedily: the next item would not have fitted", () => {
    expect(planBatches([4, 4, 4, 4, 4], 10)).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
      { start: 4, end: 5 },
    ]);
    expect(planBatches([30, 1, 1], 10)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 3 },
    ]);
    expect(planBatches([], 10)).toEqual([]);
  });
});
