import { describe, expect, it } from "vitest";
import { fleetOverTime, renderFleetChart } from "../../src/action/summary-chart.js";
import { renderPipelinesSection, renderSummary } from "../../src/action/summary.js";
import type { TeardownResult } from "../../src/runtime/teardown.js";
import { zeroCounters } from "../../src/runtime/counters.js";
import type { TimelineEntry } from "../../src/runtime/timeline.js";
import { standaloneFleet } from "../helpers/collectors.js";

const complete: TeardownResult = {
  daemon: "stopped",
  cleanedBy: "daemon",
  problems: [],
  cleanup: {
    unregistered: 4,
    unregisterFailed: [],
    warnings: [],
    seriesClosed: 116,
    seriesOpen: 0,
    complete: true,
  },
  status: {
    pid: 1,
    nonce: "n",
    phase: "stopped",
    startedAtMs: 0,
    updatedAtMs: 0,
    lastTimestampMs: 0,
    lastErrors: { "remote-write": "HTTP 503: overloaded" },
    counters: (() => {
      const c = zeroCounters(4, { fm: true, prom: true });
      Object.assign(c.fm!, { registrations: 4, heartbeatsOk: 40, heartbeatsFailed: 1, retries: 3 });
      Object.assign(c.remoteWrite!, { ticks: 12, samples: 1392, retries: 5, droppedSamples: 29 });
      return c;
    })(),
  },
};

