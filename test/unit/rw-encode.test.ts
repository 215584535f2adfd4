import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeWriteRequest, readWriteRequest } from "../../src/emulator/rw-decode.js";
import {
  encodeLabels,
  encodeWriteRequest,
  STALE_NAN_BITS,
  type WriteSeries,
} from "../../src/remote-write/encode.js";
import { createSignalModel } from "../../src/signals/model.js";
import type { MetricFamily, Series } from "../../src/signals/types.js";
import { mixedFleet } from "../helpers/collectors.js";
import { anyTimestampMs, expectOneSampleEach, seriesWithValues } from "../helpers/rw-arbitraries.js";

/**
 * The golden files were written by protobufjs reflection from the prompb schema (values given as their
 * IEEE-754 bits), not by the project's encoder: matching them byte for byte checks our wire layout
 * against an independent protobuf implementation.
 */
const golden = (name: string) =>
  new Uint8Array(Buffer.from(readFileSync(`test/fixtures/${name}`, "utf8").replace(/\s+/g, ""), "hex"));

const GOLDEN_SERIES: Series[] = [
  {
    family: 0,
    labels: [
      ["__name__", "up"],
      ["collector_id", "fleet-management-ci-linux-01"],
      ["job", "integrations/alloy"],
    ],
  },
  {
    family: 1,
    labels: [
      ["__name__", "alloy_resources_process_cpu_seconds_total"],
      ["collector_id", "fleet-management-ci-linux-01"],
      ["job", "integrations/alloy"],
    ],
  },
  {
    family: 2,
    labels: [
      ["__name__", "alloy_component_evaluation_seconds_bucket"],
      ["job", "integrations/alloy"],
      ["le", "+Inf"],
    ],
  },
  {
    family: 3,
    labels: [
      ["__name__", "go_goroutines"],
      ["note", "café ✓"],
    ],
  },
];
const GOLDEN_VALUES = Float64Array.of(1, 12345.678, 24, -0.5);
const GOLDEN_FAMILIES: MetricFamily[] = [
  { name: "up", type: "gauge", help: "Whether the collector is up." },
  {
    name: "alloy_resources_process_cpu_seconds_total",
    type: "counter",
    help: "Total user and system CPU time spent in seconds.",
  },
  {
    name: "alloy_component_evaluation_seconds",
    type: "histogram",
    help: "Time spent performing component evaluation.",
  },
];
const T0 = Date.UTC(2026, 0, 1);

/** The golden series with one sample each, at `timestampMs` (stale markers, or GOLDEN_VALUES). */
const goldenRequest = (timestampMs: number, stale: boolean): WriteSeries[] =>
  GOLDEN_SERIES.map((s, i) => ({
    labels: s.labels,
    samples: [{ value: GOLDEN_VALUES[i]!, timestampMs, stale }],
  }));

const STALE_LE = [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f];

function containsBytes(haystack: Uint8Array, needle: readonly number[]): number {
  let count = 0;
  for (let i = 0; i + needle.length <= haystack.length; i++)
    if (needle.every((b, j) => haystack[i + j] === b)) count++;
  return count;
}

