/**
 * An AbortSignal that fires at an absolute time on an injected Clock (so fake time drives it in tests), or
 * when a parent signal aborts. Used to stop waiting for a rate-limit token once a call is no longer useful.
 */
import type { Clock } from "../core/clock.js";

export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Cancels the timer; call it when the work is over so no timer outlives it. */
  dispose(): void;
}

export function deadlineSignal(
  clock: Clock,
  atMs: number,
  parent?: AbortSignal,
  what = "deadline",
): DeadlineSignal {
  const controller = new AbortController();
  const timer = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  clock.sleep(Math.max(0, atMs - clock.now()), timer.signal).then(
    () => controller.abort(new DeadlineError(`${what} passed`)),
    () => undefined,
  );
  return {
    signal: controller.signal,
    dispose() {
      timer.abort();
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}
