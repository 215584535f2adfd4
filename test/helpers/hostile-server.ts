/**
 * A loopback HTTP server that misbehaves on purpose, the way an attacker or a broken proxy in front of FM or
 * Mimir could: bodies that never end, huge error pages, bytes that trickle, answers that never come, absurd
 * Retry-After values, and GetConfig answers with an enormous `hash`. Listens on 127.0.0.1, port 0.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type HostileBehaviour =
  /** 200 (or `status`) and a body written as fast as the client reads it, forever. */
  | { readonly kind: "endless"; readonly status?: number }
  /** A body of `bytes` bytes, chunked (no Content-Length) unless `declareLength`. */
  | {
      readonly kind: "huge";
      readonly status: number;
      readonly bytes: number;
      readonly declareLength?: boolean;
    }
  /** Headers at once, then one byte every `everyMs`, `bytes` in all. */
  | { readonly kind: "trickle"; readonly status?: number; readonly everyMs: number; readonly bytes: number }
  /** Reads the request and answers nothing for `ms`, then closes the connection. */
  | { readonly kind: "hang"; readonly ms: number }
  /** `status` (default 429) with `Retry-After: <seconds>`. */
  | { readonly kind: "retry-after"; readonly seconds: number; readonly status?: number }
  /** A GetConfig answer whose `hash` is `hashLength` chars long. */
  | { readonly kind: "huge-hash"; readonly hashLength: number }
  /** A plain answer, to switch the server back to good behaviour. */
  | { readonly kind: "ok"; readonly status?: number; readonly json?: unknown };

export interface HostileServer {
  readonly url: string;
  /** What the server does from the next request on. */
  behave(behaviour: HostileBehaviour): void;
  /** Request bodies received, as text, in order. */
  readonly requests: string[];
  /** Bytes of response body written so far, all requests together. */
  bytesSent(): number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, "x");

export async function createHostileServer(initial: HostileBehaviour): Promise<HostileServer> {
  let behaviour = initial;
  const requests: string[] = [];
  let sent = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  /** Writes `total` bytes (Infinity: forever), waiting for `drain` so the server itself stays small. */
  const pump = (res: ServerResponse, total: number) => {
    let left = total;
    const write = () => {
      while (left > 0 && !res.destroyed) {
        const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= chunk.length;
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", write);
          return;
        }
      }
      if (left <= 0 && !res.destroyed) res.end();
    };
    write();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push(Buffer.concat(chunks).toString("utf8"));
      res.on("error", () => undefined);
      const b = behaviour;
      switch (b.kind) {
        case "endless":
          res.writeHead(b.status ?? 200, { "content-type": "application/json" });
          pump(res, Number.POSITIVE_INFINITY);
          return;
        case "huge":
          res.writeHead(b.status, {
            "content-type": "text/html",
            ...(b.declareLength ? { "content-length": String(b.bytes) } : {}),
          });
          pump(res, b.bytes);
          return;
        case "trickle": {
          res.writeHead(b.status ?? 200, { "content-type": "application/json" });
          let left = b.bytes;
          const drip = () => {
            if (res.destroyed) return;
            if (left-- <= 0) {
              res.end();
              return;
            }
            sent++;
            res.write(" ");
            later(b.everyMs, drip);
          };
          drip();
          return;
        }
        case "hang":
          later(b.ms, () => res.destroy());
          return;
        case "retry-after":
          res.writeHead(b.status ?? 429, { "retry-after": String(b.seconds), "content-type": "text/plain" });
          res.end("slow down");
          return;
        case "huge-hash": {
          const body = JSON.stringify({ content: "logging {}", hash: "f".repeat(b.hashLength) });
          sent += body.length;
          res.writeHead(200, { "content-type": "application/json" });
          res.end(body);
          return;
        }
        case "ok":
          res.writeHead(b.status ?? 200, { "content-type": "application/json" });
          res.end(JSON.stringify(b.json ?? {}));
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    behave(next) {
      behaviour = next;
    },
    requests,
    bytesSent: () => sent,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
