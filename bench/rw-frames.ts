/**
 * A steady tick of the remote-write path (src/remote-write/tick-writer.ts over pre-compressed frames) at
 * 2,000 and 10,000 collectors (29 series each), in one process, against the limit and against the path it
 * replaced:
 *
 * - tick: the real tick writer with a pusher that accepts at once, on the same parts as the tick before
 *   (a steady fleet): its requests, laid out and built by the first tick, get this tick's values and
 *   timestamp written into them in place. Its values come from an array computed before timing, so this
 *   is the encoding alone; the values are timed apart (valuesAt), and so is a whole tick with them.
 * - memcpy: copying the very bytes the tick produced into a request buffer, one set() per request: the
 *   limit the tick is held to (a tick that copied its frames, as the first one does, would cost this and
 *   the writing of the values on top).
 * - snappyjs: compressing the same requests' uncompressed bytes, as the path before the frames did every
 *   tick (snappy over each request was ~75 % of its tick).
 * Bytes per sample: the frames' bodies, against snappyjs over the requests the previous path planned
 * (on snappy's worst case for 2 MB, 32 + n + n/6 by google/snappy MaxCompressedLength), metadata in each.
 *
 * Each run does one tick of every case in turn, so load on the machine falls on all of them alike, with a
 * garbage collection before each case when node exposes it (real ticks are seconds apart: their data is
 * out of the caches); medians of RUNS runs after WARMUP, as CPU time (user + system) and wall time.
 * The collection must be over when a case starts: with V8's concurrent GC threads, the sweeping a forced
 * collection leaves behind runs during the next case, on the machine's other cores and in the case's own
 * allocations, and is counted as its CPU (process.cpuUsage counts every thread); that work belongs to the
 * collection, which no real tick follows at once. --single-threaded-gc finishes it inside gc().
 *
 * Run: node --expose-gc --single-threaded-gc --import tsx bench/rw-frames.ts
 * (prints tables, then one JSON line per figure; npm run bench passes both flags)
 */
import { parseBlueprint } from "../src/blueprint/load.js";
import { buildRoster } from "../src/fleet/roster.js";
import { buildFrameGroups } from "../src/remote-write/compressed-fleet.js";
import { encodeMetadata } from "../src/remote-write/encode.js";
import type { Pusher } from "../src/remote-write/push.js";
import { compressBlock, uncompressBlock } from "../src/remote-write/snappy.js";
import {
  createTickWriter,
  DEFAULT_MAX_BATCH_BYTES,
  type WritePart,
} from "../src/remote-write/tick-writer.js";
import { CATALOG } from "../src/signals/catalog.js";
import { createCollectorSignals } from "../src/signals/model.js";
import { blueprintYaml, splitPerOs } from "../scripts/fleet-under-test.js";
import { figureLog } from "./lib/figures.js";

const INTERVAL_MS = 15_000;
const WARMUP = 3;
const RUNS = 11;
const FLEETS = [2_000, 10_000];

const log = figureLog("rw-frames");
const record = (name: string, value: number, unit: string, target?: string) =>
  log.record(name, value, unit, { target });

