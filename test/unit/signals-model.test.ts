import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Collector } from "../../src/fleet/types.js";
import { CATALOG } from "../../src/signals/catalog.js";
import { LabelSetError } from "../../src/signals/labels.js";
import { createSignalModel } from "../../src/signals/model.js";
import { k8sCollector, mixedFleet, standaloneCollector } from "../helpers/collectors.js";

const OPTIONS = { fleetStartMs: Date.UTC(2026, 7, 21, 12), intervalMs: 15_000 };

function labelsOf(
  collector: Collector,
  metric: string,
  where: Record<string, string> = {},
): Record<string, string> {
  const model = createSignalModel([collector], OPTIONS);
  const series = model.collectors[0]!.series.find((s) => {
    const labels = Object.fromEntries(s.labels);
    return labels.__name__ === metric && Object.entries(where).every(([k, v]) => labels[k] === v);
  });
  if (!series) throw new Error(`no series ${metric}`);
  return Object.fromEntries(series.labels);
}

function withLabels(collector: Collector, extra: Record<string, string>): Collector {
  return { ...collector, labels: { ...collector.labels, ...extra } };
}

describe("createSignalModel", () => {
  const fleet = mixedFleet();
  const model = createSignalModel(fleet, OPTIONS);

  it("gives every collector 29 series under 14 metric names", () => {
    expect(model.seriesPerTick).toBe(fleet.length * 29);
    for (const signals of model.collectors) {
      expect(signals.series).toHaveLength(29);
      expect(new Set(signals.series.map((s) => s.labels[0]![1])).size).toBe(14);
    }
    expect(model.families.map((f) => f.name)).toEqual(CATALOG.map((f) => f.name));
  });

  it("sorts every label set by name with __name__ first, without repeats", () => {
    for (const signals of model.collectors)
      for (const series of signals.series) {
        const names = series.labels.map(([name]) => name);
        expect(names[0]).toBe("__name__");
        expect(names).toEqual([...names].sort());
        expect(new Set(names).size).toBe(names.length);
      }
  });

  it("puts the collector's labels on every series and names the family it belongs to", () => {
    for (const signals of model.collectors)
      for (const series of signals.series) {
        expect(Object.fromEntries(series.labels)).toMatchObject(signals.collector.labels);
        const family = model.families[series.family]!;
        expect(series.labels[0]![1].startsWith(family.name)).toBe(true);
      }
  });

  it("labels alloy_build_info with the collector's release, OS and architecture", () => {
    const darwin = standaloneCollector({ os: "darwin", version: "v1.16.3" });
    expect(labelsOf(darwin, "alloy_build_info")).toMatchObject({
      version: "v1.16.3",
      revision: "1e2007e",
      goversion: "go1.26.3",
      goos: "darwin",
      goarch: "arm64",
      branch: "HEAD",
      tags: "gore2regex,netgo,embedalloyui,promtail_journal_enabled",
    });
    const unknown = standaloneCollector({ os: "windows", version: "v1.19.0" });
    expect(labelsOf(unknown, "alloy_build_info")).toMatchObject({
      version: "v1.19.0",
      revision: "unknown",
      goversion: "go1.26.5",
      goarch: "amd64",
    });
  });

  it("labels alloy_config_hash with the SHA-256 of the collector ID", () => {
    const collector = standaloneCollector();
    const expected = createHash("sha256").update(collector.id).digest("hex");
    expect(labelsOf(collector, "alloy_config_hash").hash).toBe(expected);
    expect(labelsOf(collector, "alloy_config_hash").cluster_name).toBeUndefined();
    expect(labelsOf(k8sCollector({ workload: "alloy-metrics" }), "alloy_config_hash").cluster_name).toBe(
      "alloy-metrics",
    );
    expect(
      labelsOf(k8sCollector({ workload: "alloy-logs" }), "alloy_config_hash").cluster_name,
    ).toBeUndefined();
  });

  it("labels the controller series with the root controller path", () => {
    const labels = labelsOf(standaloneCollector(), "alloy_component_evaluation_seconds_bucket", {
      le: "+Inf",
    });
    expect(labels.controller_path).toBe("/");
    expect(labels.controller_id).toBeUndefined();
  });

  it.each([["le"], ["health_type"], ["hash"], ["version"], ["__name__"]])(
    "refuses a collector label %s that clashes with a metric's own",
    (name) => {
      const collector = withLabels(standaloneCollector(), { [name]: "x" });
      const attempt = () => createSignalModel([collector], OPTIONS);
      expect(attempt).toThrow(LabelSetError);
      expect(attempt).toThrow(`collector ${collector.id}`);
      expect(attempt).toThrow(`label "${name}" is set twice`);
    },
  );

  it("refuses labels Prometheus would not store as given", () => {
    const base = standaloneCollector();
    expect(() => createSignalModel([withLabels(base, { "team-name": "a" })], OPTIONS)).toThrow(
      /"team-name" is not a valid Prometheus label name/,
    );
    expect(() => createSignalModel([withLabels(base, { team: "" })], OPTIONS)).toThrow(/"team" is empty/);
    expect(() => createSignalModel([withLabels(base, { __meta: "a" })], OPTIONS)).toThrow(
      /"__meta" is reserved/,
    );
  });

  it("refuses two collectors with one ID and options that cannot schedule ticks", () => {
    const collector = standaloneCollector();
    expect(() => createSignalModel([collector, collector], OPTIONS)).toThrow(/share the ID/);
    expect(() => createSignalModel([collector], { ...OPTIONS, intervalMs: 0 })).toThrow(RangeError);
    expect(() => createSignalModel([collector], { ...OPTIONS, fleetStartMs: Number.NaN })).toThrow(
      RangeError,
    );
  });

  it("writes exactly its 29 values at the offset it is given", () => {
    const out = new Float64Array(29 * 3).fill(-1);
    model.collectors[0]!.valuesAt(OPTIONS.fleetStartMs, out, 29);
    expect(out.slice(0, 29).every((v) => v === -1)).toBe(true);
    expect(out.slice(29, 58).every((v) => v >= 0)).toBe(true);
    expect(out.slice(58).every((v) => v === -1)).toBe(true);
    expect(() => model.collectors[0]!.valuesAt(OPTIONS.fleetStartMs, out, 29 * 2 + 1)).toThrow(RangeError);
  });

  it("accepts an empty fleet", () => {
    expect(createSignalModel([], OPTIONS).seriesPerTick).toBe(0);
  });
});
