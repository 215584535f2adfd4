/**
 * README.md#command-line: a `.env` file in the working directory is read. Variables already set win, as with
 * dotenv, so a CI system's secrets are never overridden by a stray file. Parsed with node:util parseEnv
 * (Node >= 20.12 and 24).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

export function withDotEnv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const file = join(cwd, ".env");
  if (!existsSync(file)) return env;
  const fromFile = parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  return { ...fromFile, ...env };
}
