/**
 * The signal model: the series every collector writes and their values at any tick (docs/signals.md).
 * Label sets are built once here and never change, so encoders build their bytes once; values are
 * written into a caller's Float64Array with no allocation, as 10,000 collectors × 29 series run every tick.
 */
import type { Collector } from "../fleet/types.js";
import { CATALOG, SERIES_PER_COLLECTOR } from "./catalog.js";
import {
  checkCollectorLabels,
  labelPairs,
  mergeLabels,
  metricNameLabel,
  ownLabels,
  type CollectorLabelCheck,
  type Label,
} from "./labels.js";
import type {
  CollectorSignalOptions,
  CollectorSignals,
  Series,
  SeriesLabels,
  SignalModel,
  SignalModelOptions,
} from "./types.js";
import { createValueWriter, type ValueWriter } from "./values.js";

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

/** Each catalog series' own labels (`__name__` and the fixed ones), sorted: shared by every collector. */
const OWN_LABELS: readonly (readonly { readonly metric: Label; readonly own: readonly Label[] }[])[] =
  CATALOG.map((family) =>
    family.series.map((template) => {
      const metric = metricNameLabel(template.name);
      return { metric, own: ownLabels(metric, labelPairs(template.labels)) };
    }),
  );

/** Each family's own label lists when the collector adds none: the same arrays for every collector. */
const FIXED_LISTS: readonly (readonly (readonly Label[])[])[] = OWN_LABELS.map((templates) =>
  templates.map((t) => t.own),
);

/** The family of each of a collector's series, in series order. */
const FAMILY_OF_SERIES: readonly number[] = CATALOG.flatMap((family, index) =>
  family.series.map(() => index),
);

/**
 * The own labels of each family whose labels depend on the collector, by those labels' text: collectors of
 * one release and OS share alloy_build_info's lists (and their encoded bytes). A family whose labels differ
 * for every collector (alloy_config_hash's hash) stops being kept once it passes the limit.
 */
const FRESH_LISTS: readonly Map<string, readonly (readonly Label[])[]>[] = CATALOG.map(() => new Map());
const FRESH_LISTS_LIMIT = 256;
/** The same lists by the record itself, for families that hand out one frozen record per kind of collector. */
const FRESH_BY_RECORD = new WeakMap<object, readonly (readonly Label[])[]>();

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
  const check = checkCollectorLabels(collector.id, collector.labels);
  // Plain loops, not callbacks: this runs once per collector at start, mostly before V8 optimises it.
  const own: (readonly Label[])[] = [];
  for (let familyIndex = 0; familyIndex < CATALOG.length; familyIndex++) {
    const family = CATALOG[familyIndex]!;
    const templates = OWN_LABELS[familyIndex]!;
    const lists = family.collectorLabels
      ? freshLists(familyIndex, family.collectorLabels(collector), check)
      : FIXED_LISTS[familyIndex]!;
    for (let k = 0; k < lists.length; k++) {
      check.checkSeries(templates[k]!.metric[1], lists[k]!);
      own.push(lists[k]!);
    }
  }
  const write = createValueWriter(collector, {
    fleetStartMs: options.fleetStartMs,
    intervalMs: options.intervalMs,
    receivedComponents: received,
  });
  return signalsOf(collector, { shared: check.shared, own }, valuesAtOf(write));
}

/** A family's own label lists for a collector whose labels the family adds to (`record`): see FRESH_LISTS. */
function freshLists(
  familyIndex: number,
  record: Readonly<Record<string, string>>,
  check: CollectorLabelCheck,
): readonly (readonly Label[])[] {
  // The same record (buildInfoLabels keeps one per release) is known at once; another by its text.
  const byRecord = FRESH_BY_RECORD.get(record);
  if (byRecord) return byRecord;
  let key = "";
  for (const name in record) key += `${name}=${record[name]}\0`;
  const cache = FRESH_LISTS[familyIndex]!;
  const known = cache.get(key);
  if (known) return known;
  const templates = OWN_LABELS[familyIndex]!;
  const fresh = labelPairs(record);
  check.checkFresh(templates[0]!.metric[1], fresh);
  const lists = templates.map((t) => ownLabels(t.metric, [...fresh, ...t.own.filter((l) => l !== t.metric)]));
  if (cache.size < FRESH_LISTS_LIMIT) cache.set(key, lists);
  if (Object.isFrozen(record)) FRESH_BY_RECORD.set(record, lists);
  return lists;
}

/**
 * The values function in a scope of its own: a closure keeps its whole scope alive, and the emitter keeps
 * this one for the life of the fleet while the labels can go once its frames are built.
 */
function valuesAtOf(write: ValueWriter): CollectorSignals["valuesAt"] {
  return (tMs, out, offset = 0) => {
    if (offset < 0 || offset + SERIES_PER_COLLECTOR > out.length)
      throw new RangeError(
        `valuesAt: ${SERIES_PER_COLLECTOR} values from offset ${offset} do not fit an array of ${out.length}`,
      );
    write(tMs, out, offset);
  };
}

function signalsOf(
  collector: Collector,
  labels: SeriesLabels,
  valuesAt: CollectorSignals["valuesAt"],
): CollectorSignals {
  let series: Series[] | undefined;
  return {
    collector,
    labels,
    valuesAt,
    get series() {
      series ??= labels.own.map((own, i) => ({
        family: FAMILY_OF_SERIES[i]!,
        labels: mergeLabels(labels.shared, own),
      }));
      return series;
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
