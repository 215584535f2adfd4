/**
 * When cleanup takes over a dead process's fleet, it skips stale markers only when the status proves the
 * receiver stored nothing. A killed start writes "0 samples" before its first push is answered: that push may
 * have been stored, and its series must still be closed (the kill matrix found exactly this).
 */
import { describe, expect, it } from "vitest";
import { zeroRemoteWriteCounters } from "../../src/remote-write/counters.js";
import type { Status } from "../../src/runtime/status.js";
import { credentialsRefusedEverySample } from "../../src/runtime/teardown.js";

function status(remoteWrite: Partial<ReturnType<typeof zeroRemoteWriteCounters>>, error?: string): Status {
  return {
    pid: 1,
    nonce: "n",
    phase: "starting",
    startedAtMs: 0,
    updatedAtMs: 0,
    counters: { collectors: 19, remoteWrite: { ...zeroRemoteWriteCounters(), ...remoteWrite } },
    lastTimestampMs: 0,
    lastErrors: error ? { "remote-write": error } : {},
  };
}

describe("cleanup owes no stale marker", () => {
  it("when the receiver refused the credentials and accepted nothing", () => {
    expect(
      credentialsRefusedEverySample(status({ droppedSamples: 551 }, "remote write failed with HTTP 401")),
    ).toBe(true);
    expect(
      credentialsRefusedEverySample(status({ droppedSamples: 551 }, "remote write failed with HTTP 403")),
    ).toBe(true);
  });

  it("but does owe them when the status only says 0 samples so far (a start killed mid-push)", () => {
    expect(credentialsRefusedEverySample(status({}))).toBe(false);
    expect(credentialsRefusedEverySample(undefined)).toBe(false);
  });

  it("and when the failures were not a refusal of the credentials, or some samples were accepted", () => {
    expect(
      credentialsRefusedEverySample(status({ droppedSamples: 551 }, "remote write failed with HTTP 503")),
    ).toBe(false);
    expect(
      credentialsRefusedEverySample(
        status({ droppedSamples: 551, samples: 551 }, "remote write failed with HTTP 401"),
      ),
    ).toBe(false);
  });
});
