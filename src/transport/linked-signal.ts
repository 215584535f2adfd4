/**
 * An AbortSignal that aborts when any parent does, or at a monotonic time on an injected Clock (so fake
 * time drives it in tests). Unlike AbortSignal.any, it lets go of its parents when disposed: on Node 20,
 * signals made by AbortSignal.any([longLived]) are never collected (about 1 KB each), which a heartbeat
 * loop making hundreds a second cannot afford.
 */
import { setMaxListeners } from "node:events";
import type { Clock } from "../core/clock.js";

export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Detaches from the parents and cancels the timer; call it when the work is over. */
  dispose(): void;
}

export function linkedSignal(
  parents: readonly (AbortSignal | undefined)[],
  deadline?: { clock: Clock; atMs: number; what?: string },
): LinkedSignal {
  const controller = new AbortController();
  // A fan-out point: every call of a sweep may listen to it, so Node's 10-listener warning does not apply.
  setMaxListeners(0, controller.signal);
  const attached: { parent: AbortSignal; onAbort: () => void }[] = [];
  const timer = new AbortController();
  const dispose = () => {
    timer.abort();
    for (const { parent, onAbort } of attached) parent.removeEventListener("abort", onAbort);
    attached.length = 0;
  };

  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    attached.push({ parent, onAbort });
  }
  if (deadline && !controller.signal.aborted) {
    const { clock, atMs, what = "the deadline" } = deadline;
    clock.sleep(Math.max(0, atMs - clock.monotonic()), timer.signal).then(
      () => controller.abort(new DeadlineError(`${what} passed`)),
      () => undefined,
    );
  }
  return { signal: controller.signal, dispose };
}
