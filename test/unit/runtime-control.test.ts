/**
 * The local control channel: answers only requests that carry the daemon's nonce, proves who answered (PID
 * and nonce), refuses oversized and malformed lines, and says in words when the endpoint is missing, stale
 * (a socket file left by a killed daemon) or silent.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ControlChannelError,
  controlEndpoint,
  MAX_CONTROL_LINE_BYTES,
  openControlServer,
  sendControl,
  type ControlRequest,
} from "../../src/runtime/control.js";

const NONCE = "3f1c9a52-8d7e-4b1a-9c3e-2a5b6d7e8f90";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh endpoint per test, so tests never share a socket file. */
function freshEndpoint(): string {
  return controlEndpoint(`${NONCE}-${Math.random()}`);
}

async function daemonSide(endpoint = freshEndpoint()) {
  const seen: ControlRequest[] = [];
  const server = await openControlServer({
    endpoint,
    nonce: NONCE,
    handle: (request) => {
      seen.push(request);
      return { phase: "ready" };
    },
  });
  cleanups.push(() => server.close());
  return { server, seen };
}

/** Writes raw bytes and collects what comes back until the daemon closes the connection. */
function raw(endpoint: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(endpoint);
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (received += c));
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
    socket.on("connect", () => socket.write(data));
  });
}

const errorOf = (p: Promise<unknown>) =>
  p.then(() => undefined).catch((e: unknown) => e as ControlChannelError);

describe("control channel", () => {
  it("answers a ping with the right nonce, with its PID and nonce", async () => {
    const { server, seen } = await daemonSide();
    const answer = await sendControl(server.endpoint, { type: "ping", nonce: NONCE });
    expect(answer).toMatchObject({
      ok: true,
      type: "ping",
      pid: process.pid,
      nonce: NONCE,
      detail: { phase: "ready" },
    });
    expect(seen).toEqual([{ type: "ping", nonce: NONCE }]);
  });

  it("passes a stop request on to the daemon", async () => {
    const { server, seen } = await daemonSide();
    await sendControl(server.endpoint, { type: "stop", nonce: NONCE, reason: "post" });
    expect(seen).toEqual([{ type: "stop", nonce: NONCE, reason: "post" }]);
  });

  it("refuses a wrong nonce without acting on it or revealing the right one", async () => {
    const { server, seen } = await daemonSide();
    const err = await errorOf(sendControl(server.endpoint, { type: "stop", nonce: "guess" }));
    expect(err).toBeInstanceOf(ControlChannelError);
    expect(err?.kind).toBe("refused");
    expect(err?.message).toContain("wrong nonce");
    expect(seen).toEqual([]);
    const answer = await raw(server.endpoint, `${JSON.stringify({ type: "stop", nonce: "guess" })}\n`);
    expect(answer).toContain(`"pid":${process.pid}`);
    expect(answer).not.toContain(NONCE);
    expect(seen).toEqual([]);
  });

  it("refuses an oversized line and closes the connection", async () => {
    const { server, seen } = await daemonSide();
    const huge = JSON.stringify({ type: "stop", nonce: NONCE, pad: "x".repeat(MAX_CONTROL_LINE_BYTES) });
    const answer = await raw(server.endpoint, `${huge}\n`);
    expect(JSON.parse(answer)).toMatchObject({
      ok: false,
      error: `request line too long (over ${MAX_CONTROL_LINE_BYTES} bytes)`,
    });
    // The same without a line break: it stops reading at the cap rather than buffering forever.
    const endless = await raw(server.endpoint, "x".repeat(MAX_CONTROL_LINE_BYTES * 2));
    expect(endless).toContain("request line too long");
    expect(seen).toEqual([]);
  });

  it("refuses a line that is not a request", async () => {
    const { server, seen } = await daemonSide();
    expect(await raw(server.endpoint, "hello\n")).toContain("not a control request");
    expect(
      await raw(server.endpoint, `${JSON.stringify({ type: "format-disk", nonce: NONCE })}\n`),
    ).toContain("not a control request");
    expect(seen).toEqual([]);
  });

  it("says so when no daemon ever opened the endpoint", async () => {
    const err = await errorOf(sendControl(freshEndpoint(), { type: "ping", nonce: NONCE }));
    expect(err?.kind).toBe("absent");
    expect(err?.message).toContain("no control channel at");
  });

  it("gives up on a process that accepts and never answers", async () => {
    const endpoint = freshEndpoint();
    const accepted: Socket[] = [];
    const silent: Server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(endpoint, resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of accepted) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const err = await errorOf(sendControl(endpoint, { type: "ping", nonce: NONCE }, { timeoutMs: 200 }));
    expect(err?.kind).toBe("timeout");
    expect(err?.message).toContain("within 200 ms");
  });

  it("a stale socket left by a killed daemon is a clear error, and a new daemon replaces it", async () => {
    const endpoint = freshEndpoint();
    // A process that opens the endpoint and is SIGKILLed: nothing removes its socket file.
    const child = spawn(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(endpoint)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    await new Promise((resolve) => child.on("exit", resolve));
    cleanups.push(() => rmSync(endpoint, { force: true }));
    expect(existsSync(endpoint)).toBe(true);

    const err = await errorOf(sendControl(endpoint, { type: "ping", nonce: NONCE }));
    expect(err?.kind).toBe("stale");
    expect(err?.message).toContain(`stale control socket ${endpoint}`);
    expect(err?.message).toContain("no process listens on it");

    const { server } = await daemonSide(endpoint);
    expect(await sendControl(server.endpoint, { type: "ping", nonce: NONCE })).toMatchObject({ ok: true });
    await server.close();
    expect(existsSync(endpoint)).toBe(false);
  });

  it("will not take over an endpoint a live process listens on", async () => {
    const { server } = await daemonSide();
    await expect(
      openControlServer({ endpoint: server.endpoint, nonce: "other", handle: () => ({}) }),
    ).rejects.toThrow(/another process already listens/);
    expect(await sendControl(server.endpoint, { type: "ping", nonce: NONCE })).toMatchObject({ ok: true });
  });
});

describe("controlEndpoint", () => {
  it("is a short socket path named from a digest of the nonce, or a named pipe on Windows", () => {
    const unix = controlEndpoint(NONCE, "linux", "/tmp");
    expect(unix).toMatch(/^\/tmp\/fm-fleet-[0-9a-f]{16}\.sock$/);
    expect(unix).not.toContain(NONCE);
    expect(controlEndpoint(NONCE, "linux", "/tmp")).toBe(unix);
    expect(controlEndpoint("other", "linux", "/tmp")).not.toBe(unix);
    expect(controlEndpoint(NONCE, "win32")).toMatch(/^\\\\\.\\pipe\\fm-fleet-[0-9a-f]{16}$/);
  });

  it("falls back to /tmp when the temp folder's path would pass the socket path limit", () => {
    const long = `/var/folders/${"x".repeat(120)}/T`;
    const path = controlEndpoint(NONCE, "darwin", long);
    expect(path.startsWith("/tmp/")).toBe(true);
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(100);
    const dir = mkdtempSync(join(tmpdir(), "fm-ctl-"));
    expect(controlEndpoint(NONCE, "linux", dir).startsWith(dir)).toBe(true);
  });
});
