/**
 * CLI flags onto the action's input parser, so `fm-fleet run --interval ten` and `interval: ten` fail with
 * the same words and the CLI can never accept what the action refuses. Credentials come from the
 * environment (and `.env`) only: never from argv, which `ps` shows.
 */
import { InputError } from "../core/errors.js";
import { parseInputs, type ActionSettings } from "../action/inputs.js";
import { loadBlueprint } from "../blueprint/load.js";
import { buildRoster } from "../fleet/roster.js";
import type { Roster } from "../fleet/types.js";
import { githubAttributes } from "../action/github-context.js";

/** Flags that map onto action inputs of the same name. */
export const FLEET_FLAGS = {
  env: { type: "string" },
  interval: { type: "string" },
  "heartbeat-interval": { type: "string" },
  "fm-rate-limit": { type: "string" },
  "start-timeout": { type: "string" },
  "max-lifetime": { type: "string" },
} as const;

const CREDENTIAL_INPUTS = new Set([
  "fm-url",
  "fm-stack-id",
  "fm-username",
  "fm-token",
  "prom-url",
  "prom-user",
  "prom-token",
  "prom-tenant",
]);

export function fleetSettingsFromFlags(
  blueprint: string | undefined,
  flags: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): ActionSettings {
  const read = (name: string): string => {
    if (name === "blueprint") return blueprint ?? "";
    if (CREDENTIAL_INPUTS.has(name)) return "";
    const v = flags[name];
    return typeof v === "string" ? v.trim() : "";
  };
  try {
    return parseInputs(read, env);
  } catch (err) {
    if (err instanceof InputError) {
      throw new InputError(
        err.problems.map((p) => ({
          ...p,
          input:
            p.input === "blueprint" ? "<blueprint>" : /^[a-z-]+$/.test(p.input) ? `--${p.input}` : p.input,
        })),
      );
    }
    throw err;
  }
}

export function rosterFor(
  settings: ActionSettings,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { roster: Roster; notices: string[] } {
  const loaded = loadBlueprint(settings.blueprint, { cwd });
  const roster = buildRoster(loaded.blueprint, {
    ...(settings.env ? { env: settings.env } : {}),
    contextAttributes: githubAttributes(),
  });
  return { roster, notices: loaded.notices };
}
