/**
 * The local control channel of the background process: a Unix domain socket on Linux and macOS, a named
 * pipe on Windows (both are what `net.Server.listen(path)` opens; Node docs, "Identifying paths for IPC
 * connections"). Unlike the stop file it works on a full or read-only disk, and unlike a signal it works
 * on Windows and answers: every answer carries the daemon's PID and nonce, so the caller learns that the
 * process it asked is alive and is the one it started.
 *
 * Protocol: one JSON object per line each way. Every request carries the nonce the daemon was started with;
 * a request with another nonce, an unreadable line or a line over MAX_CONTROL_LINE_BYTES is refused and
 * the connection closed. Requests are a union on `type` so new ones can be added without touching the
 * transport.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { posix } from "node:path";
import { z } from "zod";

/** A request or answer line longer than this is refused: they are a few hundred bytes. */
export const MAX_CONTROL_LINE_BYTES = 64 * 1024;
/** How long a caller waits for an answer, and how long the daemon keeps a silent connection open. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 3000;

export const controlRequestSchema = z.discriminatedUnion("type", [
  /** Are you alive, and who are you? */
  z.object({ type: z.literal("ping"), nonce: z.string() }),
  /** Stop gracefully: unregister, close series, exit. */
  z.object({ type: z.literal("stop"), nonce: z.string(), reason: z.string().max(200).optional() }),
]);
export type ControlRequest = z.infer<typeof controlRequestSchema>;

export const controlAnswerSchema = z.union([
  z.object({
    ok: z.literal(true),
    type: z.string(),
    pid: z.number().int(),
    nonce: z.string(),
    /** What the request reports back, e.g. the daemon's phase. */
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
  // A refusal carries the PID but never the nonce: whoever did not know it must not learn it.
  z.object({ ok: z.literal(false), pid: z.number().int(), error: z.string() }),
]);
export type ControlAnswer = z.infer<typeof controlAnswerSchema>;

/** What the daemon does for each request; the result becomes the answer's `detail`. */
export type ControlHandler = (
  request: ControlRequest,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * The endpoint for a daemon started with `nonce`. Named from a digest of the nonce, not the nonce itself:
 * the socket's name is visible to every local user, the nonce is the daemon's proof of identity. A Unix
 * socket path holds at most 104 bytes on macOS (108 on Linux; unix(4), unix(7)), so a long TMPDIR falls
 * back to /tmp.
 */
export function controlEndpoint(
  nonce: string,
  platform: NodeJS.Platform = process.platform,
  tmp = tmpdir(),
): string {
  const id = createHash("sha256").update(nonce).digest("hex").slice(0, 16);
  if (platform === "win32") return `\\\\.\\pipe\\fm-fleet-${id}`;
  const name = `fm-fleet-${id}.sock`;
  const preferred = posix.join(tmp, name);
  return Buffer.byteLength(preferred) <= 100 ? preferred : posix.join("/tmp", name);
}

/**
 * Removes the socket file of a daemon known to be gone (SIGKILL leaves it behind). Named pipes vanish with
 * their process on Windows, so there is nothing to remove there.
 */
export function removeControlEndpoint(endpoint: string, platform: NodeJS.Platform = process.platform): void {
  if (platform !== "win32") rmSync(endpoint, { force: true });
}

export type ControlErrorKind = "absent" | "stale" | "timeout" | "refused" | "protocol";

export class ControlChannelError extends Error {
  override readonly name = "ControlChannelError";
  constructor(
    readonly kind: ControlErrorKind,
    readonly endpoint: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ControlServer {
  readonly endpoint: string;
  /** Stops listening and removes the socket file. */
  close(): Promise<void>;
}

/**
 * Listens on `endpoint` for requests carrying `nonce`. A socket file left by a dead daemon (nothing
 * listens on it) is replaced; one a live process listens on is not.
 */
export async function openControlServer(options: {
  endpoint: string;
  nonce: string;
  handle: ControlHandler;
  pid?: number;
  idleTimeoutMs?: number;
}): Promise<ControlServer> {
  const { endpoint } = options;
  const pid = options.pid ?? process.pid;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveConnection(socket, { nonce: options.nonce, pid, handle: options.handle, idleTimeoutMs });
  });

  try {
    await listen(server, endpoint);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || process.platform === "win32") throw err;
    if (await answersOnEndpoint(endpoint))
      throw new ControlChannelError("refused", endpoint, `another process already listens on ${endpoint}`);
    rmSync(endpoint, { force: true });
    await listen(server, endpoint);
  }
  // Only the user who started the daemon may connect (Linux and macOS check write permission on connect).
  if (process.platform !== "win32") chmodSync(endpoint, 0o600);

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }).then(() => removeControlEndpoint(endpoint));
      return closing;
    },
  };
}

