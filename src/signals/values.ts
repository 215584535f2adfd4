/**
 * Sample values as pure functions of (collector, series, time, fleet start, interval) (docs/signals.md).
 *
 * - Gauges drift slowly and smoothly: a per-collector centre plus two slow sinusoids with per-collector
 *   periods and phases, scaled into the collector's workload range, so peers differ and every value stays
 *   inside its documented bounds at all times.
 * - Counters are closed-form integrals of a rate that never drops below half its mean, counted from the
 *   fleet start. They never decrease, and a restarted background process given the same fleet start
 *   continues them exactly, with no state to carry over.
 * - The evaluation histogram counts 24 observations per tick; each tick is "quiet" or "busy" (a Beatty
 *   sequence decides which, in closed form), and each kind of tick has fixed per-bucket counts, so every
 *   bucket, _sum and _count is a non-decreasing function of the tick count.
 *
 * Everything a collector needs is computed once by createValueWriter, so the per-tick path allocates nothing.
 */
import type { Random } from "../core/clock.js";
import type { Collector } from "../fleet/types.js";
import { EVALUATION_BUCKETS, SERIES_OFFSET, workloadOf } from "./catalog.js";
import { seedRandom, uniform, uniformInt } from "./seed.js";

/** Most observations per tick in a bucket, keyed by its upper bound as written in EVALUATION_BUCKETS. */
export type BucketSpread = Readonly<Partial<Record<string, number>>>;

/** Closed interval [min, max]. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** The magnitudes a kind of collector moves within; every bound holds at every tick. */
export interface WorkloadProfile {
  /**
   * Resident set size in bytes; docs/signals.md#values-by-collector-kind puts every collector within 80–150
   * MB.
   */
  readonly residentBytes: Range;
  /** go_memstats_heap_inuse_bytes as a share of RSS (docs/signals.md#values-by-collector-kind: 30–60 %). */
  readonly heapShare: Range;
  readonly goroutines: Range;
  readonly scrapeSeconds: Range;
  /** Mean CPU use in cores; the instantaneous rate swings ±50 % around it. */
  readonly cpuCores: Range;
  /** Mean network rates in bytes per second, with the same ±50 % swing. */
  readonly rxBytesPerSecond: Range;
  readonly txBytesPerSecond: Range;
  /** Running components (alloy_component_controller_running_components summed over health types). */
  readonly components: Range;
  /**
   * The most evaluations of a quiet and of a busy tick that fall in each bucket above the first, keyed by
   * `le`; the rest of the 24 land in le=0.005, as on a real idle Alloy (docs/fm-protocol.md#alloy-metrics).
   */
  readonly quietSpread: BucketSpread;
  readonly busySpread: BucketSpread;
}

const MB = 1e6;

/**
 * Per workload: standalone hosts, and the five collectors of the k8s-monitoring chart
 * (docs/fm-protocol.md#k8s-monitoring-chart). Informed by docs/fm-protocol.md#alloy-metrics: a small host
 * config idles at ~0.02 cores and a few KB/s; the clustered alloy-metrics collector scrapes the cluster, so
 * it runs the most components, goroutines and traffic; the log and profile daemonsets ship data out, so they
 * send more than they receive.
 */
