/**
 * Steady-tick cost of pre-compressed frames (src/remote-write/compressed-*.ts) against today's path, at
 * 2,000 and 10,000 collectors (29 series each), in one process, side by side:
 *
 * - today: the emitter's path — requests planned on the raw size's worst case (maxRawLengthFor), each
 *   assembled from cached uncompressed frames (copy + patch) and compressed with snappyjs; at 10,000
 *   collectors also with compact frames, the emitter's choice above 100,000 series (inflate + compress);
 * - frames: requests planned on their exact compressed size, each assembled by copying pre-compressed
 *   fragments and writing the values and timestamp into them;
 * - memcpy: copying the very bytes the frames path produces into a request buffer, one set() per request:
 *   what assembling these bodies cannot beat; and the same plus one 8-byte store per sample from a flat
 *   list of positions, what any copy-and-patch design must at least do.
 *
 * Values are computed once before timing (valuesAt costs the same on every path; its time is shown
 * apart). Each run does one tick of every case in turn, so load on the machine falls on all of them
 * alike; medians of RUNS runs after WARMUP, as CPU time (user + system) and wall time. Bytes per sample
 * are compressed body bytes over samples for one tick.
 *
 * Memory at 10,000 collectors is measured in child processes bundled by ncc and run by plain node (as
 * dist/ runs; tsx's loader alone adds ~50 MB), one per path: heap and RSS after a few ticks and a GC,
 * and peak RSS over the child's life.
 *
 * Run: npx tsx bench/rw-frames.ts   (prints tables, then one JSON line per figure)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseBlueprint } from "../src/blueprint/load.js";
import { buildRoster } from "../src/fleet/roster.js";
import { planBatches, type BatchRange } from "../src/remote-write/batch.js";
import { createCompressedFleet, type FramePiece } from "../src/remote-write/compressed-fleet.js";
import {
  createCompressedRequestBuilder,
  planCompressedBatches,
} from "../src/remote-write/compressed-request.js";
import { compressBlockFragment } from "../src/remote-write/compressed-template.js";
import { COMPACT_FRAMES_ABOVE_SERIES } from "../src/remote-write/emitter.js";
import { DEFAULT_MAX_BATCH_BYTES } from "../src/remote-write/tick-writer.js";
import {
  createSeriesTemplate,
  createWriteRequestEncoder,
  encodeMetadata,
  timestampWidthOf,
  type SeriesTemplate,
} from "../src/remote-write/encode.js";
import { compressBlock, maxRawLengthFor } from "../src/remote-write/snappy.js";
import { createSignalModel } from "../src/signals/model.js";
import type { SignalModel } from "../src/signals/types.js";

const INTERVAL_MS = 15_000;
const WARMUP = 3;
const RUNS = 11;
const FLEETS = [
  { collectors: 2_000, perOs: { linux: 1_200, windows: 400, darwin: 400 } },
  { collectors: 10_000, perOs: { linux: 6_000, windows: 2_000, darwin: 2_000 } },
] as const;

interface Figure {
  bench: "rw-frames";
  name: string;
  value: number;
  unit: string;
}
const figures: Figure[] = [];
const record = (name: string, value: number, unit: string) =>
  figures.push({ bench: "rw-frames", name, value: Number(value.toPrecision(4)), unit });

function fleetModel(
  perOs: { linux: number; windows: number; darwin: number },
  fleetStartMs: number,
): SignalModel {
  const { blueprint } = parseBlueprint(
    [
      "name: bench",
      "features:",
      "  fleet_management:",
      `    collectors_per_os: {linux: ${perOs.linux}, windows: ${perOs.windows}, darwin: ${perOs.darwin}}`,
      "    unhealthy_per_os: {linux: 3}",
    ].join("\n"),
    "bench.yaml",
  );
  return createSignalModel(buildRoster(blueprint).collectors, { fleetStartMs, intervalMs: INTERVAL_MS });
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const MIB = 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The pieces of one tick: everything a tick needs, built as the emitter would at start. */
interface TickSetup {
  model: SignalModel;
  values: Float64Array;
  offsets: number[];
  now: number;
}

function setupTick(perOs: { linux: number; windows: number; darwin: number }): TickSetup {
  const now = Date.now();
  const model = fleetModel(perOs, now - 3_600_000);
  const values = new Float64Array(model.seriesPerTick);
  const offsets: number[] = [];
  let offset = 0;
  for (const c of model.collectors) {
    offsets.push(offset);
    offset += c.series.length;
  }
  return { model, values, offsets, now };
}

