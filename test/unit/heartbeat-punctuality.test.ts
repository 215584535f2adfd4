import { describe, expect, it } from "vitest";
import { heartbeatPunctuality, type LoggedRequest } from "../../scripts/heartbeat-punctuality.js";

const I = 45_000;
const FROM = 1_000_000;

const beat = (collectorId: string, time: number, extra: Partial<LoggedRequest> = {}): LoggedRequest => ({
  method: "GetConfig",
  time,
  status: 200,
  collectorId,
  ...extra,
});

/** A collector beating at FROM + phase + k·I plus the given delay per round. */
const beats = (id: string, phaseMs: number, delays: readonly number[]): LoggedRequest[] =>
  delays.map((d, k) => beat(id, FROM + phaseMs + k * I + d));

describe("heartbeat punctuality from the emulator's log", () => {
  it("counts every slot of a punctual fleet as on time", () => {
    const log = [...beats("a", 100, [30, 250, 80, 120]), ...beats("b", 22_600, [90, 40, 300, 60])];
    const p = heartbeatPunctuality(log, {
      collectorIds: ["a", "b"],
      intervalMs: I,
      fromMs: FROM,
      toMs: FROM + 4 * I,
    });
    // Slots of a at 0.1, 45.1, 90.1, 135.1 s and of b at 22.6, 67.6, 112.6, 157.6 s: all before toMs − 5 s.
    expect(p.slots).toBe(8);
    expect(p.onTime).toBe(8);
    expect(p.ratio).toBe(1);
    expect(p.gapRatio).toBe(1);
    expect(p.examples).toEqual([]);
  });

  it("misses a slot whose heartbeat came more than 5 s late, and one that never came", () => {
    const late = beats("a", 100, [50, 6_000, 50, 50]);
    const missing = beats("b", 200, [50, 50, 50, 50]).filter((_, k) => k !== 2);
    const p = heartbeatPunctuality([...late, ...missing], {
      collectorIds: ["a", "b"],
      intervalMs: I,
      fromMs: FROM,
      toMs: FROM + 4 * I,
    });
    expect(p.slots).toBe(8);
    expect(p.onTime).toBe(6);
    expect(p.delayMaxMs).toBeGreaterThanOrEqual(5_900);
    expect(p.examples).toEqual(["a", "b"]);
    // The late heartbeat spoils the gaps on both sides of it; the missing one leaves one long gap.
    expect(p.gaps).toBe(5);
    expect(p.gapsOnTime).toBe(2);
  });

  it("counts a reset heartbeat (FM recorded it) but not a refused one", () => {
    const log = [
      beat("a", FROM + 100),
      beat("a", FROM + I + 100, { status: 503, fault: "unavailable" }),
      beat("a", FROM + 2 * I + 100, { status: 0, fault: "reset" }),
      // The retry after the reset, a moment later, is the same heartbeat, not a new gap.
      beat("a", FROM + 2 * I + 400),
    ];
    const p = heartbeatPunctuality(log, {
      collectorIds: ["a"],
      intervalMs: I,
      fromMs: FROM,
      toMs: FROM + 3 * I,
    });
    expect(p.slots).toBe(3);
    expect(p.onTime).toBe(2);
    expect(p.gaps).toBe(1);
  });

  it("ignores calls before the fleet was ready and other methods", () => {
    const log = [
      beat("a", FROM - 500),
      { method: "RegisterCollector", time: FROM + 50, status: 200, collectorId: "a" },
      ...beats("a", 10_000, [0, 0]),
    ];
    const p = heartbeatPunctuality(log, {
      collectorIds: ["a"],
      intervalMs: I,
      fromMs: FROM,
      toMs: FROM + 2 * I,
    });
    expect(p.slots).toBe(2);
    expect(p.onTime).toBe(2);
  });

  it("charges a collector that was never seen with every slot of the window", () => {
    const p = heartbeatPunctuality(beats("a", 0, [10, 10, 10]), {
      collectorIds: ["a", "silent"],
      intervalMs: I,
      fromMs: FROM,
      toMs: FROM + 3 * I,
    });
    expect(p.slots).toBe(3 + 2);
    expect(p.onTime).toBe(3);
    expect(p.examples).toEqual(["silent"]);
  });
});
