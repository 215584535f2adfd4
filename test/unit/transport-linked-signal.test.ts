import { describe, expect, it } from "vitest";
import { DeadlineError, linkedSignal } from "../../src/transport/linked-signal.js";
import { createFakeClock } from "../helpers/fake-clock.js";

describe("linkedSignal", () => {
  it("aborts with the parent's reason", () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkedSignal([a.signal, undefined, b.signal]);
    b.abort(new Error("stop"));
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as Error).message).toBe("stop");
  });

  it("starts aborted when a parent already is", () => {
    const a = new AbortController();
    a.abort(new Error("early"));
    expect(linkedSignal([a.signal]).signal.aborted).toBe(true);
  });

  it("aborts with a DeadlineError at the deadline on the injected clock", async () => {
    const clock = createFakeClock();
    const link = linkedSignal([], { clock, atMs: clock.now() + 5000, what: "the heartbeat budget" });
    await clock.advance(4999);
    expect(link.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(link.signal.reason).toBeInstanceOf(DeadlineError);
    expect((link.signal.reason as Error).message).toBe("the heartbeat budget passed");
  });

  it("lets go of its parents and its timer when disposed", async () => {
    const clock = createFakeClock();
    const parent = new AbortController();
    const link = linkedSignal([parent.signal], { clock, atMs: clock.now() + 1000 });
    link.dispose();
    expect(clock.pendingSleeps()).toBe(0);
    parent.abort();
    await clock.advance(2000);
    expect(link.signal.aborted).toBe(false);
  });
});
