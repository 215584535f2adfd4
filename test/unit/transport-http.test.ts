import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpTransport } from "../../src/transport/http.js";
import type { HttpTransport } from "../../src/transport/types.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  socketPort: number;
}

let server: Server | undefined;
let transport: HttpTransport | undefined;

async function serve(
  handler: (seen: Seen, res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        socketPort: req.socket.remotePort ?? 0,
      };
      seen.push(s);
      handler(s, res, req);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

afterEach(async () => {
  await transport?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  transport = undefined;
});

describe("createHttpTransport", () => {
  it("sends method, headers and body, and resolves with any status", async () => {
    const { url, seen } = await serve((_s, res) => {
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "2" });
      res.end('{"code":"unavailable"}');
    });
    transport = createHttpTransport();
    const res = await transport.request({
      url: `${url}/a/b?x=1`,
      method: "POST",
      headers: { "content-type": "application/json", "x-test": "yes" },
      body: '{"id":"c1"}',
    });
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("2");
    expect(new TextDecoder().decode(res.body)).toBe('{"code":"unavailable"}');
    expect(seen[0]).toMatchObject({ method: "POST", url: "/a/b?x=1", body: '{"id":"c1"}' });
    expect(seen[0]!.headers["x-test"]).toBe("yes");
  });

  it("keeps connections alive between calls", async () => {
    const { url, seen } = await serve((_s, res) => res.end("ok"));
    transport = createHttpTransport({ connections: 1 });
    for (let i = 0; i < 3; i++) await transport.request({ url, method: "POST", headers: {}, body: "x" });
    expect(new Set(seen.map((s) => s.socketPort)).size).toBe(1);
  });

  it("rejects with a TimeoutError naming the target when no answer comes in time", async () => {
    const { url } = await serve(() => {
      /* never answers */
    });
    transport = createHttpTransport({ defaultTimeoutMs: 100 });
    const err = await transport
      .request({ url: `${url}/slow`, method: "POST", headers: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("TimeoutError");
    expect((err as Error).message).toContain(`${url}/slow within 100 ms`);
  });

  it("rejects when the server resets the connection", async () => {
    const { url } = await serve((_s, _res, req) => req.socket.destroy());
    transport = createHttpTransport();
    await expect(transport.request({ url, method: "POST", headers: {}, body: "x" })).rejects.toThrow(
      /no answer from/,
    );
  });

  it("rejects when the caller aborts", async () => {
    const { url } = await serve(() => {});
    transport = createHttpTransport();
    const controller = new AbortController();
    const pending = transport.request({ url, method: "POST", headers: {}, signal: controller.signal });
    controller.abort(new Error("shutting down"));
    await expect(pending).rejects.toThrow("shutting down");
  });

  it("closes twice without complaint", async () => {
    transport = createHttpTransport();
    await transport.close();
    await transport.close();
  });
});
