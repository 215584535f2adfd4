import { describe, expect, it } from "vitest";
import { createTokenBucket } from "../../src/transport/rate-limit.js";
import { createFakeClock } from "../helpers/fake-clock.js";

/** Most calls in any window of `windowMs` (half open), over sorted times. */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe("createTokenBucket", () => {
  it("paces 100 concurrent callers to the rate, first come first served", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 15, clock });
    const granted: { who: number; at: number }[] = [];
    const all = Array.from({ length: 100 }, (_, who) =>
      bucket.acquire().then(() => granted.push({ who, at: clock.now() })),
    );
    await clock.advance(10_000);
    await Promise.all(all);
    const times = granted.map((g) => g.at);
    expect(granted.map((g) => g.who)).toEqual([...Array(100).keys()]);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(15);
    // 100 calls at 15/s: the last is granted at 99/15 s, give or take the whole-millisecond rounding of waits.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((99 / 15) * 1000);
    expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(99 * Math.ceil(1000 / 15));
  });

  it("lets a burst through after a quiet spell, then paces again", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 5, clock });
    const t0 = clock.now();
    const times: number[] = [];
    const all = Array.from({ length: 8 }, () => bucket.acquire().then(() => times.push(clock.now() - t0)));
    await clock.advance(2000);
    await Promise.all(all);
    expect(times).toEqual([0, 0, 0, 0, 0, 100, 200, 300]);
  });

  it("does not save up tokens beyond the burst", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 2, clock });
    await bucket.acquire();
    await clock.advance(60_000);
    const t0 = clock.now();
    const times: number[] = [];
    const all = Array.from({ length: 3 }, () => bucket.acquire().then(() => times.push(clock.now() - t0)));
    await clock.advance(5000);
    await Promise.all(all);
    expect(times).toEqual([0, 500, 1000]);
  });

  it("rejects a waiter whose signal aborts", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 1, clock });
    await bucket.acquire();
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    controller.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
  });

  it("refuses a rate that is not positive", () => {
    expect(() => createTokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => createTokenBucket({ ratePerSecond: 5, burst: 0 })).toThrow(RangeError);
  });
});

describe("createTokenBucket under overload", () => {
  it("gives an aborted waiter's token to the next one in line", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 1, clock });
    const t0 = clock.now();
    await bucket.acquire();
    const quitter = new AbortController();
    const times: number[] = [];
    const first = bucket.acquire(quitter.signal).catch(() => "gave up");
    const second = bucket.acquire().then(() => times.push(clock.now() - t0));
    await clock.advance(500);
    quitter.abort();
    await clock.advance(5000);
    await expect(first).resolves.toBe("gave up");
    await second;
    expect(times).toEqual([1000]);
  });
});

describe("createTokenBucket when the wall clock steps", () => {
  it("keeps handing out tokens at its rate after a 120 s backward step", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 10, clock });
    await bucket.acquire();
    clock.stepWall(-120_000);
    let granted = 0;
    const waiters = Array.from({ length: 10 }, () => bucket.acquire().then(() => granted++));
    await clock.advance(1000);
    await Promise.all(waiters);
    expect(granted).toBe(10);
  });

  it("gives no burst after a forward step", async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 1, clock });
    await bucket.acquire();
    clock.stepWall(3_600_000);
    let granted = 0;
    void bucket.acquire().then(() => granted++);
    void bucket.acquire().then(() => granted++);
    await clock.settle();
    expect(granted).toBe(0);
    await clock.advance(1000);
    expect(granted).toBe(1);
  });
});
