/** Collector ID rules (README.md#blueprints). */
import type { Os } from "../blueprint/os.js";

/** FM's limit on collector IDs. */
export const MAX_ID_LENGTH = 128;
const ID_CHARS = /^[a-z0-9.-]+$/;

export function isValidCollectorId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && ID_CHARS.test(id);
}

/** `NN`: 1-based, zero-padded to two digits, or to as many as the group's size needs (100 → 001..100). */
export function sequenceNumber(index: number, groupSize: number): string {
  const width = Math.max(2, String(groupSize).length);
  return String(index + 1).padStart(width, "0");
}

/** `<blueprint>-<env>-<os>-<NN>`, e.g. `fleet-management-prod-linux-01`. */
export function standaloneId(blueprint: string, env: string, os: Os, sequence: string): string {
  return `${blueprint}-${env}-${os}-${sequence}`;
}
