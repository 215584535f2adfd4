/**
 * Plays the GitHub Actions runner for the built action (docs/fm-protocol.md#state-and-step-files): INPUT_*
 * variables with hyphens kept, fresh GITHUB_STATE / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files per step,
 * STATE_* from main's state file handed to post, RUNNER_TEMP, and main and post as separate node processes on
 * dist/.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** Variables the step exported (core.exportVariable): later steps see them. */
  exported: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  durationMs: number;
}

/** Reads a file-command file: `name<<delimiter\nvalue\ndelimiter` records (and legacy name=value lines). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[name!] = value.join("\n");
    } else if (line.includes("=")) {
      const at = line.indexOf("=");
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

export interface RunnerSim {
  readonly workDir: string;
  readonly runnerTemp: string;
  main(inputs: Record<string, string>, env?: NodeJS.ProcessEnv): Promise<StepResult>;
  post(env?: NodeJS.ProcessEnv): Promise<StepResult>;
  /** The job's environment for a `run:` step after main: what the steps so far exported. */
  jobEnv(): Record<string, string>;
  /** Every byte the steps printed, for leak scans. */
  transcript(): string;
}

export function createRunner(): RunnerSim {
  const workDir = mkdtempSync(join(tmpdir(), "fm-action-runner-"));
  const runnerTemp = join(workDir, "runner-temp");
  mkdirSync(runnerTemp);
  let savedState: Record<string, string> = {};
  let exportedEnv: Record<string, string> = {};
  let savedInputs: Record<string, string> = {};
  let step = 0;
  const printed: string[] = [];

  const runStep = async (entry: "main" | "post", extraEnv: NodeJS.ProcessEnv): Promise<StepResult> => {
    step++;
    const files = {
      state: join(workDir, `state-${step}`),
      output: join(workDir, `output-${step}`),
      summary: join(workDir, `summary-${step}`),
      env: join(workDir, `env-${step}`),
    };
    for (const f of Object.values(files)) writeFileSync(f, "");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: "true",
      GITHUB_REPOSITORY: "synthkit/fm-action-e2e",
      GITHUB_RUN_ID: "4242",
      GITHUB_WORKSPACE: workDir,
      RUNNER_TEMP: runnerTemp,
      GITHUB_STATE: files.state,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      ...exportedEnv,
      ...Object.fromEntries(Object.entries(savedInputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
      ...(entry === "post"
        ? Object.fromEntries(Object.entries(savedState).map(([k, v]) => [`STATE_${k}`, v]))
        : {}),
      ...extraEnv,
    };
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, "dist", entry, "index.js")], {
      cwd: workDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // The runner waits for the pipes to close, not only for the process to exit: so do we.
    const code = await new Promise<number>((res) => child.on("close", (c) => res(c ?? -1)));
    printed.push(stdout, stderr);
    const state = parseFileCommands(readFileSync(files.state, "utf8"));
    if (entry === "main") savedState = { ...savedState, ...state };
    const exported = parseFileCommands(readFileSync(files.env, "utf8"));
    exportedEnv = { ...exportedEnv, ...exported };
    return {
      code,
      stdout,
      stderr,
      outputs: parseFileCommands(readFileSync(files.output, "utf8")),
      exported,
      state,
      summary: readFileSync(files.summary, "utf8"),
      durationMs: Date.now() - started,
    };
  };

  return {
    workDir,
    runnerTemp,
    main: (inputs, env = {}) => {
      savedInputs = inputs;
      return runStep("main", env);
    },
    post: (env = {}) => runStep("post", env),
    jobEnv: () => ({ ...exportedEnv }),
    transcript: () => printed.join("\n"),
  };
}