export const WORKLOAD_PROFILES = {
  standalone: {
    residentBytes: { min: 80 * MB, max: 130 * MB },
    heapShare: { min: 0.3, max: 0.6 },
    goroutines: { min: 60, max: 220 },
    scrapeSeconds: { min: 0.005, max: 0.03 },
    cpuCores: { min: 0.004, max: 0.03 },
    rxBytesPerSecond: { min: 500, max: 3_000 },
    txBytesPerSecond: { min: 2_000, max: 12_000 },
    components: { min: 8, max: 30 },
    quietSpread: { "0.025": 2, "0.1": 1 },
    busySpread: { "0.025": 4, "0.1": 2, "0.5": 1 },
  },
  "alloy-metrics": {
    residentBytes: { min: 110 * MB, max: 150 * MB },
    heapShare: { min: 0.3, max: 0.6 },
    goroutines: { min: 200, max: 400 },
    scrapeSeconds: { min: 0.01, max: 0.05 },
    cpuCores: { min: 0.03, max: 0.15 },
    rxBytesPerSecond: { min: 20_000, max: 120_000 },
    txBytesPerSecond: { min: 40_000, max: 200_000 },
    components: { min: 60, max: 120 },
    quietSpread: { "0.025": 5, "0.1": 2, "0.5": 1 },
    busySpread: { "0.025": 8, "0.1": 4, "0.5": 2, "1": 1 },
  },
  "alloy-singleton": {
    residentBytes: { min: 80 * MB, max: 115 * MB },
    heapShare: { min: 0.3, max: 0.6 },
    goroutines: { min: 70, max: 180 },
    scrapeSeconds: { min: 0.005, max: 0.03 },
    cpuCores: { min: 0.005, max: 0.03 },
    rxBytesPerSecond: { min: 2_000, max: 15_000 },
    txBytesPerSecond: { min: 1_000, max: 8_000 },
    components: { min: 10, max: 25 },
    quietSpread: { "0.025": 2, "0.1": 1 },
    busySpread: { "0.025": 4, "0.1": 2, "0.5": 1 },
  },
  "alloy-logs": {
    residentBytes: { min: 90 * MB, max: 140 * MB },
    heapShare: { min: 0.3, max: 0.6 },
    goroutines: { min: 100, max: 300 },
    scrapeSeconds: { min: 0.005, max: 0.04 },
    cpuCores: { min: 0.02, max: 0.1 },
    rxBytesPerSecond: { min: 1_000, max: 10_000 },
    txBytesPerSecond: { min: 10_000, max: 80_000 },
    components: { min: 12, max: 35 },
    quietSpread: { "0.025": 3, "0.1": 1 },
    busySpread: { "0.025": 5, "0.1": 2, "0.5": 1 },
  },
  "alloy-receiver": {
    residentBytes: { min: 85 * MB, max: 130 * MB },
    heapShare: { min: 0.3, max: 0.6 },
    goroutines: { min: 90, max: 260 },
    scrapeSeconds: { min: 0.005, max: 0.04 },
    cpuCores: { min: 0.01, max: 0.06 },
    rxBytesPerSecond: { min: 10_000, max: 60_000 },
    txBytesPerSecond: { min: 10_000, max: 60_000 },
    components: { min: 15, max: 35 },
    quietSpread: { "0.025": 3, "0.1": 1 },
    busySpread: { "0.025": 5, "0.1": 2, "0.5": 1 },
  },
  "alloy-profiles": {
    residentBytes: { min: 100 * MB, max: 150 * MB },
    heapShare: { min: 0.3, max: 0.6 },
    goroutines: { min: 120, max: 320 },
    scrapeSeconds: { min: 0.005, max: 0.04 },
    cpuCores: { min: 0.03, max: 0.12 },
    rxBytesPerSecond: { min: 2_000, max: 15_000 },
    txBytesPerSecond: { min: 20_000, max: 100_000 },
    components: { min: 10, max: 20 },
    quietSpread: { "0.025": 3, "0.1": 1 },
    busySpread: { "0.025": 5, "0.1": 2, "0.5": 1 },
  },
} as const satisfies Record<string, WorkloadProfile>;

export type WorkloadName = keyof typeof WORKLOAD_PROFILES;

/**
 * What an unhealthy collector changes beside up=0: some components turn unhealthy (and one may have
 * exited), which fires the mixin's UnhealthyComponents alert, and failing components re-evaluate slowly,
 * so its busy ticks also put evaluations in the 0.5 s, 1 s and 5 s buckets.
 */
export const UNHEALTHY = {
  unhealthyComponents: { min: 1, max: 3 },
  exitedComponents: { min: 0, max: 1 },
  /** Most slow evaluations of a busy tick in le=0.5, le=1 and le=5. */
  slowSpread: { "0.5": 1, "1": 1, "5": 1 },
} as const satisfies Record<string, Range | BucketSpread>;

/**
 * Observations of alloy_component_evaluation_seconds per tick
 * (docs/signals.md#alloy_component_evaluation_seconds).
 */
export const EVALUATIONS_PER_TICK = 24;

