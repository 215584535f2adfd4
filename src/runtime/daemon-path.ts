/**
 * Where the background process's entry is, and how to start it.
 * - From the bundles (the runner, `fm-fleet`): `dist/daemon/index.js`, beside the `dist/main`, `dist/post` and
 *   `dist/cli` bundles that spawn it, found from the bundle's own location. Written so that ncc does not
 *   mistake it for an asset to relocate (a literal `new URL("../daemon/index.js", import.meta.url)` is
 *   rewritten into a CommonJS stub that cannot load an ESM bundle).
 * - From the sources (`@github/local-action`, tsx): `src/bin/daemon.ts`, run by node with tsx's loader.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function daemonScriptPath(env: NodeJS.ProcessEnv = process.env): string {
  // For tests that run the engine from sources: point at a built bundle explicitly.
  if (env.FM_FLEET_DAEMON_SCRIPT) return env.FM_FLEET_DAEMON_SCRIPT;
  const here = fileURLToPath(import.meta.url);
  const folder = dirname(here);
  return here.endsWith(".ts")
    ? join(folder, "..", "bin", "daemon.ts")
    : join(folder, "..", "daemon", "index.js");
}

/** The node arguments that run `script`, and the folder to run them in. */
export function nodeInvocation(script: string): { args: string[]; cwd?: string } {
  if (!script.endsWith(".ts")) return { args: [script] };
  // A source entry (src/bin/daemon.ts): tsx's loader, resolved from the repository root it belongs to.
  return { args: ["--import", "tsx", script], cwd: join(dirname(script), "..", "..") };
}

/**
 * The bundled command line (`dist/cli/index.js`), found the same way: what the action exports as
 * FM_FLEET_CLI so a later step can run `node "$FM_FLEET_CLI" event …` against the action's fleet.
 */
export function cliScriptPath(): string {
  const here = fileURLToPath(import.meta.url);
  const folder = dirname(here);
  return here.endsWith(".ts") ? join(folder, "..", "bin", "cli.ts") : join(folder, "..", "cli", "index.js");
}
