/**
 * `fm-fleet`: the package's command line (README.md#command-line). Each subcommand is a CliCommand in
 * COMMANDS; runCli owns help, usage errors and exit codes so every command behaves the same: 0 done, 1
 * failed, 2 bad input (the message on stderr, never a stack trace).
 */
import { closestMatch } from "../core/did-you-mean.js";
import { BlueprintError, describeError, InputError } from "../core/errors.js";
import { VERSION } from "../core/version.js";
import type { CliCommand } from "./args.js";
import { processIo, type CliIo } from "./io.js";
import { planCommand } from "./plan.js";
import { runCliCommand } from "./run.js";
import { startCliCommand, statusCliCommand, stopCliCommand } from "./background.js";
import { emulateCliCommand } from "./emulate.js";
import { doctorCliCommand } from "./doctor.js";
import { demoCliCommand } from "./demo.js";
import { eventCliCommand } from "./event.js";
import { sweepCliCommand } from "./sweep.js";
import { rulesCliCommand } from "./rules.js";
import { pipelinesCliCommand } from "./pipelines.js";

/** The registry: add a subcommand here and help lists it. */
const COMMANDS: readonly CliCommand[] = [
  planCommand,
  runCliCommand,
  startCliCommand,
  stopCliCommand,
  statusCliCommand,
  eventCliCommand,
  sweepCliCommand,
  pipelinesCliCommand,
  emulateCliCommand,
  doctorCliCommand,
  demoCliCommand,
  rulesCliCommand,
];

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function topUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: fm-fleet <command> [options]",
    "",
    "A fake fleet of Grafana Alloy collectors for Grafana Cloud Fleet Management.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run fm-fleet <command> --help for a command's options; fm-fleet --version (-V) prints the version.",
  ].join("\n");
}

const isHelpFlag = (arg: string) => arg === "--help" || arg === "-h";

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(`${topUsage()}\n`);
    return EXIT_USAGE;
  }
  if (isHelpFlag(name) || name === "help") {
    const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(`${topic ? topic.usage : topUsage()}\n`);
    return EXIT_OK;
  }
  if (name === "--version" || name === "-V" || name === "-v") {
    io.stdout.write(`fm-fleet ${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const suggestion = closestMatch(
      name,
      COMMANDS.map((c) => c.name),
    );
    const hint = suggestion ? `: did you mean ${suggestion}?` : "";
    io.stderr.write(`fm-fleet: unknown command "${name}"${hint}\n\n${topUsage()}\n`);
    return EXIT_USAGE;
  }
  // Help wins over everything else on the line, but not after `--` (where it could be a file name).
  const endOfFlags = rest.indexOf("--");
  if ((endOfFlags === -1 ? rest : rest.slice(0, endOfFlags)).some(isHelpFlag)) {
    io.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof InputError || err instanceof BlueprintError) {
      io.stderr.write(`fm-fleet ${command.name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`fm-fleet ${command.name}: ${describeError(err)}\n`);
    return EXIT_FAILED;
  }
}
