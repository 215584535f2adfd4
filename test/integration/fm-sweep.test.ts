/**
 * Sweeping leftovers out of FM's store: `fm-fleet sweep` as a user runs it, and the action's `sweep: true`
 * before registering, against the emulator over loopback. The store holds what runs leave behind: fake
 * collectors unregistered two hours ago and just now, in two repositories, a live fake fleet, and a
 * collector that is not fake. A proxy lets another client delete a leftover between the sweep's listing
 * and its delete, so BulkDeleteCollectors' atomic not_found happens.
 *
 * FM_STORE_REPORT=1 prints the store before and after each case.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { systemClock, type Clock } from "../../src/core/clock.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createFmClient } from "../../src/fm/client.js";
import type { Collector } from "../../src/fleet/types.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { createHttpTransport } from "../../src/transport/http.js";
import { standaloneFleet } from "../helpers/collectors.js";
import { createFmProxy, type FmProxy } from "../helpers/fm-proxy.js";

const HOUR = 3_600_000;
let fm: FmEmulator | undefined;
let proxy: FmProxy | undefined;
const engines: FleetEngine[] = [];
/** The emulator's wall clock runs this far from ours: records made "two hours ago". */
let offsetMs = 0;
const emulatorClock: Clock = { ...systemClock, now: () => Date.now() + offsetMs };

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ deadlineMs: performance.now() + 5_000 })));
  await proxy?.close();
  await fm?.close();
  fm = proxy = undefined;
  offsetMs = 0;
});

interface StoredCollector {
  id: string;
  registered: boolean;
  markedInactiveAtMs?: number;
  localAttributes: Record<string, string>;
}

async function store(): Promise<StoredCollector[]> {
  const res = await fetch(`${fm!.url}/_emulator/collectors`);
  return ((await res.json()) as { collectors: StoredCollector[] }).collectors;
}

async function ids(): Promise<string[]> {
  return (await store()).map((r) => r.id).sort();
}

async function storeLine(when: string): Promise<void> {
  if (!process.env.FM_STORE_REPORT) return;
  const records = await store();
  const describe = (r: StoredCollector) =>
    `${r.id}${r.localAttributes.fake === "true" ? "" : " (not fake)"} ${r.registered ? "registered" : "inactive"}`;
  process.stdout.write(
    `[store] ${when}: ${records.length} records\n${records.map((r) => `          ${describe(r)}`).join("\n")}\n`,
  );
}

function fleetOf(env: string, count: number, repository: string, runId: string): Collector[] {
  return standaloneFleet(count, { env }).map((c) => ({
    ...c,
    attributes: { ...c.attributes, "github.repository": repository, "github.run_id": runId },
  }));
}

function engine(
  collectors: readonly Collector[],
  options: { cleanup?: "delete" | "unregister"; sweep?: { repository: string; olderThanMs: number } } = {},
): FleetEngine {
  const { config, secrets } = buildFleetConfig(
    {
      intervalMs: 15_000,
      heartbeatIntervalMs: 30_000,
      fmRatePerSecond: 50,
      maxLifetimeMs: 60_000,
      ...(options.cleanup ? { cleanup: options.cleanup } : {}),
      credentials: { fm: { url: fm!.url, stackId: fm!.stackId, token: fm!.token } },
    },
    { blueprint: "sweep", collectors },
    Date.now(),
    options.sweep ? { sweep: options.sweep } : {},
  );
  const e = createFleetEngine({ config, secrets });
  engines.push(e);
  return e;
}

/** A run that only unregistered its collectors, at the emulator's time now. */
async function leftoversOf(collectors: readonly Collector[]): Promise<void> {
  const e = engine(collectors, { cleanup: "unregister" });
  await e.start();
  engines.splice(engines.indexOf(e), 1);
  await e.stop();
}

/**
 * The store every case starts from: octo/app leftovers unregistered 2 h ago (3) and just now (2), an
 * octo/other leftover from 2 h ago, a collector that is not fake, unregistered 2 h ago, and a live fleet.
 */
async function litteredStore(): Promise<void> {
  fm = await createFmEmulator({ clock: emulatorClock });
  offsetMs = -2 * HOUR;
  await leftoversOf(fleetOf("old", 3, "octo/app", "100"));
  await leftoversOf(fleetOf("other", 1, "octo/other", "300"));
  const transport = createHttpTransport({ connections: 1 });
  const client = createFmClient({ baseUrl: fm.url, stackId: fm.stackId, token: fm.token, transport });
  const real = {
    id: "real-alloy-01",
    name: "real-alloy-01",
    attributes: { "collector.os": "linux", env: "old" },
  };
  expect((await client.register(real)).kind).toBe("success");
  expect((await client.unregister(real.id)).kind).toBe("success");
  await transport.close();
  offsetMs = 0;
  await leftoversOf(fleetOf("recent", 2, "octo/app", "200"));
  const live = engine(fleetOf("live", 1, "octo/app", "400"));
  await live.start();
}

const OLD_APP = [
  "fleet-management-old-linux-01",
  "fleet-management-old-linux-02",
  "fleet-management-old-linux-03",
];
const OLD_OTHER = ["fleet-management-other-linux-01"];
const RECENT_APP = ["fleet-management-recent-linux-01", "fleet-management-recent-linux-02"];
const LIVE = ["fleet-management-live-linux-01"];
const NOT_FAKE = ["real-alloy-01"];
const sorted = (...lists: string[][]) => lists.flat().sort();

