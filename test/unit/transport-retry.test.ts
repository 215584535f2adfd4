import { describe, expect, it } from "vitest";
import type { RetryInfo } from "../../src/transport/retry.js";
import { withRetry } from "../../src/transport/retry.js";
import type { SendOutcome } from "../../src/transport/types.js";
import { MAX_RETRY_AFTER_MS } from "../../src/transport/backoff.js";
import { createFakeClock } from "../helpers/fake-clock.js";

const retryable = (message: string, retryAfterMs?: number): SendOutcome<string> => ({
  kind: "retryable",
  error: new Error(message),
  retryAfterMs,
});

/** A send that plays back the outcomes given, recording when each attempt started. */
function scripted(outcomes: SendOutcome<string>[], now: () => number) {
  const starts: { attempt: number; at: number }[] = [];
  const send = (attempt: number) => {
    starts.push({ attempt, at: now() });
    const next = outcomes.shift();
    if (!next) throw new Error("script ran out");
    return Promise.resolve(next);
  };
  return { send, starts };
}

describe("withRetry", () => {
  it("retries retryable outcomes until a success, with growing jittered waits", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { send, starts } = scripted(
      [retryable("503"), retryable("503"), retryable("reset"), { kind: "success", value: "ok" }],
      () => clock.now(),
    );
    const retries: RetryInfo[] = [];
    const result = withRetry(send, { clock, random: () => 0.5, onRetry: (i) => retries.push(i) });
    await clock.advance(60_000);
    await expect(result).resolves.toEqual({ kind: "success", value: "ok" });
    expect(starts.map((s) => s.at - t0)).toEqual([0, 125, 125 + 250, 125 + 250 + 500]);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.error.message])).toEqual([
      [1, 125, "503"],
      [2, 250, "503"],
      [3, 500, "reset"],
    ]);
  });

  it("returns a failure at once, without retrying", async () => {
    const clock = createFakeClock();
    const { send, starts } = scripted([{ kind: "failure", error: new Error("401") }], () => clock.now());
    const result = await withRetry(send, { clock });
    expect(result.kind).toBe("failure");
    expect(starts).toHaveLength(1);
  });

  it("waits at least what Retry-After asks", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { send, starts } = scripted([retryable("429", 4000), { kind: "success", value: "ok" }], () =>
      clock.now(),
    );
    const result = withRetry(send, { clock, random: () => 0 });
    await clock.advance(10_000);
    await result;
    expect(starts[1]!.at - t0).toBe(4000);
  });

  it("stops after maxAttempts with the last retryable outcome", async () => {
    const clock = createFakeClock();
    const { send, starts } = scripted([retryable("a"), retryable("b"), retryable("c")], () => clock.now());
    const result = withRetry(send, { clock, policy: { maxAttempts: 2 } });
    await clock.advance(60_000);
    const outcome = await result;
    expect(starts).toHaveLength(2);
    expect(outcome.kind === "retryable" && outcome.error.message).toBe("b");
  });

  it("gives up instead of sleeping past the deadline", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const outcomes = Array.from({ length: 50 }, (_, i) => retryable(`e${i}`));
    const { send, starts } = scripted(outcomes, () => clock.now());
    const result = withRetry(send, { clock, random: () => 0.99, deadlineMs: t0 + 3000 });
    await clock.advance(60_000);
    const outcome = await result;
    expect(outcome.kind).toBe("retryable");
    for (const s of starts) expect(s.at - t0).toBeLessThan(3000);
    // 247 + 495 + 990 = 1732 ms; the next wait (1980 ms) would end past the deadline.
    expect(starts).toHaveLength(4);
  });

  it("gives up when Retry-After points past the deadline", async () => {
    const clock = createFakeClock();
    const { send, starts } = scripted([retryable("429", 30_000)], () => clock.now());
    const outcome = await withRetry(send, { clock, deadlineMs: clock.now() + 10_000 });
    expect(outcome.kind).toBe("retryable");
    expect(starts).toHaveLength(1);
  });

  it("says why it gave up when a Retry-After points past the deadline", async () => {
    const clock = createFakeClock();
    const { send } = scripted([retryable("429", 999_999_000)], () => clock.now());
    const outcome = await withRetry(send, { clock, deadlineMs: clock.now() + 10_000 });
    expect(outcome).toMatchObject({
      kind: "retryable",
      gaveUp: "server asked to wait 999999 s; giving up at the deadline",
    });
  });

  it("keeps to its ordinary backoff when told to, for a Retry-After that points past the deadline", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { send, starts } = scripted(
      [retryable("429", 999_999_000), retryable("429", 999_999_000), { kind: "success", value: "ok" }],
      () => clock.now(),
    );
    const result = withRetry(send, {
      clock,
      random: () => 0.99,
      deadlineMs: t0 + 10_000,
      retryAfterPastDeadline: "backoff",
    });
    await clock.advance(10_000);
    await expect(result).resolves.toEqual({ kind: "success", value: "ok" });
    // 247 ms, then 495 ms: the policy's own backoff, not the server's 11 days.
    expect(starts.map((s) => s.at - t0)).toEqual([0, 247, 742]);
  });

  it("still honours a Retry-After that fits before the deadline when told to keep to its backoff", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { send, starts } = scripted([retryable("429", 3_000), { kind: "success", value: "ok" }], () =>
      clock.now(),
    );
    const result = withRetry(send, {
      clock,
      random: () => 0.99,
      deadlineMs: t0 + 10_000,
      retryAfterPastDeadline: "backoff",
    });
    await clock.advance(10_000);
    await expect(result).resolves.toEqual({ kind: "success", value: "ok" });
    expect(starts.map((s) => s.at - t0)).toEqual([0, 3_000]);
  });

  it("waits at most 5 min for a Retry-After, then tries again", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { send, starts } = scripted([retryable("429", 999_999_000), { kind: "success", value: "ok" }], () =>
      clock.now(),
    );
    const result = withRetry(send, { clock, deadlineMs: t0 + 3_600_000 });
    await clock.advance(MAX_RETRY_AFTER_MS);
    await expect(result).resolves.toEqual({ kind: "success", value: "ok" });
    expect(starts.map((s) => s.at - t0)).toEqual([0, MAX_RETRY_AFTER_MS]);
  });

  it("stops waiting when its signal aborts", async () => {
    const clock = createFakeClock();
    const { send, starts } = scripted([retryable("a"), retryable("b")], () => clock.now());
    const controller = new AbortController();
    const result = withRetry(send, { clock, signal: controller.signal });
    await clock.settle();
    controller.abort();
    const outcome = await result;
    expect(outcome.kind === "retryable" && outcome.error.message).toBe("a");
    expect(starts).toHaveLength(1);
  });
});
