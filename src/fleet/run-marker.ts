/**
 * The run marker: the local attribute `fake.run`, a value unique to one start of a fleet. Collector IDs are
 * deterministic, so two runs of the same blueprint and env share them; the marker tells FM's records apart,
 * so cleanup touches only the collectors its own start registered (`ListCollectors` with
 * `fake.run="<marker>"`, docs/fm-protocol.md#management-api) and a leftover names the run that left it.
 *
 * Inside GitHub Actions the marker is `<run_id>-<run_attempt>-<8 hex>`, so it reads back as the run that
 * made it; elsewhere `local-<8 hex>`. Pure: the random part is the caller's.
 */
import type { Collector } from "./types.js";

export const RUN_MARKER_ATTRIBUTE = "fake.run";

/** What the marker is made of: the run's IDs inside GitHub Actions, and 8 random hex digits. */
export interface RunMarkerParts {
  /** GITHUB_RUN_ID, when inside GitHub Actions. */
  readonly runId?: string;
  /** GITHUB_RUN_ATTEMPT; "1" when the runner did not set it. */
  readonly runAttempt?: string;
  /** 8 lowercase hex digits. */
  readonly random: string;
}

const HEX8 = /^[0-9a-f]{8}$/;
const DIGITS = /^\d+$/;
const MARKER = /^(?:\d+-\d+|local)-[0-9a-f]{8}$/;

export function formatRunMarker(parts: RunMarkerParts): string {
  if (!HEX8.test(parts.random))
    throw new RangeError(`expected 8 hex digits, found ${JSON.stringify(parts.random)}`);
  if (parts.runId === undefined || !DIGITS.test(parts.runId)) return `local-${parts.random}`;
  const attempt = parts.runAttempt !== undefined && DIGITS.test(parts.runAttempt) ? parts.runAttempt : "1";
  return `${parts.runId}-${attempt}-${parts.random}`;
}

/** The marker from the runner's default variables (docs.github.com, "Default environment variables"). */
export function runMarkerFromEnv(env: NodeJS.ProcessEnv, random: string): string {
  const inActions = env.GITHUB_ACTIONS === "true";
  return formatRunMarker({
    ...(inActions && env.GITHUB_RUN_ID ? { runId: env.GITHUB_RUN_ID } : {}),
    ...(inActions && env.GITHUB_RUN_ATTEMPT ? { runAttempt: env.GITHUB_RUN_ATTEMPT } : {}),
    random,
  });
}

export function isRunMarker(text: string): boolean {
  return MARKER.test(text);
}

/** The collector as this start registers it: its local attributes carry the marker. */
export function withRunMarker(collector: Collector, marker: string): Collector {
  if (collector.attributes[RUN_MARKER_ATTRIBUTE] === marker) return collector;
  return { ...collector, attributes: { ...collector.attributes, [RUN_MARKER_ATTRIBUTE]: marker } };
}

/** The matcher that lists exactly the collectors one start registered. */
export function runMarkerMatcher(marker: string): string {
  return `${RUN_MARKER_ATTRIBUTE}=${JSON.stringify(marker)}`;
}