/** The profile of a collector: by its k8s-monitoring collector name, else standalone. */
export function workloadNameOf(collector: Collector): WorkloadName {
  const workload = workloadOf(collector);
  return workload !== undefined && Object.hasOwn(WORKLOAD_PROFILES, workload)
    ? (workload as WorkloadName)
    : "standalone";
}

export interface ValueOptions {
  /** Epoch ms of the fleet's start: counters count from here. */
  readonly fleetStartMs: number;
  /** Tick interval in ms: tick k happens at fleetStartMs + k·intervalMs. */
  readonly intervalMs: number;
  /**
   * Component blocks of the remote configuration the collector runs (alloy-syntax/received.ts,
   * countComponents): they run beside its own, so each adds one healthy component. Default 0.
   */
  readonly receivedComponents?: number;
}

/** Writes a collector's SERIES_PER_COLLECTOR values at `tMs` into `out` from `offset`, in catalog order. */
export type ValueWriter = (tMs: number, out: Float64Array, offset: number) => void;

/** Ticks counted by `tMs`: tick k at fleetStart + k·interval is the (k+1)th; none before the start. */
export function ticksAt(tMs: number, options: ValueOptions): number {
  const elapsed = tMs - options.fleetStartMs;
  return elapsed < 0 ? 0 : Math.floor(elapsed / options.intervalMs) + 1;
}

/**
 * A level in [0, 1]: centre ± (0.18 + 0.08), the two waves' periods 30–90 min and 6–15 min. Five numbers
 * at `at` in a collector's parameters: centre, omega1, phase1, omega2, phase2.
 */
const DRIFT_SLOW = 0.18;
const DRIFT_FAST = 0.08;

function drawDrift(random: Random, p: Float64Array, at: number): void {
  p[at] = uniform(random, 0.3, 0.7);
  p[at + 1] = (2 * Math.PI) / uniform(random, 30 * 60, 90 * 60);
  p[at + 2] = uniform(random, 0, 2 * Math.PI);
  p[at + 3] = (2 * Math.PI) / uniform(random, 6 * 60, 15 * 60);
  p[at + 4] = uniform(random, 0, 2 * Math.PI);
}

function level(p: Float64Array, at: number, tSec: number): number {
  return (
    p[at]! +
    DRIFT_SLOW * Math.sin(p[at + 1]! * tSec + p[at + 2]!) +
    DRIFT_FAST * Math.sin(p[at + 3]! * tSec + p[at + 4]!)
  );
}

/**
 * ∫₀ᵉ rate·(1 + DEPTH·sin(ω·s + φ)) ds, plus what the process had counted when the fleet started. The rate
 * never falls below half its mean, so the integral strictly increases. Five numbers at `at`: initial,
 * rate, omega, phase, cos(phase).
 */
const RATE_DEPTH = 0.5;

function drawAccumulator(
  random: Random,
  initial: number,
  meanMin: number,
  meanMax: number,
  p: Float64Array,
  at: number,
): void {
  const phase = uniform(random, 0, 2 * Math.PI);
  p[at] = initial;
  p[at + 1] = uniform(random, meanMin, meanMax);
  p[at + 2] = (2 * Math.PI) / uniform(random, 20 * 60, 60 * 60);
  p[at + 3] = phase;
  p[at + 4] = Math.cos(phase);
}

function accumulated(p: Float64Array, at: number, elapsedSec: number): number {
  const omega = p[at + 2]!;
  return (
    p[at]! +
    p[at + 1]! *
      (elapsedSec + (RATE_DEPTH / omega) * (p[at + 4]! - Math.cos(omega * elapsedSec + p[at + 3]!)))
  );
}

/** The most observations per tick in each bucket, for the given spreads added up. */
function mostPerBucket(spreads: readonly BucketSpread[]): readonly number[] {
  return EVALUATION_BUCKETS.map((bound) =>
    spreads.reduce((n, spread) => n + (spread[String(bound)] ?? 0), 0),
  );
}

/**
 * What every collector of a profile shares, laid out for createValueWriter's loops: the most observations
 * per bucket of its quiet and busy ticks (healthy and not), the ranges RSS, heap share, goroutines and
 * scrape seconds move within, and each accumulator's starting range and mean rate.
 */
