/**
 * The one logging interface of the engine. The action maps it to @actions/core, the background process to
 * its log file, the CLI to the terminal. Every sink scrubs credentials before writing.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  /** `title` becomes the annotation title in GitHub Actions. */
  warn(message: string, title?: string): void;
  error(message: string, title?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger that keeps lines in memory: for tests and for the summary's "last errors". */
export function memoryLogger(): Logger & { lines: { level: LogLevel; message: string }[] } {
  const lines: { level: LogLevel; message: string }[] = [];
  return {
    lines,
    debug: (message) => lines.push({ level: "debug", message }),
    info: (message) => lines.push({ level: "info", message }),
    warn: (message) => lines.push({ level: "warn", message }),
    error: (message) => lines.push({ level: "error", message }),
  };
}

/** A logger writing `ISO-time level message` lines through `write`, scrubbing each line first. */
export function lineLogger(
  write: (line: string) => void,
  scrub: (s: string) => string,
  minLevel: LogLevel = "info",
  now: () => number = Date.now,
): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  const emit = (level: LogLevel, message: string) => {
    if (order[level] < order[minLevel]) return;
    write(`${new Date(now()).toISOString()} ${level.padEnd(5)} ${scrub(message)}\n`);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m, t) => emit("warn", t ? `${t}: ${m}` : m),
    error: (m, t) => emit("error", t ? `${t}: ${m}` : m),
  };
}
