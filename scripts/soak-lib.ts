/**
 * The soak (issue 7): the real background process against the FM emulator and the remote-write receiver,
 * both injecting faults, for a long while; then a teardown exactly as post does it. Measured from outside:
 * the background process's RSS (scripts/process-stats.ts), its status-file counters, heartbeat punctuality
 * as the emulator saw it (scripts/heartbeat-punctuality.ts), and what is left behind.
 * Used by `npm run soak` (scripts/soak.ts) and its CI short form (test/e2e/soak.test.ts).
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { Logger } from "../src/core/logger.js";
import { createFmEmulator, type FaultPlan, type FaultSpec } from "../src/emulator/fm-server.js";
import {
  createRemoteWriteReceiver,
  type ReceiverFaultKind,
  type ReceiverFaults,
} from "../src/emulator/rw-receiver.js";
import { isAlive } from "../src/runtime/process.js";
import { counterSections, formatCounterLines, type Counters } from "../src/runtime/counters.js";
import { readStatus } from "../src/runtime/status.js";
import { startFleetUnderTest } from "./fleet-under-test.js";
import { heartbeatPunctuality, type Punctuality } from "./heartbeat-punctuality.js";
import { sampleProcess } from "./process-stats.js";

/** Per FM method: 10 % 503, 5 % 429 with Retry-After, 2 % resets after the effect, 50–300 ms latency. */
export const SOAK_FM_FAULT: FaultSpec = {
  unavailable: 0.1,
  resourceExhausted: 0.05,
  reset: 0.02,
  latencyMs: [50, 300],
};
export const SOAK_FM_FAULTS: FaultPlan = {
  RegisterCollector: SOAK_FM_FAULT,
  GetConfig: SOAK_FM_FAULT,
  UnregisterCollector: SOAK_FM_FAULT,
};
/** One push in ten answered 503. */
export const SOAK_RW_FAULTS: ReceiverFaults = { failRatio: 0.1, status: 503 };

/** Which faults the servers inject, and when. */
export interface SoakFaultPlan {
  /** From the first request. */
  readonly fm: FaultPlan;
  readonly rw: ReceiverFaults;
  /**
   * Replaces the plan above once the fleet is ready. The hostile profile uses it: a start that meets one
   * Retry-After of days waits out the 5-minute cap (src/transport/backoff.ts) and fails at start-timeout,
   * as designed, and a soak that cannot start measures nothing. The run and the teardown are what it is for.
   */
  readonly afterReady?: { readonly fm: FaultPlan; readonly rw: ReceiverFaults };
}

export const STANDARD_FAULTS: SoakFaultPlan = { fm: SOAK_FM_FAULTS, rw: SOAK_RW_FAULTS };

/**
 * The hostile kinds, on top of the standard mix, per FM method: 1 % bodies that never end (half 200 after
 * the effect, half 503), 1 % 429 with Retry-After: 999999, 1 % requests held 30 s (the client gives up at
 * 15 s); GetConfig also 2 % answers with a 3 MiB hash. Shares of a few per cent, like a proxy that
 * misbehaves now and then: enough to meet every kind many times an hour, few enough that the fleet still
 * does its job in between.
 */
export const HOSTILE_FM_FAULT: FaultSpec = {
  ...SOAK_FM_FAULT,
  endlessBody: 0.01,
  hugeRetryAfter: 0.01,
  hang: 0.01,
};
export const HOSTILE_FM_FAULTS: FaultPlan = {
  RegisterCollector: HOSTILE_FM_FAULT,
  GetConfig: { ...HOSTILE_FM_FAULT, hashBomb: 0.02 },
  UnregisterCollector: HOSTILE_FM_FAULT,
};
/**
 * Remote write, on top of the standard 10 % 503: 2 % endless bodies, 2 % Retry-After: 999999, 2 % pushes
 * held 30 s. A fleet pushes one or two requests per tick where it makes a GetConfig per collector, so the
 * shares are twice FM's, and the hostile profile ticks every 5 s. A Retry-After of days holds every push
 * back for the capped 5 minutes (src/transport/backoff.ts; no request reaches the receiver meanwhile, and
 * those samples are lost); the stale markers at the end go out all the same.
 */
