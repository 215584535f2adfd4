/**
 * The management client's delete path against an in-memory FM with BulkDeleteCollectors' documented
 * atomicity (grafana/fleet-management-api collector.proto: one unknown ID fails the request, nothing is
 * deleted): batches of 100, the per-ID fallback after not_found, a refusal that stops at once, and its own
 * 3 req/s bucket. Also which records a sweep picks.
 */
import { describe, expect, it } from "vitest";
import { FmApiError } from "../../src/core/errors.js";
import type { FmCollectorInfo, FmManagementCalls } from "../../src/fm/client.js";
import { createFmManagement, MANAGEMENT_RATE_PER_SECOND } from "../../src/fm/management.js";
import { pickStale } from "../../src/fm/sweep.js";
import type { SendOutcome } from "../../src/transport/types.js";
import { createFakeClock } from "../helpers/fake-clock.js";

type Procedure = "ListCollectors" | "GetCollector" | "DeleteCollector" | "BulkDeleteCollectors";

function memoryFm(ids: string[], options: { refuse?: Procedure[] } = {}) {
  const held = new Set(ids);
  const calls: { procedure: Procedure; ids: string[] }[] = [];
  const fail = <T>(procedure: Procedure, code: "not_found" | "permission_denied", status: number) =>
    Promise.resolve<SendOutcome<T>>({ kind: "failure", error: new FmApiError(procedure, code, status, "") });
  const refused = (p: Procedure) => options.refuse?.includes(p) ?? false;
  const client: FmManagementCalls = {
    listCollectors: () => {
      calls.push({ procedure: "ListCollectors", ids: [] });
      if (refused("ListCollectors")) return fail("ListCollectors", "permission_denied", 403);
      return Promise.resolve({
        kind: "success",
        value: [...held].map((id) => ({ id, localAttributes: {}, remoteAttributes: {} })),
      });
    },
    getCollector: (id) => {
      calls.push({ procedure: "GetCollector", ids: [id] });
      return held.has(id)
        ? Promise.resolve({ kind: "success", value: { id, localAttributes: {}, remoteAttributes: {} } })
        : fail("GetCollector", "not_found", 404);
    },
    deleteCollector: (id) => {
      calls.push({ procedure: "DeleteCollector", ids: [id] });
      if (refused("DeleteCollector")) return fail("DeleteCollector", "permission_denied", 403);
      if (!held.delete(id)) return fail("DeleteCollector", "not_found", 404);
      return Promise.resolve({ kind: "success", value: undefined });
    },
    bulkDeleteCollectors: (batch) => {
      calls.push({ procedure: "BulkDeleteCollectors", ids: [...batch] });
      if (refused("BulkDeleteCollectors")) return fail("BulkDeleteCollectors", "permission_denied", 403);
      // Atomic: one unknown ID, nothing deleted.
      if (batch.some((id) => !held.has(id))) return fail("BulkDeleteCollectors", "not_found", 404);
      for (const id of batch) held.delete(id);
      return Promise.resolve({ kind: "success", value: undefined });
    },
  };
  return { client, held, calls };
}

/** The pacing has its own test: the delete paths run unthrottled. */
const unpaced = { acquire: () => Promise.resolve() };

const idsFrom = (n: number, prefix = "c") =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);

