/**
 * Live events between `fm-fleet event` and the background process: the request files in a real state
 * folder, and the handler's refusals. A malformed, foreign or stale request is answered with the reason and
 * changes nothing; a request nobody picks up ends with a clear error, never a hang.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScenarioAction } from "../../src/blueprint/types.js";
import { openEventInbox, sendEventRequest, type EventInbox } from "../../src/runtime/event-inbox.js";
import { createEventHandler, type EventRequest } from "../../src/runtime/event-request.js";
import { statePaths } from "../../src/runtime/paths.js";
import type { ScenarioPlayer } from "../../src/runtime/scenario-player.js";
import type { EffectRecord, TimelineEntry } from "../../src/runtime/timeline.js";
import { waitFor } from "../helpers/wait.js";

const NONCE = "nonce-of-this-fleet";

/** A player that records what it was asked and answers with the given outcome. */
function stubPlayer(outcome: { changed: string[]; warnings?: string[]; effect?: Partial<EffectRecord> }) {
  const applied: ScenarioAction[] = [];
  const player: ScenarioPlayer = {
    start: () => undefined,
    record: () => ({ timeScale: 1, entries: [], pending: [] }),
    health: () => ({ healthy: 0, unhealthy: 0, inactive: 0, departed: 0 }),
    stop: () => Promise.resolve(),
    apply(action) {
      applied.push(action);
      const entry: TimelineEntry = {
        source: "live",
        event: action.event,
        select: "",
        ranAtMs: Date.now(),
        ranOffsetMs: 0,
        changed: outcome.changed,
        failed: [],
        warnings: outcome.warnings ?? [],
      };
      const effect: EffectRecord = {
        ok: true,
        via: "push",
        atMs: Date.now(),
        timestampMs: 42,
        ...outcome.effect,
      };
      return Promise.resolve({ entry, effect: Promise.resolve(effect) });
    },
  };
  return { player, applied };
}

const unhealthy: ScenarioAction = {
  event: "unhealthy",
  select: { os: "linux", count: 2 },
  severity: "critical",
};

function request(extra: Partial<EventRequest> = {}): EventRequest {
  const now = Date.now();
  return {
    type: "event",
    nonce: NONCE,
    id: randomUUID(),
    sentAtMs: now,
    expiresAtMs: now + 5000,
    action: { ...unhealthy, select: { os: "linux", count: 2 } },
    ...extra,
  };
}

describe("the event handler", () => {
  it("applies a request and answers with the collectors changed and the effect that carried it", async () => {
    const { player, applied } = stubPlayer({ changed: ["a", "b"] });
    const answer = await createEventHandler({ player, nonce: NONCE })(request());
    expect(answer).toEqual({
      ok: true,
      event: "unhealthy",
      ids: ["a", "b"],
      warnings: [],
      effect: expect.objectContaining({ ok: true, via: "push", timestampMs: 42 }) as EffectRecord,
    });
    expect(applied).toEqual([unhealthy]);
  });

  it("refuses a request for another fleet, a stale one and a malformed one, and applies none", async () => {
    const { player, applied } = stubPlayer({ changed: ["a"] });
    const handle = createEventHandler({ player, nonce: NONCE });
    expect(await handle(request({ nonce: "someone-else" }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/another fleet/) as string,
    });
    const stale = await handle(request({ sentAtMs: Date.now() - 60_000, expiresAtMs: Date.now() - 30_000 }));
    expect(stale).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^stale event request: sent at .*nothing was changed$/) as string,
    });
    const bad = await handle({ ...request(), action: { event: "explode", select: {} } });
    expect(bad).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^malformed event request at action\.event/) as string,
    });
    expect(await handle("not even an object")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^malformed event request/) as string,
    });
    expect(applied).toEqual([]);
  });

  it("says why when nothing was selected, and when the change was not confirmed", async () => {
    const nobody = stubPlayer({
      changed: [],
      warnings: ["selects nobody: no collector matches os linux, count 2"],
    });
    expect(await createEventHandler({ player: nobody.player, nonce: NONCE })(request())).toEqual({
      ok: false,
      error: "selects nobody: no collector matches os linux, count 2",
      ids: [],
      warnings: ["selects nobody: no collector matches os linux, count 2"],
    });
    const refused = stubPlayer({ changed: ["a"], effect: { ok: false, error: "HTTP 503" } });
    expect(await createEventHandler({ player: refused.player, nonce: NONCE })(request())).toMatchObject({
      ok: false,
      ids: ["a"],
      error: "applied to 1 collector(s), but its first effect was not accepted: HTTP 503",
    });
  });
});

describe("the request files in the state folder", () => {
  let inbox: EventInbox | undefined;
  afterEach(async () => {
    await inbox?.close();
    inbox = undefined;
  });

  const folder = () => statePaths(mkdtempSync(join(tmpdir(), "fm-fleet-inbox-")));

  it("carry a request to the background process and its answer back, leaving no file behind", async () => {
    const paths = folder();
    const { player } = stubPlayer({ changed: ["x"] });
    inbox = openEventInbox({ paths, handle: createEventHandler({ player, nonce: NONCE }) });
    const answer = await sendEventRequest({ paths, request: request(), alive: () => true });
    expect(answer).toMatchObject({ ok: true, ids: ["x"] });
    expect(readdirSync(paths.requests)).toEqual([]);
    expect(readdirSync(paths.responses)).toEqual([]);
  });

  it("answer a file that is not JSON, and remove one that is not a request file", async () => {
    const paths = folder();
    const { player, applied } = stubPlayer({ changed: ["x"] });
    inbox = openEventInbox({ paths, handle: createEventHandler({ player, nonce: NONCE }) });
    const id = randomUUID();
    writeFileSync(join(paths.requests, `${id}.json`), "{ half a request");
    writeFileSync(join(paths.requests, "notes.json"), "{}");
    const answered = join(paths.responses, `${id}.json`);
    await waitFor(
      () => existsSync(answered) && !existsSync(join(paths.requests, "notes.json")),
      3000,
      "the inbox to sort both files",
    );
    expect(JSON.parse(readFileSync(answered, "utf8"))).toEqual({
      ok: false,
      error: "malformed event request: not JSON",
      ids: [],
      warnings: [],
    });
    expect(applied).toEqual([]);
  });

  it("end with a clear error when the background process is gone or never picks the request up", async () => {
    const paths = folder();
    await expect(sendEventRequest({ paths, request: request(), alive: () => false })).rejects.toThrow(
      "the background process is gone: nothing picked up the request",
    );
    const now = Date.now();
    await expect(
      sendEventRequest({
        paths,
        request: request({ sentAtMs: now, expiresAtMs: now + 400 }),
        alive: () => true,
        pollMs: 50,
      }),
    ).rejects.toThrow(/did not pick up the request within/);
    // Nothing is left for a later background process to apply by surprise.
    expect(readdirSync(paths.requests)).toEqual([]);
  });
});