export const HOSTILE_RW_FAULTS: ReceiverFaults = {
  ...SOAK_RW_FAULTS,
  endlessBodyRatio: 0.02,
  hugeRetryAfterRatio: 0.02,
  hangRatio: 0.02,
};
/**
 * The pauses leave remote write a few dozen requests in ten minutes, too few for 2 % to be sure of every
 * kind: the first pushes after ready meet an endless body, a hang and another endless body (a 200 or a
 * 503, drawn), then the shares take over.
 */
export const HOSTILE_RW_OPENING: readonly ReceiverFaultKind[] = ["endless_body", "hang", "endless_body"];
export const HOSTILE_FAULTS: SoakFaultPlan = {
  fm: SOAK_FM_FAULTS,
  rw: SOAK_RW_FAULTS,
  afterReady: { fm: HOSTILE_FM_FAULTS, rw: { ...HOSTILE_RW_FAULTS, script: HOSTILE_RW_OPENING } },
};

export interface SoakOptions {
  collectors: number;
  durationMs: number;
  heartbeatIntervalMs: number;
  intervalMs: number;
  /** A row is printed and recorded this often. Default 60 s. */
  reportEveryMs?: number;
  /** RSS growth is measured from the end of this warm-up. Default: 5 minutes, or a third of a shorter run. */
  warmupMs?: number;
  /** Default true: STANDARD_FAULTS; false: none. */
  faults?: boolean | SoakFaultPlan;
  seed?: number;
  daemonScript?: string;
  workDir?: string;
  /** Launch and teardown messages. */
  logger?: Logger;
  onRow?: (row: SoakRow) => void;
}

export interface SoakRow {
  readonly elapsedS: number;
  /** Largest RSS seen during the row's period (polled every few seconds). */
  readonly rssBytes: number;
  readonly counters?: Counters;
  /**
   * Heartbeat slots since ready and how many were on time (emulator side), cumulative: each row re-estimates
   * every collector's anchor from all it has seen, so per-period differences would not be meaningful.
   */
  readonly slots: number;
  readonly onTime: number;
  readonly onTimeRatio: number;
}

export interface SoakReport {
  readonly collectors: number;
  readonly heartbeatIntervalMs: number;
  readonly intervalMs: number;
  readonly durationMs: number;
  readonly pid: number;
  /** The run's folder: blueprint, the background process's state folder and log, rows.jsonl. */
  readonly workDir: string;
  readonly log: string;
  readonly rows: readonly SoakRow[];
  readonly rssBaselineBytes: number;
  readonly rssFinalBytes: number;
  /** Largest RSS of the run: the kernel's high-water mark where there is one (Linux), else the polled maximum. */
  readonly rssPeakBytes: number;
  /** (final − baseline) / baseline; NaN when the run ended before the warm-up did. */
  readonly rssGrowth: number;
  readonly punctuality: Punctuality;
  readonly counters?: Counters;
  readonly leftRegistered: number;
  readonly leftOpen: number;
  /** Requests that met each injected fault, by side and kind (the FM emulator's log, the receiver's counts). */
  readonly faultsServed: Readonly<Record<string, number>>;
  readonly cleanedBy: string;
  readonly problems: readonly string[];
  /** Warning and error lines in the background process's log. */
  readonly logWarnings: number;
  /** Why the run ended early, if it did. */
  readonly aborted?: string;
}