describe("the job summary", () => {
  it("shows the run at a glance, the fleet by OS and kind, the counters and a complete cleanup", () => {
    const collectors = standaloneFleet(4, { env: "pr-42" });
    const md = renderSummary({
      blueprint: "fleet-management",
      collectors,
      fm: true,
      prom: true,
      result: {
        ...complete,
        status: {
          ...complete.status!,
          startedAtMs: Date.UTC(2025, 0, 1, 12, 0, 0),
          updatedAtMs: Date.UTC(2025, 0, 1, 12, 1, 5),
          health: { healthy: 3, unhealthy: 1, inactive: 0, departed: 0 },
          timeline: { readyAtMs: Date.UTC(2025, 0, 1, 12, 0, 3), timeScale: 1, entries: [], pending: [] },
        },
      },
      targets: [
        { name: "Fleet Management", url: "https://fm.example.net/collector.v1.CollectorService/" },
        { name: "remote write", url: "https://u:secretpw@prom.example.net:8443/api/prom/push?tenant=t1" },
      ],
    });
    expect(md).toMatch(/^## fm-action: 4 fake Alloy collectors \(fleet-management\)/);
    expect(md).toMatch(
      /\*\*Cleanup complete\*\*: 4 collectors unregistered, 116 series closed with stale markers \(by the background process\)/,
    );
    expect(md).toContain("| env | `pr-42` |");
    expect(md).toContain("| ran | 1m2s (ready 12:00:03 UTC, stopped 12:01:05 UTC) |");
    expect(md).toContain("| health at the end | healthy 3 · unhealthy 1 · inactive 0 · departed 0 |");
    // Hosts only: no path, no query, no user or password.
    expect(md).toContain("| Fleet Management | `fm.example.net` |");
    expect(md).toContain("| remote write | `prom.example.net:8443` |");
    expect(md).not.toMatch(/secretpw|tenant=|CollectorService|api\/prom/);
    for (const os of new Set(collectors.map((c) => c.os))) {
      const n = collectors.filter((c) => c.os === os).length;
      expect(md).toContain(`| ${os} | standalone | ${n} |`);
    }
    // A chart GitHub renders instead of a text bar chart that repeats the table.
    expect(md).not.toContain("█");
    expect(md).toContain("```mermaid\nxychart-beta");
    expect(md).toContain("| heartbeats ok | 40 |");
    expect(md).toContain("| heartbeats failed | 1 |");
    expect(md).toContain("| samples accepted | 1392 |");
    // Each side's retries under its own heading, never summed.
    const fmTable = md.slice(md.indexOf("| Fleet Management |"), md.indexOf("| Remote write |"));
    const rwTable = md.slice(md.indexOf("| Remote write |"));
    expect(fmTable).toContain("| retries | 3 |");
    expect(rwTable).toContain("| retries | 5 |");
    expect(rwTable).toContain("| dropped samples | 29 |");
    expect(md).toContain("**remote-write**: HTTP 503: overloaded");
  });

  it("lists exactly what could not be cleaned, and who tried", () => {
    const md = renderSummary({
      blueprint: "x",
      collectors: standaloneFleet(2),
      fm: true,
      prom: true,
      result: {
        ...complete,
        daemon: "dead",
        cleanedBy: "inline",
        problems: ["collector x-ci-linux-01 is still registered: unavailable (HTTP 503)"],
        cleanup: {
          ...complete.cleanup,
          unregistered: 1,
          unregisterFailed: [{ id: "x-ci-linux-01", error: "unavailable (HTTP 503)" }],
          complete: false,
        },
      },
    });
    expect(md).toContain(
      "⚠️ **Cleanup incomplete**: 1 collector left behind (cleanup by post itself, from the saved fleet).",
    );
    expect(md).toContain("| collectors still registered in Fleet Management | 1 | unavailable (HTTP 503) |");
  });

  it("counts what an incomplete cleanup left in one table, the reason once, and says how to remove it", () => {
    const collectors = standaloneFleet(19);
    const refused = "connect ECONNREFUSED 127.0.0.1:43121";
    const md = renderSummary({
      blueprint: "fleet-management",
      collectors,
      fm: true,
      prom: true,
      result: {
        ...complete,
        cleanedBy: "inline",
        problems: [
          ...collectors.map(
            (c) =>
              `collector ${c.id} is still registered: FM UnregisterCollector for ${c.id} failed: ${refused}`,
          ),
          `551 series were not closed: ${refused}`,
        ],
        cleanup: {
          ...complete.cleanup,
          unregistered: 0,
          // Each reason names its collector: the table still has one row for them.
          unregisterFailed: collectors.map((c) => ({
            id: c.id,
            error: `FM UnregisterCollector for ${c.id} failed: ${refused}`,
          })),
          seriesClosed: 0,
          seriesOpen: 551,
          seriesError: refused,
          complete: false,
        },
      },
    });
    expect(md).toContain(
      "⚠️ **Cleanup incomplete**: 19 collectors and 551 series left behind (cleanup by post itself, from the saved fleet).",
    );
    const table = md.split("\n").filter((l) => l.startsWith("| ") && l.includes(refused));
    expect(table).toEqual([
      `| collectors still registered in Fleet Management | 19 | FM UnregisterCollector failed: ${refused} |`,
      `| series not closed (no stale marker) | 551 | ${refused} |`,
    ]);
    // The reason once per row, not once per collector.
    expect(md.split(refused)).toHaveLength(3);
    expect(md).toContain("FM marks them inactive once their heartbeats stop");
    expect(md).toContain("`npx fm-fleet sweep`");
    expect(md).toContain("`sweep: true`");
    expect(md).toContain("5 minutes after their last sample");
    expect(md).toContain("<summary>Collectors still registered (19)</summary>");
  });

  it("after a failed start, says it failed and why, and what main cleaned, with the counters the fleet reached", () => {
    const md = renderSummary({
      blueprint: "fleet-management",
      collectors: standaloneFleet(4),
      fm: true,
      prom: true,
      startFailure: "FM refused RegisterCollector for x-ci-linux-01: unauthenticated (HTTP 401)",
      result: {
        daemon: "not-running",
        cleanedBy: "earlier-run",
        problems: [],
        cleanup: { ...complete.cleanup, unregistered: 0 },
        status: complete.status!,
      },
    });
    expect(md).toMatch(/^## fm-action: the fleet did not start \(fleet-management, 4 collectors\)/);
    expect(md).toContain(
      "❌ **The fleet did not start**: FM refused RegisterCollector for x-ci-linux-01: unauthenticated (HTTP 401)",
    );
    expect(md).toContain(
      "**Cleaned up by main, when the start failed**: 0 collectors unregistered, 116 series closed with stale markers. Nothing is left behind.",
    );
    expect(md).not.toMatch(/earlier post run|counters are unknown|Cleanup complete/);
    expect(md).toContain("| ran | never ready");
    expect(md).toContain("| samples accepted | 1392 |");
  });

  it("says what became of the records: deleted, or unregistered but not deleted and why", () => {
    const render = (cleanup: Partial<TeardownResult["cleanup"]>) =>
      renderSummary({
        blueprint: "x",
        collectors: standaloneFleet(4),
        fm: true,
        prom: true,
        result: { ...complete, cleanup: { ...complete.cleanup, ...cleanup } },
      });
    expect(render({ mode: "delete", deleted: 4, notDeleted: [] })).toMatch(
      /\*\*Cleanup complete\*\*: 4 collectors unregistered, 4 deleted from FM's list, 116 series closed/,
    );
    expect(render({ mode: "unregister", deleted: 0 })).toMatch(
      /\*\*Cleanup complete\*\*: 4 collectors unregistered \(left listed in FM as inactive: cleanup unregister\), 116/,
    );
    const why = "FM refused ListCollectors (permission_denied, HTTP 403): deleting needs a token with …";
    const refused = render({
      mode: "delete",
      deleted: 0,
      notDeleted: [{ ids: standaloneFleet(4).map((c) => c.id), reason: why }],
      warnings: [`4 collector(s) unregistered, not deleted (they stay listed in FM as inactive): ${why}`],
    });
    // Not deleted is a warning: the cleanup is still complete, since nothing is left registered.
    expect(refused).toMatch(
      /\*\*Cleanup complete\*\*: 4 collectors unregistered, 0 deleted from FM's list, 4 unregistered, not deleted/,
    );
    expect(refused).toContain(
      `> 4 collector(s) unregistered, not deleted (they stay listed in FM as inactive): ${why}`,
    );
  });

  it("says counters are unknown when the background process left no status", () => {
    const { status: _status, ...noStatus } = complete;
    const md = renderSummary({
      blueprint: "x",
      collectors: standaloneFleet(1),
      fm: false,
      prom: true,
      result: noStatus,
    });
    expect(md).toMatch(/counters are unknown/);
    expect(md).toMatch(/FM off/);
  });

  it("shows the timeline as a table and a gantt chart, the fleet over time and the health at the end", () => {
    const ready = Date.UTC(2025, 0, 1, 12, 0, 0);
    const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
      source: "scenario",
      event: "unhealthy",
      select: "os linux, count 2",
      ranAtMs: ready,
      ranOffsetMs: 0,
      changed: [],
      failed: [],
      warnings: [],
      ...over,
    });
    const md = renderSummary({
      blueprint: "incident",
      collectors: standaloneFleet(4),
      fm: true,
      prom: true,
      result: {
        ...complete,
        status: {
          ...complete.status!,
          updatedAtMs: ready + 200_000,
          health: { healthy: 1, unhealthy: 2, inactive: 0, departed: 1 },
          timeline: {
            readyAtMs: ready,
            timeScale: 1,
            entries: [
              entry({
                step: 1,
                plannedOffsetMs: 60_000,
                ranAtMs: ready + 60_020,
                ranOffsetMs: 60_020,
                changed: ["fleet-management-ci-linux-01", "fleet-management-ci-linux-02"],
                effect: { ok: true, via: "push", atMs: ready + 61_220, timestampMs: ready + 61_000 },
              }),
              entry({
                source: "live",
                event: "leave",
                select: "ids fleet-management-ci-linux-04",
                ranAtMs: ready + 90_000,
                ranOffsetMs: 90_000,
                changed: ["fleet-management-ci-linux-04"],
                effect: { ok: true, via: "unregister", atMs: ready + 90_300 },
              }),
              entry({
                step: 2,
                event: "silence",
                select: "os darwin",
                plannedOffsetMs: 120_000,
                ranAtMs: ready + 120_000,
                ranOffsetMs: 120_000,
                warnings: ["selects nobody: no collector matches os darwin"],
              }),
            ],
            pending: [{ step: 3, event: "upgrade", select: "os linux", plannedOffsetMs: 300_000 }],
          },
        },
      },
    });
    const section = md.slice(md.indexOf("### Timeline"));
    expect(section).toContain("Offsets count from ready: 2025-01-01T12:00:00.000Z.");
    expect(section).toContain(
      "| 1 | +1m | +1m | `unhealthy` | os linux, count 2 | `fleet-management-ci-linux-01`, `fleet-management-ci-linux-02` | push accepted after 1.2s |",
    );
    expect(section).toContain(
      "| live |  | +1m30s | `leave` | ids fleet-management-ci-linux-04 | `fleet-management-ci-linux-04` | unregistered, series closed |",
    );
    expect(section).toContain(
      "| 2 | +2m | +2m | `silence` | os darwin | nobody (no collector matches os darwin) |  |",
    );
    expect(section).toContain("| 3 | +5m |  | `upgrade` | os linux |  | not run: the fleet stopped first |");
    // One bar per step that changed something, at its wall time in epoch ms, at least a second long.
    const chart = section.slice(
      section.indexOf("```mermaid"),
      section.indexOf("```", section.indexOf("```mermaid") + 3) + 3,
    );
    expect(chart.split("\n")).toEqual([
      "```mermaid",
      "gantt",
      "  title Fleet timeline",
      "  dateFormat x",
      "  axisFormat %H:%M:%S",
      "  section health",
      `    1 unhealthy 2 :crit, e1, ${ready + 60_020}, 30s`,
      "  section membership",
      `    live leave 1 :e2, ${ready + 90_000}, 110s`,
      "```",
    ]);
    expect(md).toContain("| health at the end | healthy 1 · unhealthy 2 · inactive 0 · departed 1 |");
    // The fleet over time, replayed from the timeline: two turn unhealthy at +1m, one leaves at +1m30s.
    const overTime = md.slice(md.indexOf("```mermaid\nxychart-beta"));
    expect(overTime.slice(0, overTime.indexOf("```", 3) + 3).split("\n")).toEqual([
      "```mermaid",
      "xychart-beta",
      '  title "Collectors over time (bars: running, line: unhealthy)"',
      '  x-axis "time since ready" ["+0s", "+1m", "+1m30s", "+2m", "+3m20s"]',
      '  y-axis "collectors" 0 --> 4',
      "  bar [4, 4, 3, 3, 3]",
      "  line [0, 2, 2, 2, 2]",
      "```",
    ]);
  });

  it("has no timeline section when the fleet had no timeline and took no event", () => {
    const md = renderSummary({
      blueprint: "x",
      collectors: standaloneFleet(1),
      fm: true,
      prom: true,
      result: {
        ...complete,
        status: { ...complete.status!, timeline: { timeScale: 1, entries: [], pending: [] } },
      },
    });
    expect(md).not.toContain("Timeline");
    expect(md).not.toContain("mermaid");
  });
});

