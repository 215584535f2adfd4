/**
 * Main's last step when FM is on: what each collector received from FM goes to the output `pipelines` and
 * the log; with `expect-pipelines`, main first waits (within start-timeout) until every collector's first
 * GetConfig was answered, then fails the step with a table of the collectors that do not receive what they
 * should (or warns, with `expect-pipelines-fail: false`). The background process reports what collectors
 * received in its status file, the only channel it has to main.
 */
import * as core from "@actions/core";
import { systemClock, type Clock } from "../core/clock.js";
import { checkPipelines, type ReceivedPipelines } from "../fleet/pipeline-check.js";
import type { Collector } from "../fleet/types.js";
import {
  checkVerdict,
  formatMismatchTable,
  formatReceivedTable,
  pipelinesById,
} from "../runtime/pipelines-report.js";
import { readStatus, type Status } from "../runtime/status.js";
import type { Expectations } from "../settings/expectations.js";

export interface PipelinesStepOptions {
  statusPath: string;
  nonce: string;
  collectors: readonly Collector[];
  /** The status the fleet was ready with. */
  ready: Status;
  expectations?: Expectations;
  /** A mismatch fails the step (throws); false: a warning. */
  failOnMismatch: boolean;
  /** Monotonic time by which every first GetConfig must have been answered: the end of start-timeout. */
  deadlineMs: number;
  scrub: (text: string) => string;
  clock?: Clock;
  pollMs?: number;
}

const TITLE = "fm-action pipelines";

export async function reportReceivedPipelines(options: PipelinesStepOptions): Promise<void> {
  const ids = options.collectors.map((c) => c.id);
  const received = options.expectations ? await waitForAnswers(options, ids) : (options.ready.received ?? {});
  core.setOutput("pipelines", JSON.stringify(pipelinesById(ids, received)));
  core.startGroup(
    `Pipelines each collector received (${Object.keys(received).length} of ${ids.length} answered)`,
  );
  core.info(formatReceivedTable(ids, received).map(options.scrub).join("\n"));
  core.endGroup();

  if (!options.expectations) {
    const failed = ids.filter((id) => received[id]?.status === "FAILED");
    if (failed.length > 0)
      core.warning(
        options.scrub(
          `${failed.length} collectors could not load the config FM sent them: ` +
            failed.map((id) => `${id}: ${received[id]!.error ?? "FAILED"}`).join("; "),
        ),
        { title: TITLE },
      );
    return;
  }
  const check = checkPipelines(options.expectations, options.collectors, received);
  if (check.ok) {
    core.info(`${checkVerdict(check, "expect-pipelines")}.`);
    return;
  }
  const message = options.scrub(
    [`${checkVerdict(check, "expect-pipelines")}:`, ...formatMismatchTable(check)].join("\n"),
  );
  if (options.failOnMismatch) throw new PipelinesMismatchError(message);
  core.warning(message, { title: TITLE });
}

/** What collectors received, once every one was answered or the deadline passed (then as far as it got). */
async function waitForAnswers(
  options: PipelinesStepOptions,
  ids: readonly string[],
): Promise<Record<string, ReceivedPipelines>> {
  const clock = options.clock ?? systemClock;
  let received = options.ready.received ?? {};
  for (;;) {
    if (ids.every((id) => Object.hasOwn(received, id))) return received;
    if (clock.monotonic() >= options.deadlineMs) {
      core.info(
        `start-timeout passed before every collector's first GetConfig was answered: ${ids.filter((id) => !Object.hasOwn(received, id)).length} were not`,
      );
      return received;
    }
    await clock.sleep(Math.min(options.pollMs ?? 500, Math.max(0, options.deadlineMs - clock.monotonic())));
    const status = readStatus(options.statusPath);
    // Only this fleet's status counts; a stopped or failed one will not answer anything more.
    if (status?.nonce !== options.nonce) continue;
    received = status.received ?? received;
    if (status.phase !== "ready") return received;
  }
}

/** Fails main when collectors do not receive what expect-pipelines says: the fleet runs, the check failed. */
export class PipelinesMismatchError extends Error {
  readonly title = TITLE;
  constructor(message: string) {
    super(message);
    this.name = "PipelinesMismatchError";
  }
}
