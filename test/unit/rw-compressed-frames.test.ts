import { createRequire } from "node:module";
import fc from "fast-check";
import { uncompress } from "snappyjs";
import { describe, expect, it } from "vitest";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { seededRandom } from "../../src/core/clock.js";
import { decodeWriteRequest } from "../../src/emulator/rw-decode.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { buildFrameGroups, coverFrames, type FrameRef } from "../../src/remote-write/compressed-fleet.js";
import {
  createCompressedRequestBuilder,
  MAX_PREAMBLE_BYTES,
  planCompressedBatches,
} from "../../src/remote-write/compressed-request.js";
import {
  compressBlockFragment,
  createCompressedTemplate,
  selectSeries,
  sliceTemplate,
  timestampWidthOf,
} from "../../src/remote-write/compressed-template.js";
import { encodeMetadata, encodeWriteRequest, STALE_NAN_BITS } from "../../src/remote-write/encode.js";
import { varintSize, writeVarint } from "../../src/remote-write/proto-writer.js";
import { compressBlock } from "../../src/remote-write/snappy.js";
import { compressTokens, VARIABLE, type TokenTable } from "../../src/remote-write/snappy-frame.js";
import {
  createTickWriter,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_RAW_BYTES,
  type WritePart,
} from "../../src/remote-write/tick-writer.js";
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
import { anyTimestampMs, expectOneSampleEach, seriesWithValues } from "../helpers/rw-arbitraries.js";
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

/**
 * The request the straightforward encoder (encode.ts encodeWriteRequest, held to the goldens in
 * rw-encode.test.ts) writes for these collectors in this order: what every frame body must inflate to.
 */
function expectedRequest(
  fleet: Fleet,
  list: readonly number[],
  timestampMs: number,
  kind: "samples" | "stale",
): Buffer {
  const series = list.flatMap((i) =>
    fleet.series[i]!.map((s, k) => ({
      labels: s.labels,
      samples: [{ value: fleet.values[fleet.offsets[i]! + k]!, timestampMs, stale: kind === "stale" }],
    })),
  );
  return Buffer.from(encodeWriteRequest(series, kind === "samples" ? fleet.model.families : []));
}

