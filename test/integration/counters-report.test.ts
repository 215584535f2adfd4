/**
 * The counters a user reads, end to end: a fleet runs against the FM emulator and the remote-write receiver
 * with faults injected, and the job summary's rows and the CLI's lines must show exactly what the servers
 * saw: FM retries equal the emulator's injected 503s, push retries the receiver's, dropped samples the
 * samples of the request the receiver refused. A counter set to zero, or a row printed from the wrong
 * field, turns this red.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderSummary } from "../../src/action/summary.js";
import { runCommand } from "../../src/cli/run.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine } from "../../src/runtime/fleet-engine.js";
import { SERIES_PER_COLLECTOR } from "../../src/signals/catalog.js";
import { standaloneFleet } from "../helpers/collectors.js";

const TOKEN = "glc_counters_test_token_0123456789";
let fm: FmEmulator | undefined;
let rw: RemoteWriteReceiver | undefined;

afterEach(async () => {
  await Promise.all([fm?.close(), rw?.close()]);
  fm = rw = undefined;
});

async function servers(collectors: number) {
  // Each collector's first RegisterCollector is refused once with 503: exactly one FM retry each.
  fm = await createFmEmulator({ token: TOKEN, faults: { RegisterCollector: { failFirst: 1 } } });
  // The first two pushes are refused with 503: exactly two push retries, nothing lost.
  rw = await createRemoteWriteReceiver({ user: "7", token: TOKEN, faults: { failNext: 2, status: 503 } });
  const injectedFm = () => fm!.requests().filter((r) => r.fault === "unavailable").length;
  expect(collectors).toBeGreaterThan(0);
  return { fm, rw, injectedFm };
}

/** The value of `label` in the Markdown table under `title`. */
function row(md: string, title: string, label: string): number {
  const table = md.slice(md.indexOf(`| ${title} |`));
  const end = table.indexOf("\n\n");
  const line = (end === -1 ? table : table.slice(0, end))
    .split("\n")
    .find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`no row "${label}" under "${title}"`);
  return Number(line.split("|")[2]!.trim());
}

/** The value after `label` on the CLI line that starts with `title:`. */
function cliValue(text: string, title: string, label: string): number {
  const line = text.split("\n").find((l) => l.includes(`${title}: `));
  if (!line) throw new Error(`no line for ${title} in:\n${text}`);
  const match = new RegExp(`(?:: |· )${label.replace(/[()]/g, "\\$&")} (\\d+)`).exec(line);
  if (!match) throw new Error(`no "${label}" on: ${line}`);
  return Number(match[1]);
}

describe("counters reach the job summary and the CLI as the servers saw them", () => {
  it("the summary's rows", async () => {
    const collectors = standaloneFleet(3);
    const { injectedFm } = await servers(collectors.length);
    const { config, secrets } = buildFleetConfig(
      {
        intervalMs: 1000,
        heartbeatIntervalMs: 60_000,
        fmRatePerSecond: 50,
        maxLifetimeMs: 60_000,
        credentials: {
          fm: { url: fm!.url, stackId: fm!.stackId, token: TOKEN },
          prom: { url: rw!.url, user: "7", token: TOKEN },
        },
      },
      { blueprint: "counters", collectors },
      Date.now(),
    );
    const engine = createFleetEngine({ config, secrets });
    await engine.start();
    // One tick whose request the receiver refuses as bad data: its samples are lost, not retried.
    rw!.setFaults({ failNext: 1, status: 400 });
    engine.run();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cleanup = await engine.stop();
    expect(cleanup.complete).toBe(true);
    const counters = engine.counters();
    const md = renderSummary({
      blueprint: "counters",
      collectors,
      fm: true,
      prom: true,
      result: {
        daemon: "stopped",
        cleanedBy: "daemon",
        problems: [],
        cleanup,
        status: {
          pid: 1,
          nonce: "n",
          phase: "stopped",
          startedAtMs: 0,
          updatedAtMs: 0,
          lastTimestampMs: 0,
          lastErrors: {},
          counters,
        },
      },
    });

    const refused = rw!.log().filter((r) => r.status === 503).length;
    const badData = rw!.log().filter((r) => r.status === 400);
    expect(injectedFm()).toBe(collectors.length);
    expect(row(md, "Fleet Management", "retries")).toBe(injectedFm());
    expect(row(md, "Fleet Management", "registrations")).toBe(collectors.length);
    expect(row(md, "Remote write", "retries")).toBe(refused);
    expect(refused).toBe(2);
    expect(badData).toHaveLength(1);
    expect(row(md, "Remote write", "dropped samples")).toBe(collectors.length * SERIES_PER_COLLECTOR);
    const accepted = rw!.log().filter((r) => r.status >= 200 && r.status < 300);
    const acceptedSamples = accepted.reduce((n, r) => n + r.samples, 0);
    // Accepted requests carried the samples and, last, the stale markers.
    expect(row(md, "Remote write", "samples accepted") + row(md, "Remote write", "stale markers")).toBe(
      acceptedSamples,
    );
    expect(row(md, "Remote write", "stale markers")).toBe(collectors.length * SERIES_PER_COLLECTOR);
  });

  it("the lines fm-fleet run prints", async () => {
    const { injectedFm } = await servers(2);
    const cwd = mkdtempSync(join(tmpdir(), "fm-fleet-counters-"));
    writeFileSync(
      join(cwd, "two.yaml"),
      "name: counters\nfeatures:\n  fleet_management:\n    collectors_per_os: {linux: 2}\n",
    );
    let stdout = "";
    let stderr = "";
    const code = await runCommand(
      [
        "two.yaml",
        "--interval",
        "1s",
        "--heartbeat-interval",
        "60s",
        "--duration",
        "3s",
        "--fm-rate-limit",
        "50",
      ],
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        cwd,
        env: {
          GC_FM_URL: fm!.url,
          GC_FM_STACK_ID: fm!.stackId,
          GC_FM_TOKEN: TOKEN,
          GC_PROM_URL: rw!.url,
          GC_PROM_USER: "7",
          GC_PROM_TOKEN: TOKEN,
        },
      },
    );
    expect(code, stderr).toBe(0);
    expect(injectedFm()).toBe(2);
    expect(cliValue(stdout, "Fleet Management", "retries")).toBe(injectedFm());
    expect(cliValue(stdout, "Fleet Management", "registrations")).toBe(2);
    expect(cliValue(stdout, "Remote write", "retries")).toBe(
      rw!.log().filter((r) => r.status === 503).length,
    );
    expect(cliValue(stdout, "Remote write", "retries")).toBe(2);
    expect(cliValue(stdout, "Remote write", "dropped samples")).toBe(0);
    expect(cliValue(stdout, "Remote write", "stale markers")).toBe(2 * SERIES_PER_COLLECTOR);
  });
});
