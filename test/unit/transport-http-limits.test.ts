/**
 * The transport against servers that do not play fair: every body is read under a byte cap, and the
 * per-call timeout covers the body as well as the headers, so no answer can take the process's memory or
 * hold a call forever.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createHttpTransport,
  DEFAULT_MAX_BODY_BYTES,
  ResponseTooLargeError,
} from "../../src/transport/http.js";
import type { HttpTransport } from "../../src/transport/types.js";
import { createHostileServer, type HostileServer } from "../helpers/hostile-server.js";

const MiB = 1024 * 1024;
/** Generous: the cap is 1 MiB; reading an endless body whole grows by gigabytes. */
const RSS_BOUND = 100 * MiB;

let server: HostileServer | undefined;
let transport: HttpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  server = undefined;
  transport = undefined;
});

const errorOf = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as Error);

describe("response body caps", () => {
  it("stops reading an endless body at 1 MiB and says so; memory stays bounded", async () => {
    server = await createHostileServer({ kind: "endless" });
    transport = createHttpTransport();
    const before = process.memoryUsage().rss;
    const err = await errorOf(
      transport.request({
        url: `${server.url}/collector.v1.CollectorService/GetConfig`,
        method: "POST",
        headers: {},
        timeoutMs: 3000,
      }),
    );
    const grown = process.memoryUsage().rss - before;
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err?.message).toContain(`response too large (over ${DEFAULT_MAX_BODY_BYTES} bytes)`);
    expect(err?.message).toContain(`${server.url}/collector.v1.CollectorService/GetConfig`);
    expect(DEFAULT_MAX_BODY_BYTES).toBe(MiB);
    expect(grown).toBeLessThan(RSS_BOUND);
  });

  it("refuses a 100 MB 503 page without reading it, and keeps the status for the caller", async () => {
    server = await createHostileServer({ kind: "huge", status: 503, bytes: 100 * 1000 * 1000 });
    transport = createHttpTransport();
    const before = process.memoryUsage().rss;
    const err = await errorOf(
      transport.request({ url: server.url, method: "POST", headers: {}, timeoutMs: 5000 }),
    );
    const grown = process.memoryUsage().rss - before;
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as ResponseTooLargeError).status).toBe(503);
    expect(grown).toBeLessThan(RSS_BOUND);
    // It stopped early: the server got to write a small part of the 100 MB before the connection closed.
    expect(server.bytesSent()).toBeLessThan(50 * 1000 * 1000);
  });

  it("refuses at the headers a body whose Content-Length is over the cap", async () => {
    server = await createHostileServer({ kind: "huge", status: 200, bytes: 100 * MiB, declareLength: true });
    transport = createHttpTransport();
    const err = await errorOf(transport.request({ url: server.url, method: "POST", headers: {} }));
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err?.message).toContain(`over ${MiB} bytes`);
  });

  it("takes a per-request cap: a larger one lets a larger body through, whole", async () => {
    server = await createHostileServer({ kind: "huge", status: 200, bytes: 3 * MiB });
    transport = createHttpTransport();
    const res = await transport.request({
      url: server.url,
      method: "POST",
      headers: {},
      maxBodyBytes: 4 * MiB,
    });
    expect(res.body.length).toBe(3 * MiB);
    const err = await errorOf(
      transport.request({ url: server.url, method: "POST", headers: {}, maxBodyBytes: 2 * MiB }),
    );
    expect(err?.message).toContain(`response too large (over ${2 * MiB} bytes)`);
  });

  it("lets a body of exactly the cap through", async () => {
    server = await createHostileServer({ kind: "huge", status: 200, bytes: 1000 });
    transport = createHttpTransport();
    const res = await transport.request({ url: server.url, method: "POST", headers: {}, maxBodyBytes: 1000 });
    expect(res.body.length).toBe(1000);
  });
});

describe("timeouts cover the whole answer", () => {
  it("gives up on a body that trickles a byte at a time", async () => {
    server = await createHostileServer({ kind: "trickle", everyMs: 50, bytes: 10_000 });
    transport = createHttpTransport();
    const err = await errorOf(
      transport.request({ url: `${server.url}/w`, method: "POST", headers: {}, timeoutMs: 400 }),
    );
    expect(err?.name).toBe("TimeoutError");
    expect(err?.message).toContain(`${server.url}/w within 400 ms`);
  });

  it("gives up on a server that hangs for 30 s", async () => {
    server = await createHostileServer({ kind: "hang", ms: 30_000 });
    transport = createHttpTransport();
    const err = await errorOf(
      transport.request({ url: server.url, method: "POST", headers: {}, timeoutMs: 300 }),
    );
    expect(err?.name).toBe("TimeoutError");
  });
});
