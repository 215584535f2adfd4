/**
 * Attributes that trace a fleet to the run that made it (SPEC section 5), so leftovers of finished runs can
 * be found in FM by `github.run_id`. Only inside GitHub Actions. `@actions/github`'s context reads the
 * process environment when it is imported, so the check is on process.env, not on an injected one.
 */
import { context } from "@actions/github";

export function githubAttributes(): Record<string, string> {
  if (process.env.GITHUB_ACTIONS !== "true" || !process.env.GITHUB_REPOSITORY) return {};
  return {
    "github.repository": `${context.repo.owner}/${context.repo.repo}`,
    "github.run_id": String(context.runId),
  };
}
