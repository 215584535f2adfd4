/**
 * Remote-write encoding cost (SPEC section 6; background/remote-write.md section 4).
 *
 * 1. Encode + snappy throughput, in one process on identical series (the label shapes of a real roster,
 *    ~100,000 series in requests of ~2,000 samples as Prometheus sends them), for:
 *    our cached-frame encoder; the `prometheus-remote-write` package (its serialize() and its own snappyjs);
 *    protobufjs 8 reflection (the project's protobuf dependency); and snappyjs alone on our bytes, the
 *    floor any encoder + snappyjs pair can reach.
 * 2. A 10,000-collector fleet (290,000 series) through the real emitter with a no-op pusher, in a child
 *    process bundled as dist/ is, so its peak RSS is the product's own: time and CPU per tick (valuesAt +
 *    encode + compress) and the CPU share at one tick per 15 s.
 *
 * Run: npx tsx bench/rw-encode.ts   (prints a table, then one JSON line per figure)
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { compress } from "snappyjs";
import { parseBlueprint } from "../src/blueprint/load.js";
import { buildRoster } from "../src/fleet/roster.js";
import { createEmitter } from "../src/remote-write/emitter.js";
import {
  createSeriesTemplate,
  createWriteRequestEncoder,
  type SeriesTemplate,
} from "../src/remote-write/encode.js";
import type { Pusher } from "../src/remote-write/push.js";
import { compressBlock } from "../src/remote-write/snappy.js";
import { createSignalModel } from "../src/signals/model.js";
import type { SignalModel } from "../src/signals/types.js";

const INTERVAL_MS = 15_000;
const WARMUP = 3;
const RUNS = 10;
/** Prometheus' default max_samples_per_send is 2000: 69 collectors × 29 series = 2001. */
const COLLECTORS_PER_REQUEST = 69;

interface Figure {
  bench: "rw-encode";
  name: string;
  value: number;
  unit: string;
}
const figures: Figure[] = [];
const record = (name: string, value: number, unit: string) =>
  figures.push({ bench: "rw-encode", name, value: Number(value.toPrecision(4)), unit });

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

