/**
 * What a fleet leaves in FM's store, read from the emulator's inspection endpoint (`/_emulator/collectors`)
 * as a user would read FM's collector list: nothing after a default run, inactive records with
 * `cleanup: unregister`, the other run's collectors untouched when two runs share IDs, and only
 * unregistered records (with the reason) when FM refuses management calls. Real engines, the emulator over
 * loopback; a proxy in front of it where FM must answer what the emulator does not.
 *
 * FM_STORE_REPORT=1 prints the store before and after each case.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import type { Collector } from "../../src/fleet/types.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { standaloneFleet } from "../helpers/collectors.js";
import { connectError, createFmProxy, type FmProxy } from "../helpers/fm-proxy.js";

let fm: FmEmulator | undefined;
let proxy: FmProxy | undefined;
let rw: RemoteWriteReceiver | undefined;
const engines: FleetEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ deadlineMs: performance.now() + 5_000 })));
  await proxy?.close();
  await fm?.close();
  await rw?.close();
  fm = proxy = rw = undefined;
});

interface StoredCollector {
  id: string;
  registered: boolean;
  markedInactiveAtMs?: number;
  localAttributes: Record<string, string>;
  heartbeats: number;
}

/** FM's store as the emulator's inspection endpoint shows it. */
async function store(): Promise<StoredCollector[]> {
  const res = await fetch(`${fm!.url}/_emulator/collectors`);
  return ((await res.json()) as { collectors: StoredCollector[] }).collectors;
}

/** "3 records: 2 registered, 1 inactive; fake.run local-…: 3". */
async function storeLine(when: string): Promise<string> {
  const records = await store();
  const runs = new Map<string, number>();
  for (const r of records) {
    const run = r.localAttributes["fake.run"] ?? "(none)";
    runs.set(run, (runs.get(run) ?? 0) + 1);
  }
  const line =
    `${when}: ${records.length} records, ${records.filter((r) => r.registered).length} registered, ` +
    `${records.filter((r) => r.markedInactiveAtMs !== undefined).length} inactive` +
    (runs.size ? `; by fake.run ${[...runs].map(([k, n]) => `${k}: ${n}`).join(", ")}` : "");
  if (process.env.FM_STORE_REPORT) process.stdout.write(`[store] ${line}\n`);
  return line;
}

/** A run from GitHub Actions run `runId`: the collectors carry its github.* attributes, as the roster sets them. */
function fromRun(collectors: readonly Collector[], runId: string): Collector[] {
  return collectors.map((c) => ({
    ...c,
    attributes: { ...c.attributes, "github.repository": "octo/app", "github.run_id": runId },
  }));
}

function engine(
  collectors: readonly Collector[],
  options: { runMarker: string; cleanup?: "delete" | "unregister"; url?: string; intervalMs?: number },
): FleetEngine {
  const { config, secrets } = buildFleetConfig(
    {
      intervalMs: options.intervalMs ?? 15_000,
      heartbeatIntervalMs: 1_000,
      fmRatePerSecond: 50,
      maxLifetimeMs: 60_000,
      ...(options.cleanup ? { cleanup: options.cleanup } : {}),
      credentials: {
        fm: { url: options.url ?? fm!.url, stackId: fm!.stackId, token: fm!.token },
        ...(rw ? { prom: { url: rw.url, user: "", token: "" } } : {}),
      },
    },
    { blueprint: "cleanup", collectors },
    Date.now(),
    { runMarker: options.runMarker },
  );
  const e = createFleetEngine({ config, secrets });
  engines.push(e);
  return e;
}

const stop = async (e: FleetEngine) => {
  engines.splice(engines.indexOf(e), 1);
  return e.stop({ deadlineMs: performance.now() + 20_000 });
};

