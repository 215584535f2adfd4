/**
 * Warnings that could repeat for every collector (10,000 failed heartbeats when FM has an outage) are
 * written at most once a minute per kind, with a count of the ones held back; the rest go to debug.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";

export function createWarnThrottle(
  logger: Logger,
  clock: Clock,
  everyMs = 60_000,
): (kind: string, message: string) => void {
  const last = new Map<string, { at: number; held: number }>();
  return (kind, message) => {
    const now = clock.monotonic();
    const seen = last.get(kind);
    if (seen && now - seen.at < everyMs) {
      seen.held++;
      logger.debug(message);
      return;
    }
    const held = seen?.held ?? 0;
    last.set(kind, { at: now, held: 0 });
    logger.warn(held > 0 ? `${message} (and ${held} similar in the last minute)` : message);
  };
}
