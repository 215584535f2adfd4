/**
 * Makes every outbound connection attempt fail loudly, and records it, while a test runs:
 * README.md#blueprints, #what-happens-when say inputs and blueprints are validated before anything touches
 * the network. Sockets (net, tls, http, undici all end in `net.Socket.prototype.connect`) and the global
 * fetch are covered.
 */
import net from "node:net";

export interface ConnectionAttempt {
  readonly via: "net.Socket.connect" | "fetch";
  /** Where to, as the caller put it. */
  readonly target: string;
}

export interface NetworkGuard {
  readonly attempts: readonly ConnectionAttempt[];
  /** Puts the real connect and fetch back. Safe to call twice. */
  restore(): void;
}

export class NetworkBlockedError extends Error {
  override readonly name = "NetworkBlockedError";
}

function describeTarget(args: unknown[]): string {
  // net.connect() passes its arguments on already normalised: [[options, callback]].
  const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (typeof first === "object" && first !== null) {
    const { host, port, path } = first as { host?: string; port?: number; path?: string };
    return path ?? `${host ?? "localhost"}:${port ?? "?"}`;
  }
  return typeof second === "string" ? `${second}:${String(first)}` : String(first);
}

export function blockNetwork(): NetworkGuard {
  const attempts: ConnectionAttempt[] = [];
  // Descriptors, not method references: the originals are put back, never called from here.
  const realConnect = Object.getOwnPropertyDescriptor(net.Socket.prototype, "connect")!;
  const realFetch = Object.getOwnPropertyDescriptor(globalThis, "fetch")!;

  Object.defineProperty(net.Socket.prototype, "connect", {
    ...realConnect,
    value: function blockedConnect(...args: unknown[]): never {
      const target = describeTarget(args);
      attempts.push({ via: "net.Socket.connect", target });
      throw new NetworkBlockedError(`network blocked by the test: connect to ${target}`);
    },
  });
  Object.defineProperty(globalThis, "fetch", {
    ...realFetch,
    value: (input: string | URL | Request): Promise<Response> => {
      const target = input instanceof Request ? input.url : String(input);
      attempts.push({ via: "fetch", target });
      return Promise.reject(new NetworkBlockedError(`network blocked by the test: fetch ${target}`));
    },
  });

  let restored = false;
  return {
    attempts,
    restore() {
      if (restored) return;
      restored = true;
      Object.defineProperty(net.Socket.prototype, "connect", realConnect);
      Object.defineProperty(globalThis, "fetch", realFetch);
    },
  };
}