interface ProfileTables {
  readonly quiet: readonly number[];
  readonly busy: readonly number[];
  readonly busyUnhealthy: readonly number[];
  /** min, max of residentBytes, heapShare, goroutines, scrapeSeconds: P_RANGES in the parameters. */
  readonly ranges: Float64Array;
  /** Per accumulator (CPU, rx, tx): the initial count's range, then the mean rate's. */
  readonly accumulators: Float64Array;
}

const TABLES = new Map<WorkloadProfile, ProfileTables>(
  Object.values(WORKLOAD_PROFILES).map((profile: WorkloadProfile) => [
    profile,
    {
      quiet: mostPerBucket([profile.quietSpread]),
      busy: mostPerBucket([profile.busySpread]),
      busyUnhealthy: mostPerBucket([profile.busySpread, UNHEALTHY.slowSpread]),
      ranges: Float64Array.from(
        [profile.residentBytes, profile.heapShare, profile.goroutines, profile.scrapeSeconds].flatMap(
          (range) => [range.min, range.max],
        ),
      ),
      // A process has used some CPU and moved some bytes before the fleet's first tick.
      accumulators: Float64Array.of(
        ...[0.3, 2, profile.cpuCores.min, profile.cpuCores.max],
        ...[20_000, 500_000, profile.rxBytesPerSecond.min, profile.rxBytesPerSecond.max],
        ...[20_000, 500_000, profile.txBytesPerSecond.min, profile.txBytesPerSecond.max],
      ),
    },
  ]),
);

const BUCKETS = EVALUATION_BUCKETS.length;
/** Scratch of drawTickShape and createValueWriter: one collector is drawn at a time. */
const tickCounts = new Float64Array(BUCKETS);
const bucketMeans = new Float64Array(BUCKETS);

/**
 * Draws the per-bucket counts of one kind of tick (EVALUATIONS_PER_TICK observations over the
 * finite buckets: one draw per bucket whatever its most, so the draws that follow do not shift with the
 * spreads; the first bucket takes the rest), writes the cumulative counts per `le` (+Inf last, =
 * EVALUATIONS_PER_TICK) at `at` in the parameters, and returns the sum of the observations.
 */
function drawTickShape(random: Random, most: readonly number[], p: Float64Array, at: number): number {
  let others = 0;
  for (let i = 0; i < BUCKETS; i++) {
    const drawn = uniformInt(random, 0, most[i]!);
    tickCounts[i] = i === 0 ? 0 : drawn;
    others += tickCounts[i]!;
  }
  tickCounts[0] = EVALUATIONS_PER_TICK - others;
  let running = 0;
  let sum = 0;
  for (let i = 0; i < BUCKETS; i++) {
    running += tickCounts[i]!;
    p[at + i] = running;
    sum += tickCounts[i]! * bucketMeans[i]!;
  }
  p[at + BUCKETS] = running;
  return sum;
}

/** Offsets of each series within a collector's block, fixed by the catalog. */
const AT = {
  buildInfo: SERIES_OFFSET.alloy_build_info,
  up: SERIES_OFFSET.up,
  components: SERIES_OFFSET.alloy_component_controller_running_components,
  buckets: SERIES_OFFSET.alloy_component_evaluation_seconds,
  evalSum: SERIES_OFFSET.alloy_component_evaluation_seconds + EVALUATION_BUCKETS.length + 1,
  evalCount: SERIES_OFFSET.alloy_component_evaluation_seconds + EVALUATION_BUCKETS.length + 2,
  cpu: SERIES_OFFSET.alloy_resources_process_cpu_seconds_total,
  rss: SERIES_OFFSET.alloy_resources_process_resident_memory_bytes,
  rx: SERIES_OFFSET.alloy_resources_machine_rx_bytes_total,
  tx: SERIES_OFFSET.alloy_resources_machine_tx_bytes_total,
  configHash: SERIES_OFFSET.alloy_config_hash,
  goroutines: SERIES_OFFSET.go_goroutines,
  heap: SERIES_OFFSET.go_memstats_heap_inuse_bytes,
  scrape: SERIES_OFFSET.scrape_duration_seconds,
} as const;

const BUCKET_SERIES = BUCKETS + 1;
/** Linux pages are 4 KiB; the Go heap grows in 8 KiB spans. Rounding to them keeps the numbers honest. */
const PAGE_BYTES = 4096;
const SPAN_BYTES = 8192;

