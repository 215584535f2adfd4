/**
 * Live events through the state folder: `fm-fleet event` writes `requests/<uuid>.json` (atomically: a temp
 * file renamed into place), the background process picks it up within one poll (200 ms), applies it and
 * writes `responses/<uuid>.json`. Plain files work the same on Linux, macOS and Windows and need no
 * signal; the folder is the caller's own (mode 0700), like every file of the fleet's state.
 *
 * A file that is not JSON, or whose name and `id` disagree, is answered with an error; a file whose name
 * is not `<uuid>.json` cannot be answered and is removed. The handler (event-request.ts) refuses foreign
 * and stale requests, so a request left from an earlier run never changes this fleet.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock, type Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import {
  eventAnswerSchema,
  type EventAnswer,
  type EventHandler,
  type EventRequest,
} from "./event-request.js";
import { ensurePrivateDir, removeFile, writeFileAtomic } from "./files.js";
import type { StatePaths } from "./paths.js";

export const INBOX_POLL_MS = 200;

const REQUEST_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

export interface EventInbox {
  /** Stops picking up requests and waits for the ones being answered. */
  close(): Promise<void>;
}

export function openEventInbox(options: {
  paths: StatePaths;
  handle: EventHandler;
  clock?: Clock;
  logger?: Logger;
  pollMs?: number;
}): EventInbox {
  const { paths, handle } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const pollMs = options.pollMs ?? INBOX_POLL_MS;
  ensurePrivateDir(paths.requests);
  ensurePrivateDir(paths.responses);
  const stop = new AbortController();
  const answering = new Set<Promise<void>>();

  const answer = (id: string, reply: EventAnswer) => {
    try {
      writeFileAtomic(join(paths.responses, `${id}.json`), JSON.stringify(reply));
    } catch (err) {
      logger.warn(`could not answer event request ${id}: ${describeError(err)}`, "Live events");
    }
  };

  const pickUp = (name: string) => {
    const path = join(paths.requests, name);
    const match = REQUEST_FILE.exec(name);
    if (!match) {
      removeFile(path);
      logger.warn(
        `removed ${name} from the requests folder: not a request file (<uuid>.json)`,
        "Live events",
      );
      return;
    }
    const id = match[1]!;
    let body: unknown;
    let problem: string | undefined;
    try {
      body = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      problem = `malformed event request: ${err instanceof SyntaxError ? "not JSON" : describeError(err)}`;
    }
    // Claimed by removing it: each request is applied once, however often the folder is read.
    removeFile(path);
    if (problem === undefined && (body as { id?: unknown } | null)?.id !== id)
      problem = `malformed event request: its id does not match its file name ${name}`;
    if (problem !== undefined) {
      answer(id, { ok: false, error: problem, ids: [], warnings: [] });
      return;
    }
    const job = handle(body)
      .catch((err: unknown): EventAnswer => ({ ok: false, error: describeError(err), ids: [], warnings: [] }))
      .then((reply) => answer(id, reply))
      .finally(() => answering.delete(job));
    answering.add(job);
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      let names: string[] = [];
      try {
        names = readdirSync(paths.requests)
          .filter((n) => n.endsWith(".json"))
          .sort();
      } catch {
        names = [];
      }
      for (const name of names) pickUp(name);
      try {
        await clock.sleep(pollMs, stop.signal);
      } catch {
        return;
      }
    }
  })();

  return {
    async close() {
      stop.abort();
      await loop;
      await Promise.allSettled([...answering]);
    },
  };
}

export interface SendOptions {
  paths: StatePaths;
  request: EventRequest;
  /** Whether the background process is still alive; checked on every poll. */
  alive: () => boolean;
  clock?: Clock;
  pollMs?: number;
}

/** Drops `request` in the inbox and waits for its answer until the request expires. */
export async function sendEventRequest(options: SendOptions): Promise<EventAnswer> {
  const { paths, request } = options;
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? INBOX_POLL_MS;
  const requestPath = join(paths.requests, `${request.id}.json`);
  const responsePath = join(paths.responses, `${request.id}.json`);
  writeFileAtomic(requestPath, JSON.stringify(request));
  for (;;) {
    let text: string | undefined;
    try {
      text = readFileSync(responsePath, "utf8");
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      removeFile(responsePath);
      const parsed = eventAnswerSchema.safeParse(safeJson(text));
      if (!parsed.success)
        throw new Error(`the background process answered with something that is not an event answer`);
      return parsed.data;
    }
    if (!options.alive()) {
      const untouched = removeFile(requestPath);
      throw new Error(
        untouched
          ? "the background process is gone: nothing picked up the request"
          : "the background process exited before it answered",
      );
    }
    if (clock.now() > request.expiresAtMs + pollMs * 5) {
      const untouched = removeFile(requestPath);
      throw new Error(
        untouched
          ? `the background process did not pick up the request within ${Math.round((request.expiresAtMs - request.sentAtMs) / 1000)} s (see its log)`
          : `no answer within ${Math.round((request.expiresAtMs - request.sentAtMs) / 1000)} s: the change may be applied, but its first effect was not confirmed (see the log)`,
      );
    }
    await clock.sleep(pollMs);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
