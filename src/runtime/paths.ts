/** The files of one fleet's state folder (under RUNNER_TEMP in the action, `.fm-fleet/` for the CLI). */
import { join } from "node:path";

export interface StatePaths {
  readonly dir: string;
  readonly status: string;
  readonly log: string;
  readonly stop: string;
  readonly roster: string;
  /** Every collector the fleet has held, latest identity first written before it is registered (joins, upgrades). */
  readonly members: string;
  /** Mode 0600; holds the tokens post needs when it must clean up itself. Deleted by post. */
  readonly secrets: string;
  readonly record: string;
  /** Live events: `fm-fleet event` drops `<uuid>.json` here, the background process answers in `responses`. */
  readonly requests: string;
  readonly responses: string;
  /** Exclusive: the folder belongs to one fleet from launch until its teardown (runtime/state-lock.ts). */
  readonly lock: string;
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    status: join(dir, "status.json"),
    log: join(dir, "daemon.log"),
    stop: join(dir, "stop"),
    roster: join(dir, "fleet.json"),
    members: join(dir, "members.json"),
    secrets: join(dir, "secrets.json"),
    record: join(dir, "record.json"),
    requests: join(dir, "requests"),
    responses: join(dir, "responses"),
    lock: join(dir, "fleet.lock"),
  };
}
