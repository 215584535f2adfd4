/**
 * The action's inputs: INPUT_* variables read into a raw map and parsed by the settings parser the CLI
 * shares (src/settings/), which reports every problem at once, each naming its input (`input interval: …`)
 * or the variable a credential came from.
 */
import { parseSettings, type RawSettings } from "../settings/parse.js";
import { ACTION_INPUTS } from "../settings/table.js";
import type { ActionSettings } from "../settings/types.js";

/**
 * `core.getInput` semantics without the dependency: INPUT_<NAME> with spaces as "_", hyphens kept, trimmed.
 * Empty means unset (the runner passes every input declared in action.yml).
 */
export function readActionInputs(env: NodeJS.ProcessEnv): RawSettings {
  const raw: Record<string, string> = {};
  for (const { name } of ACTION_INPUTS) {
    const value = env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`]?.trim();
    if (value) raw[name] = value;
  }
  return raw;
}

export function parseActionSettings(env: NodeJS.ProcessEnv): ActionSettings {
  return parseSettings(readActionInputs(env), env, { frontend: "action" });
}