describe("WriteRequest encoding", () => {
  it("matches the golden samples request byte for byte, metadata included", () => {
    expect(Buffer.from(encodeWriteRequest(goldenRequest(T0, false), GOLDEN_FAMILIES)).toString("hex")).toBe(
      Buffer.from(golden("rw-samples.golden.hex")).toString("hex"),
    );
  });

  it("matches the golden stale-marker request byte for byte", () => {
    expect(Buffer.from(encodeWriteRequest(goldenRequest(T0 + 15_001, true))).toString("hex")).toBe(
      Buffer.from(golden("rw-stale.golden.hex")).toString("hex"),
    );
  });

  it("writes the stale marker with the exact bits 0x7ff0000000000002, not a JS NaN", () => {
    const bytes = encodeWriteRequest([
      { labels: [["__name__", "up"]], samples: [{ value: 0, timestampMs: T0, stale: true }] },
    ]);
    expect(containsBytes(bytes, STALE_LE)).toBe(1);
    const sample = decodeWriteRequest(bytes).timeseries[0]!.samples[0]!;
    expect(sample.bits).toBe(STALE_NAN_BITS);
    expect(sample.stale).toBe(true);

    const plainNaN = decodeWriteRequest(
      encodeWriteRequest([{ labels: [["__name__", "up"]], samples: [{ value: NaN, timestampMs: T0 }] }]),
    ).timeseries[0]!.samples[0]!;
    expect(plainNaN.stale).toBe(false);
  });

  it("decodes to the golden content with an independent decoder, and the receiver's decoder agrees", () => {
    const request = decodeWriteRequest(golden("rw-samples.golden.hex"));
    expect(readWriteRequest(golden("rw-samples.golden.hex"))).toEqual(request);
    expect(readWriteRequest(golden("rw-stale.golden.hex"))).toEqual(
      decodeWriteRequest(golden("rw-stale.golden.hex")),
    );
    expect(request.timeseries.map((ts) => ts.labels)).toEqual(GOLDEN_SERIES.map((s) => s.labels));
    expect(request.timeseries.map((ts) => ts.samples[0]!.value)).toEqual([...GOLDEN_VALUES]);
    expect(request.timeseries.every((ts) => ts.samples[0]!.timestampMs === T0)).toBe(true);
    expect(request.metadata.map((m) => [m.type, m.family, m.help])).toEqual([
      ["GAUGE", "up", "Whether the collector is up."],
      [
        "COUNTER",
        "alloy_resources_process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
      ],
      ["HISTOGRAM", "alloy_component_evaluation_seconds", "Time spent performing component evaluation."],
    ]);
  });

  it("keeps every series' labels sorted, unique and complete on the wire", () => {
    const model = createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 });
    const bytes = encodeWriteRequest(
      model.collectors.flatMap((c) =>
        c.series.map((s) => ({ labels: s.labels, samples: [{ value: 0, timestampMs: T0, stale: true }] })),
      ),
    );
    const decoded = decodeWriteRequest(bytes).timeseries;
    expect(readWriteRequest(bytes).timeseries).toEqual(decoded);
    const expected = model.collectors.flatMap((c) => c.series.map((s) => s.labels));
    expect(decoded.map((ts) => ts.labels)).toEqual(expected);
    for (const ts of decoded) {
      const names = ts.labels.map(([n]) => n);
      expect(names[0]).toBe("__name__");
      expect([...names].sort()).toEqual(names);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it("refuses unsorted or repeated label names before anything is sent", () => {
    expect(() =>
      encodeLabels([
        ["__name__", "up"],
        ["os", "linux"],
        ["job", "x"],
      ]),
    ).toThrow(/not sorted/);
    expect(() =>
      encodeLabels([
        ["__name__", "up"],
        ["job", "a"],
        ["job", "b"],
      ]),
    ).toThrow(/job appears twice/);
  });

  it("leaves out labels with empty values, which Prometheus treats as absent", () => {
    const [series] = decodeWriteRequest(
      encodeWriteRequest([
        {
          labels: [
            ["__name__", "up"],
            ["cluster", ""],
            ["job", "j"],
          ],
          samples: [{ value: 1, timestampMs: T0 }],
        },
      ]),
    ).timeseries;
    expect(series!.labels).toEqual([
      ["__name__", "up"],
      ["job", "j"],
    ]);
  });

  it("round-trips any label values, doubles and timestamps, read alike by both decoders (property)", () => {
    fc.assert(
      fc.property(seriesWithValues, anyTimestampMs, ({ series, values }, timestampMs) => {
        const bytes = encodeWriteRequest(
          series.map((s, i) => ({ labels: s.labels, samples: [{ value: values[i]!, timestampMs }] })),
        );
        const decoded = decodeWriteRequest(bytes).timeseries;
        expect(readWriteRequest(bytes).timeseries).toEqual(decoded);
        expectOneSampleEach(decoded, series, values, timestampMs);
      }),
      { numRuns: 300 },
    );
  });
});
