import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/core/clock.js";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryAfterGiveUpMessage,
} from "../../src/transport/backoff.js";

describe("backoffDelay", () => {
  it("stays below a ceiling that doubles from 250 ms up to 10 s", () => {
    const almostOne = () => 0.999999;
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, almostOne)).toBe(249);
    expect(backoffDelay(2, DEFAULT_RETRY_POLICY, almostOne)).toBe(499);
    expect(backoffDelay(3, DEFAULT_RETRY_POLICY, almostOne)).toBe(999);
    expect(backoffDelay(7, DEFAULT_RETRY_POLICY, almostOne)).toBe(9_999);
    expect(backoffDelay(60, DEFAULT_RETRY_POLICY, almostOne)).toBe(9_999);
    expect(backoffDelay(5000, DEFAULT_RETRY_POLICY, almostOne)).toBe(9_999);
  });

  it("is full jitter: any value from 0 up to the ceiling", () => {
    expect(backoffDelay(4, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
    expect(backoffDelay(4, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(1000);
  });

  it("never waits less than Retry-After asks", () => {
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 0.5, 3000)).toBe(3000);
    expect(backoffDelay(7, DEFAULT_RETRY_POLICY, () => 0.9, 1000)).toBe(9000);
  });

  it("holds its bounds for any attempt, policy and draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer(),
        fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
        (attempt, baseMs, capMs, seed, retryAfterMs) => {
          const delay = backoffDelay(attempt, { baseMs, capMs }, seededRandom(seed), retryAfterMs);
          const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
          expect(delay).toBeGreaterThanOrEqual(retryAfterMs ?? 0);
          expect(delay).toBeLessThanOrEqual(Math.max(ceiling, retryAfterMs ?? 0));
        },
      ),
    );
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
  });

  it("reads an HTTP-date relative to now, and a past date as no wait", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  it("ignores what it cannot read", () => {
    for (const bad of [undefined, "", "soon", "-5", "1.5", "12abc", "12 seconds"])
      expect(parseRetryAfter(bad, now)).toBeUndefined();
  });
});

describe("Retry-After cap", () => {
  it("waits at most MAX_RETRY_AFTER_MS (5 min) whatever the server asks", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(5 * 60_000);
    const asked = parseRetryAfter("999999", 0);
    expect(asked).toBe(999_999_000);
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 0.5, asked)).toBe(MAX_RETRY_AFTER_MS);
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 0.5, 120_000)).toBe(120_000);
  });

  it("reads an absurdly long number as a huge but finite wait", () => {
    const asked = parseRetryAfter("9".repeat(400), 0);
    expect(Number.isFinite(asked)).toBe(true);
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 0.5, asked)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("says in words what the server asked for when the deadline comes first", () => {
    expect(retryAfterGiveUpMessage(999_999_000)).toBe(
      "server asked to wait 999999 s; giving up at the deadline",
    );
  });
});
