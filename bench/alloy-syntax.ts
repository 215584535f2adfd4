/**
 * Alloy syntax parser throughput: a ~1 MB configuration made of the valid test fixtures, each wrapped as a
 * Fleet Management pipeline (`declare "<name>" { ... }`), parsed and read as received content. Also the
 * cost of a failed parse (an error near the end of the same text, then one at the very start).
 *
 * Run: npx tsx bench/alloy-syntax.ts   (prints one line per figure, then one JSON line per figure)
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAlloy } from "../src/alloy-syntax/parser.js";
import { readReceivedConfig } from "../src/alloy-syntax/received.js";
import { figureLog } from "./lib/figures.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../test/fixtures/alloy/valid");
const pipelines = readdirSync(fixtures)
  .filter((f) => f.endsWith(".alloy") && f !== "fm-received-content.alloy")
  .sort()
  .map((f) => readFileSync(join(fixtures, f), "utf8"));

const parts: string[] = [];
let size = 0;
for (let i = 0; size < 1_000_000; i++) {
  const part = `declare "pipeline_${i}" {\n${pipelines[i % pipelines.length]}\n}\npipeline_${i} "default" { }\n`;
  parts.push(part);
  size += part.length;
}
const content = parts.join("\n");
const megabytes = Buffer.byteLength(content) / 1e6;
const broken = `${content}\nx = [1\n`;

const log = figureLog("alloy-syntax");

function measure(name: string, run: () => unknown, runs = 20): number {
  for (let i = 0; i < 3; i++) run(); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  log.record(name, median, "ms");
  return median;
}

const parseMs = measure("parse 1 MB", () => parseAlloy(content));
const readMs = measure("readReceivedConfig 1 MB", () => readReceivedConfig(content));
const failMs = measure("parse 1 MB with an error at the end", () => parseAlloy(broken));
const earlyFailUs = measure("parse an error at offset 0", () => parseAlloy("$"), 2000) * 1000;

const read = readReceivedConfig(content);
if (!read.ok || parseAlloy(broken).ok) throw new Error("bench input is not what it should be");
log.record("parse throughput", megabytes / (parseMs / 1000), "MB/s");

console.log(
  `input: ${megabytes.toFixed(2)} MB, ${read.pipelines.length} pipelines, ${read.components} components\n` +
    `parse:              ${parseMs.toFixed(1)} ms  (${(megabytes / (parseMs / 1000)).toFixed(1)} MB/s)\n` +
    `readReceivedConfig: ${readMs.toFixed(1)} ms\n` +
    `error at the end:   ${failMs.toFixed(1)} ms\n` +
    `error at offset 0:  ${earlyFailUs.toFixed(1)} µs`,
);
log.print();
