/**
 * Attributes that trace a fleet to the run that made it (SPEC section 5), so leftovers of finished runs can
 * be found in FM by `github.run_id`. Only inside GitHub Actions.
 */
import { context } from "@actions/github";

export function githubAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.GITHUB_ACTIONS !== "true" || !env.GITHUB_REPOSITORY) return {};
  return {
    "github.repository": `${context.repo.owner}/${context.repo.repo}`,
    "github.run_id": String(context.runId),
  };
}
