/**
 * Typed errors that carry the context a user needs to act on them.
 * `describeError` turns any of them, or anything thrown, into one sentence.
 */

/** One problem found in a blueprint, located in the YAML source. */
export interface BlueprintProblem {
  /** Dotted YAML path, e.g. `features.fleet_management.collectors_per_os.linux`; "" for the document. */
  path: string;
  /** 1-based line and column in the file, when the node exists in the source. */
  line?: number;
  column?: number;
  /** What was expected and what was found, in plain words. */
  message: string;
}

export class BlueprintError extends Error {
  override readonly name = "BlueprintError";
  constructor(
    readonly file: string,
    readonly problems: readonly BlueprintProblem[],
  ) {
    super(formatBlueprintProblems(file, problems));
  }
}

function formatBlueprintProblems(file: string, problems: readonly BlueprintProblem[]): string {
  const head =
    problems.length === 1
      ? `blueprint ${file} has 1 problem:`
      : `blueprint ${file} has ${problems.length} problems:`;
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
    const path = p.path === "" ? "(document)" : p.path;
    return `  - ${where} ${path}: ${p.message}`;
  });
  return [head, ...lines].join("\n");
}

/** One problem with an action input, a CLI flag or argument, or an environment variable. */
export interface InputProblem {
  /**
   * What the problem is about, named the way the user set it: `input interval` in the action, `--interval`
   * or `<blueprint>` in the CLI, `GC_FM_URL` for a variable.
   */
  readonly subject: string;
  /** What was expected and what was found, in plain words: "expected a duration …, found \"ten\"". */
  readonly message: string;
}

export class InputError extends Error {
  override readonly name = "InputError";
  constructor(readonly problems: readonly InputProblem[]) {
    super(
      problems.length === 1
        ? `${problems[0]!.subject}: ${problems[0]!.message}`
        : `${problems.length} problems:\n` + problems.map((p) => `  - ${p.subject}: ${p.message}`).join("\n"),
    );
  }
}

/** Connect error codes (connectrpc.com/docs/protocol#error-codes). */
export type ConnectCode =
  | "canceled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

export type FmProcedure =
  | "RegisterCollector"
  | "GetConfig"
  | "UnregisterCollector"
  | "ListCollectors"
  | "GetCollector"
  | "DeleteCollector"
  | "BulkDeleteCollectors"
  | "GetLimits";

export class FmApiError extends Error {
  override readonly name = "FmApiError";
  constructor(
    readonly procedure: FmProcedure,
    readonly code: ConnectCode,
    /** HTTP status, or 0 when the request never got an answer (network error, timeout). */
    readonly status: number,
    /** Server message, already scrubbed of credentials and truncated. */
    readonly serverMessage: string,
    readonly collectorId?: string,
    /** No byte of the request left this machine (connection refused, name not resolved). */
    readonly notSent = false,
  ) {
    const who = collectorId ? ` for ${collectorId}` : "";
    const http = status ? ` (HTTP ${status})` : "";
    super(`FM ${procedure}${who} failed: ${code}${http}${serverMessage ? `: ${serverMessage}` : ""}`);
  }
}

export class RemoteWriteError extends Error {
  override readonly name = "RemoteWriteError";
  constructor(
    /** HTTP status, or 0 for a network error or timeout. */
    readonly status: number,
    readonly retryable: boolean,
    /** Response body, already scrubbed and truncated. */
    readonly body: string,
  ) {
    super(`remote write failed${status ? ` with HTTP ${status}` : " (no answer)"}${body ? `: ${body}` : ""}`);
  }
}

export class AlertmanagerError extends Error {
  override readonly name = "AlertmanagerError";
  constructor(
    /** HTTP status, or 0 for a network error or timeout. */
    readonly status: number,
    readonly retryable: boolean,
    /** Response body (or the network error), already scrubbed and truncated. */
    readonly body: string,
  ) {
    super(
      `Alertmanager refused the alerts${status ? ` with HTTP ${status}` : " (no answer)"}${body ? `: ${body}` : ""}`,
    );
  }
}

/** One sentence for anything thrown. Never includes a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "AbortError" || err.name === "TimeoutError")
      return `timed out or aborted: ${err.message}`;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error && !err.message.includes(cause.message))
      return `${err.message} (${cause.message})`;
    return err.message;
  }
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