describe("cleanup in FM's store", () => {
  it("leaves nothing of the fleet after a default run", async () => {
    fm = await createFmEmulator();
    await storeLine("default: before");
    const e = engine(standaloneFleet(3), { runMarker: "local-0000000a" });
    await e.start();
    // One collector leaves while the fleet runs: unregistered at once, like Alloy on shutdown.
    await e.leave(["fleet-management-ci-linux-03"]);
    expect(await storeLine("default: running")).toMatch(
      /3 records, 2 registered, 1 inactive; by fake.run local-0000000a: 3/,
    );
    const report = await stop(e);
    await storeLine("default: after");
    expect(await store()).toEqual([]);
    // The one that left was unregistered then; the records of all three are deleted now.
    expect(report).toMatchObject({
      complete: true,
      mode: "delete",
      unregistered: 2,
      deleted: 3,
      notDeleted: [],
    });
    // Unregister first, as Alloy does, then the records: one bulk delete for the three.
    const calls = fm.requests().map((r) => r.method);
    expect(calls.filter((m) => m === "UnregisterCollector")).toHaveLength(3);
    expect(calls.filter((m) => m === "BulkDeleteCollectors")).toHaveLength(1);
    expect(calls.lastIndexOf("UnregisterCollector")).toBeLessThan(calls.indexOf("BulkDeleteCollectors"));
  });

  it("with cleanup: unregister leaves every record, each marked inactive", async () => {
    fm = await createFmEmulator();
    await storeLine("unregister: before");
    const e = engine(standaloneFleet(3), { runMarker: "local-0000000b", cleanup: "unregister" });
    await e.start();
    await storeLine("unregister: running");
    const report = await stop(e);
    await storeLine("unregister: after");
    const records = await store();
    expect(records.map((r) => r.id).sort()).toEqual(standaloneFleet(3).map((c) => c.id));
    for (const r of records) {
      expect(r.registered, r.id).toBe(false);
      expect(r.markedInactiveAtMs, r.id).toBeDefined();
    }
    expect(report).toMatchObject({ complete: true, mode: "unregister", unregistered: 3, deleted: 0 });
    expect(fm.requests().some((r) => r.method === "BulkDeleteCollectors")).toBe(false);
  });

  it("never unregisters or deletes the live collectors of another run that took over the same IDs", async () => {
    fm = await createFmEmulator();
    await storeLine("overlap: before");
    const a = engine(fromRun(standaloneFleet(3), "111"), { runMarker: "111-1-aaaaaaaa" });
    await a.start();
    a.run();
    await storeLine("overlap: run A started");
    // Run B registers two of A's IDs (and one of its own) while A still runs.
    const b = engine(fromRun(standaloneFleet(4).slice(1), "222"), { runMarker: "222-1-bbbbbbbb" });
    const startedB = await b.start();
    b.run();
    await storeLine("overlap: run B started");
    expect(startedB.warnings).toHaveLength(1);
    expect(startedB.warnings[0]).toMatch(
      /^2 of this fleet's collector IDs are in use by another live run: fleet-management-ci-linux-02, fleet-management-ci-linux-03 \(held by GitHub run 111 of octo\/app \(fake\.run 111-1-aaaaaaaa\)\)\..*own env/,
    );

    const reportA = await stop(a);
    await storeLine("overlap: run A stopped");
    expect(reportA).toMatchObject({ complete: true, unregistered: 1, deleted: 1 });
    expect(reportA.otherRuns).toEqual([
      { id: "fleet-management-ci-linux-02", run: "GitHub run 222 of octo/app (fake.run 222-1-bbbbbbbb)" },
      { id: "fleet-management-ci-linux-03", run: "GitHub run 222 of octo/app (fake.run 222-1-bbbbbbbb)" },
    ]);
    expect(reportA.warnings.join("\n")).toMatch(/registered again by another run .*GitHub run 222/);
    // B's three collectors are still registered, active and B's, and B keeps heartbeating them.
    const afterA = await store();
    expect(afterA.map((r) => r.id).sort()).toEqual(
      standaloneFleet(4)
        .slice(1)
        .map((c) => c.id),
    );
    for (const r of afterA) {
      expect(r.registered, r.id).toBe(true);
      expect(r.markedInactiveAtMs, r.id).toBeUndefined();
      expect(r.localAttributes["fake.run"]).toBe("222-1-bbbbbbbb");
    }
    const beats = new Map(afterA.map((r) => [r.id, r.heartbeats]));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const r of await store()) expect(r.heartbeats, r.id).toBeGreaterThan(beats.get(r.id)!);
    expect(b.counters().fm).toMatchObject({ reRegistrations: 0, heartbeatsFailed: 0 });

    const reportB = await stop(b);
    await storeLine("overlap: run B stopped");
    expect(reportB).toMatchObject({ complete: true, unregistered: 3, deleted: 3, otherRuns: [] });
    expect(await store()).toEqual([]);
  });

  it("says 'unregistered, not deleted' and why when FM refuses management calls, and counts the cleanup complete", async () => {
    fm = await createFmEmulator();
    // A token without fleet-management:read/write: FM answers management calls 403 permission_denied.
    proxy = await createFmProxy(fm.url, (procedure) =>
      ["ListCollectors", "GetCollector", "DeleteCollector", "BulkDeleteCollectors"].includes(procedure)
        ? connectError("permission_denied", 403, "permission denied: missing scope fleet-management:read")
        : undefined,
    );
    await storeLine("refused: before");
    const e = engine(standaloneFleet(3), { runMarker: "local-0000000c", url: proxy.url });
    const started = await e.start();
    expect(started.warnings).toEqual([]);
    await storeLine("refused: running");
    const report = await stop(e);
    await storeLine("refused: after");

    expect(report.complete).toBe(true);
    expect(report.unregisterFailed).toEqual([]);
    expect(report).toMatchObject({ mode: "delete", unregistered: 3, deleted: 0 });
    expect(report.notDeleted).toHaveLength(1);
    expect(report.notDeleted![0]!.ids.sort()).toEqual(standaloneFleet(3).map((c) => c.id));
    expect(report.notDeleted![0]!.reason).toMatch(
      /^FM refused ListCollectors \(permission_denied, HTTP 403\): deleting needs a token with fleet-management:read and fleet-management:write/,
    );
    const warnings = report.warnings.join("\n");
    expect(warnings).toMatch(
      /could not list this run's collectors .*it unregistered every collector of the roster/,
    );
    expect(warnings).toMatch(/3 collector\(s\) unregistered, not deleted/);
    // Nothing is left registered: the records stay, inactive.
    const records = await store();
    expect(records).toHaveLength(3);
    for (const r of records) expect(r.registered, r.id).toBe(false);
    // Refused once: cleanup did not ask again for each collector.
    expect(proxy.seen.filter((s) => s.status === 403).map((s) => s.procedure)).toEqual([
      "ListCollectors", // the start's check for other runs
      "ListCollectors", // cleanup's ownership check
    ]);
  });

  it("deletes no record it could not confirm as its own when FM serves no ListCollectors", async () => {
    fm = await createFmEmulator();
    // ListCollectors unimplemented (an FM without the management half): nothing is confirmed ours.
    proxy = await createFmProxy(fm.url, (procedure) =>
      procedure === "ListCollectors"
        ? { status: 404, body: "404 page not found\n", contentType: "text/plain" }
        : undefined,
    );
    await storeLine("no ListCollectors: before");
    const e = engine(standaloneFleet(2), { runMarker: "local-0000000d", url: proxy.url });
    await e.start();
    await storeLine("no ListCollectors: running");
    const report = await stop(e);
    await storeLine("no ListCollectors: after");
    expect(report).toMatchObject({ complete: true, unregistered: 2, deleted: 0 });
    expect(report.notDeleted![0]!.reason).toMatch(
      /FM refused ListCollectors \(unimplemented, HTTP 404\): this FM URL serves no management API/,
    );
    expect(
      fm.requests().some((r) => r.method === "BulkDeleteCollectors" || r.method === "DeleteCollector"),
    ).toBe(false);
  });
});

describe("the start's check for another live run", () => {
  it("delays no metric: the series are written while the check waits on a slow FM", async () => {
    // Every ListCollectors takes 3 s; the check comes before registering, the metrics do not wait for it.
    fm = await createFmEmulator({ faults: { ListCollectors: { latencyMs: [3000, 3000] } } });
    rw = await createRemoteWriteReceiver();
    const e = engine(standaloneFleet(2), { runMarker: "local-0000000e", intervalMs: 1_000 });
    let ready = false;
    const started = e.start().then((report) => {
      ready = true;
      return report;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(ready).toBe(false);
    expect(fm.requests().filter((r) => r.method === "RegisterCollector")).toEqual([]);
    expect(rw.series().length).toBe(2 * 29);
    expect(Math.min(...rw.series().map((x) => x.samples))).toBeGreaterThanOrEqual(1);
    expect((await started).warnings).toEqual([]);
    expect(fm.requests().filter((r) => r.method === "RegisterCollector")).toHaveLength(2);
  });
});
