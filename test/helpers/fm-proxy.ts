/**
 * A loopback proxy in front of the FM emulator for the answers and timings the emulator cannot be asked
 * for: a stack whose token may not make management calls (403 permission_denied, as FM answers a token
 * without fleet-management:read), or another client acting between our list and our delete. Every request
 * goes to `intercept` first: it may answer itself, act and then forward, or forward as is.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxyAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface FmProxy {
  readonly url: string;
  /** Procedures seen, in order (e.g. "ListCollectors"), with the status the client got. */
  readonly seen: { procedure: string; status: number }[];
  close(): Promise<void>;
}

/** A Connect error the way FM sends it (connectrpc.com/docs/protocol, "Error end-stream"). */
export function connectError(code: string, status: number, message: string): ProxyAnswer {
  return { status, body: JSON.stringify({ code, message }), contentType: "application/json" };
}

export async function createFmProxy(
  target: string,
  intercept: (procedure: string, body: unknown) => Promise<ProxyAnswer | undefined> | ProxyAnswer | undefined,
): Promise<FmProxy> {
  const seen: { procedure: string; status: number }[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const procedure = (req.url ?? "").split("/").pop() ?? "";
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString("utf8"));
      } catch {
        parsed = undefined;
      }
      const own = await intercept(procedure, parsed);
      if (own) {
        seen.push({ procedure, status: own.status });
        res.writeHead(own.status, { "content-type": own.contentType ?? "text/plain" }).end(own.body);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      const answer = await fetch(`${target}${req.url ?? "/"}`, {
        method: req.method ?? "POST",
        headers,
        ...(req.method === "GET" ? {} : { body: raw }),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      seen.push({ procedure, status: answer.status });
      const out: Record<string, string> = {};
      answer.headers.forEach((value, key) => {
        if (key !== "content-length" && key !== "transfer-encoding" && key !== "connection") out[key] = value;
      });
      res.writeHead(answer.status, out).end(body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