/** global.gc when node runs with --expose-gc (npm run bench does). */
const collectGarbage = (globalThis as { gc?: () => void }).gc;
/** Whether gc() finishes its work before returning (see the header). */
const singleThreadedGc = process.execArgv.includes("--single-threaded-gc");
const GC_NOTE = !collectGarbage
  ? "no GC between cases (run with --expose-gc)"
  : singleThreadedGc
    ? "a finished GC before each case"
    : "a GC before each case, its concurrent sweeping timed with the case (run with --single-threaded-gc)";

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function fleetFigures(collectors: number): Promise<void> {
  const now = Date.now();
  const options = { fleetStartMs: now - 3_600_000, intervalMs: INTERVAL_MS };
  const { blueprint } = parseBlueprint(blueprintYaml("bench", splitPerOs(collectors)), "bench.yaml");
  const roster = buildRoster(blueprint).collectors;

  // Start-up: the signals (labels, value writers) and the frames, as the emitter builds them.
  let t0 = process.cpuUsage();
  const signals = roster.map((c) => createCollectorSignals(c, options));
  const signalsMs = cpuMs(t0);
  t0 = process.cpuUsage();
  const frames = buildFrameGroups(signals.map((s) => s.labels));
  const framesMs = cpuMs(t0);
  const samples = signals.length * 29;

  const values = new Float64Array(samples);
  t0 = process.cpuUsage();
  signals.forEach((s, i) => s.valuesAt(now, values, i * 29));
  const valuesMs = cpuMs(t0);

  let bodies: Uint8Array[] = [];
  let keep = true;
  const pusher: Pusher = {
    push(body) {
      if (keep) bodies.push(body.slice());
      return Promise.resolve({ ok: true, maybeDelivered: true, status: 204, attempts: 1 });
    },
  };
  // One writer per tick case, as an emitter has one that sees the same parts tick after tick: a writer
  // keeps the last layout it planned, and two cases taking turns on one writer would each plan again
  // every tick, which no emitter does.
  const writer = createTickWriter({ pusher, families: CATALOG, concurrency: 1 });
  const valuesWriter = createTickWriter({ pusher, families: CATALOG, concurrency: 1 });
  // Part i's values at i × 29, as the emitter lays out a fleet's (each case has its own parts, as each
  // emitter would).
  const partsOf = () => frames.map((ref, i): WritePart => ({ frames: ref, valuesAt: i * 29 }));
  const precomputed = partsOf();
  const withValues = partsOf();
  const tickValues = new Float64Array(samples);
  const valuesThenWrite = () => {
    signals.forEach((s, i) => s.valuesAt(now, tickValues, i * 29));
    return valuesWriter.write(withValues, now, limits, tickValues);
  };
  const limits = { deadlineMs: Number.MAX_SAFE_INTEGER };
  const first = await writer.write(precomputed, now, limits, values);
  keep = false;
  const bodyBytes = bodies.reduce((n, b) => n + b.length, 0);

  // The same requests uncompressed, and the requests the previous path would have made.
  const raw = bodies.map((b) => uncompressBlock(b));
  const out = new Uint8Array(Math.max(...bodies.map((b) => b.length)));
  const metadata = encodeMetadata(CATALOG);
  const todaysBytes = previousPathBytes(raw, metadata);

  const cases: [string, () => unknown][] = [
    ["tick: assemble (values ready)", () => writer.write(precomputed, now, limits, values)],
    ["tick: values + assemble", valuesThenWrite],
    ["memcpy of the same bodies", () => bodies.forEach((b) => out.set(b))],
    ["snappyjs over the same requests", () => raw.forEach((r) => compressBlock(r))],
  ];
  const cpu = cases.map(() => [] as number[]);
  const wall = cases.map(() => [] as number[]);
  for (let r = 0; r < WARMUP + RUNS; r++)
    for (const [k, [, run]] of cases.entries()) {
      // The previous case's garbage (snappyjs allocates per request) is collected here, untimed, so no
      // case pays for another's.
      collectGarbage?.();
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      await run();
      const w = performance.now() - w0;
      if (r >= WARMUP) {
        cpu[k]!.push(cpuMs(c0));
        wall[k]!.push(w);
      }
    }
  bodies = [];

  const memcpy = median(cpu[2]!);
  console.log(
    `\n${collectors} collectors, ${samples} samples per tick in ${first.requests} requests; median of ${RUNS} ticks; ${GC_NOTE}`,
  );
  console.log(
    `${"case".padEnd(34)} ${"CPU ms".padStart(8)} ${"wall ms".padStart(8)} ${"× memcpy".padStart(9)}`,
  );
  cases.forEach(([name], k) => {
    const ms = median(cpu[k]!);
    console.log(
      `${name.padEnd(34)} ${ms.toFixed(2).padStart(8)} ${median(wall[k]!).toFixed(2).padStart(8)} ${(ms / memcpy).toFixed(1).padStart(9)}`,
    );
    record(`${collectors} collectors: ${name}: CPU per tick`, ms, "ms");
  });
  const assemble = median(cpu[0]!);
  console.log(
    `steady tick (assembly) vs memcpy of the same bytes: ${(assemble / memcpy).toFixed(1)}× (target ≤ 3×); ` +
      `vs snappyjs over them: ${(median(cpu[3]!) / assemble).toFixed(0)}× less CPU`,
  );
  console.log(
    `bytes per sample: before ${(todaysBytes / samples).toFixed(2)}, frames ${(bodyBytes / samples).toFixed(2)} ` +
      `(${(bodyBytes / todaysBytes).toFixed(3)}× before; target ≤ 1.25×)`,
  );
  console.log(
    `start-up: signals ${signalsMs.toFixed(0)} ms CPU, frames ${framesMs.toFixed(0)} ms CPU; one tick's values ${valuesMs.toFixed(1)} ms`,
  );
  record(`${collectors} collectors: steady tick vs memcpy`, assemble / memcpy, "×", "≤ 3");
  record(`${collectors} collectors: requests per tick`, first.requests, "requests");
  record(`${collectors} collectors: bytes per sample, before`, todaysBytes / samples, "B");
  record(`${collectors} collectors: bytes per sample, frames`, bodyBytes / samples, "B");
  record(
    `${collectors} collectors: bytes per sample, frames / before`,
    bodyBytes / todaysBytes,
    "×",
    "≤ 1.25",
  );
  record(`${collectors} collectors: start-up, signals`, signalsMs, "ms CPU");
  record(`${collectors} collectors: start-up, frames`, framesMs, "ms CPU");
}

/**
 * Bytes of the previous path's requests for the same tick: collectors taken in order while their raw size
 * fits snappy's worst-case budget for 2 MB, each request's records plus the metadata compressed by snappyjs.
 */
function previousPathBytes(requests: readonly Uint8Array[], metadata: Uint8Array): number {
  const records = requests.flatMap((r) => splitRecords(r));
  const budget = Math.floor(((DEFAULT_MAX_BATCH_BYTES - 32) * 6) / 7) - metadata.length;
  let bytes = 0;
  // 29 records per collector, in order; a request takes whole collectors.
  for (let first = 0; first < records.length;) {
    let end = first;
    let used = 0;
    while (end < records.length) {
      const collector = records.slice(end, end + 29).reduce((n, r) => n + r.length, 0);
      if (end > first && used + collector > budget) break;
      used += collector;
      end += 29;
    }
    bytes += compressBlock(Buffer.concat([...records.slice(first, end), metadata])).length;
    first = end;
  }
  return bytes;
}

/** The TimeSeries records (field 1) of an uncompressed WriteRequest; the metadata after them is dropped. */
function splitRecords(request: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < request.length && request[p] === 0x0a) {
    let length = 0;
    let scale = 1;
    let q = p + 1;
    for (; request[q]! & 0x80; q++, scale *= 128) length += (request[q]! & 0x7f) * scale;
    length += request[q]! * scale;
    out.push(request.subarray(p, q + 1 + length));
    p = q + 1 + length;
  }
  return out;
}

for (const collectors of FLEETS) await fleetFigures(collectors);
console.log("");
log.print();
