/**
 * What every fm-fleet subcommand shares: the command shape the registry in index.ts holds, and flag parsing
 * that turns node:util parseArgs failures into an InputError (exit code 2, no stack trace).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../core/errors.js";
import type { CliIo } from "./io.js";

export interface CliCommand {
  /** The word after `fm-fleet`. */
  readonly name: string;
  /** One line for the top-level usage. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly usage: string;
  /** The exit code. Throw InputError or BlueprintError for bad input: runCli words it and exits 2. */
  run(argv: string[], io: CliIo): Promise<number> | number;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs in strict mode, its errors (unknown flag, missing value) reworded as an InputError. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    // parseArgs names the flag in quotes: "Unknown option '--bogus'", "Option '--env <value>' argument missing".
    const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? `fm-fleet ${command}`;
    const reason =
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `is not an option of fm-fleet ${command}`
        : /argument missing/.test(message)
          ? "expected a value after it"
          : message;
    throw new InputError([{ input: flag, message: `${reason} (see fm-fleet ${command} --help)` }]);
  }
}
