/**
 * Property-test inputs for remote-write encoders (encode.ts and the pre-compressed frames), and the check
 * that a decoded request carries them: any label names and values (sorted by name, `__name__` among them),
 * any doubles (NaN and infinities included), any timestamp in ±2^50 ms.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { DecodedSeries } from "../../src/emulator/rw-decode.js";
import type { Series } from "../../src/signals/types.js";

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/);

/** 1 to 6 series of a metric `m`, each with its value. */
export const seriesWithValues = fc
  .array(
    fc.record({
      names: fc.uniqueArray(labelName, { minLength: 0, maxLength: 8 }),
      values: fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }), {
        minLength: 8,
        maxLength: 8,
      }),
      value: fc.double(),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((specs) => ({
    series: specs.map((s): Series => ({
      family: 0,
      labels: [
        ["__name__", "m"] as const,
        ...s.names.filter((n) => n !== "__name__").map((n, i) => [n, s.values[i]!] as const),
      ].sort(([a], [b]) => (a < b ? -1 : 1)),
    })),
    values: Float64Array.from(specs.map((s) => s.value)),
  }));

export const anyTimestampMs = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });

/** `decoded` holds `series` in order, series i with one sample: `values[i]` (NaN as NaN) at `timestampMs`. */
export function expectOneSampleEach(
  decoded: readonly DecodedSeries[],
  series: readonly Series[],
  values: Float64Array,
  timestampMs: number,
): void {
  expect(decoded.map((d) => d.labels)).toEqual(series.map((s) => s.labels));
  decoded.forEach((d, i) => {
    expect(d.samples).toHaveLength(1);
    expect(
      Object.is(d.samples[0]!.value, values[i]) || (isNaN(values[i]!) && isNaN(d.samples[0]!.value)),
    ).toBe(true);
    expect(d.samples[0]!.timestampMs).toBe(timestampMs);
  });
}
