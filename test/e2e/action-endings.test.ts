/**
 * The three ways a job with the action ends, played as the runner plays them (test/helpers/runner.ts): main
 * and post on dist/ against the FM emulator and the remote-write receiver. For each, what post's job
 * summary says and how many annotations the steps raise (GitHub keeps 10 of each kind per step, so one per
 * collector would hide the rest). Set FM_ACTION_SUMMARY_DIR to keep each summary's Markdown there.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { createRunner, ROOT, type StepResult } from "../helpers/runner.js";
import { sleep, waitFor } from "../helpers/wait.js";

const FM_TOKEN = "glc_ENDINGSfmTOKEN0123456789abcdef";
const PROM_TOKEN = "glc_ENDINGSpromTOKEN9876543210fedc";
const STACK_ID = "314159";
const PROM_USER = "271828";

/** Annotations as the runner reads them from a step's output: `::warning title=…::message` lines. */
function annotations(step: StepResult): { warning: string[]; error: string[] } {
  const lines = step.stdout.split(/\r?\n/);
  return {
    warning: lines.filter((l) => l.startsWith("::warning")),
    error: lines.filter((l) => l.startsWith("::error")),
  };
}

/** The value of a two-column counter row, `| heartbeats ok | 40 |`, in the named section's table. */
function counterRow(summary: string, section: string, label: string): number {
  const table = summary.slice(summary.indexOf(`| ${section} | |`));
  const match = new RegExp(`^\\| ${label.replace(/[()]/g, "\\$&")} \\| (\\d+) \\|$`, "m").exec(table);
  if (!match) throw new Error(`no row "${label}" under "${section}" in:\n${summary}`);
  return Number(match[1]);
}

function keep(name: string, step: StepResult): void {
  const dir = process.env.FM_ACTION_SUMMARY_DIR;
  if (dir) writeFileSync(join(dir, `summary-${name}.md`), step.summary);
}