// Where each number sits in a collector's parameters (one Float64Array: a closure over some thirty
// variables and a dozen objects took ~2 KB per collector, 20 MB at 10,000 collectors).
const P_RSS = 0;
const P_HEAP = 5;
const P_GOROUTINES = 10;
const P_SCRAPE = 15;
const P_CPU = 20;
const P_RX = 25;
const P_TX = 30;
const P_COMPONENTS = 35;
const P_QUIET = 39;
const P_BUSY = P_QUIET + BUCKET_SERIES;
const P_QUIET_SUM = P_BUSY + BUCKET_SERIES;
const P_BUSY_SUM = P_QUIET_SUM + 1;
const P_BUSY_SHARE = P_BUSY_SUM + 1;
const P_UP = P_BUSY_SHARE + 1;
/** The profile's ranges: RSS, heap share, goroutines, scrape seconds (min, max each). */
const P_RANGES = P_UP + 1;
const P_FLEET_START = P_RANGES + 8;
const P_INTERVAL = P_FLEET_START + 1;
const PARAMETERS = P_INTERVAL + 1;

/**
 * Precomputes everything about `collector` that does not depend on time, and returns the writer of its
 * values. Two writers for the same collector and options write identical numbers.
 */
export function createValueWriter(collector: Collector, options: ValueOptions): ValueWriter {
  // Loops over per-profile tables rather than a call per parameter: this runs once per collector at
  // start, mostly before V8 optimises it, and a long unrolled body cost more to optimise than to run.
  const profile: WorkloadProfile = WORKLOAD_PROFILES[workloadNameOf(collector)];
  const tables = TABLES.get(profile)!;
  const random = seedRandom(collector.id, "signals/values");
  const p = parametersSlot();

  for (let at = P_RSS; at <= P_SCRAPE; at += 5) drawDrift(random, p, at);
  p.set(tables.ranges, P_RANGES);
  const accumulators = tables.accumulators;
  for (let k = 0; k < 3; k++) {
    const initial = uniform(random, accumulators[4 * k]!, accumulators[4 * k + 1]!);
    drawAccumulator(random, initial, accumulators[4 * k + 2]!, accumulators[4 * k + 3]!, p, P_CPU + 5 * k);
  }

  const running = uniformInt(random, profile.components.min, profile.components.max);
  // Drawn for every collector so a collector's other numbers do not change when it turns unhealthy.
  const unhealthy = uniformInt(random, UNHEALTHY.unhealthyComponents.min, UNHEALTHY.unhealthyComponents.max);
  const exited = uniformInt(random, UNHEALTHY.exitedComponents.min, UNHEALTHY.exitedComponents.max);
  const healthy = collector.healthy;
  // Received components are added after every draw, so a new config moves this number and no other.
  p[P_COMPONENTS] = (healthy ? running : running - unhealthy - exited) + (options.receivedComponents ?? 0);
  p[P_COMPONENTS + 1] = healthy ? 0 : unhealthy;
  p[P_COMPONENTS + 2] = 0;
  p[P_COMPONENTS + 3] = healthy ? 0 : exited;

  // Mean observation within each bucket, toward its lower end: evaluations cluster near the fast edge.
  for (let i = 0; i < BUCKETS; i++) {
    const upper = EVALUATION_BUCKETS[i]!;
    const lower = i === 0 ? 0 : EVALUATION_BUCKETS[i - 1]!;
    bucketMeans[i] = lower + (upper - lower) * uniform(random, 0.05, 0.5);
  }
  p[P_QUIET_SUM] = drawTickShape(random, tables.quiet, p, P_QUIET);
  p[P_BUSY_SUM] = drawTickShape(random, healthy ? tables.busy : tables.busyUnhealthy, p, P_BUSY);
  p[P_BUSY_SHARE] = uniform(random, 0.1, 0.35);
  p[P_UP] = healthy ? 1 : 0;
  p[P_FLEET_START] = options.fleetStartMs;
  p[P_INTERVAL] = options.intervalMs;
  return writerOf(p);
}

/**
 * The writer in a scope of its own: a closure keeps its whole scope alive, and createValueWriter's holds
 * the random generator and the profile, which the fleet no longer needs once the parameters are drawn.
 */
