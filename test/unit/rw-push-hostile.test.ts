/**
 * The pusher against a hostile receiver over loopback: a `429 Retry-After: 999999` makes it give up at the
 * deadline with a message that says what the server asked, and bodies over the cap are judged by their
 * status without being read.
 */
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/core/logger.js";
import { zeroRemoteWriteCounters } from "../../src/remote-write/counters.js";
import { createPusher } from "../../src/remote-write/push.js";
import { createHttpTransport } from "../../src/transport/http.js";
import type { HttpTransport } from "../../src/transport/types.js";
import { createHostileServer, type HostileServer } from "../helpers/hostile-server.js";

let server: HostileServer | undefined;
let transport: HttpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  server = undefined;
  transport = undefined;
});

async function pusherFor(behaviour: Parameters<typeof createHostileServer>[0]) {
  server = await createHostileServer(behaviour);
  transport = createHttpTransport();
  const logger = memoryLogger();
  const counters = zeroRemoteWriteCounters();
  const pusher = createPusher({ url: `${server.url}/api/prom/push`, transport, logger, counters });
  return { pusher, logger, server, counters };
}

const BODY = Uint8Array.of(1, 2, 3);

describe("remote write against Retry-After: 999999", () => {
  it("gives up at the deadline and says the server asked to wait, for the refused push and the next", async () => {
    const { pusher, logger, server, counters } = await pusherFor({ kind: "retry-after", seconds: 999_999 });
    const first = await pusher.push(BODY, { samples: 3, deadlineMs: performance.now() + 1000 });
    const second = await pusher.push(BODY, { samples: 4, deadlineMs: performance.now() + 1000 });
    expect(first.ok).toBe(false);
    expect(second.ok).toBe(false);
    const errors = logger.lines.filter((l) => l.level !== "info").map((l) => l.message);
    expect(errors.join("\n")).toContain("server asked to wait 999999 s; giving up at the deadline");
    expect(errors.join("\n")).not.toMatch(/within 1 ms/);
    expect(second.error?.message).toContain("server asked to wait 999999 s; giving up at the deadline");
    // The second push knew it could not be sent before its deadline: no pointless attempt.
    expect(server.requests).toHaveLength(1);
    expect(counters).toMatchObject({ requests: 1, throttled: 1 });
  });
});

describe("remote write against oversized answers", () => {
  it("a 400 with a 100 MB page is still a refusal of the data, not retried", async () => {
    const { pusher, server } = await pusherFor({ kind: "huge", status: 400, bytes: 100 * 1000 * 1000 });
    const result = await pusher.push(BODY, { samples: 2, deadlineMs: performance.now() + 5000 });
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(result.error).toMatchObject({ retryable: false });
    expect(result.error?.message).toContain("response too large");
    expect(server.requests).toHaveLength(1);
  });

  it("a 2xx with an endless body counts as accepted", async () => {
    const { pusher } = await pusherFor({ kind: "endless", status: 200 });
    const result = await pusher.push(BODY, { samples: 2, deadlineMs: performance.now() + 5000 });
    expect(result).toMatchObject({ ok: true, status: 200 });
  });
});
