/** The engine's Logger on top of @actions/core: warnings and errors become annotations with titles. */
import * as core from "@actions/core";
import type { Logger } from "../core/logger.js";

export function coreLogger(scrub: (s: string) => string): Logger {
  return {
    debug: (m) => core.debug(scrub(m)),
    info: (m) => core.info(scrub(m)),
    warn: (m, title) => core.warning(scrub(m), title ? { title } : {}),
    error: (m, title) => core.error(scrub(m), title ? { title } : {}),
  };
}
