import { createRequire } from "node:module";
import fc from "fast-check";
import { uncompress } from "snappyjs";
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { decodeWriteRequest } from "../../src/emulator/rw-decode.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { planBatches } from "../../src/remote-write/batch.js";
import { createCompressedFleet, type CompressedFleet } from "../../src/remote-write/compressed-fleet.js";
import {
  createCompressedRequestBuilder,
  MAX_PREAMBLE_BYTES,
  planCompressedBatches,
} from "../../src/remote-write/compressed-request.js";
import {
  compressBlockFragment,
  createCompressedTemplate,
  sliceTemplate,
} from "../../src/remote-write/compressed-template.js";
import { DEFAULT_MAX_BATCH_BYTES } from "../../src/remote-write/tick-writer.js";
import {
  createSeriesTemplate,
  createWriteRequestEncoder,
  encodeMetadata,
  STALE_NAN_BITS,
  timestampWidthOf,
} from "../../src/remote-write/encode.js";
import { writeVarint } from "../../src/remote-write/proto-writer.js";
import { compressBlock, maxRawLengthFor } from "../../src/remote-write/snappy.js";
import { compressFragment } from "../../src/remote-write/snappy-frame.js";
import { createSignalModel } from "../../src/signals/model.js";
import type { Series, SignalModel } from "../../src/signals/types.js";
import { mixedFleet, standaloneFleet } from "../helpers/collectors.js";
import {
  golden,
  GOLDEN_COLLECTORS,
  GOLDEN_FAMILIES,
  GOLDEN_STALE_AT,
  GOLDEN_T0,
  GOLDEN_VALUES,
} from "../helpers/rw-golden.js";
import { referenceUncompress, SnappyFormatError } from "../helpers/snappy-reference.js";

/**
 * Every body is inflated by three decoders that share no code with src/remote-write: snappyjs 0.7 (what
 * the local receiver uses), the snappyjs 0.6.1 that the prometheus-remote-write peer bundles, and a strict
 * decoder written from google/snappy format_description.txt (test/helpers/snappy-reference.ts).
 */
const peerRequire = createRequire(createRequire(import.meta.url).resolve("prometheus-remote-write"));
const peerSnappy = peerRequire("snappyjs") as { uncompress(block: Uint8Array): Uint8Array };

