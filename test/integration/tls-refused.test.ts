/**
 * A TLS handshake that fails sends no request: a push through the real HTTP transport to a server whose
 * certificate is refused, or to a plain-HTTP port named by an https:// URL, reports that nothing can have
 * been stored (no stale marker owed for it at cleanup) and the server indeed saw no request.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPusher } from "../../src/remote-write/push.js";
import { createHttpTransport } from "../../src/transport/http.js";
import type { HttpTransport } from "../../src/transport/types.js";
import { ROOT } from "../helpers/runner.js";

const TLS = join(ROOT, "test", "fixtures", "tls");

describe("a push whose TLS handshake fails", () => {
  let server: Server | undefined;
  let transport: HttpTransport | undefined;
  let requests = 0;
  afterEach(async () => {
    await transport?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = transport = undefined;
    requests = 0;
  });

  async function listen(s: Server): Promise<number> {
    server = s;
    s.on("request", (req, res) => {
      requests++;
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return (s.address() as AddressInfo).port;
  }

  async function push(port: number) {
    transport = createHttpTransport();
    const pusher = createPusher({
      url: `https://127.0.0.1:${port}/api/prom/push`,
      user: "1",
      token: "t",
      transport,
      policy: { maxAttempts: 2, baseMs: 1, capMs: 1 },
    });
    return pusher.push(Uint8Array.of(1, 2, 3), { samples: 3 });
  }

  it("to a certificate nobody vouches for: not stored, and said so", async () => {
    const port = await listen(
      createHttpsServer({
        key: readFileSync(join(TLS, "key.pem")),
        cert: readFileSync(join(TLS, "cert.pem")),
      }),
    );
    const result = await push(port);
    expect(result).toMatchObject({ ok: false, maybeDelivered: false });
    expect(String(result.error?.message)).toMatch(/self-signed certificate/);
    expect(requests).toBe(0);
  });

  it("to a port that does not speak TLS: not stored, and said so", async () => {
    const port = await listen(createHttpServer());
    const result = await push(port);
    expect(result).toMatchObject({ ok: false, maybeDelivered: false });
    expect(requests).toBe(0);
  });
});
