/**
 * What collectors received from FM, and how it compares with the expectations, as text for a terminal
 * (`fm-fleet pipelines`) and a step log (the action's main), and as the JSON both print. Pure.
 */
import { NO_ANSWER, type PipelineCheck, type ReceivedPipelines } from "../fleet/pipeline-check.js";
import { alignColumns } from "./plan.js";

/** Collector ID → the pipeline names it received (none until it was answered), in roster order. */
export function pipelinesById(
  ids: readonly string[],
  received: Readonly<Record<string, ReceivedPipelines>>,
): Record<string, string[]> {
  return Object.fromEntries(ids.map((id) => [id, [...(received[id]?.pipelines ?? [])]]));
}

/** How one collector's config went, in a word or a line: APPLIED, FAILED with the parser's message, or no answer. */
export function describeReceived(received: ReceivedPipelines | undefined): string {
  if (!received) return NO_ANSWER;
  return received.status === "FAILED" ? `FAILED ${received.error ?? ""}`.trimEnd() : "APPLIED";
}

/** One row per collector: its ID, the pipelines it received, and its status (the error when FAILED). */
export function formatReceivedTable(
  ids: readonly string[],
  received: Readonly<Record<string, ReceivedPipelines>>,
): string[] {
  return alignColumns(
    [
      ["COLLECTOR", "PIPELINES", "STATUS"],
      ...ids.map((id) => {
        const r = received[id];
        return [id, r && r.pipelines.length > 0 ? r.pipelines.join(", ") : "-", describeReceived(r)];
      }),
    ],
    [false, false, false],
  );
}

/** The collectors that do not receive what they should: what is missing, what is extra, and why. */
export function formatMismatchTable(check: PipelineCheck): string[] {
  const list = (names: readonly string[]) => (names.length > 0 ? names.join(", ") : "-");
  return alignColumns(
    [
      ["COLLECTOR", "MISSING", "UNEXPECTED", "ERROR"],
      ...check.mismatches.map((c) => [c.id, list(c.missing), list(c.unexpected), c.error ?? "-"]),
    ],
    [false, false, false, false],
  );
}

/** One sentence on the outcome: "19 collectors receive what expect.yaml expects" or how many do not. */
export function checkVerdict(check: PipelineCheck, source: string): string {
  const total = check.collectors.length;
  const noun = total === 1 ? "collector" : "collectors";
  if (check.ok) return `all ${total} ${noun} receive exactly what ${source} expects`;
  return `${check.mismatches.length} of ${total} ${noun} do not receive what ${source} expects`;
}