describe("how a job with the action ends: post's summary and annotations", () => {
  let fm: FmEmulator;
  let rw: RemoteWriteReceiver;
  let closed = false;

  beforeEach(async () => {
    expect(existsSync(join(ROOT, "dist", "main", "index.js")), "run npm run build first").toBe(true);
    fm = await createFmEmulator({ stackId: STACK_ID, token: FM_TOKEN });
    rw = await createRemoteWriteReceiver({ user: PROM_USER, token: PROM_TOKEN });
    closed = false;
  });
  afterEach(async () => {
    if (!closed) await Promise.all([fm.close(), rw.close()]);
  });

  const inputs = (extra: Record<string, string> = {}) => ({
    blueprint: "fleet-management",
    env: "pr-42",
    interval: "1s",
    "heartbeat-interval": "2s",
    "fm-url": fm.url,
    "fm-stack-id": STACK_ID,
    "fm-token": FM_TOKEN,
    "prom-url": rw.url,
    "prom-user": PROM_USER,
    "prom-token": PROM_TOKEN,
    ...extra,
  });

  /** Requests FM answered with `status`, by procedure. */
  const answered = (method: string, status: number) =>
    fm.requests().filter((r) => r.method === method && r.status === status).length;
  /** Samples the receiver accepted (2xx), stale markers included, from its log of the last 1,000 requests. */
  const acceptedSamples = () =>
    rw
      .log()
      .filter((r) => r.status >= 200 && r.status < 300)
      .reduce((n, r) => n + r.samples, 0);

  it("started and cleaned: the counters match what FM and the receiver saw; no annotation", async () => {
    const runner = createRunner();
    const main = await runner.main(inputs());
    expect(main.code, main.stdout).toBe(0);
    // A later step breaks two collectors, so the chart has something to show: a second after ready, since the
    // chart merges what happens within one second into one point.
    await sleep(1100);
    // Not spawnSync: the emulator and the receiver answer from this process's event loop.
    const event = await promisify(execFile)(
      process.execPath,
      [main.exported.FM_FLEET_CLI!, "event", "unhealthy", "--os", "linux", "--count", "2"],
      { cwd: runner.workDir, env: { PATH: process.env.PATH, ...runner.jobEnv() } },
    );
    expect(event.stderr).toMatch(/^unhealthy: 2 collectors changed/);
    await waitFor(() => fm.collectors().every((c) => c.heartbeats >= 3), 15_000, "three heartbeats each");
    const post = await runner.post();
    expect(post.code, post.stdout).toBe(0);
    keep("started", post);
    const md = post.summary;

    expect(md).toMatch(/^## fm-action: 19 fake Alloy collectors \(fleet-management\)\n/);
    expect(md).toContain(
      "✅ **Cleanup complete**: 19 collectors unregistered, 19 deleted from FM's list, 551 series closed with stale markers (by the background process).",
    );
    expect(md).toContain("| env | `pr-42` |");
    expect(md).toMatch(/\| ran \| [\d.]+s \(ready \d\d:\d\d:\d\d UTC, stopped \d\d:\d\d:\d\d UTC\) \|/);
    expect(md).toContain("| health at the end | healthy 17 · unhealthy 2 · inactive 0 · departed 0 |");
    expect(md).toContain(`| Fleet Management | \`${new URL(fm.url).host}\` |`);
    expect(md).toContain(`| remote write | \`${new URL(rw.url).host}\` |`);
    expect(md).not.toContain("/api/v1/write");
    // Ready, the event, the stop: all 19 running throughout, 2 unhealthy from the event on.
    expect(md).toMatch(/```mermaid\nxychart-beta\n[^`]*\n {2}bar \[19, 19, 19\]\n {2}line \[0, 2, 2\]\n```/);
    expect(md).toContain("```mermaid\ngantt");
    expect(md).not.toMatch(/█|did not start|incomplete|counters are unknown/);

    // Every counter row against the other side's own record.
    expect(counterRow(md, "Fleet Management", "registrations")).toBe(answered("RegisterCollector", 200));
    expect(counterRow(md, "Fleet Management", "registrations")).toBe(19);
    expect(counterRow(md, "Fleet Management", "heartbeats ok")).toBe(answered("GetConfig", 200));
    expect(counterRow(md, "Fleet Management", "heartbeats failed")).toBe(0);
    expect(counterRow(md, "Fleet Management", "unregistrations")).toBe(answered("UnregisterCollector", 200));
    expect(counterRow(md, "Remote write", "stale markers")).toBe(551);
    expect(
      counterRow(md, "Remote write", "samples accepted") + counterRow(md, "Remote write", "stale markers"),
    ).toBe(acceptedSamples());
    expect(counterRow(md, "Remote write", "requests")).toBe(rw.requests());

    expect(annotations(main)).toEqual({ warning: [], error: [] });
    expect(annotations(post)).toEqual({ warning: [], error: [] });
  });

  it("failed to start (a wrong FM token): says so and why, what main cleaned, the counters it reached", async () => {
    const runner = createRunner();
    const wrong = "glc_ENDINGSwrongTOKEN0000000000";
    const main = await runner.main(inputs({ "fm-token": wrong, "start-timeout": "30s" }));
    expect(main.code).toBe(1);
    const post = await runner.post();
    expect(post.code, post.stdout).toBe(0);
    keep("failed-start", post);
    const md = post.summary;

    expect(md).toMatch(/^## fm-action: the fleet did not start \(fleet-management, 19 collectors\)\n/);
    // The reason is the sentence main failed the step with.
    const reason = /^❌ \*\*The fleet did not start\*\*: (.+)$/m.exec(md)?.[1];
    expect(reason).toMatch(/^Fleet Management refused the credentials \(.*HTTP 401 unauthenticated/);
    expect(reason).toMatch(/check input fm-stack-id .* and input fm-token .*fm-fleet doctor/);
    expect(annotations(main).error.join("\n")).toContain(reason!.replace(/%/g, "%25"));
    expect(md).toContain(
      "**Cleaned up by main, when the start failed**: 0 collectors unregistered, 0 deleted from FM's list, 551 series closed with stale markers. Nothing is left behind.",
    );
    expect(md).not.toMatch(/earlier post run|counters are unknown|Cleanup complete|Cleanup incomplete/);
    expect(md).toMatch(/\| ran \| never ready \(started /);
    expect(md).not.toContain("xychart-beta");
    // The counters the fleet reached before it failed, from the status file main left.
    expect(counterRow(md, "Fleet Management", "registrations")).toBe(0);
    expect(counterRow(md, "Fleet Management", "registration failures")).toBe(
      answered("RegisterCollector", 401),
    );
    expect(counterRow(md, "Fleet Management", "registration failures")).toBeGreaterThan(0);
    expect(
      counterRow(md, "Remote write", "samples accepted") + counterRow(md, "Remote write", "stale markers"),
    ).toBe(acceptedSamples());
    expect(counterRow(md, "Remote write", "stale markers")).toBe(551);
    expect(rw.openSeries()).toBe(0);

    // Main: the failure once as a titled error, and no warning; post adds none.
    expect(annotations(main).error).toHaveLength(1);
    expect(annotations(main).error[0]).toMatch(/^::error title=fm-action%3A the fleet did not start::/);
    expect(annotations(main).warning).toHaveLength(0);
    expect(annotations(post)).toEqual({ warning: [], error: [] });
    expect(post.stdout).toMatch(
      /fm-action: the fleet did not start; cleanup complete \(by main, when the start failed\)/,
    );
  });

  it("cleanup incomplete (FM and the receiver gone before post): a count, one table, one annotation per kind", async () => {
    const runner = createRunner();
    const main = await runner.main(inputs());
    expect(main.code, main.stdout).toBe(0);
    await waitFor(() => fm.collectors().every((c) => c.heartbeats >= 2), 15_000, "two heartbeats each");
    await Promise.all([fm.close(), rw.close()]);
    closed = true;
    const post = await runner.post();
    expect(post.code, post.stdout).toBe(0);
    keep("cleanup-incomplete", post);
    const md = post.summary;

    expect(md).toContain(
      "⚠️ **Cleanup incomplete**: 19 collectors and 551 series left behind (cleanup by post itself, from the saved fleet).",
    );
    const rows = md
      .split("\n")
      .map((l) =>
        /^\| (collectors still registered in Fleet Management|series not closed \(no stale marker\)) \| (\d+) \| (.+) \|$/.exec(
          l,
        ),
      )
      .filter((m) => m !== null);
    const collectorRows = rows.filter((m) => m[1]!.startsWith("collectors"));
    // One row per reason, never one per collector; the counts add up to the fleet.
    expect(collectorRows.length).toBeGreaterThanOrEqual(1);
    expect(collectorRows.length).toBeLessThanOrEqual(4);
    expect(collectorRows.reduce((n, m) => n + Number(m[2]), 0)).toBe(19);
    expect(rows.filter((m) => m[1]!.startsWith("series")).map((m) => Number(m[2]))).toEqual([551]);
    expect(md.match(/ECONNREFUSED/g)!.length).toBeLessThanOrEqual(8);
    expect(md).toContain("FM marks them inactive once their heartbeats stop");
    expect(md).toContain("`npx fm-fleet sweep`");
    expect(md).toContain("`sweep: true`");
    expect(md).toContain("go stale by themselves 5 minutes after their last sample");
    expect(md).toContain("<summary>Collectors still registered (19)</summary>");
    expect(md).toContain("| health at the end | healthy 19 · unhealthy 0 · inactive 0 · departed 0 |");
    // What the fleet did while FM and the receiver were there, as they recorded it.
    expect(counterRow(md, "Fleet Management", "registrations")).toBe(answered("RegisterCollector", 200));
    expect(counterRow(md, "Fleet Management", "heartbeats ok")).toBe(answered("GetConfig", 200));
    expect(counterRow(md, "Fleet Management", "unregistrations")).toBe(0);
    expect(counterRow(md, "Remote write", "samples accepted")).toBe(acceptedSamples());
    expect(counterRow(md, "Remote write", "stale markers")).toBe(0);

    // One warning per kind, each titled; no error without fail-on-cleanup-error.
    const found = annotations(post);
    expect(found.error).toEqual([]);
    const titles = found.warning.map((w) => /^::warning title=([^:]+)::/.exec(w)?.[1]);
    expect(titles).toEqual([
      "fm-action%3A collectors left registered",
      "fm-action%3A series left open",
      "fm-action%3A cleanup warning",
    ]);
    expect(found.warning[0]).toMatch(/::19 collectors still registered in Fleet Management: /);
    expect(found.warning[1]).toMatch(/::551 series not closed \(no stale marker\): /);
    expect(annotations(main)).toEqual({ warning: [], error: [] });
  });
});