function writerOf(p: Float64Array): ValueWriter {
  return (tMs, out, offset) => writeValues(p, tMs, out, offset);
}

/**
 * Collectors' parameters come from shared slabs, so 10,000 collectors cost a few dozen array buffers
 * rather than 10,000 (each one a separate allocation with its own bookkeeping).
 */
const SLAB_COLLECTORS = 256;
let slab = new Float64Array(0);
let slabUsed = 0;
function parametersSlot(): Float64Array {
  if (slabUsed + PARAMETERS > slab.length) {
    slab = new Float64Array(SLAB_COLLECTORS * PARAMETERS);
    slabUsed = 0;
  }
  const slot = slab.subarray(slabUsed, slabUsed + PARAMETERS);
  slabUsed += PARAMETERS;
  return slot;
}

/** A collector's values at `tMs` from its parameters (createValueWriter). */
function writeValues(p: Float64Array, tMs: number, out: Float64Array, offset: number): void {
  const fleetStartMs = p[P_FLEET_START]!;
  const tSec = tMs / 1000;
  const elapsedSec = tMs > fleetStartMs ? (tMs - fleetStartMs) / 1000 : 0;
  const ticks = ticksAt(tMs, { fleetStartMs, intervalMs: p[P_INTERVAL]! });

  out[offset + AT.buildInfo] = 1;
  out[offset + AT.up] = p[P_UP]!;
  out[offset + AT.components] = p[P_COMPONENTS]!;
  out[offset + AT.components + 1] = p[P_COMPONENTS + 1]!;
  out[offset + AT.components + 2] = p[P_COMPONENTS + 2]!;
  out[offset + AT.components + 3] = p[P_COMPONENTS + 3]!;

  // Busy ticks among the first `ticks`: floor(ticks·share) grows by 0 or 1 per tick, so both counts only grow.
  const busyTicks = Math.floor(ticks * p[P_BUSY_SHARE]!);
  const quietTicks = ticks - busyTicks;
  for (let i = 0; i < BUCKET_SERIES; i++)
    out[offset + AT.buckets + i] = quietTicks * p[P_QUIET + i]! + busyTicks * p[P_BUSY + i]!;
  out[offset + AT.evalSum] = quietTicks * p[P_QUIET_SUM]! + busyTicks * p[P_BUSY_SUM]!;
  out[offset + AT.evalCount] = ticks * EVALUATIONS_PER_TICK;

  // CPU time is counted in 10 ms clock ticks and network traffic in whole bytes; floor keeps them monotone.
  out[offset + AT.cpu] = Math.floor(accumulated(p, P_CPU, elapsedSec) * 100) / 100;
  out[offset + AT.rx] = Math.floor(accumulated(p, P_RX, elapsedSec));
  out[offset + AT.tx] = Math.floor(accumulated(p, P_TX, elapsedSec));

  const rssMin = p[P_RANGES]!;
  const rssMax = p[P_RANGES + 1]!;
  const heapMin = p[P_RANGES + 2]!;
  const heapMax = p[P_RANGES + 3]!;
  const goroutinesMin = p[P_RANGES + 4]!;
  const goroutinesMax = p[P_RANGES + 5]!;
  const scrapeMin = p[P_RANGES + 6]!;
  const scrapeMax = p[P_RANGES + 7]!;
  const residentBytes =
    Math.round((rssMin + (rssMax - rssMin) * level(p, P_RSS, tSec)) / PAGE_BYTES) * PAGE_BYTES;
  const heapShare = heapMin + (heapMax - heapMin) * level(p, P_HEAP, tSec);
  out[offset + AT.rss] = residentBytes;
  out[offset + AT.configHash] = 1;
  out[offset + AT.goroutines] = Math.round(
    goroutinesMin + (goroutinesMax - goroutinesMin) * level(p, P_GOROUTINES, tSec),
  );
  out[offset + AT.heap] = Math.round((residentBytes * heapShare) / SPAN_BYTES) * SPAN_BYTES;
  out[offset + AT.scrape] = scrapeMin + (scrapeMax - scrapeMin) * level(p, P_SCRAPE, tSec);
}