/** Today's tick: the emitter's planning and encode + snappyjs per request; returns the body bytes. */
function todaysTick(setup: TickSetup, templates: readonly SeriesTemplate[], metadata: Uint8Array) {
  const { now, values, offsets } = setup;
  const width = timestampWidthOf(now);
  const batches = planBatches(
    templates.map((t) => t.frame(width).length),
    maxRawLengthFor(DEFAULT_MAX_BATCH_BYTES) - metadata.length,
  );
  const encoder = createWriteRequestEncoder();
  return {
    requests: batches.length,
    run(): number {
      let bytes = 0;
      for (const b of batches) {
        encoder.begin(now);
        for (let i = b.start; i < b.end; i++) encoder.addSamples(templates[i]!, values, offsets[i]);
        encoder.addMetadata(metadata);
        bytes += compressBlock(encoder.finish()).length;
      }
      return bytes;
    },
  };
}

/** The frames tick: exact-size planning, copy + patch of compressed fragments; returns the body bytes. */
function framesTick(
  setup: TickSetup,
  pieces: readonly FramePiece[],
  metadata: Uint8Array,
  keepBodies = true,
) {
  const { now, values, offsets } = setup;
  const block = compressBlockFragment(metadata);
  const width = timestampWidthOf(now);
  const batches = planCompressedBatches(
    pieces.map((p) => p.template.frame(width)),
    { maxBodyBytes: DEFAULT_MAX_BATCH_BYTES, perRequest: block },
  );
  const builder = createCompressedRequestBuilder();
  const bodies: Uint8Array[] = [];
  const run = (keep: boolean): number => {
    let bytes = 0;
    for (const b of batches) {
      builder.begin(now);
      for (let k = b.start; k < b.end; k++)
        builder.addSamples(pieces[k]!.template, values, offsets[pieces[k]!.firstCollector]);
      builder.addMetadata(block);
      const body = builder.finish();
      if (keep) bodies.push(body.slice());
      bytes += body.length;
    }
    return bytes;
  };
  run(keepBodies);
  return { requests: batches.length, batches, bodies, run: () => run(false) };
}

/**
 * The same copies plus, after each, one 8-byte store per sample of that body at its place in it, from a
 * flat list of positions: the least any copy-and-patch design can do, whatever its bookkeeping.
 */
function memcpyAndStoresTick(
  bodies: readonly Uint8Array[],
  batches: readonly BatchRange[],
  pieces: readonly FramePiece[],
  setup: TickSetup,
) {
  const out = new Uint8Array(Math.max(...bodies.map((b) => b.length)));
  const view = new DataView(out.buffer);
  const width = timestampWidthOf(setup.now);
  const positions = new Uint32Array(setup.values.length);
  const ends: number[] = [];
  let k = 0;
  for (const batch of batches) {
    let at = 0;
    for (const piece of pieces.slice(batch.start, batch.end)) {
      const frame = piece.template.frame(width);
      for (const v of frame.valueOffsets) positions[k++] = at + v;
      at += frame.bytes.length;
    }
    ends.push(k);
  }
  const { values } = setup;
  return {
    run(): number {
      let bytes = 0;
      let i = 0;
      bodies.forEach((body, b) => {
        out.set(body);
        bytes += body.length;
        for (const end = ends[b]!; i < end; i++) view.setFloat64(positions[i]!, values[i]!, true);
      });
      return bytes;
    },
  };
}

/** Copies the given bodies into one request buffer, one set() each. */
function memcpyTick(bodies: readonly Uint8Array[]) {
  const out = new Uint8Array(Math.max(...bodies.map((b) => b.length)));
  return {
    run(): number {
      let bytes = 0;
      for (const body of bodies) {
        out.set(body);
        bytes += body.length;
      }
      return bytes;
    },
  };
}