/** Median ms of `run` over RUNS timed runs after WARMUP untimed ones. */
async function median(run: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = performance.now();
    await run();
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function throughput(): Promise<void> {
  const now = Date.now();
  const model = fleetModel({ linux: 2000, windows: 1000, darwin: 448 }, now - 3_600_000);
  const samples = model.seriesPerTick;
  const values = new Float64Array(samples);
  const offsets: number[] = [];
  let offset = 0;
  for (const c of model.collectors) {
    c.valuesAt(now, values, offset);
    offsets.push(offset);
    offset += c.series.length;
  }
  const batches: number[][] = [];
  for (let i = 0; i < model.collectors.length; i += COLLECTORS_PER_REQUEST)
    batches.push(
      Array.from({ length: Math.min(COLLECTORS_PER_REQUEST, model.collectors.length - i) }, (_, k) => i + k),
    );

  // (a) ours: frames built once (as the emitter does at start), then copied and patched per request;
  // compact frames are inflated instead of copied (the emitter's choice above 100,000 series).
  const encoder = createWriteRequestEncoder();
  const encodeWith = (templates: readonly SeriesTemplate[]) => (batch: number[]) => {
    encoder.begin(now);
    for (const i of batch) encoder.addSamples(templates[i]!, values, offsets[i]);
    return encoder.finish();
  };
  const encodeOurs = encodeWith(model.collectors.map((c) => createSeriesTemplate(c.series)));
  const encodeCompact = encodeWith(
    model.collectors.map((c) => createSeriesTemplate(c.series, { compact: true })),
  );
  const oursBytes = batches.map((b) => encodeOurs(b).slice());

  // The peers' input: plain objects, built before timing (a generous start: a real caller builds them per tick).
  const payloads = batches.map((batch) => ({
    timeseries: batch.flatMap((i) =>
      model.collectors[i]!.series.map((s, k) => ({
        labels: s.labels.map(([name, value]) => ({ name, value })),
        samples: [{ value: values[offsets[i]! + k]!, timestamp: now }],
      })),
    ),
  }));
  const peerRequire = createRequire(createRequire(import.meta.url).resolve("prometheus-remote-write"));
  const peer = peerRequire("prometheus-remote-write") as { serialize(p: unknown): Promise<Uint8Array> };
  const peerSnappy = peerRequire("snappyjs") as { compress(b: Uint8Array): Uint8Array };
  const pb8 = protobuf.Root.fromJSON(PROMPB_JSON).lookupType("prometheus.WriteRequest");

  const cases: [string, () => unknown][] = [
    ["ours: encode + snappyjs", () => batches.forEach((b) => compressBlock(encodeOurs(b)))],
    ["ours: encode only", () => batches.forEach((b) => encodeOurs(b))],
    [
      "ours, compact frames: encode + snappyjs",
      () => batches.forEach((b) => compressBlock(encodeCompact(b))),
    ],
    ["snappyjs alone on our bytes", () => oursBytes.forEach((b) => compress(b))],
    [
      "prometheus-remote-write: serialize + its snappyjs",
      async () => {
        for (const p of payloads) peerSnappy.compress(await peer.serialize(p));
      },
    ],
    ["protobufjs 8 reflection + snappyjs", () => payloads.forEach((p) => compress(pb8.encode(p).finish()))],
  ];
  const ms: Record<string, number> = {};
  for (const [name, run] of cases) ms[name] = await median(run);

  const rawBytes = oursBytes.reduce((n, b) => n + b.length, 0);
  console.log(
    `\nencode + compress, ${samples} samples in ${batches.length} requests of ~${COLLECTORS_PER_REQUEST * 29} (${(rawBytes / 1e6).toFixed(1)} MB raw), median of ${RUNS}:`,
  );
  console.log(`${"case".padEnd(52)} ${"ms".padStart(8)} ${"samples/s".padStart(12)}`);
  for (const [name] of cases) {
    const rate = samples / (ms[name]! / 1000);
    console.log(
      `${name.padEnd(52)} ${ms[name]!.toFixed(1).padStart(8)} ${Math.round(rate).toLocaleString("en").padStart(12)}`,
    );
    record(`throughput: ${name}`, rate, "samples/s");
  }
  const ours = ms["ours: encode + snappyjs"]!;
  const speedup = ms["prometheus-remote-write: serialize + its snappyjs"]! / ours;
  const vsFloor = ours / ms["snappyjs alone on our bytes"]!;
  const vsPb8 = ms["protobufjs 8 reflection + snappyjs"]! / ours;
  const compactVsFloor = ms["ours, compact frames: encode + snappyjs"]! / ms["snappyjs alone on our bytes"]!;
  console.log(`ours vs prometheus-remote-write: ${speedup.toFixed(1)}× faster (target ≥ 3×)`);
  console.log(`ours vs protobufjs 8 reflection: ${vsPb8.toFixed(1)}× faster`);
  console.log(`ours vs snappyjs alone: ${vsFloor.toFixed(2)}× its time (target ≤ 1.5×)`);
  console.log(`ours with compact frames vs snappyjs alone: ${compactVsFloor.toFixed(2)}× its time`);
  record("speedup vs prometheus-remote-write", speedup, "×");
  record("speedup vs protobufjs 8 reflection", vsPb8, "×");
  record("time vs snappyjs alone", vsFloor, "×");
  record("time vs snappyjs alone, compact frames", compactVsFloor, "×");
}

/** Child process: the real emitter, 10,000 collectors, a pusher that accepts at once. */
async function fleetTick(): Promise<void> {
  const ticks = 10;
  let t = Date.now() - 3_600_000;
  const t0 = performance.now();
  const model = fleetModel({ linux: 6000, windows: 2000, darwin: 2000 }, t - INTERVAL_MS);
  let bytes = 0;
  const pusher: Pusher = {
    push: (body) => {
      bytes += body.length;
      return Promise.resolve({ ok: true, maybeDelivered: true, status: 204, attempts: 1 });
    },
  };
  const clock = { now: () => t, monotonic: () => performance.now(), sleep: () => Promise.resolve() };
  const emitter = createEmitter({
    pusher,
    families: model.families,
    collectors: model.collectors,
    signalsFor: () => {
      throw new Error("the bench fleet does not change");
    },
    intervalMs: INTERVAL_MS,
    fleetStartMs: t - INTERVAL_MS,
    clock,
  });
  const setupMs = performance.now() - t0;
  await emitter.pushNow(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  let requests = 0;
  for (let i = 0; i < ticks; i++) {
    t += INTERVAL_MS;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    requests = (await emitter.pushNow()).requests;
    wall.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    JSON.stringify({
      collectors: model.collectors.length,
      series: model.seriesPerTick,
      setupMs,
      tickMs: med(wall),
      tickCpuMs: med(cpu),
      requests,
      bytesPerTick: bytes / (ticks + 1),
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

/**
 * Runs fleetTick() in a child bundled by ncc and run by plain node, as dist/ ships, so its peak RSS is the
 * product's and not tsx's (whose loader alone adds ~50 MB).
 */
function fleetFigures(): void {
  const out = mkdtempSync(join(tmpdir(), "fm-action-bench-"));
  let child: SpawnSyncReturns<string>;
  try {
    const ncc = join("node_modules", "@vercel", "ncc", "dist", "ncc", "cli.js");
    const build = spawnSync(
      process.execPath,
      [ncc, "build", fileURLToPath(import.meta.url), "-o", out, "-q", "--transpile-only"],
      {
        encoding: "utf8",
      },
    );
    if (build.status !== 0) throw new Error(`ncc build of the fleet child failed: ${build.stderr}`);
    const entry = ["index.js", "index.mjs"].map((f) => join(out, f)).find((f) => existsSync(f))!;
    child = spawnSync(process.execPath, [entry, "--fleet-tick"], { encoding: "utf8", maxBuffer: 1 << 20 });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (child.status !== 0) throw new Error(`fleet child failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout) as Record<string, number>;
  const share = r.tickCpuMs! / INTERVAL_MS;
  console.log(
    `\n${r.collectors} collectors, ${r.series} series, real emitter with a no-op pusher (ncc-bundled child on plain node, as dist/ runs):`,
  );
  console.log(`  set-up (roster, model, frames):  ${r.setupMs!.toFixed(0)} ms`);
  console.log(
    `  per tick: ${r.tickMs!.toFixed(0)} ms wall, ${r.tickCpuMs!.toFixed(0)} ms CPU, ${r.requests} requests, ${(r.bytesPerTick! / 1e6).toFixed(1)} MB compressed`,
  );
  console.log(`  CPU share at one tick per 15 s: ${(share * 100).toFixed(2)} % of one core (target < 10 %)`);
  console.log(`  peak RSS: ${r.maxRssMB!.toFixed(0)} MB (target < 300 MB)`);
  record("10k collectors: set-up", r.setupMs!, "ms");
  record("10k collectors: tick wall time", r.tickMs!, "ms");
  record("10k collectors: tick CPU time", r.tickCpuMs!, "ms");
  record("10k collectors: CPU share at 15 s", share * 100, "% of one core");
  record("10k collectors: compressed bytes per tick", r.bytesPerTick!, "bytes");
  record("10k collectors: peak RSS", r.maxRssMB!, "MB");
}

/** prompb WriteRequest for protobufjs reflection, Sample.value as a double (as a normal client would). */
const PROMPB_JSON = {
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: "repeated", type: "TimeSeries", id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: "repeated", type: "Label", id: 1 },
            samples: { rule: "repeated", type: "Sample", id: 2 },
          },
        },
        Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        Sample: { fields: { value: { type: "double", id: 1 }, timestamp: { type: "int64", id: 2 } } },
      },
    },
  },
};

if (process.argv.includes("--fleet-tick")) await fleetTick();
else {
  await throughput();
  fleetFigures();
  console.log("");
  for (const f of figures) console.log(JSON.stringify(f));
}
