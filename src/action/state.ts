/**
 * What main hands to post, as one zod-validated record. Saved before the first side effect (as
 * actions/checkout src/git-auth-helper.ts saves its key path first) and again with the PID right after spawn.
 * Holds no secret: tokens live in a 0600 file under RUNNER_TEMP that post deletes. Post reads this instead of
 * re-reading inputs, which can be wrong in nested composite actions (actions/runner#3514).
 */
import { z } from "zod";

export const STATE_KEY = "fm-action";

export const actionStateSchema = z.object({
  schema: z.literal(1),
  stateDir: z.string(),
  nonce: z.string(),
  pid: z.number().int().optional(),
  blueprint: z.string(),
  failOnCleanupError: z.boolean(),
  /**
   * Set by main when the fleet did not start: the one-sentence reason it failed with. Main has already torn
   * the fleet down (its teardown record holds what was cleaned), so post reports that instead of cleaning.
   */
  startFailure: z.string().optional(),
});
export type ActionState = z.infer<typeof actionStateSchema>;

/** The saved state, or undefined when main never got as far as saving it. */
export function parseActionState(raw: string): ActionState | undefined {
  if (!raw) return undefined;
  try {
    const parsed = actionStateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