function steadyTicks(): void {
  for (const { collectors, perOs } of FLEETS) {
    const setup = setupTick(perOs);
    const { model, values, offsets, now } = setup;
    const samples = model.seriesPerTick;
    const metadata = encodeMetadata(model.families);

    let t0 = process.cpuUsage();
    model.collectors.forEach((c, i) => c.valuesAt(now, values, offsets[i]));
    const valuesMs = cpuMs(t0);

    t0 = process.cpuUsage();
    const plain = model.collectors.map((c) => createSeriesTemplate(c.series));
    const plainBuildMs = cpuMs(t0);
    t0 = process.cpuUsage();
    const fleet = createCompressedFleet(model.collectors.map((c) => c.series));
    const framesBuildMs = cpuMs(t0);
    const pieces = fleet.cover(model.collectors.map((_, i) => i));

    const frames = framesTick(setup, pieces, metadata);
    const cases: [string, { requests?: number; run(): number }][] = [
      ["today: copy + patch + snappyjs", todaysTick(setup, plain, metadata)],
    ];
    let compactBuildMs: number | undefined;
    if (samples > COMPACT_FRAMES_ABOVE_SERIES) {
      t0 = process.cpuUsage();
      const compact = model.collectors.map((c) => createSeriesTemplate(c.series, { compact: true }));
      compactBuildMs = cpuMs(t0);
      cases.push(["today, compact frames (emitter's choice)", todaysTick(setup, compact, metadata)]);
    }
    cases.push(["frames: copy + patch, no compression", frames]);
    cases.push([
      "memcpy + one store per sample",
      memcpyAndStoresTick(frames.bodies, frames.batches, pieces, setup),
    ]);
    cases.push(["memcpy of the frames' bodies", memcpyTick(frames.bodies)]);

    const cpu = cases.map(() => [] as number[]);
    const wall = cases.map(() => [] as number[]);
    const bytes = cases.map(() => 0);
    for (let r = 0; r < WARMUP + RUNS; r++)
      cases.forEach(([, c], k) => {
        const c0 = process.cpuUsage();
        const w0 = performance.now();
        bytes[k] = c.run();
        const w = performance.now() - w0;
        if (r >= WARMUP) {
          cpu[k]!.push(cpuMs(c0));
          wall[k]!.push(w);
        }
      });

    const memcpy = median(cpu.at(-1)!);
    const framesCpu = median(cpu.at(-3)!);
    console.log(
      `\n${collectors} collectors, ${samples} samples per tick; median of ${RUNS} ticks (values computed once: ${valuesMs.toFixed(1)} ms CPU)`,
    );
    console.log(
      `${"case".padEnd(42)} ${"CPU ms".padStart(8)} ${"wall ms".padStart(8)} ${"× memcpy".padStart(9)} ${"requests".padStart(9)} ${"B/sample".padStart(9)}`,
    );
    cases.forEach(([name, c], k) => {
      const ms = median(cpu[k]!);
      console.log(
        `${name.padEnd(42)} ${ms.toFixed(2).padStart(8)} ${median(wall[k]!).toFixed(2).padStart(8)} ${(ms / memcpy).toFixed(1).padStart(9)} ${String(c.requests ?? frames.requests).padStart(9)} ${(bytes[k]! / samples).toFixed(2).padStart(9)}`,
      );
      record(`${collectors} collectors: ${name}: tick CPU`, ms, "ms");
      record(`${collectors} collectors: ${name}: tick wall`, median(wall[k]!), "ms");
    });
    const todayCpu = median(cpu[0]!);
    const todayBytes = bytes[0]!;
    const framesBytes = bytes[cases.length - 3]!;
    console.log(`frames vs today: ${(todayCpu / framesCpu).toFixed(1)}× less CPU per tick`);
    console.log(
      `frames vs memcpy of the same bytes: ${(framesCpu / memcpy).toFixed(1)}× its CPU (target ≤ 3×)`,
    );
    console.log(
      `bytes per sample: today ${(todayBytes / samples).toFixed(2)}, frames ${(framesBytes / samples).toFixed(2)} (${(framesBytes / todayBytes).toFixed(3)}× today's; target ≤ 1.25×)`,
    );
    console.log(
      `start-up, frames built from the series: today ${plainBuildMs.toFixed(0)} ms CPU` +
        (compactBuildMs !== undefined ? ` (compact ${compactBuildMs.toFixed(0)} ms)` : "") +
        `, pre-compressed ${framesBuildMs.toFixed(0)} ms; fragments hold ${(fleet.memoryBytes() / 1e6).toFixed(2)} MB`,
    );
    record(`${collectors} collectors: frames vs today, CPU per tick`, todayCpu / framesCpu, "×");
    record(`${collectors} collectors: frames vs memcpy, CPU per tick`, framesCpu / memcpy, "×");
    record(`${collectors} collectors: bytes per sample, today`, todayBytes / samples, "B");
    record(`${collectors} collectors: bytes per sample, frames`, framesBytes / samples, "B");
    record(`${collectors} collectors: bytes per sample, frames vs today`, framesBytes / todayBytes, "×");
    record(`${collectors} collectors: requests per tick, today`, cases[0]![1].requests!, "requests");
    record(`${collectors} collectors: requests per tick, frames`, frames.requests, "requests");
    record(`${collectors} collectors: build, today's frames`, plainBuildMs, "ms CPU");
    record(`${collectors} collectors: build, pre-compressed frames`, framesBuildMs, "ms CPU");
    record(`${collectors} collectors: fragment bytes in memory`, fleet.memoryBytes(), "bytes");
  }
}

