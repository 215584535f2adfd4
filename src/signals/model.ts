/**
 * The signal model: the series every collector writes and their values at any tick (SPEC section 6).
 * Label sets are built once here and reused every tick, so encoders may cache their bytes; values are
 * written into a caller's Float64Array with no allocation, as 10,000 collectors × 29 series run every tick.
 */
import type { Collector } from "../fleet/types.js";
import { CATALOG, SERIES_PER_COLLECTOR } from "./catalog.js";
import { createLabelSetBuilder, labelPairs, metricNameLabel, type Label } from "./labels.js";
import type {
  CollectorSignalOptions,
  CollectorSignals,
  Series,
  SignalModel,
  SignalModelOptions,
} from "./types.js";
import { createValueWriter } from "./values.js";

/**
 * Builds the series and value writers of every collector. Throws a LabelSetError when a collector's labels
 * clash with a metric's own (`le`, `health_type`, `hash`, …) or are not sendable, and a RangeError on bad
 * options or duplicate collector IDs, before anything is sent.
 */
export function createSignalModel(
  collectors: readonly Collector[],
  options: SignalModelOptions,
): SignalModel {
  checkOptions(options);
  checkUniqueIds(collectors);
  const signals = collectors.map((collector) => createCollectorSignals(collector, options));
  return {
    families: CATALOG,
    collectors: signals,
    seriesPerTick: collectors.length * SERIES_PER_COLLECTOR,
  };
}

/** Label tuples of the catalog's fixed labels, shared by every collector's series. */
const TEMPLATE_LABELS: readonly (readonly { readonly metric: Label; readonly labels: readonly Label[] }[])[] =
  CATALOG.map((family) =>
    family.series.map((template) => ({
      metric: metricNameLabel(template.name),
      labels: labelPairs(template.labels),
    })),
  );

/**
 * One collector's series and values: for a collector that joins a running fleet, changes identity, or runs a
 * new received configuration (its labels stay, its running components change).
 */
export function createCollectorSignals(
  collector: Collector,
  options: CollectorSignalOptions,
): CollectorSignals {
  const received = options.receivedComponents ?? 0;
  if (!Number.isInteger(received) || received < 0)
    throw new RangeError(`receivedComponents must be a whole number from 0, got ${received}`);
  const write = createValueWriter(collector, {
    fleetStartMs: options.fleetStartMs,
    intervalMs: options.intervalMs,
    receivedComponents: received,
  });
  const labelSets = createLabelSetBuilder(collector.id, collector.labels);
  const series: Series[] = [];
  CATALOG.forEach((family, familyIndex) => {
    const own = family.collectorLabels ? labelPairs(family.collectorLabels(collector)) : [];
    for (const template of TEMPLATE_LABELS[familyIndex]!)
      series.push({
        family: familyIndex,
        labels: labelSets.build(template.metric, own.length ? [...own, ...template.labels] : template.labels),
      });
  });
  return {
    collector,
    series,
    valuesAt(tMs: number, out: Float64Array, offset = 0): void {
      if (offset < 0 || offset + SERIES_PER_COLLECTOR > out.length)
        throw new RangeError(
          `valuesAt: ${SERIES_PER_COLLECTOR} values from offset ${offset} do not fit an array of ${out.length}`,
        );
      write(tMs, out, offset);
    },
  };
}

function checkOptions(options: SignalModelOptions): void {
  if (!Number.isFinite(options.fleetStartMs))
    throw new RangeError(`fleetStartMs must be an epoch time in ms, got ${options.fleetStartMs}`);
  if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
    throw new RangeError(`intervalMs must be a positive number of ms, got ${options.intervalMs}`);
}

function checkUniqueIds(collectors: readonly Collector[]): void {
  const seen = new Set<string>();
  for (const { id } of collectors) {
    // Two collectors with one ID would write the same series twice per tick, which Mimir rejects.
    if (seen.has(id)) throw new RangeError(`two collectors share the ID ${id}: their series would collide`);
    seen.add(id);
  }
}
