/**
 * A small stand-in for Alertmanager's v2 alerts API on 127.0.0.1, for integration tests that need faults the
 * real one cannot be told to make (test/helpers/alertmanager.ts runs the real one for e2e). It keeps what the
 * real store keeps for these tests: per label set, the last alert posted, so the last post's endsAt wins
 * (prometheus/alertmanager api/v2/openapi.yaml). `GET /api/v2/alerts` lists the active ones as the real API
 * does (endsAt still ahead).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { PostableAlert } from "../../src/alerts/alert.js";

export interface FakeAlertmanager {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every accepted post, in arrival order, with its Authorization header. */
  readonly posts: readonly { alerts: PostableAlert[]; authorization?: string }[];
  /** Alerts whose endsAt is after `atMs` (default: now), by collector_id and severity, sorted. */
  active(atMs?: number): { id: string; severity: string }[];
  /** Answer every post with this status (e.g. 503) until set back to undefined. */
  failWith(status: number | undefined): void;
  /** Requests answered with an error status. */
  readonly refused: () => number;
  close(): Promise<void>;
}

export async function startFakeAlertmanager(): Promise<FakeAlertmanager> {
  const store = new Map<string, PostableAlert>();
  const posts: { alerts: PostableAlert[]; authorization?: string }[] = [];
  let failing: number | undefined;
  let refused = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url !== "/api/v2/alerts") {
        res.writeHead(404).end();
        return;
      }
      if (req.method === "GET") {
        const now = Date.now();
        const active = [...store.values()].filter((a) => Date.parse(a.endsAt) > now);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(active));
        return;
      }
      if (failing !== undefined) {
        refused++;
        res.writeHead(failing).end("failing on purpose");
        return;
      }
      const alerts = JSON.parse(body) as PostableAlert[];
      posts.push({
        alerts,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      for (const alert of alerts) store.set(JSON.stringify(Object.entries(alert.labels).sort()), alert);
      res.writeHead(200).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    active(atMs = Date.now()) {
      return [...store.values()]
        .filter((a) => Date.parse(a.endsAt) > atMs)
        .map((a) => ({ id: a.labels.collector_id ?? "", severity: a.labels.severity ?? "" }))
        .sort((a, b) => a.id.localeCompare(b.id) || a.severity.localeCompare(b.severity));
    },
    failWith(status) {
      failing = status;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