/** Child process: one path's memory at 10,000 collectors after a few ticks. */
function memoryChild(path: "today" | "compact" | "frames"): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const setup = setupTick(FLEETS[1].perOs);
  const { model, values, offsets, now } = setup;
  model.collectors.forEach((c, i) => c.valuesAt(now, values, offsets[i]));
  const metadata = encodeMetadata(model.families);
  gc();
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS / 1024;
  let tick: { run(): number };
  if (path === "frames") {
    const fleet = createCompressedFleet(model.collectors.map((c) => c.series));
    tick = framesTick(setup, fleet.cover(model.collectors.map((_, i) => i)), metadata, false);
  } else {
    const templates = model.collectors.map((c) =>
      createSeriesTemplate(c.series, { compact: path === "compact" }),
    );
    tick = todaysTick(setup, templates, metadata);
  }
  for (let i = 0; i < 3; i++) tick.run();
  gc();
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      heapUsedMB: after.heapUsed / MIB,
      arrayBuffersMB: after.arrayBuffers / MIB,
      addedMB: (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / MIB,
      rssBeforeMB: before.rss / MIB,
      peakBeforeMB: peakBefore,
      rssMB: after.rss / MIB,
      // resourceUsage reports maxRSS in KiB.
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

function memoryFigures(): void {
  const out = mkdtempSync(join(tmpdir(), "fm-action-bench-"));
  const results: Record<string, Record<string, number>> = {};
  try {
    const ncc = join("node_modules", "@vercel", "ncc", "dist", "ncc", "cli.js");
    const build = spawnSync(
      process.execPath,
      [ncc, "build", fileURLToPath(import.meta.url), "-o", out, "-q", "--transpile-only"],
      { encoding: "utf8" },
    );
    if (build.status !== 0) throw new Error(`ncc build of the memory child failed: ${build.stderr}`);
    const entry = ["index.js", "index.mjs"].map((f) => join(out, f)).find((f) => existsSync(f))!;
    for (const path of ["today", "compact", "frames"]) {
      const child = spawnSync(process.execPath, [entry, "--memory", path], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`memory child (${path}) failed: ${child.stderr}`);
      results[path] = JSON.parse(child.stdout) as Record<string, number>;
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(
    `\n10000 collectors, memory after 3 ticks and a GC (ncc-bundled child on plain node; the model and values included;\n"added" is heap + array buffers the frames and ticks add to them):`,
  );
  console.log(
    `${"path".padEnd(36)} ${"added MiB".padStart(10)} ${"heap MiB".padStart(9)} ${"buffers MiB".padStart(12)} ${"RSS MiB".padStart(8)} ${"peak RSS MiB".padStart(13)}`,
  );
  const names: Record<string, string> = {
    today: "today, plain frames",
    compact: "today, compact frames (emitter)",
    frames: "pre-compressed frames",
  };
  for (const [path, r] of Object.entries(results)) {
    console.log(
      `${names[path]!.padEnd(36)} ${r.addedMB!.toFixed(1).padStart(10)} ${r.heapUsedMB!.toFixed(1).padStart(9)} ${r.arrayBuffersMB!.toFixed(1).padStart(12)} ${r.rssMB!.toFixed(0).padStart(8)} ${r.maxRssMB!.toFixed(0).padStart(13)}`,
    );
    record(`10000 collectors, ${names[path]}: heap + buffers added by frames and ticks`, r.addedMB!, "MiB");
    record(`10000 collectors, ${names[path]}: RSS after ticks`, r.rssMB!, "MiB");
    record(`10000 collectors, ${names[path]}: peak RSS`, r.maxRssMB!, "MiB");
  }
}

const memoryIndex = process.argv.indexOf("--memory");
if (memoryIndex >= 0) memoryChild(process.argv[memoryIndex + 1] as "today" | "compact" | "frames");
else {
  steadyTicks();
  memoryFigures();
  console.log("");
  for (const f of figures) console.log(JSON.stringify(f));
}
