// The peer under comparison in bench/whole-process.ts: the `prometheus-remote-write` package pushing a
// fleet's series to a remote-write receiver on a fixed interval, as a user of that package would write it.
// Plain JavaScript on plain node, so its CPU and memory are the package's and node's, not a loader's.
//
// Usage: node scripts/peer-fleet.mjs <series.json> <url> <user> <token> <interval ms> <duration ms>
//   series.json: one array per collector of its series' label objects (`__name__` first, names sorted).
// Like Prometheus (max_samples_per_send 2,000), a tick goes out in requests of whole collectors up to
// 2,000 samples, two requests on the wire at once. Prints one JSON line: ticks, requests, failed requests.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

const require = createRequire(import.meta.url);
const { pushTimeseries } = require("prometheus-remote-write");

const [seriesFile, url, user, token, intervalArg, durationArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const durationMs = Number(durationArg);
const SAMPLES_PER_REQUEST = 2000;
const IN_FLIGHT = 2;

/** @type {Record<string, string>[][]} */
const collectors = JSON.parse(readFileSync(seriesFile, "utf8"));
const batches = [];
for (let i = 0; i < collectors.length;) {
  let samples = 0;
  const start = i;
  while (i < collectors.length && (i === start || samples + collectors[i].length <= SAMPLES_PER_REQUEST))
    samples += collectors[i++].length;
  batches.push(collectors.slice(start, i));
}
const options = {
  url,
  auth: { username: user, password: token },
  // The package sends Content-Type only; remote write 1.0 requires these too, and the receiver checks them.
  headers: {
    "Content-Encoding": "snappy",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
    "User-Agent": "prometheus-remote-write-bench",
  },
  fetch: globalThis.fetch,
};

let requests = 0;
let failed = 0;

/** A value that moves from tick to tick, so no encoder could cache it; the cost of encoding does not depend on it. */
const valueOf = (collector, series, tick) => ((collector * 31 + series * 7 + tick) % 1000) / 10;

async function tick(tickIndex, timestamp) {
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const timeseries = [];
      batch.forEach((series, c) =>
        series.forEach((labels, s) =>
          timeseries.push({ labels, samples: [{ value: valueOf(c, s, tickIndex), timestamp }] }),
        ),
      );
      requests++;
      const result = await pushTimeseries(timeseries, options);
      if (result.status < 200 || result.status > 299) failed++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

// The window starts when the process does, as fm-fleet run's --duration starts when it does: loading and
// reading the series are part of the run. A tick goes out at once, then at each point of the interval's
// grid; like a scraper (and like fm-fleet run), a point that passed while a tick was still out is skipped.
const startMs = Math.round(performance.timeOrigin);
const endMs = startMs + durationMs;
let ticks = 0;
for (let due = Date.now(); due <= endMs;) {
  await sleep(Math.max(0, due - Date.now()));
  await tick(ticks++, Date.now());
  due = startMs + (Math.floor((Date.now() - startMs) / intervalMs) + 1) * intervalMs;
}
process.stdout.write(`${JSON.stringify({ ticks, requests, failed })}\n`);