/** The body the frames path writes for collectors `list` (indices into `refs`, in that order). */
function framesRequest(
  refs: readonly FrameRef[],
  fleet: Fleet,
  list: readonly number[],
  timestampMs: number,
  kind: "samples" | "stale",
): Uint8Array {
  const builder = createCompressedRequestBuilder(64);
  builder.begin(timestampMs);
  const chosen = list.map((i) => refs[i]!);
  for (const piece of coverFrames(chosen)) {
    if (kind === "stale") builder.addStaleMarkers(piece.template);
    else {
      const values = Float64Array.from(
        list.slice(piece.start, piece.end).flatMap((i) => {
          const at = fleet.offsets[i]!;
          return [...fleet.values.subarray(at, at + fleet.series[i]!.length)];
        }),
      );
      builder.addSamples(piece.template, values, 0);
    }
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

  it("give the straightforward encoder's bytes for any run of a fleet, in any order, samples or stale markers (property)", () => {
    const model = createSignalModel(
      [...mixedFleet(), ...standaloneFleet(12, { blueprint: "other", os: "windows" })],
      { fleetStartMs: T0, intervalMs: 15_000 },
    );
    const fleet = fleetOf(model, T0 + 60_000);
    const refs = buildFrameGroups(
      model.collectors.map((c) => c.labels),
      { collectorsPerGroup: 4 },
    );
    const all = fleet.series.map((_, i) => i);
    fc.assert(
      fc.property(
        fc.oneof(fc.shuffledSubarray(all), fc.subarray(all)),
        fc.constantFrom<"samples" | "stale">("samples", "stale"),
        // Timestamps whose varints take 6 bytes (today), 1, 3 and 10 (negative): each width's frame.
        fc.constantFrom(T0 + 60_000, 5, 1_000_000, -1),
        (list, kind, timestampMs) => {
          const body = framesRequest(refs, fleet, list, timestampMs, kind);
          expect(hex(inflate(body))).toBe(hex(expectedRequest(fleet, list, timestampMs, kind)));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("use a group's fragment whole for all its collectors in order, and a cut one for any other run", () => {
    const model = createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 });
    const refs = buildFrameGroups(
      model.collectors.map((c) => c.labels),
      { collectorsPerGroup: 4 },
    );
    const n = (i: number) => model.collectors[i]!.series.length;
    const shape = (list: number[]) =>
      coverFrames(list.map((i) => refs[i]!)).map((p) => [p.start, p.end, p.template.seriesCount]);
    expect(shape([0, 1, 2, 3, 4, 5, 6, 7])).toEqual([
      [0, 4, n(0) + n(1) + n(2) + n(3)],
      [4, 8, n(4) + n(5) + n(6) + n(7)],
    ]);
    expect(coverFrames(refs.slice(0, 4))[0]!.template).toBe(refs[0]!.group.whole);
    // Collector 2 dropped out: 0, 1 and 3 travel as one fragment cut for them, the next group whole.
    expect(shape([0, 1, 3, 4, 5, 6, 7])).toEqual([
      [0, 3, n(0) + n(1) + n(3)],
      [3, 7, n(4) + n(5) + n(6) + n(7)],
    ]);
    // Cut once, then reused while the same collectors travel together.
    const cut = coverFrames([0, 1, 3].map((i) => refs[i]!))[0]!.template;
    expect(coverFrames([0, 1, 3].map((i) => refs[i]!))[0]!.template).toBe(cut);
    // Out of order, each collector alone.
    expect(shape([1, 0])).toEqual([
      [0, 1, n(1)],
      [1, 2, n(0)],
    ]);
    // Not joinable (samples next to stale markers): split where the kind changes.
    expect(coverFrames(refs.slice(0, 4), (a, b) => a < 2 === b < 2).map((p) => [p.start, p.end])).toEqual([
      [0, 2],
      [2, 4],
    ]);
  });

  it("are self-contained: every fragment inflates alone, so no copy reaches outside it", () => {
    const model = createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 });
    const fleet = fleetOf(model, T0);
    const refs = buildFrameGroups(
      model.collectors.map((c) => c.labels),
      { collectorsPerGroup: 3 },
    );
    const all = fleet.series.map((_, i) => i);
    const runs = [all, ...all.map((i) => [i]), all.filter((i) => i % 3 !== 1)];
    // Timestamps whose varints take 6, 1 and 10 bytes.
    for (const timestampMs of [T0, 5, -1]) {
      const timestamp = new Uint8Array(10);
      const stamp = timestamp.subarray(0, writeVarint(timestamp, 0, timestampMs));
      for (const run of runs)
        for (const piece of coverFrames(run.map((i) => refs[i]!))) {
          const frame = piece.template.frame(stamp.length);
          const block = new Uint8Array(MAX_PREAMBLE_BYTES + frame.bytes.length);
          const start = writeVarint(block, 0, frame.rawLength);
          const end = start + piece.template.writeStale(block, start, stamp);
          // The strict decoder throws on a copy whose offset passes the start of the output.
          expect(hex(referenceUncompress(block.subarray(0, end)))).toBe(
            hex(expectedRequest(fleet, run.slice(piece.start, piece.end), timestampMs, "stale")),
          );
        }
    }
    // The same decoder does refuse a copy that reaches back before the output's start.
    expect(() => referenceUncompress(Uint8Array.of(8, 0x00, 0x61, 0x0d, 0x02))).toThrow(SnappyFormatError);
  });

  it("size requests by their exact compressed and raw bytes, filling each up to the limit", () => {
    const model = createSignalModel([...mixedFleet(), ...standaloneFleet(30, { blueprint: "other" })], {
      fleetStartMs: T0,
      intervalMs: 15_000,
    });
    const fleet = fleetOf(model, T0);
    const refs = buildFrameGroups(
      model.collectors.map((c) => c.labels),
      { collectorsPerGroup: 2 },
    );
    const metadata = compressBlockFragment(fleet.metadata);
    const pieces = coverFrames(refs);
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
          builder.addSamples(pieces[k]!.template, fleet.values, fleet.offsets[pieces[k]!.start]);
        if (limits.perRequest) builder.addMetadata(limits.perRequest);
        return { bytes: builder.finish().length, raw: builder.rawLength };
      };
      batches.forEach((b, i) => {
        const size = bodySize(b.start, b.end);
        // The body's size, but for a preamble counted at its widest.
        expect(b.bytes).toBe(size.bytes - varintSize(size.raw) + MAX_PREAMBLE_BYTES);
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

  it("round-trip any label values, doubles and timestamps through a fragment (property)", () => {
    fc.assert(
      fc.property(seriesWithValues, anyTimestampMs, ({ series, values }, timestampMs) => {
        const builder = createCompressedRequestBuilder(16);
        builder.begin(timestampMs);
        builder.addSamples(createCompressedTemplate(series), values, 0);
        const decoded = decodeWriteRequest(inflate(builder.finish())).timeseries;
        expectOneSampleEach(decoded, series, values, timestampMs);
      }),
      { numRuns: 300 },
    );
  });

  it("keep variable slots in literals and copy the patched token only onto itself (property)", () => {
    // A small alphabet of short tokens, so the compressor finds plenty of runs to get wrong.
    const tokenBytes = fc.uint8Array({ minLength: 1, maxLength: 6, min: 0, max: 3 });
    fc.assert(
      fc.property(
        fc.array(tokenBytes, { minLength: 2, maxLength: 8 }),
        fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 200 }),
        fc.uint8Array({ minLength: 3, maxLength: 3 }),
        // Where the stream's records start: the compressor also looks at the same place in earlier ones.
        fc.uniqueArray(fc.nat({ max: 199 }), { maxLength: 30 }),
        (alphabet, picks, stamp, starts) => {
          // Token 0..n-1: the alphabet; token n: the patched one (3 bytes); picks ≥ n+1 are variable slots.
          const patched = alphabet.length;
          const all = [...alphabet, new Uint8Array(3)];
          const start = new Int32Array(all.length);
          const length = new Int32Array(all.length);
          const bytes = new Uint8Array(all.reduce((n, t) => n + t.length, 0));
          let at = 0;
          all.forEach((t, i) => {
            start[i] = at;
            length[i] = t.length;
            bytes.set(t, at);
            at += t.length;
          });
          const table: TokenTable = { bytes, start, length, count: all.length, patched };
          const stream = Int32Array.from(picks, (p) => (p > patched ? VARIABLE : p));
          const segments = Int32Array.from(
            [0, ...starts.filter((p) => p > 0 && p < stream.length)].sort((a, b) => a - b),
          );
          const fragment = compressTokens(table, stream, stream.length, segments);
          // Write fresh values into the slots and the stamp into the patched token's literals.
          const out = fragment.bytes.slice();
          const expected: number[] = [];
          let slot = 0;
          for (const token of stream) {
            if (token === VARIABLE) {
              const value = Array.from({ length: 8 }, (_, k) => 100 + ((slot * 8 + k) % 150));
              out.set(value, fragment.variableAt[slot++]);
              expected.push(...value);
            } else expected.push(...(token === patched ? stamp : all[token]!));
          }
          for (const p of fragment.patchedAt) out.set(stamp, p);
          expect(slot).toBe(fragment.variableAt.length);
          const preamble = new Uint8Array(MAX_PREAMBLE_BYTES);
          const block = Buffer.concat([preamble.subarray(0, writeVarint(preamble, 0, expected.length)), out]);
          expect(hex(referenceUncompress(block))).toBe(hex(Uint8Array.from(expected)));
          expect(fragment.rawLength).toBe(expected.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("inflate to their stream when the same place in an earlier record holds other tokens", () => {
    // Records that begin alike (the same first two tokens) and go on differently, from 4,000 tokens: the
    // compressor's candidate at the same place of the earlier record must be checked, not trusted.
    const random = seededRandom(7);
    const count = 4000;
    const start = new Int32Array(count);
    const length = new Int32Array(count);
    const bytes = new Uint8Array(count * 5);
    for (let t = 0; t < count; t++) {
      start[t] = t * 5;
      length[t] = 5;
      bytes.set([t & 0xff, t >>> 8, 1, 2, 3], t * 5);
    }
    const table: TokenTable = { bytes, start, length, count, patched: -1 };
    const phrases = Array.from({ length: 300 }, () =>
      Array.from({ length: 6 }, () => Math.floor(random() * count)),
    );
    const tokens: number[] = [];
    const segments: number[] = [];
    for (let r = 0; r < 6000; r++) {
      segments.push(tokens.length);
      const phrase = phrases[Math.floor(random() * 300)]!;
      tokens.push(r % 3, 7, ...phrase.slice(0, 2 + Math.floor(random() * 4)));
    }
    const stream = Int32Array.from(tokens);
    const fragment = compressTokens(table, stream, stream.length, Int32Array.from(segments));
    const expected = Buffer.concat(tokens.map((t) => bytes.subarray(t * 5, t * 5 + 5)));
    const preamble = new Uint8Array(MAX_PREAMBLE_BYTES);
    const block = Buffer.concat([
      preamble.subarray(0, writeVarint(preamble, 0, expected.length)),
      fragment.bytes,
    ]);
    expect(Buffer.from(referenceUncompress(block)).equals(expected)).toBe(true);
  });

  it("refuse unsorted labels, a request begun without a timestamp, and series that are not there", () => {
    const unsorted = [
      {
        family: 0,
        labels: [
          ["b", "1"],
          ["a", "2"],
        ] as const,
      },
    ];
    expect(() => createCompressedTemplate(unsorted)).toThrow(/not sorted/);
    expect(() =>
      buildFrameGroups([
        {
          shared: [["job", "a"]],
          own: [
            [
              ["__name__", "up"],
              ["job", "b"],
            ],
          ],
        },
      ]),
    ).toThrow(/job appears twice/);
    const builder = createCompressedRequestBuilder();
    expect(() => builder.addStaleMarkers(createCompressedTemplate(GOLDEN_COLLECTORS[0]!))).toThrow(/begin/);
    expect(() => builder.begin(1.5)).toThrow(/integer ms/);
    const template = createCompressedTemplate(GOLDEN_COLLECTORS[0]!);
    expect(() => sliceTemplate(template, 1, 2)).toThrow(RangeError);
    expect(() => selectSeries(template, [1, 0])).toThrow(RangeError);
  });

  it("write a built request again in place: the bytes a fresh build at the new timestamp and values makes", () => {
    const model = createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 });
    const templates = model.collectors.slice(0, 3).map((c) => createCompressedTemplate(c.series));
    const metadata = compressBlockFragment(encodeMetadata(model.families));
    const build = (builder: ReturnType<typeof createCompressedRequestBuilder>, at: number) => {
      const fleet = fleetOf(model, at);
      builder.begin(at);
      builder.addSamples(templates[0]!, fleet.values, fleet.offsets[0]);
      builder.addStaleMarkers(templates[1]!);
      builder.addSamples(templates[2]!, fleet.values, fleet.offsets[2]);
      builder.addMetadata(metadata);
      return { body: builder.finish(), fleet };
    };
    const kept = createCompressedRequestBuilder();
    const first = build(kept, T0 + 60_000);
    const before = first.body.slice();
    for (const at of [T0 + 75_000, T0 + 90_000]) {
      const again = kept.rewrite(at, fleetOf(model, at).values);
      expect(again).toBe(first.body); // the same bytes, written in place
      const fresh = build(createCompressedRequestBuilder(), at);
      expect(hex(again)).toBe(hex(fresh.body));
      const samples = decodeWriteRequest(inflate(again)).timeseries.map((ts) => ts.samples[0]!);
      expect(samples.every((sample) => sample.timestampMs === at)).toBe(true);
      const stale = samples
        .slice(model.collectors[0]!.series.length)
        .slice(0, model.collectors[1]!.series.length);
      expect(stale.every((sample) => sample.bits === STALE_NAN_BITS)).toBe(true);
    }
    expect(hex(first.body)).not.toBe(hex(before));
    // A timestamp of another width would need other frames; values that fall short are refused; neither
    // writes a byte.
    const written = first.body.slice();
    expect(() => kept.rewrite(2 ** 42, fleetOf(model, T0).values)).toThrow(/6-byte timestamps/);
    expect(() => kept.rewrite(T0 + 105_000, new Float64Array(3))).toThrow(/values reach/);
    expect(hex(first.body)).toBe(hex(written));
    expect(() => createCompressedRequestBuilder().rewrite(T0, new Float64Array(0))).toThrow(/follows finish/);
  });

  it("keep the value places of a record over 64 KiB, and fit the others' in two bytes each", () => {
    const long: Series[] = [
      {
        family: 0,
        labels: [
          ["__name__", "m"],
          ["big", "x".repeat(70_000)],
        ],
      },
      {
        family: 0,
        labels: [
          ["__name__", "m"],
          ["big", "y".repeat(70_000)],
        ],
      },
    ];
    const wide = createCompressedTemplate(long);
    expect(wide.frame(6).valueGaps).toBeInstanceOf(Uint32Array);
    expect(createCompressedTemplate(GOLDEN_COLLECTORS[0]!).frame(6).valueGaps).toBeInstanceOf(Uint16Array);
    const values = Float64Array.from([1.5, -2.25]);
    const builder = createCompressedRequestBuilder();
    builder.begin(T0);
    builder.addSamples(wide, values, 0);
    const expected = encodeWriteRequest(
      long.map((s, i) => ({ labels: s.labels, samples: [{ value: values[i]!, timestampMs: T0 }] })),
      [],
    );
    expect(hex(inflate(builder.finish()))).toBe(hex(expected));
    const later = Float64Array.from([3, 4]);
    const expectedLater = encodeWriteRequest(
      long.map((s, i) => ({ labels: s.labels, samples: [{ value: later[i]!, timestampMs: T0 + 1 }] })),
      [],
    );
    expect(hex(inflate(builder.rewrite(T0 + 1, later)))).toBe(hex(expectedLater));
  });

  it("give a write that overlaps one still on the wire bodies of its own", async () => {
    const model = createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 });
    const refs = buildFrameGroups(
      model.collectors.map((c) => c.labels),
      { collectorsPerGroup: 4 },
    );
    const pushed: { body: Uint8Array; release: () => void }[] = [];
    const writer = createTickWriter({
      pusher: {
        // Holds every push, and keeps the body as it was handed over (a view, not a copy).
        push: (body) =>
          new Promise((resolve) =>
            pushed.push({
              body,
              release: () => resolve({ ok: true, maybeDelivered: true, status: 204, attempts: 1 }),
            }),
          ),
      },
      families: model.families,
      concurrency: 8,
    });
    const list = model.collectors.map((_, i) => i);
    const first = fleetOf(model, T0 + 60_000);
    const parts: WritePart[] = refs.map((frames, i) => ({ frames, valuesAt: first.offsets[i]! }));
    const limits = { deadlineMs: Number.MAX_SAFE_INTEGER };
    const a = writer.write(parts, T0 + 60_000, limits, first.values);
    await new Promise((resolve) => setImmediate(resolve));
    const requests = pushed.length;
    expect(requests).toBeGreaterThan(0);
    const second = fleetOf(model, T0 + 75_000);
    const b = writer.write(parts, T0 + 75_000, limits, second.values);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pushed).toHaveLength(2 * requests);
    const decoded = (from: number) =>
      pushed.slice(from, from + requests).flatMap((p) => decodeWriteRequest(inflate(p.body)).timeseries);
    expect(decoded(0)).toEqual(
      decodeWriteRequest(expectedRequest(first, list, T0 + 60_000, "samples")).timeseries,
    );
    expect(decoded(requests)).toEqual(
      decodeWriteRequest(expectedRequest(second, list, T0 + 75_000, "samples")).timeseries,
    );
    for (const p of pushed) p.release();
    expect((await a).samples + (await b).samples).toBe(2 * model.seriesPerTick);
  });

  it("write each tick's exact requests when a writer is handed the same parts again, then other ones", async () => {
    const model = createSignalModel(mixedFleet(), { fleetStartMs: T0, intervalMs: 15_000 });
    const refs = buildFrameGroups(
      model.collectors.map((c) => c.labels),
      { collectorsPerGroup: 4 },
    );
    const bodies: Uint8Array[] = [];
    const writer = createTickWriter({
      pusher: {
        push: (body) => {
          bodies.push(body.slice());
          return Promise.resolve({ ok: true, maybeDelivered: true, status: 204, attempts: 1 });
        },
      },
      families: model.families,
      // Small requests, so a tick spans several and a change moves the boundaries between them.
      maxBatchBytes: 6_000,
    });
    // Collector i's values at its place in one array, whatever order its part is handed over in.
    const valuesAt: number[] = [];
    let seriesCount = 0;
    for (const c of model.collectors) {
      valuesAt.push(seriesCount);
      seriesCount += c.series.length;
    }
    const values = new Float64Array(seriesCount);
    const parts: WritePart[] = refs.map((frames, i) => ({ frames, valuesAt: valuesAt[i]! }));
    // The same part objects tick after tick (as the emitter hands them over), at three timestamps (built
    // and dropped, built and kept, written again in place); then the same objects in another order (their
    // values no longer one after another), and then with a collector dropped out.
    const ticks: { list: number[]; at: number }[] = [
      { list: parts.map((_, i) => i), at: T0 + 60_000 },
      { list: parts.map((_, i) => i), at: T0 + 75_000 },
      { list: parts.map((_, i) => i), at: T0 + 82_500 },
      { list: parts.map((_, i) => i).reverse(), at: T0 + 90_000 },
      { list: parts.map((_, i) => i).filter((i) => i !== 2), at: T0 + 105_000 },
    ];
    for (const { list, at } of ticks) {
      bodies.length = 0;
      model.collectors.forEach((c, i) => c.valuesAt(at, values, valuesAt[i]));
      const outcome = await writer.write(
        list.map((i) => parts[i]!),
        at,
        { deadlineMs: Number.MAX_SAFE_INTEGER },
        values,
      );
      expect(outcome.requests).toBeGreaterThan(1);
      const fleet = fleetOf(model, at);
      const inflated = bodies.map((b) => decodeWriteRequest(inflate(b)).timeseries);
      const expected = decodeWriteRequest(expectedRequest(fleet, list, at, "samples")).timeseries;
      expect(inflated.flat()).toEqual(expected);
    }
  });

  it("carry a 10,000-collector tick in a few requests under the limits, byte for byte, within 1.25× today's size", () => {
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
    const refs = buildFrameGroups(model.collectors.map((c) => c.labels));
    const metadata = compressBlockFragment(fleet.metadata);
    const pieces = coverFrames(refs);
    const batches = planCompressedBatches(
      pieces.map((p) => p.template.frame(6)),
      { maxBodyBytes: DEFAULT_MAX_BATCH_BYTES, maxRawBytes: DEFAULT_MAX_RAW_BYTES, perRequest: metadata },
    );
    const builder = createCompressedRequestBuilder();
    let newBytes = 0;
    const rawPerCollector: number[] = [];
    for (const b of batches) {
      builder.begin(at);
      for (const piece of pieces.slice(b.start, b.end))
        builder.addSamples(piece.template, fleet.values, fleet.offsets[piece.start]);
      builder.addMetadata(metadata);
      const body = builder.finish();
      expect(body.length).toBeLessThanOrEqual(DEFAULT_MAX_BATCH_BYTES);
      expect(builder.rawLength).toBeLessThanOrEqual(DEFAULT_MAX_RAW_BYTES);
      newBytes += body.length;
      const list = Array.from(
        { length: pieces[b.end - 1]!.end - pieces[b.start]!.start },
        (_, k) => pieces[b.start]!.start + k,
      );
      const expected = expectedRequest(fleet, list, at, "samples");
      expect(Buffer.from(referenceUncompress(body)).equals(expected)).toBe(true);
      expect(Buffer.from(uncompress(body)).equals(expected)).toBe(true);
      for (const i of list) rawPerCollector.push(expectedRequest(fleet, [i], at, "stale").length);
    }
    expect(batches.length).toBeLessThanOrEqual(12);

    // Today's path: requests planned on snappy's worst case for 2 MB (google/snappy MaxCompressedLength,
    // 32 + n + n/6), each compressed whole by snappyjs.
    const rawBudget = Math.floor(((DEFAULT_MAX_BATCH_BYTES - 32) * 6) / 7) - fleet.metadata.length;
    let todaysBytes = 0;
    for (let first = 0; first < rawPerCollector.length;) {
      let end = first;
      for (
        let used = 0;
        end < rawPerCollector.length && (end === first || used + rawPerCollector[end]! <= rawBudget);
        end++
      )
        used += rawPerCollector[end]!;
      const list = Array.from({ length: end - first }, (_, k) => first + k);
      todaysBytes += compressBlock(expectedRequest(fleet, list, at, "samples")).length;
      first = end;
    }
    expect(newBytes / todaysBytes).toBeLessThanOrEqual(1.25);
  }, 180_000);
});