function inflate(body: Uint8Array): Buffer {
  const reference = Buffer.from(referenceUncompress(body));
  expect(Buffer.from(uncompress(body)).equals(reference)).toBe(true);
  expect(Buffer.from(peerSnappy.uncompress(Buffer.from(body))).equals(reference)).toBe(true);
  return reference;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** What the current encoder (encode.ts, uncompressed frames) writes for these collectors, in this order. */
function todaysRequest(
  collectors: readonly (readonly Series[])[],
  list: readonly number[],
  timestampMs: number,
  sample: { values: Float64Array; offsets: readonly number[]; metadata: Uint8Array } | "stale",
): Buffer {
  const encoder = createWriteRequestEncoder();
  encoder.begin(timestampMs);
  for (const i of list) {
    const template = createSeriesTemplate(collectors[i]!);
    if (sample === "stale") encoder.addStaleMarkers(template);
    else encoder.addSamples(template, sample.values, sample.offsets[i]);
  }
  if (sample !== "stale") encoder.addMetadata(sample.metadata);
  return Buffer.from(encoder.finish());
}

interface Fleet {
  model: SignalModel;
  series: (readonly Series[])[];
  offsets: number[];
  values: Float64Array;
  metadata: Uint8Array;
}

function fleetOf(model: SignalModel, atMs: number): Fleet {
  const values = new Float64Array(model.seriesPerTick);
  const offsets: number[] = [];
  let offset = 0;
  for (const c of model.collectors) {
    c.valuesAt(atMs, values, offset);
    offsets.push(offset);
    offset += c.series.length;
  }
  return {
    model,
    series: model.collectors.map((c) => c.series),
    offsets,
    values,
    metadata: encodeMetadata(model.families),
  };
}

/** The request body the new path writes for `list` (collector indices, in order). */
function newRequest(
  compressed: CompressedFleet,
  fleet: Fleet,
  list: readonly number[],
  timestampMs: number,
  kind: "samples" | "stale",
): Uint8Array {
  const builder = createCompressedRequestBuilder(64);
  builder.begin(timestampMs);
  for (const piece of compressed.cover(list, timestampWidthOf(timestampMs))) {
    if (kind === "stale") builder.addStaleMarkers(piece.template);
    else builder.addSamples(piece.template, fleet.values, fleet.offsets[piece.firstCollector]);
  }
  if (kind === "samples") builder.addMetadata(compressBlockFragment(fleet.metadata));
  const body = builder.finish().slice();
  expect(builder.length).toBe(body.length);
  return body;
}

const T0 = GOLDEN_T0;

describe("pre-compressed frames", () => {
  it("inflate to the golden samples request byte for byte, under three independent decoders", () => {
    const builder = createCompressedRequestBuilder(16); // small, so the buffer has to grow
    builder.begin(GOLDEN_T0);
    builder.addSamples(createCompressedTemplate(GOLDEN_COLLECTORS[0]!), GOLDEN_VALUES, 0);
    builder.addSamples(createCompressedTemplate(GOLDEN_COLLECTORS[1]!), GOLDEN_VALUES, 2);
    builder.addMetadata(compressBlockFragment(encodeMetadata(GOLDEN_FAMILIES)));
    const body = builder.finish();
    expect(hex(inflate(body))).toBe(hex(golden("rw-samples.golden.hex")));
    expect(builder.rawLength).toBe(golden("rw-samples.golden.hex").length);
  });

  it("inflate to the golden stale-marker request byte for byte, with the marker's exact bits", () => {
    const builder = createCompressedRequestBuilder();
    builder.begin(GOLDEN_STALE_AT);
    for (const series of GOLDEN_COLLECTORS) builder.addStaleMarkers(createCompressedTemplate(series));
    const inflated = inflate(builder.finish());
    expect(hex(inflated)).toBe(hex(golden("rw-stale.golden.hex")));
    const samples = decodeWriteRequest(inflated).timeseries.map((ts) => ts.samples[0]!);
    expect(samples).toHaveLength(4);
    for (const sample of samples) {
      expect(sample.bits).toBe(STALE_NAN_BITS);
      expect(sample.timestampMs).toBe(GOLDEN_STALE_AT);
    }
  });

  it("give today's bytes for any subset of a fleet, in any order, samples or stale markers (property)", () => {
    const model = createSignalModel(
      [...mixedFleet(), ...standaloneFleet(12, { blueprint: "other", os: "windows" })],
      {
        fleetStartMs: T0,
        intervalMs: 15_000,
      },
    );
    const fleet = fleetOf(model, T0 + 60_000);
    const compressed = createCompressedFleet(fleet.series, { collectorsPerFragment: 4 });
    const all = fleet.series.map((_, i) => i);
    fc.assert(
      fc.property(
        fc.oneof(fc.shuffledSubarray(all), fc.subarray(all)),
        fc.constantFrom<"samples" | "stale">("samples", "stale"),
        // Timestamps whose varints take 6 bytes (today), 1, 3 and 10 (negative): each width's frame.
        fc.constantFrom(T0 + 60_000, 5, 1_000_000, -1),
        (list, kind, timestampMs) => {
          const body = newRequest(compressed, fleet, list, timestampMs, kind);
          const expected = todaysRequest(fleet.series, list, timestampMs, kind === "stale" ? "stale" : fleet);
          expect(hex(inflate(body))).toBe(hex(expected));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("use a shared fragment only for its whole run of collectors, and each collector's own otherwise", () => {
    const fleet = fleetOf(createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 }), T0);
    const compressed = createCompressedFleet(fleet.series, { collectorsPerFragment: 4 });
    const shape = (list: number[]) =>
      compressed.cover(list).map((p) => [p.firstCollector, p.end - p.start, p.template.seriesCount]);
    const n = (i: number) => fleet.series[i]!.length;
    expect(shape([0, 1, 2, 3, 4, 5, 6, 7])).toEqual([
      [0, 4, n(0) + n(1) + n(2) + n(3)],
      [4, 4, n(4) + n(5) + n(6) + n(7)],
    ]);
    expect(shape([0, 1, 3, 4, 5, 6, 7])).toEqual([
      [0, 1, n(0)],
      [1, 1, n(1)],
      [3, 1, n(3)],
      [4, 4, n(4) + n(5) + n(6) + n(7)],
    ]);
    expect(shape([1, 0])).toEqual([
      [1, 1, n(1)],
      [0, 1, n(0)],
    ]);
    expect(() => compressed.cover([fleet.series.length])).toThrow(/no collector/);
  });

  it("are self-contained: every fragment inflates alone, so no copy reaches outside it", () => {
    const fleet = fleetOf(createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 }), T0);
    const compressed = createCompressedFleet(fleet.series, { collectorsPerFragment: 3 });
    const all = fleet.series.map((_, i) => i);
    const pieces = [...compressed.cover(all), ...all.flatMap((i) => compressed.cover([i]))];
    // Timestamps whose varints take 6, 1 and 10 bytes.
    for (const timestampMs of [T0, 5, -1]) {
      const timestamp = new Uint8Array(10);
      const stamp = timestamp.subarray(0, writeVarint(timestamp, 0, timestampMs));
      for (const piece of pieces) {
        const frame = piece.template.frame(stamp.length);
        const block = new Uint8Array(MAX_PREAMBLE_BYTES + frame.bytes.length);
        const start = writeVarint(block, 0, frame.rawLength);
        const end = start + piece.template.writeStale(block, start, stamp);
        // The strict decoder throws on a copy whose offset passes the start of the output.
        const list = all.slice(piece.firstCollector, piece.firstCollector + piece.end - piece.start);
        expect(hex(referenceUncompress(block.subarray(0, end)))).toBe(
          hex(todaysRequest(fleet.series, list, timestampMs, "stale")),
        );
      }
    }
    // The same decoder does refuse a copy that reaches back before the output's start.
    expect(() => referenceUncompress(Uint8Array.of(8, 0x00, 0x61, 0x0d, 0x02))).toThrow(SnappyFormatError);
  });

  it("size requests by their exact compressed bytes, filling each up to the limit", () => {
    const model = createSignalModel([...mixedFleet(), ...standaloneFleet(30, { blueprint: "other" })], {
      fleetStartMs: T0,
      intervalMs: 15_000,
    });
    const fleet = fleetOf(model, T0);
    const compressed = createCompressedFleet(fleet.series, { collectorsPerFragment: 2 });
    const metadata = compressBlockFragment(fleet.metadata);
    const pieces = compressed.cover(fleet.series.map((_, i) => i));
    const frames = pieces.map((p) => p.template.frame(timestampWidthOf(T0)));
    for (const limits of [
      { maxBodyBytes: 4000, perRequest: metadata },
      { maxBodyBytes: 9000, maxRawBytes: 40_000, perRequest: metadata },
      { maxBodyBytes: 100 },
    ]) {
      const batches = planCompressedBatches(frames, limits);
      expect(batches.flatMap((b) => pieces.slice(b.start, b.end))).toEqual(pieces);
      const builder = createCompressedRequestBuilder();
      const bodySize = (from: number, to: number) => {
        builder.begin(T0);
        for (let k = from; k < to; k++)
          builder.addSamples(pieces[k]!.template, fleet.values, fleet.offsets[pieces[k]!.firstCollector]);
        if (limits.perRequest) builder.addMetadata(limits.perRequest);
        return { bytes: builder.finish().length, raw: builder.rawLength };
      };
      batches.forEach((b, i) => {
        const size = bodySize(b.start, b.end);
        const alone = b.end - b.start === 1;
        if (!alone) expect(size.bytes).toBeLessThanOrEqual(limits.maxBodyBytes);
        if (!alone && limits.maxRawBytes) expect(size.raw).toBeLessThanOrEqual(limits.maxRawBytes);
        // Full: the next frame would not have fitted (the preamble is counted at its widest).
        if (i + 1 < batches.length) {
          const grown = bodySize(b.start, b.end + 1);
          expect(
            grown.bytes + MAX_PREAMBLE_BYTES > limits.maxBodyBytes ||
              (limits.maxRawBytes !== undefined && grown.raw > limits.maxRawBytes),
          ).toBe(true);
        }
      });
    }
  });

  it("keep value bytes in literals and tied bytes copied only from their own place (property)", () => {
    // Short alphabets and repeated chunks, so the compressor finds plenty of copies to get wrong.
    const chunk = fc.uint8Array({ minLength: 1, maxLength: 40, min: 0, max: 3 });
    fc.assert(
      fc.property(
        fc.array(chunk, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (chunks, picks, tiedValues) => {
          const raw = Uint8Array.from(chunks.flatMap((c, i) => [...c, ...chunks[i % 3]!]));
          // Variable runs of 1–3 bytes and tied runs of 4 bytes, apart, at positions picked from `picks`.
          const variable: number[] = [];
          const tied: number[] = [];
          let next = 0;
          for (const pick of picks) {
            const start = next + (pick % 7);
            const isTied = pick % 2 === 0;
            const length = isTied ? 4 : 1 + (pick % 3);
            if (start + length > raw.length) break;
            (isTied ? tied : variable).push(start, length);
            next = start + length;
          }
          const fragment = compressFragment(raw, {
            variable: Uint32Array.from(variable),
            tied: Uint32Array.from(tied),
          });
          const literalAt = (r: number) => {
            const l = fragment.literals;
            for (let i = 0; i < l.length; i += 3)
              if (l[i]! <= r && r < l[i + 1]!) return l[i + 2]! + r - l[i]!;
            return -1;
          };
          // Rewrite as a caller would: variable bytes to fresh values, tied byte k to tiedValues[k].
          const bytes = fragment.bytes.slice();
          const expected = raw.slice();
          for (let i = 0; i < variable.length; i += 2)
            for (let r = variable[i]!; r < variable[i]! + variable[i + 1]!; r++) {
              const at = literalAt(r);
              expect(at).toBeGreaterThanOrEqual(0);
              bytes[at] = expected[r] = 200 + (r % 50);
            }
          for (let i = 0; i < tied.length; i += 2)
            for (let k = 0; k < 4; k++) {
              expected[tied[i]! + k] = tiedValues[k]!;
              const at = literalAt(tied[i]! + k);
              if (at >= 0) bytes[at] = tiedValues[k]!;
            }
          const preamble = new Uint8Array(MAX_PREAMBLE_BYTES);
          const block = Buffer.concat([preamble.subarray(0, writeVarint(preamble, 0, raw.length)), bytes]);
          expect(hex(referenceUncompress(block))).toBe(hex(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuse unsorted labels and a request begun without a timestamp", () => {
    expect(() =>
      createCompressedFleet([
        [
          {
            family: 0,
            labels: [
              ["b", "1"],
              ["a", "2"],
            ],
          },
        ],
      ]),
    ).toThrow(/not sorted/);
    const builder = createCompressedRequestBuilder();
    expect(() => builder.addStaleMarkers(createCompressedTemplate(GOLDEN_COLLECTORS[0]!))).toThrow(/begin/);
    expect(() => builder.begin(1.5)).toThrow(/integer ms/);
    expect(() => sliceTemplate(createCompressedTemplate(GOLDEN_COLLECTORS[0]!), 1, 2)).toThrow(RangeError);
  });

  it("carry a 10,000-collector tick in a few requests under the limit, byte for byte, within 1.25× today's size", () => {
    const { blueprint } = parseBlueprint(
      [
        "name: big",
        "features:",
        "  fleet_management:",
        "    collectors_per_os: {linux: 6000, windows: 2000, darwin: 2000}",
        "    unhealthy_per_os: {linux: 3}",
      ].join("\n"),
      "big.yaml",
    );
    const at = T0 + 3_600_000;
    const model = createSignalModel(buildRoster(blueprint).collectors, {
      fleetStartMs: T0,
      intervalMs: 15_000,
    });
    expect(model.collectors).toHaveLength(10_000);
    const fleet = fleetOf(model, at);
    const compressed = createCompressedFleet(fleet.series);
    const metadata = compressBlockFragment(fleet.metadata);
    const all = fleet.series.map((_, i) => i);
    const pieces = compressed.cover(all);
    const batches = planCompressedBatches(
      pieces.map((p) => p.template.frame(6)),
      { maxBodyBytes: DEFAULT_MAX_BATCH_BYTES, perRequest: metadata },
    );
    const todays = fleet.series.map((series) => createSeriesTemplate(series));
    const builder = createCompressedRequestBuilder();
    const encoder = createWriteRequestEncoder();
    let newBytes = 0;
    for (const b of batches) {
      builder.begin(at);
      encoder.begin(at);
      for (const piece of pieces.slice(b.start, b.end)) {
        builder.addSamples(piece.template, fleet.values, fleet.offsets[piece.firstCollector]);
        for (let k = piece.start; k < piece.end; k++)
          encoder.addSamples(todays[k]!, fleet.values, fleet.offsets[k]);
      }
      builder.addMetadata(metadata);
      encoder.addMetadata(fleet.metadata);
      const body = builder.finish();
      expect(body.length).toBeLessThanOrEqual(DEFAULT_MAX_BATCH_BYTES);
      newBytes += body.length;
      const expected = Buffer.from(encoder.finish());
      expect(Buffer.from(referenceUncompress(body)).equals(expected)).toBe(true);
      expect(Buffer.from(uncompress(body)).equals(expected)).toBe(true);
    }
    expect(batches.length).toBeLessThanOrEqual(6);

    // Today: requests planned on the raw size's worst case, snappy over each whole request.
    const rawSizes = todays.map((t) => t.frame(6).length);
    let todaysBytes = 0;
    for (const b of planBatches(rawSizes, maxRawLengthFor(DEFAULT_MAX_BATCH_BYTES) - fleet.metadata.length)) {
      encoder.begin(at);
      for (let k = b.start; k < b.end; k++) encoder.addSamples(todays[k]!, fleet.values, fleet.offsets[k]);
      encoder.addMetadata(fleet.metadata);
      todaysBytes += compressBlock(encoder.finish()).length;
    }
    expect(newBytes / todaysBytes).toBeLessThanOrEqual(1.25);
  }, 180_000);
});