describe("the job summary's pipelines", () => {
  it("shows pipelines × collectors: a mark per pipeline received, APPLIED or FAILED with line and column", () => {
    const collectors = standaloneFleet(3);
    const [a, b, c] = collectors.map((x) => x.id);
    const md = renderSummary({
      blueprint: "fleet-management",
      collectors,
      fm: true,
      prom: false,
      result: {
        ...complete,
        status: {
          ...complete.status!,
          received: {
            [a!]: { pipelines: ["self_monitoring", "node"], status: "APPLIED" },
            [b!]: { pipelines: [], status: "FAILED", error: "41:7: expected TERMINATOR, got IDENT" },
          },
        },
      },
    });
    const section = md.slice(md.indexOf("### Pipelines received from Fleet Management"));
    expect(section.split("\n").slice(2, 7)).toEqual([
      "| collector | node | self_monitoring | status |",
      "| --- | :---: | :---: | --- |",
      `| ${a} | ✓ | ✓ | APPLIED |`,
      `| ${b} |  |  | FAILED 41:7: expected TERMINATOR, got IDENT |`,
      `| ${c} |  |  | no answer |`,
    ]);
  });

  it("groups the collectors that received the same when the fleet is large", () => {
    const collectors = standaloneFleet(60);
    const received = Object.fromEntries(
      collectors.map((x, i) => [x.id, { pipelines: i < 40 ? ["a"] : [], status: "APPLIED" as const }]),
    );
    const rows = renderPipelinesSection(collectors, received).filter(
      (l) => l.startsWith("| 2") || l.startsWith("| 4"),
    );
    expect(rows).toEqual([
      `| 40 collectors (${collectors[0]!.id}, ${collectors[1]!.id}, ${collectors[2]!.id}, …) | ✓ | APPLIED |`,
      `| 20 collectors (${collectors[40]!.id}, ${collectors[41]!.id}, ${collectors[42]!.id}, …) |  | APPLIED |`,
    ]);
  });

  it("has no pipelines section without FM", () => {
    const md = renderSummary({
      blueprint: "x",
      collectors: standaloneFleet(1),
      fm: false,
      prom: true,
      result: complete,
    });
    expect(md).not.toContain("Pipelines received");
  });
});

