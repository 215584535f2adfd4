/** Durations as users write them in inputs and flags: `500ms`, `15s`, `2m`, `6h`, `1h30m`. */

/**
 * The longest duration any input or flag takes: 596 h, just under 2^31-1 ms, the longest wait a Node.js
 * timer can do (a longer setTimeout fires after 1 ms, so `interval: 1000h` would push non-stop).
 */
export const MAX_DURATION_MS = 596 * 3_600_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds, or undefined when the text is not a duration. A bare number is not accepted: units avoid 15 vs 15000 mix-ups. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(PART_RE)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000)
    return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000) ? `${Math.round((ms % 60_000) / 1000)}s` : ""}`;
  return `${Math.floor(ms / 3_600_000)}h${Math.round((ms % 3_600_000) / 60_000) ? `${Math.round((ms % 3_600_000) / 60_000)}m` : ""}`;
}