function listen(server: Server, endpoint: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(endpoint, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Whether a live process accepts connections on `endpoint`. */
function answersOnEndpoint(endpoint: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection(endpoint);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function sameNonce(a: string, b: string): boolean {
  // Compared as digests in constant time, so timing says nothing about how much of a guess was right.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function serveConnection(
  socket: Socket,
  options: { nonce: string; pid: number; handle: ControlHandler; idleTimeoutMs: number },
): void {
  const { pid } = options;
  socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
  socket.on("error", () => undefined);
  const send = (answer: ControlAnswer) => {
    if (!socket.destroyed && !socket.writableEnded) socket.write(`${JSON.stringify(answer)}\n`);
  };
  // After a refusal the connection is done: later lines are ignored, and the caller sees it close.
  let done = false;
  const refuse = (error: string) => {
    done = true;
    send({ ok: false, pid, error });
    socket.end();
  };

  const onLine = async (line: string) => {
    if (done) return;
    let request: ControlRequest;
    try {
      const parsed = controlRequestSchema.safeParse(JSON.parse(line));
      if (!parsed.success)
        return refuse(`not a control request: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      request = parsed.data;
    } catch {
      return refuse("not a control request: the line is not JSON");
    }
    if (!sameNonce(request.nonce, options.nonce))
      return refuse("wrong nonce: this is not the fleet you started");
    try {
      const detail = await options.handle(request);
      send({ ok: true, type: request.type, pid, nonce: options.nonce, detail });
    } catch (err) {
      send({ ok: false, pid, error: err instanceof Error ? err.message : String(err) });
    }
  };

  let buffered = "";
  // One request at a time per connection, answered in order.
  let queue = Promise.resolve();
  const tooLong = () => {
    buffered = "";
    queue = queue.then(() => refuse(`request line too long (over ${MAX_CONTROL_LINE_BYTES} bytes)`));
  };
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    if (done) return;
    buffered += chunk;
    for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      if (Buffer.byteLength(line) > MAX_CONTROL_LINE_BYTES) return tooLong();
      queue = queue.then(() => onLine(line));
    }
    if (Buffer.byteLength(buffered) > MAX_CONTROL_LINE_BYTES) tooLong();
  });
}

/**
 * Sends one request and waits for its answer. Resolves only with an answer of the daemon started with
 * `request.nonce`; anything else rejects with a ControlChannelError that says what happened in words.
 */
export function sendControl(
  endpoint: string,
  request: ControlRequest,
  options: { timeoutMs?: number } = {},
): Promise<ControlAnswer & { ok: true }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = createConnection(endpoint);
    let buffered = "";
    let settled = false;
    const settle = (run: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      run();
    };
    const fail = (kind: ControlErrorKind, message: string) =>
      settle(() => reject(new ControlChannelError(kind, endpoint, message)));
    const timer = setTimeout(
      () => fail("timeout", `no answer on the control channel ${endpoint} within ${timeoutMs} ms`),
      timeoutMs,
    );

    socket.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT")
        fail(
          "absent",
          `no control channel at ${endpoint}: the background process never opened it or has closed it`,
        );
      else if (err.code === "ECONNREFUSED")
        fail(
          "stale",
          `stale control socket ${endpoint}: the file is there but no process listens on it (the background process that made it is gone)`,
        );
      else fail("protocol", `control channel ${endpoint}: ${err.message}`);
    });
    socket.once("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      const at = buffered.indexOf("\n");
      if (at < 0) {
        if (Buffer.byteLength(buffered) > MAX_CONTROL_LINE_BYTES)
          fail("protocol", `control channel ${endpoint}: answer over ${MAX_CONTROL_LINE_BYTES} bytes`);
        return;
      }
      let answer: ControlAnswer;
      try {
        const parsed = controlAnswerSchema.safeParse(JSON.parse(buffered.slice(0, at)));
        if (!parsed.success) return fail("protocol", `control channel ${endpoint}: not a control answer`);
        answer = parsed.data;
      } catch {
        return fail("protocol", `control channel ${endpoint}: the answer is not JSON`);
      }
      if (!answer.ok)
        return fail(
          "refused",
          `the process on ${endpoint} (PID ${answer.pid}) refused the request: ${answer.error}`,
        );
      if (!sameNonce(answer.nonce, request.nonce))
        return fail(
          "refused",
          `the process on ${endpoint} (PID ${answer.pid}) is not the fleet started with this nonce`,
        );
      const ok = answer;
      settle(() => resolve(ok));
    });
    socket.once("end", () =>
      fail("protocol", `control channel ${endpoint}: the connection closed without an answer`),
    );
  });
}
