/**
 * A live event as it crosses from `fm-fleet event` to the background process, and the answer that comes
 * back. Shaped as one more request of the local control channel (a `type` and the daemon's `nonce`), so
 * any transport can carry it: the file-drop inbox (event-inbox.ts) or a socket. Everything is checked
 * again on arrival: a malformed, foreign or stale request gets an answer that says so, never a change.
 */
import { z } from "zod";
import { SCENARIO_EVENTS } from "../blueprint/events.js";
import { describeError } from "../core/errors.js";
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { ScenarioPlayer } from "./scenario-player.js";
import { scenarioActionSchema } from "./scenario-schema.js";
import { effectRecordSchema } from "./timeline.js";

export const eventRequestSchema = z.object({
  type: z.literal("event"),
  /** The nonce of the background process the caller means (from its status file). */
  nonce: z.string(),
  /** Names the request and its answer. */
  id: z.uuid(),
  /** Wall time the caller sent it, and after which it stops waiting: a request read later is stale. */
  sentAtMs: z.number(),
  expiresAtMs: z.number(),
  action: scenarioActionSchema,
});
export type EventRequest = z.infer<typeof eventRequestSchema>;

export const eventAnswerSchema = z.union([
  z.object({
    ok: z.literal(true),
    event: z.enum(SCENARIO_EVENTS),
    /** The collectors it changed, in roster order (for join: the new ones). */
    ids: z.array(z.string()),
    warnings: z.array(z.string()),
    /** The first effect FM or Prometheus accepted. */
    effect: effectRecordSchema,
  }),
  z.object({
    ok: z.literal(false),
    error: z.string(),
    /** Collectors it changed all the same (the change went through, its effect was not confirmed). */
    ids: z.array(z.string()),
    warnings: z.array(z.string()),
  }),
]);
export type EventAnswer = z.infer<typeof eventAnswerSchema>;

/** The background process's side: any transport hands it what it read, and sends back what it returns. */
export type EventHandler = (request: unknown) => Promise<EventAnswer>;

export function createEventHandler(options: {
  player: ScenarioPlayer;
  nonce: string;
  clock?: Clock;
}): EventHandler {
  const clock = options.clock ?? systemClock;
  const refuse = (error: string): EventAnswer => ({ ok: false, error, ids: [], warnings: [] });
  return async (raw) => {
    const parsed = eventRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
      return refuse(`malformed event request${where}: ${issue?.message ?? "invalid"}`);
    }
    const request = parsed.data;
    if (request.nonce !== options.nonce)
      return refuse(
        "this request is for another fleet: its nonce is not the one this background process was started with",
      );
    const now = clock.now();
    if (now > request.expiresAtMs)
      return refuse(
        `stale event request: sent at ${new Date(request.sentAtMs).toISOString()}, its sender stopped waiting at ${new Date(request.expiresAtMs).toISOString()}; nothing was changed`,
      );
    const wait = new AbortController();
    const timer = setTimeout(
      () => wait.abort(new Error("the sender's wait ran out")),
      request.expiresAtMs - now,
    );
    try {
      const applied = await options.player.apply(request.action, { signal: wait.signal });
      const { entry } = applied;
      if (entry.changed.length === 0) {
        const why = [...entry.warnings, ...entry.failed.map((f) => `${f.id}: ${f.error}`)].join("; ");
        return { ok: false, error: why || "nothing was selected", ids: [], warnings: entry.warnings };
      }
      const effect = await applied.effect;
      if (!effect.ok)
        return {
          ok: false,
          error: `applied to ${entry.changed.length} collector(s), but its first effect was not accepted: ${effect.error ?? "unknown reason"}`,
          ids: entry.changed,
          warnings: [...entry.warnings, ...entry.failed.map((f) => `${f.id}: ${f.error}`)],
        };
      return {
        ok: true,
        event: entry.event,
        ids: entry.changed,
        warnings: [...entry.warnings, ...entry.failed.map((f) => `${f.id} failed: ${f.error}`)],
        effect,
      };
    } catch (err) {
      return refuse(describeError(err));
    } finally {
      clearTimeout(timer);
    }
  };
}
