/**
 * Where the background process's bundle is: `dist/daemon/index.js`, beside the `dist/main`, `dist/post` and
 * `dist/cli` bundles that spawn it. Built at run time from the bundle's own location; written so that ncc
 * does not mistake it for an asset to relocate (a literal `new URL("../daemon/index.js", import.meta.url)`
 * is rewritten into a CommonJS stub that cannot load an ESM bundle).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DAEMON_BUNDLE = ["daemon", "index.js"];
const CLI_BUNDLE = ["cli", "index.js"];

export function daemonScriptPath(env: NodeJS.ProcessEnv = process.env): string {
  // For tests that run the engine from sources: point at a built bundle explicitly.
  if (env.FM_FLEET_DAEMON_SCRIPT) return env.FM_FLEET_DAEMON_SCRIPT;
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, "..", ...DAEMON_BUNDLE);
}

/**
 * The bundled command line (`dist/cli/index.js`), found the same way: what the action exports as
 * FM_FLEET_CLI so a later step can run `node "$FM_FLEET_CLI" event …` against the action's fleet.
 */
export function cliScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, "..", ...CLI_BUNDLE);
}
