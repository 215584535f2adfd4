/**
 * Label sets as remote write needs them (docs/fm-protocol.md#labels): sorted by name, unique, `__name__` carrying the
 * metric name. Prometheus answers a duplicate label name with a 500, which a naive sender retries forever,
 * so a clash is refused here, once, when the model is built.
 */

export type Label = readonly [name: string, value: string];

/** A label that cannot be sent as it is; names the collector (and series) so the blueprint can be fixed. */
export class LabelSetError extends Error {
  override readonly name = "LabelSetError";
  constructor(
    readonly collectorId: string,
    readonly label: string,
    problem: string,
    /** The series' metric name, when the problem is one series' and not every series'. */
    readonly metric?: string,
  ) {
    super(`collector ${collectorId}: label "${label}" ${problem}${metric ? ` (series ${metric})` : ""}`);
  }
}

export const METRIC_NAME_LABEL = "__name__";

/** Prometheus' classic label-name syntax, which Mimir enforces by default. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The `__name__` label of a metric. */
export function metricNameLabel(metricName: string): Label {
  return [METRIC_NAME_LABEL, metricName];
}

/**
 * Pairs of a record, each tuple created once so that every series of a collector can share it. (Indexing,
 * not destructuring, here and in the other code every collector runs at start: destructuring an array goes
 * through its iterator until V8 has optimised the code, which start-up code mostly never is.)
 */
export function labelPairs(labels: Readonly<Record<string, string>>): Label[] {
  return Object.entries(labels);
}

/**
 * By UTF-16 code unit, which for the ASCII names allowed here is the byte order the remote-write spec asks
 * for; `__name__` comes first because every other name here is lower case.
 */
function byName(a: Label, b: Label): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Sorts and checks a collector's labels, and checks each series' own labels against them: the series'
 * label sets stay unmerged (SeriesLabels), so 10,000 collectors × 29 series cost no merged arrays, and
 * each label is encoded once (src/remote-write/frame-tokens.ts).
 */
export interface CollectorLabelCheck {
  /** The collector's labels, sorted by name, checked. */
  readonly shared: readonly Label[];
  /**
   * Throws a LabelSetError when a name of `own` (a series' own labels, sorted by name) is also one of the
   * collector's or is given twice.
   */
  checkSeries(metricName: string, own: readonly Label[]): void;
  /**
   * Checks labels a family adds per collector as names and values (the catalog's fixed ones are checked
   * once, by its tests).
   */
  checkFresh(metricName: string, fresh: readonly Label[]): void;
}

export function checkCollectorLabels(
  collectorId: string,
  collectorLabels: Readonly<Record<string, string>>,
): CollectorLabelCheck {
  const shared = labelPairs(collectorLabels).sort(byName);
  for (const label of shared) checkLabel(collectorId, label);
  const names = new Set<string>();
  for (let i = 0; i < shared.length; i++) names.add(shared[i]![0]);
  return {
    shared,
    checkFresh(metricName, fresh) {
      for (const label of fresh) checkLabel(collectorId, label, metricName);
    },
    checkSeries(metricName, own) {
      for (let k = 0; k < own.length; k++) {
        const name = own[k]![0];
        if (names.has(name) || (k > 0 && own[k - 1]![0] === name))
          throw new LabelSetError(
            collectorId,
            name,
            "is set twice (a collector label clashes with a metric's own label); Prometheus answers a duplicate label name with HTTP 500",
            metricName,
          );
      }
    },
  };
}

/** One series' full label set: the collector's labels and the series' own, merged by name. */
export function mergeLabels(shared: readonly Label[], own: readonly Label[]): Label[] {
  const merged = new Array<Label>(shared.length + own.length);
  for (let i = 0, j = 0, k = 0; k < merged.length; k++)
    merged[k] =
      j >= own.length || (i < shared.length && byName(shared[i]!, own[j]!) <= 0) ? shared[i++]! : own[j++]!;
  return merged;
}

/** A series' own labels: its `__name__` and `extra`, sorted by name. */
export function ownLabels(metric: Label, extra: readonly Label[]): Label[] {
  return [metric, ...extra].sort(byName);
}
/** Names already found valid: every collector of a fleet repeats the same few. */
const validNames = new Set<string>();

function checkLabel(collectorId: string, label: Label, metricName?: string): void {
  const name = label[0];
  const value = label[1];
  if (validNames.has(name) && value !== "") return;
  if (!LABEL_NAME.test(name))
    throw new LabelSetError(collectorId, name, "is not a valid Prometheus label name", metricName);
  // `__name__` among the collector's labels is left to the duplicate check, which says what it clashes with.
  if (name.startsWith("__") && name !== METRIC_NAME_LABEL)
    throw new LabelSetError(
      collectorId,
      name,
      "is reserved: names starting with __ are internal",
      metricName,
    );
  if (value === "")
    throw new LabelSetError(collectorId, name, "is empty, and Prometheus drops empty labels", metricName);
  validNames.add(name);
}