export function defaultWarmupMs(durationMs: number): number {
  return Math.min(5 * 60_000, durationMs / 3);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const faults: SoakFaultPlan | undefined =
    options.faults === false
      ? undefined
      : options.faults === true || options.faults === undefined
        ? STANDARD_FAULTS
        : options.faults;
  const seed = options.seed ?? 7;
  const reportEveryMs = options.reportEveryMs ?? 60_000;
  const warmupMs = options.warmupMs ?? defaultWarmupMs(options.durationMs);
  const promToken = randomBytes(16).toString("hex");
  const emulator = await createFmEmulator({ seed, ...(faults ? { faults: faults.fm } : {}) });
  const receiver = await createRemoteWriteReceiver({
    user: "soak",
    token: promToken,
    seed,
    ...(faults ? { faults: faults.rw } : {}),
  });
  try {
    const fleet = await startFleetUnderTest({
      name: "soak",
      collectors: options.collectors,
      intervalMs: options.intervalMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      maxLifetimeMs: options.durationMs + 60 * 60_000,
      credentials: {
        fm: { url: emulator.url, stackId: emulator.stackId, token: emulator.token },
        prom: { url: receiver.url, user: "soak", token: promToken },
      },
      ...(options.daemonScript ? { daemonScript: options.daemonScript } : {}),
      ...(options.workDir ? { workDir: options.workDir } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    if (faults?.afterReady) {
      emulator.setFaults(faults.afterReady.fm);
      receiver.setFaults(faults.afterReady.rw);
    }
    const collectorIds = fleet.roster.collectors.map((c) => c.id);
    const { pid, readyAtMs } = fleet;
    const endAtMs = readyAtMs + options.durationMs;

    // RSS is polled more often than rows are printed, and a row keeps its period's largest value, so a
    // sample that happens to follow a garbage collection does not hide growth.
    let periodRss = 0;
    let peakRss = 0;
    let aborted: string | undefined;
    const pollRss = () => {
      try {
        const sample = sampleProcess(pid);
        periodRss = Math.max(periodRss, sample.rssBytes);
        peakRss = Math.max(peakRss, sample.peakRssBytes ?? sample.rssBytes);
      } catch {
        aborted ??= `the background process (PID ${pid}) is gone`;
      }
    };
    pollRss();
    const poller = setInterval(pollRss, Math.min(5_000, reportEveryMs / 4));

    const rows: SoakRow[] = [];
    try {
      for (let next = readyAtMs + reportEveryMs; next <= endAtMs && !aborted; next += reportEveryMs) {
        await sleep(next - Date.now());
        pollRss();
        if (!isAlive(pid)) aborted ??= `the background process (PID ${pid}) exited early`;
        const soFar = heartbeatPunctuality(emulator.requests(), {
          collectorIds,
          intervalMs: options.heartbeatIntervalMs,
          fromMs: readyAtMs,
          toMs: Date.now(),
        });
        const counters = readStatus(fleet.paths.status)?.counters;
        const row: SoakRow = {
          elapsedS: Math.round((Date.now() - readyAtMs) / 1000),
          rssBytes: periodRss,
          ...(counters ? { counters } : {}),
          slots: soFar.slots,
          onTime: soFar.onTime,
          onTimeRatio: soFar.ratio,
        };
        periodRss = 0;
        rows.push(row);
        // Recorded as it comes, so a run that dies half-way still leaves its figures.
        appendFileSync(join(fleet.workDir, "rows.jsonl"), `${JSON.stringify(row)}\n`);
        options.onRow?.(row);
      }
    } finally {
      clearInterval(poller);
    }

    const stopAtMs = Date.now();
    const teardown = await fleet.stop();
    const punctuality = heartbeatPunctuality(emulator.requests(), {
      collectorIds,
      intervalMs: options.heartbeatIntervalMs,
      fromMs: readyAtMs,
      toMs: stopAtMs,
    });
    const baseline = rows.find((r) => r.elapsedS * 1000 >= warmupMs);
    const final = rows.at(-1);
    const rssGrowth =
      baseline && final && final !== baseline
        ? (final.rssBytes - baseline.rssBytes) / baseline.rssBytes
        : Number.NaN;
    const counters = teardown.status?.counters ?? rows.at(-1)?.counters;
    const faultsServed: Record<string, number> = {};
    for (const r of emulator.requests())
      if (r.fault) faultsServed[`fm_${r.fault}`] = (faultsServed[`fm_${r.fault}`] ?? 0) + 1;
    for (const [kind, count] of Object.entries(receiver.faultCounts())) faultsServed[`rw_${kind}`] = count;
    return {
      collectors: collectorIds.length,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      intervalMs: options.intervalMs,
      durationMs: stopAtMs - readyAtMs,
      pid,
      workDir: fleet.workDir,
      log: fleet.paths.log,
      rows,
      rssBaselineBytes: baseline?.rssBytes ?? Number.NaN,
      rssFinalBytes: final?.rssBytes ?? Number.NaN,
      rssPeakBytes: peakRss,
      rssGrowth,
      punctuality,
      ...(counters ? { counters } : {}),
      leftRegistered: emulator.collectors().filter((c) => c.registered).length,
      leftOpen: receiver.openSeries(),
      faultsServed,
      cleanedBy: teardown.cleanedBy,
      problems: teardown.problems,
      logWarnings: countWarnings(fleet.paths.log),
      ...(aborted ? { aborted } : {}),
    };
  } finally {
    await Promise.all([emulator.close(), receiver.close()]);
  }
}

function countWarnings(logPath: string): number {
  try {
    return readFileSync(logPath, "utf8")
      .split("\n")
      .filter((line) => / (warn|error) /.test(line)).length;
  } catch {
    return 0;
  }
}

/** What a run must meet. A target left out is reported without a verdict. */
export interface SoakTargets {
  /** RSS growth after the warm-up must stay below this share. Default 0.10. */
  maxRssGrowth?: number;
  /** Default 0.999. */
  minOnTimeRatio?: number;
  /** The run's largest RSS must stay below this many bytes. Default: no target. */
  maxRssPeakBytes?: number;
  /** Default 0. */
  maxLeftRegistered: number;
  /** Default 0. */
  maxLeftOpen: number;
}

export const DEFAULT_SOAK_TARGETS: SoakTargets = {
  maxRssGrowth: 0.1,
  minOnTimeRatio: 0.999,
  maxLeftRegistered: 0,
  maxLeftOpen: 0,
};

/** 300 MB, as the hostile profile's bound on the background process's RSS. */
export const HOSTILE_MAX_RSS_BYTES = 300_000_000;

/** A named set of defaults for `npm run soak -- --profile NAME`. */
export interface SoakProfile {
  readonly name: string;
  /** The fault mix in words, for the first line of the output. */
  readonly faultSummary: string;
  readonly faults: SoakFaultPlan;
  readonly minutes: number;
  readonly collectors: number;
  readonly heartbeatInterval: string;
  readonly interval: string;
  readonly targets: SoakTargets;
}

export const SOAK_PROFILES: Readonly<Record<"standard" | "hostile", SoakProfile>> = {
  standard: {
    name: "standard",
    faultSummary: "FM 10 % 503, 5 % 429, 2 % reset, 50–300 ms; remote write 10 % 503",
    faults: STANDARD_FAULTS,
    minutes: 60,
    collectors: 500,
    heartbeatInterval: "45s",
    interval: "15s",
    targets: DEFAULT_SOAK_TARGETS,
  },
  hostile: {
    name: "hostile",
    faultSummary:
      "standard mix, and once ready: FM 1 % endless bodies, 1 % Retry-After 999999, 1 % 30 s hangs, " +
      "GetConfig 2 % 3 MiB hashes; remote write an endless body, a hang and an endless body, then 2 % each " +
      "of endless bodies, Retry-After 999999, 30 s hangs",
    faults: HOSTILE_FAULTS,
    minutes: 10,
    collectors: 200,
    heartbeatInterval: "45s",
    interval: "5s",
    // What the fleet promises whatever the servers do: bounded memory, nothing left behind. Punctuality and
    // lost samples are reported but not judged: a 30 s hang makes a heartbeat late by design, and a
    // Retry-After of days holds pushes back for the capped 5 minutes (src/transport/backoff.ts).
    targets: { maxRssPeakBytes: HOSTILE_MAX_RSS_BYTES, maxLeftRegistered: 0, maxLeftOpen: 0 },
  },
};

export interface SoakFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target, as "< 0.1", ">= 0.999", "= 0". */
  readonly target?: string;
  readonly ok?: boolean;
}

/** The report as figures, each target checked. A run that ended early fails every target it touches. */
export function soakFigures(report: SoakReport, targets: SoakTargets = DEFAULT_SOAK_TARGETS): SoakFigure[] {
  const f = report.counters?.fm;
  const r = report.counters?.remoteWrite;
  const round = (n: number, digits = 4) => (Number.isFinite(n) ? Number(n.toPrecision(digits)) : n);
  const mib = (bytes: number) => round(bytes / (1024 * 1024));
  const p = report.punctuality;
  /** A figure with a target when one is set; a run that ended early misses every target it touches. */
  const checked = (
    name: string,
    value: number,
    unit: string,
    limit: { value: number | undefined; op: "<" | ">="; display?: number | string },
  ): SoakFigure =>
    limit.value === undefined
      ? { name, value, unit }
      : {
          name,
          value,
          unit,
          target: `${limit.op} ${limit.display ?? limit.value}`,
          ok: !report.aborted && (limit.op === "<" ? value < limit.value : value >= limit.value),
        };
  const rssPeakMib = mib(report.rssPeakBytes);
  return [
    { name: "collectors", value: report.collectors, unit: "collectors" },
    { name: "duration", value: round(report.durationMs / 60_000), unit: "min" },
    { name: "rss_baseline", value: mib(report.rssBaselineBytes), unit: "MiB" },
    { name: "rss_final", value: mib(report.rssFinalBytes), unit: "MiB" },
    checked("rss_peak", rssPeakMib, "MiB", {
      value: targets.maxRssPeakBytes === undefined ? undefined : mib(targets.maxRssPeakBytes),
      op: "<",
      ...(targets.maxRssPeakBytes === undefined
        ? {}
        : { display: `${mib(targets.maxRssPeakBytes)} (${targets.maxRssPeakBytes / 1e6} MB)` }),
    }),
    checked("rss_growth_after_warmup", round(report.rssGrowth), "ratio", {
      value: targets.maxRssGrowth,
      op: "<",
    }),
    checked("heartbeat_on_time_ratio", round(p.ratio, 6), "ratio", {
      value: targets.minOnTimeRatio,
      op: ">=",
    }),
    { name: "heartbeat_slots", value: p.slots, unit: "slots" },
    { name: "heartbeat_slots_missed", value: p.slots - p.onTime, unit: "slots" },
    { name: "heartbeat_gap_ratio", value: round(p.gapRatio, 6), unit: "ratio" },
    { name: "heartbeat_delay_p50", value: p.delayP50Ms, unit: "ms" },
    { name: "heartbeat_delay_p99", value: p.delayP99Ms, unit: "ms" },
    { name: "heartbeat_delay_max", value: p.delayMaxMs, unit: "ms" },
    { name: "heartbeats_late_controller", value: f?.heartbeatsLate ?? Number.NaN, unit: "heartbeats" },
    { name: "heartbeats_failed", value: f?.heartbeatsFailed ?? Number.NaN, unit: "heartbeats" },
    { name: "fm_retries", value: f?.retries ?? Number.NaN, unit: "calls" },
    { name: "ticks", value: r?.ticks ?? Number.NaN, unit: "ticks" },
    { name: "ticks_late", value: r?.lateTicks ?? Number.NaN, unit: "ticks" },
    { name: "push_retries", value: r?.retries ?? Number.NaN, unit: "requests" },
    { name: "samples_lost", value: r?.droppedSamples ?? Number.NaN, unit: "samples" },
    {
      name: "collectors_left_registered",
      value: report.leftRegistered,
      unit: "collectors",
      target: `<= ${targets.maxLeftRegistered}`,
      ok: report.leftRegistered <= targets.maxLeftRegistered,
    },
    {
      name: "series_left_open",
      value: report.leftOpen,
      unit: "series",
      target: `<= ${targets.maxLeftOpen}`,
      ok: report.leftOpen <= targets.maxLeftOpen,
    },
    { name: "cleanup_problems", value: report.problems.length, unit: "problems" },
    { name: "daemon_log_warnings", value: report.logWarnings, unit: "lines" },
    ...Object.entries(report.faultsServed)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, count]) => ({ name: `faults_${kind}`, value: count, unit: "requests" })),
  ];
}

export function formatRow(row: SoakRow): string {
  const c = row.counters;
  return [
    `t=${String(row.elapsedS).padStart(5)}s`,
    `rss=${(row.rssBytes / (1024 * 1024)).toFixed(1).padStart(6)}MiB`,
    `on time ${row.onTime}/${row.slots} (${(row.onTimeRatio * 100).toFixed(3)} %)`,
    c ? formatCounterLines(counterSections(c)).join(" | ") : "no status",
  ].join("  ");
}

export function formatFigureTable(figures: readonly SoakFigure[]): string {
  const lines = [`${"figure".padEnd(30)} ${"value".padStart(12)}  ${"unit".padEnd(11)} target`];
  for (const f of figures) {
    const verdict = f.ok === undefined ? "" : `${f.target} ${f.ok ? "ok" : "MISSED"}`;
    lines.push(`${f.name.padEnd(30)} ${String(f.value).padStart(12)}  ${f.unit.padEnd(11)} ${verdict}`);
  }
  return lines.join("\n");
}
