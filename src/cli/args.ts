/**
 * What every fm-fleet subcommand shares: the command shape the registry in index.ts holds, and a reader of
 * the command line that reports every problem at once (unknown flags with a "did you mean", flags missing
 * their value) as InputProblems, which runCli prints with exit code 2 and no stack trace.
 */
import { closestMatch } from "../core/did-you-mean.js";
import { InputError, type InputProblem } from "../core/errors.js";
import type { FlagSpec } from "../settings/table.js";
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

export interface CommandLine {
  /** Flag name (without "--") to its text; a switch given without a value is "true". The last one wins. */
  readonly values: Record<string, string>;
  readonly positionals: string[];
  readonly problems: InputProblem[];
}

/**
 * Splits argv into flags and positionals, as node:util parseArgs would (`--flag value`, `--flag=value`,
 * `--` ends the flags), but collects problems instead of throwing at the first.
 */
export function readCommandLine(
  command: string,
  argv: readonly string[],
  flags: readonly FlagSpec[],
  /** For a flag this command does not take but a user might try: why not, and whether it has a value. */
  explain: (name: string) => { reason: string; takesValue: boolean } | undefined = () => undefined,
): CommandLine {
  const values: Record<string, string> = {};
  const positionals: string[] = [];
  const problems: InputProblem[] = [];
  const flagNames = flags.map((f) => f.name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const body = long ? arg.slice(2) : arg.slice(1);
    const eq = long ? body.indexOf("=") : -1;
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const spec = long ? flags.find((f) => f.name === name) : undefined;
    if (spec === undefined) {
      const known = long ? explain(name) : undefined;
      const suggestion = long && !known ? closestMatch(name, flagNames) : undefined;
      const why = known
        ? `: ${known.reason}`
        : suggestion
          ? `: did you mean --${suggestion}?`
          : ` (see fm-fleet ${command} --help)`;
      problems.push({
        subject: long ? `--${name}` : arg,
        message: `is not an option of fm-fleet ${command}${why}`,
      });
      // `--intervall 10s`: the user meant a flag with a value, so 10s is that value, not the blueprint.
      const takesValue = known?.takesValue ?? flags.find((f) => f.name === suggestion)?.takesValue;
      const next = argv[i + 1];
      if (inline === undefined && takesValue && next !== undefined && !next.startsWith("-")) i++;
      continue;
    }
    if (!spec.takesValue) values[name] = inline ?? "true";
    else if (inline !== undefined) values[name] = inline;
    else if (i + 1 < argv.length) values[name] = argv[++i]!;
    else problems.push({ subject: `--${name}`, message: "expected a value after it" });
  }
  return { values, positionals, problems };
}

interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly default?: string;
}

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { type: "boolean" }
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

/**
 * For commands whose flags are not settings (emulate, demo, doctor): the command line read with the
 * shared reader, any problem thrown as one InputError.
 */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  command: string,
  argv: readonly string[],
  options: O,
): { values: Values<O>; positionals: string[] } {
  const flags = Object.entries(options).map(([name, o]) => ({ name, takesValue: o.type === "string" }));
  const line = readCommandLine(command, argv, flags);
  if (line.problems.length > 0) throw new InputError(line.problems);
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(options))
    values[name] = o.type === "boolean" ? line.values[name] === "true" : (line.values[name] ?? o.default);
  return { values: values as Values<O>, positionals: line.positionals };
}