function cli(url: string) {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    env: { GC_FM_URL: url, GC_FM_STACK_ID: fm!.stackId, GC_FM_TOKEN: fm!.token },
    cwd: mkdtempSync(join(tmpdir(), "fm-sweep-")),
  };
  return { run: (args: string[]) => runCli(["sweep", ...args], io), out };
}

describe("fm-fleet sweep", () => {
  it("lists the stale fake collectors in a table and deletes nothing with --dry-run", async () => {
    await litteredStore();
    await storeLine("dry run: before");
    const { run, out } = cli(fm!.url);
    expect(await run(["--dry-run"])).toBe(0);
    await storeLine("dry run: after");
    expect(await ids()).toEqual(sorted(OLD_APP, OLD_OTHER, RECENT_APP, LIVE, NOT_FAKE));
    const lines = out.stdout.split("\n");
    expect(lines[0]).toBe("4 leftover(s) of 7 fake collector(s), marked inactive at least 1h ago:");
    expect(lines[1]).toMatch(/^ {2}ID +ENV +GITHUB\.REPOSITORY +GITHUB\.RUN_ID +INACTIVE SINCE$/);
    const rows = lines.slice(2, 6).map((l) => l.trim().split(/ +/));
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ...OLD_APP.map((id) => [id, "old", "octo/app", "100"]),
      [OLD_OTHER[0], "other", "octo/other", "300"],
    ]);
    for (const r of rows) expect(Date.now() - Date.parse(r[4]!)).toBeGreaterThan(1.9 * HOUR);
    expect(lines[6]).toBe("dry run: nothing was deleted");
  });

  it("removes exactly the stale fake entries matched, even when one disappears between list and delete", async () => {
    await litteredStore();
    await storeLine("sweep with a vanishing entry: before");
    let vanished: string | undefined;
    proxy = await createFmProxy(fm!.url, (procedure, body) => {
      // Another sweep deletes one of them after our listing, before our delete.
      if (procedure === "BulkDeleteCollectors" && vanished === undefined) {
        vanished = (body as { ids: string[] }).ids[1]!;
        fm!.deleteCollector(vanished);
      }
      return undefined;
    });
    const { run, out } = cli(proxy.url);
    expect(await run(["--older-than", "1h", "--match", 'github.repository="octo/app"'])).toBe(0);
    await storeLine("sweep with a vanishing entry: after");

    expect(vanished).toBe(OLD_APP[1]);
    expect(await ids()).toEqual(sorted(OLD_OTHER, RECENT_APP, LIVE, NOT_FAKE));
    expect(out.stdout).toMatch(/^3 leftover\(s\) of 6 fake collector\(s\)/);
    expect(out.stdout).toContain("deleted 3 of 3");
    // BulkDelete is atomic: its not_found deleted nothing, so each ID went alone; not_found counts as done.
    expect(
      proxy.seen.filter((s) => s.procedure.endsWith("DeleteCollectors") || s.procedure === "DeleteCollector"),
    ).toEqual([
      { procedure: "BulkDeleteCollectors", status: 404 },
      { procedure: "DeleteCollector", status: 200 },
      { procedure: "DeleteCollector", status: 404 },
      { procedure: "DeleteCollector", status: 200 },
    ]);
  });

  it('never touches a live collector or one without fake="true", whatever the age and matchers', async () => {
    await litteredStore();
    await storeLine("sweep everything inactive: before");
    const { run, out } = cli(fm!.url);
    expect(await run(["--older-than", "0s", "--match", 'env=~".+"'])).toBe(0);
    await storeLine("sweep everything inactive: after");
    expect(await ids()).toEqual(sorted(LIVE, NOT_FAKE));
    expect(out.stdout).toContain("deleted 6 of 6");
    const live = (await store()).find((r) => r.id === LIVE[0]);
    expect(live?.registered).toBe(true);
  });

  it("refuses a bad matcher before any call, exit code 2", async () => {
    fm = await createFmEmulator();
    const { run, out } = cli(fm.url);
    expect(await run(["--match", "env=~(", "--older-than", "soon"])).toBe(2);
    expect(out.stderr).toMatch(/--match #1: matcher "env=~\(".*\n.*--older-than: expected a duration/);
    expect(fm.requests()).toEqual([]);
  });
});

describe("sweep: true before registering", () => {
  it("deletes this repository's old leftovers, and nothing of another repository's, before registering", async () => {
    await litteredStore();
    await storeLine("action sweep: before");
    const e = engine(fleetOf("new", 2, "octo/app", "500"), {
      sweep: { repository: "octo/app", olderThanMs: HOUR },
    });
    await e.start();
    await storeLine("action sweep: after start");
    expect(await ids()).toEqual(
      sorted(OLD_OTHER, RECENT_APP, LIVE, NOT_FAKE, [
        "fleet-management-new-linux-01",
        "fleet-management-new-linux-02",
      ]),
    );
    const log = fm!.requests();
    const sweptAt = log.findIndex((r) => r.method === "BulkDeleteCollectors");
    const registeredAt = log.findIndex(
      (r) => r.method === "RegisterCollector" && r.collectorId?.startsWith("fleet-management-new-") === true,
    );
    expect(sweptAt).toBeGreaterThan(-1);
    expect(sweptAt).toBeLessThan(registeredAt);
  });
});