describe("the chart of the fleet over time", () => {
  const ready = Date.UTC(2025, 0, 1, 12, 0, 0);
  const at = (offsetMs: number, event: TimelineEntry["event"], changed: string[]): TimelineEntry => ({
    source: "live",
    event,
    select: "",
    ranAtMs: ready + offsetMs,
    ranOffsetMs: offsetMs,
    changed,
    failed: [],
    warnings: [],
  });

  it("replays health, presence and membership from the timeline, whatever health the latest identities carry", () => {
    // As post reads them from the members file: the two broken collectors already carry healthy=false.
    const collectors = standaloneFleet(4).map((c, i) => (i < 2 ? { ...c, healthy: false } : c));
    const [a, b, c, d] = collectors.map((x) => x.id);
    const points = fleetOverTime(
      collectors,
      {
        readyAtMs: ready,
        timeScale: 1,
        entries: [
          at(10_000, "unhealthy", [a!, b!]),
          at(20_000, "crash", [c!]),
          at(30_000, "healthy", [a!]),
          at(30_400, "leave", [d!]),
        ],
        pending: [],
      },
      ready + 95_000,
    );
    expect(points).toEqual([
      { label: "+0s", running: 4, unhealthy: 0 },
      { label: "+10s", running: 4, unhealthy: 2 },
      { label: "+20s", running: 3, unhealthy: 2 },
      // Two entries in the same second: one point, the state after both.
      { label: "+30s", running: 2, unhealthy: 1 },
      { label: "+1m35s", running: 2, unhealthy: 1 },
    ]);
  });

  it("starts the blueprint's unhealthy collectors unhealthy, and draws nothing for a fleet never ready", () => {
    const collectors = standaloneFleet(3).map((c, i) => (i === 0 ? { ...c, healthy: false } : c));
    const record = { readyAtMs: ready, timeScale: 1, entries: [], pending: [] };
    expect(fleetOverTime(collectors, record, ready + 5_000)).toEqual([
      { label: "+0s", running: 3, unhealthy: 1 },
      { label: "+5s", running: 3, unhealthy: 1 },
    ]);
    expect(fleetOverTime(collectors, { ...record, readyAtMs: undefined }, ready)).toEqual([]);
    expect(renderFleetChart([])).toBe("");
  });
});
