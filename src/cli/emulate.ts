/**
 * `fm-fleet emulate`: a local FM emulator and a local remote-write receiver, for demos and tests with no
 * Grafana account. Prints the variables to export; runs until Ctrl-C. With `--pipelines DIR` the emulator
 * starts with the pipelines of DIR, read as grafana/fleet-management-sync-action reads them.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../core/errors.js";
import type { LoadedPipelineDir } from "../emulator/pipeline-files.js";
import { parseCommandArgs, type CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

export const EMULATE_HELP = `Usage: fm-fleet emulate [--port N] [--rw-port N] [--pipelines DIR] [--write-env PATH]

Starts a local Fleet Management emulator and a local remote-write receiver on 127.0.0.1 and prints the
variables to export in another shell. Runs until Ctrl-C, then prints what it saw.

Options:
  --port <n>      FM emulator port (default: any free port)
  --pipelines <d> serve the pipelines of this folder, in grafana/fleet-management-sync-action's format:
                  X.yaml with name, contents or contents_file, matchers, enabled; or X.yml beside X.alloy.
                  Without it the emulator has no pipeline and serves empty configs, as FM does
  --rw-port <n>   remote-write receiver port (default: any free port)
  --write-env <p> also append the variables as KEY=VALUE lines to this file (e.g. "$GITHUB_ENV");
                  not --env-file, which Node 20 itself claims anywhere on the command line
  -h, --help      show this help`;

function portOf(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InputError([{ subject: flag, message: `expected a port from 0 to 65535, found "${raw}"` }]);
  return n;
}

export async function emulateCommand(argv: string[], io: CliIo, until?: Promise<void>): Promise<number> {
  const { values } = parseCommandArgs("emulate", argv, {
    port: { type: "string" },
    "rw-port": { type: "string" },
    "write-env": { type: "string" },
    pipelines: { type: "string" },
  });
  const fmPort = portOf(values.port, "--port");
  const rwPort = portOf(values["rw-port"], "--rw-port");
  const { createFmEmulator, createRemoteWriteReceiver, loadPipelineDir, PipelineFileError } =
    await loadEmulator();
  const loadPipelines = (dir: string): LoadedPipelineDir => {
    try {
      return loadPipelineDir(dir, io.cwd);
    } catch (err) {
      if (err instanceof PipelineFileError)
        throw new InputError([{ subject: "--pipelines", message: err.message }]);
      throw err;
    }
  };
  // Bad pipeline files stop us before anything listens.
  const loaded = values.pipelines === undefined ? undefined : loadPipelines(values.pipelines);
  for (const warning of loaded?.warnings ?? []) io.stderr.write(`warning: ${warning}\n`);
  // Throwaway local credentials: they guard nothing but this emulator, so printing them is the point.
  const stackId = "100001";
  const token = `glc_local_${randomBytes(12).toString("hex")}`;
  const promUser = "200002";
  const fm = await createFmEmulator({
    stackId,
    token,
    ...(fmPort !== undefined ? { port: fmPort } : {}),
    ...(loaded ? { pipelines: loaded.pipelines } : {}),
  });
  const rw = await createRemoteWriteReceiver({
    user: promUser,
    token,
    ...(rwPort !== undefined ? { port: rwPort } : {}),
  });
  const vars = {
    GC_FM_URL: fm.url,
    GC_FM_STACK_ID: stackId,
    GC_FM_TOKEN: token,
    GC_PROM_URL: rw.url,
    GC_PROM_USER: promUser,
    GC_PROM_TOKEN: token,
  };
  if (values["write-env"]) {
    appendFileSync(
      resolve(io.cwd, values["write-env"]),
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
      { mode: 0o600 },
    );
  }
  io.stdout.write(
    [
      `FM emulator:          ${fm.url}  (inspect: ${fm.url}/_emulator/collectors)`,
      `remote-write receiver: ${rw.url}`,
      ...(loaded
        ? [
            `pipelines:            ${loaded.pipelines.length} from ${values.pipelines}: ` +
              loaded.pipelines.map((p) => (p.enabled ? p.name : `${p.name} (disabled)`)).join(", ") +
              `  (inspect: ${fm.url}/_emulator/pipelines)`,
          ]
        : []),
      "",
      "export in another shell (local throwaway credentials):",
      `  export GC_FM_URL=${fm.url} GC_FM_STACK_ID=${stackId} GC_FM_TOKEN=${token}`,
      `  export GC_PROM_URL=${rw.url} GC_PROM_USER=${promUser} GC_PROM_TOKEN=${token}`,
      `then: ${nextStep(values.pipelines, io.cwd)}`,
      "Ctrl-C stops the emulator.",
      "",
    ].join("\n"),
  );
  await (until ??
    new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    }));
  const collectors = fm.collectors();
  io.stdout.write(
    `\nemulator saw ${collectors.length} collectors (${collectors.filter((c) => c.registered).length} still registered), ${rw.series().length} series (${rw.openSeries()} open)\n`,
  );
  await Promise.all([fm.close(), rw.close()]);
  return 0;
}

/**
 * The emulator, loaded when a command starts one: it is most of the CLI's code, and `fm-fleet run` would
 * otherwise load and compile it at every start.
 */
export async function loadEmulator() {
  const [fm, rw, pipelines] = await Promise.all([
    import("../emulator/fm-server.js"),
    import("../emulator/rw-receiver.js"),
    import("../emulator/pipeline-files.js"),
  ]);
  return {
    createFmEmulator: fm.createFmEmulator,
    createRemoteWriteReceiver: rw.createRemoteWriteReceiver,
    loadPipelineDir: pipelines.loadPipelineDir,
    PipelineFileError: pipelines.PipelineFileError,
  };
}

/** What to try in the other shell: with pipelines, which collectors get them (and the folder's expect.yaml). */
function nextStep(pipelinesDir: string | undefined, cwd: string): string {
  if (pipelinesDir === undefined)
    return "fm-fleet run fleet-management --interval 5s --heartbeat-interval 10s";
  const expect = join(pipelinesDir, "expect.yaml");
  return `fm-fleet pipelines fleet-management${existsSync(resolve(cwd, expect)) ? ` --expect ${expect}` : ""}`;
}

export const emulateCliCommand: CliCommand = {
  name: "emulate",
  summary: "run a local FM emulator and remote-write receiver",
  usage: EMULATE_HELP,
  run: (argv, io) => emulateCommand(argv, io),
};
