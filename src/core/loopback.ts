/**
 * Loopback hosts: where plain http:// may carry credentials (they never leave the machine), and where the
 * emulator's inspection endpoint answers.
 */
import { isIP } from "node:net";

/** localhost, 127.0.0.0/8 and ::1. `hostname` is as URL gives it: IPv6 in brackets. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}
