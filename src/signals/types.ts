/** The signal model's interface (docs/signals.md): what the remote-write encoder consumes. */
import type { Collector } from "../fleet/types.js";
import type { Label } from "./labels.js";

export type { Label };

export type MetricType = "gauge" | "counter" | "histogram";

export interface MetricFamily {
  /** Family name; for a histogram the base name without _bucket/_sum/_count. */
  readonly name: string;
  readonly type: MetricType;
  /** HELP text, as Alloy writes it. */
  readonly help: string;
}

/** One time series. Its label set never changes between ticks, so encoders may cache its bytes. */
export interface Series {
  /** Index into SignalModel.families. */
  readonly family: number;
  /** Label pairs sorted by name, unique, including `__name__` (which sorts first). */
  readonly labels: readonly (readonly [string, string])[];
}

/**
 * A collector's series labels before they are merged, so an encoder writes each label once however many
 * series carry it (src/remote-write/frame-tokens.ts).
 */
export interface SeriesLabels {
  /** Labels every series of the collector carries (its target labels), sorted by name. */
  readonly shared: readonly Label[];
  /** Per series, in series order: its own labels (`__name__` first), sorted by name; none is in `shared`. */
  readonly own: readonly (readonly Label[])[];
}

export interface CollectorSignals {
  readonly collector: Collector;
  /** Fixed order; 29 per collector. Merged from `labels` when first read. */
  readonly series: readonly Series[];
  /** The same series' labels, unmerged: what the remote-write frames are built from. */
  readonly labels: SeriesLabels;
  /**
   * Writes the value of every series at tick time `tMs` into `out[offset .. offset + series.length)`.
   * Pure: the same (collector, series, tMs, fleet start, interval) always gives the same numbers; counters
   * never decrease as tMs grows from the fleet start, so a restarted process continues them.
   */
  readonly valuesAt: (tMs: number, out: Float64Array, offset?: number) => void;
}

export interface SignalModel {
  readonly families: readonly MetricFamily[];
  readonly collectors: readonly CollectorSignals[];
  /** Sum of series over all collectors. */
  readonly seriesPerTick: number;
}

export interface SignalModelOptions {
  /** Epoch ms of the fleet's start: counters count from here. */
  fleetStartMs: number;
  /** Tick interval in ms: histogram _count grows by 24 per tick. */
  intervalMs: number;
}

/** One collector's options: the fleet's, and what it runs of the remote configuration it received. */
export interface CollectorSignalOptions extends SignalModelOptions {
  /** Component blocks of the received configuration it runs: each adds one healthy component. Default 0. */
  receivedComponents?: number;
}