describe("deleteCollectors", () => {
  it("deletes in BulkDeleteCollectors batches of 100", async () => {
    const fm = memoryFm(idsFrom(250));
    const report = await createFmManagement({ client: fm.client, rateLimiter: unpaced }).deleteCollectors(
      idsFrom(250),
    );
    expect(report).toEqual({ deleted: idsFrom(250), gone: [], failed: [] });
    expect(fm.held.size).toBe(0);
    expect(fm.calls.map((c) => [c.procedure, c.ids.length])).toEqual([
      ["BulkDeleteCollectors", 100],
      ["BulkDeleteCollectors", 100],
      ["BulkDeleteCollectors", 50],
    ]);
  });

  it("falls back to one DeleteCollector per ID of a batch FM answered not_found, and counts not_found as gone", async () => {
    const wanted = idsFrom(5);
    // c-002 went away after the listing (another sweep): the bulk request deletes nothing.
    const fm = memoryFm(wanted.filter((id) => id !== "c-002"));
    const report = await createFmManagement({ client: fm.client, rateLimiter: unpaced }).deleteCollectors(
      wanted,
    );
    expect(report).toEqual({ deleted: ["c-000", "c-001", "c-003", "c-004"], gone: ["c-002"], failed: [] });
    expect(fm.held.size).toBe(0);
    expect(fm.calls.map((c) => c.procedure)).toEqual([
      "BulkDeleteCollectors",
      ...wanted.map(() => "DeleteCollector"),
    ]);
  });

  it("stops at a refusal: no more calls, every ID reported with the refusal", async () => {
    const fm = memoryFm(idsFrom(150), { refuse: ["BulkDeleteCollectors"] });
    const report = await createFmManagement({ client: fm.client, rateLimiter: unpaced }).deleteCollectors(
      idsFrom(150),
    );
    expect(report.deleted).toEqual([]);
    expect(report.refused?.code).toBe("permission_denied");
    expect(report.failed).toHaveLength(150);
    expect(report.failed[0]!.error).toMatch(
      /^not deleted: FM BulkDeleteCollectors failed: permission_denied \(HTTP 403\)/,
    );
    expect(fm.calls).toHaveLength(1);
    expect(fm.held.size).toBe(150);
  });

  it("paces its calls at 3 per second on a bucket of its own", async () => {
    const clock = createFakeClock();
    const fm = memoryFm(idsFrom(6));
    const management = createFmManagement({ client: fm.client, clock });
    const started = clock.monotonic();
    const at: number[] = [];
    const done = Promise.all(
      idsFrom(6).map((id) => management.get(id).then(() => at.push(clock.monotonic() - started))),
    );
    for (let i = 0; i < 40 && at.length < 6; i++) await clock.advance(100);
    await done;
    expect(MANAGEMENT_RATE_PER_SECOND).toBe(3);
    // One call every 1/3 s (rounded up to the millisecond), never two at once.
    at.sort((a, b) => a - b);
    expect(at[0]).toBe(0);
    for (let i = 1; i < at.length; i++) {
      expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000 / 3);
      expect(at[i]! - at[i - 1]!).toBeLessThan(1000 / 3 + 2);
    }
  });
});

describe("pickStale", () => {
  const NOW = Date.parse("2026-05-01T12:00:00Z");
  const record = (
    id: string,
    attrs: Record<string, string>,
    markedInactiveAt?: string,
    updatedAt?: string,
  ): FmCollectorInfo => ({
    id,
    localAttributes: attrs,
    remoteAttributes: {},
    ...(markedInactiveAt ? { markedInactiveAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
  });
  const fake = {
    fake: "true",
    env: "pr-1",
    "github.repository": "octo/app",
    "github.run_id": "7",
    "fake.run": "7-1-00000000",
  };

  it("picks fake records marked inactive at least older-than ago, oldest first, with what the table shows", () => {
    const records = [
      record("two-hours", fake, "2026-05-01T10:00:00Z"),
      record("three-hours", fake, "2026-05-01T09:00:00Z"),
      record("exactly-one-hour", fake, "2026-05-01T11:00:00Z"),
      record("ten-minutes", fake, "2026-05-01T11:50:00Z"),
    ];
    expect(pickStale(records, { nowMs: NOW, olderThanMs: 3_600_000 })).toEqual([
      {
        id: "three-hours",
        env: "pr-1",
        repository: "octo/app",
        runId: "7",
        run: "7-1-00000000",
        inactiveSince: "2026-05-01T09:00:00Z",
      },
      {
        id: "two-hours",
        env: "pr-1",
        repository: "octo/app",
        runId: "7",
        run: "7-1-00000000",
        inactiveSince: "2026-05-01T10:00:00Z",
      },
      {
        id: "exactly-one-hour",
        env: "pr-1",
        repository: "octo/app",
        runId: "7",
        run: "7-1-00000000",
        inactiveSince: "2026-05-01T11:00:00Z",
      },
    ]);
  });

  it('never picks a record without fake="true", nor one FM has not marked inactive, however old its updatedAt', () => {
    const records = [
      record("not-fake", { env: "prod" }, "2026-01-01T00:00:00Z"),
      record("fake-false", { ...fake, fake: "false" }, "2026-01-01T00:00:00Z"),
      record("live-but-old", fake, undefined, "2026-01-01T00:00:00Z"),
      record("unreadable-mark", fake, "yesterday"),
    ];
    expect(pickStale(records, { nowMs: NOW, olderThanMs: 0 })).toEqual([]);
  });
});
