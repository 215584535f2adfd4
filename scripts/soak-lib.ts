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
import { createRemoteWriteReceiver, type ReceiverFaults } from "../src/emulator/rw-receiver.js";
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

export interface SoakOptions {
  collectors: number;
  durationMs: number;
  heartbeatIntervalMs: number;
  intervalMs: number;
  /** A row is printed and recorded this often. Default 60 s. */
  reportEveryMs?: number;
  /** RSS growth is measured from the end of this warm-up. Default: 5 minutes, or a third of a shorter run. */
  warmupMs?: number;
  /** Default true: the fault mix above. */
  faults?: boolean;
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
  readonly rssPeakBytes: number;
  /** (final − baseline) / baseline; NaN when the run ended before the warm-up did. */
  readonly rssGrowth: number;
  readonly punctuality: Punctuality;
  readonly counters?: Counters;
  readonly leftRegistered: number;
  readonly leftOpen: number;
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
  const faults = options.faults ?? true;
  const seed = options.seed ?? 7;
  const reportEveryMs = options.reportEveryMs ?? 60_000;
  const warmupMs = options.warmupMs ?? defaultWarmupMs(options.durationMs);
  const promToken = randomBytes(16).toString("hex");
  const emulator = await createFmEmulator({ seed, ...(faults ? { faults: SOAK_FM_FAULTS } : {}) });
  const receiver = await createRemoteWriteReceiver({
    user: "soak",
    token: promToken,
    seed,
    ...(faults ? { faults: SOAK_RW_FAULTS } : {}),
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

export interface SoakTargets {
  /** RSS growth after the warm-up must stay below this share. Default 0.10. */
  maxRssGrowth: number;
  /** Default 0.999. */
  minOnTimeRatio: number;
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
  return [
    { name: "collectors", value: report.collectors, unit: "collectors" },
    { name: "duration", value: round(report.durationMs / 60_000), unit: "min" },
    { name: "rss_baseline", value: mib(report.rssBaselineBytes), unit: "MiB" },
    { name: "rss_final", value: mib(report.rssFinalBytes), unit: "MiB" },
    { name: "rss_peak", value: mib(report.rssPeakBytes), unit: "MiB" },
    {
      name: "rss_growth_after_warmup",
      value: round(report.rssGrowth),
      unit: "ratio",
      target: `< ${targets.maxRssGrowth}`,
      ok: !report.aborted && report.rssGrowth < targets.maxRssGrowth,
    },
    {
      name: "heartbeat_on_time_ratio",
      value: round(p.ratio, 6),
      unit: "ratio",
      target: `>= ${targets.minOnTimeRatio}`,
      ok: !report.aborted && p.ratio >= targets.minOnTimeRatio,
    },
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
    { name: "daemon_log_warnings", value: report.logWarnings, unit: "lines" },
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
