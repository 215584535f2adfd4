import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/core/duration.js";

describe("parseDuration", () => {
  it("reads the units users write", () => {
    expect(parseDuration("15s")).toBe(15_000);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("6h")).toBe(21_600_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5s")).toBe(1500);
  });
  it("refuses what is not a duration", () => {
    for (const bad of ["ten", "15", "", "-1s", "1d", "s", "15 s"]) expect(parseDuration(bad)).toBeUndefined();
  });
  it("formats back", () => {
    expect(formatDuration(45_000)).toBe("45s");
    expect(formatDuration(120_000)).toBe("2m");
    expect(formatDuration(250)).toBe("250ms");
  });
});
