/**
 * Attributes that trace a fleet to the run that made it, so leftovers of finished runs can
 * be found in FM by `github.run_id`. Only inside GitHub Actions, read from the default variables the runner
 * sets (docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables),
 * the same ones @actions/github's context reads.
 */
export function githubContextAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  const repository = env.GITHUB_REPOSITORY;
  if (env.GITHUB_ACTIONS !== "true" || !repository) return {};
  const runId = env.GITHUB_RUN_ID;
  return {
    "github.repository": repository,
    ...(runId && /^\d+$/.test(runId) ? { "github.run_id": runId } : {}),
  };
}
