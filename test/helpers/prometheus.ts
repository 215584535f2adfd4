/**
 * A throwaway real Prometheus (Debian's 2.42 package, or PROMETHEUS_BIN) as a remote-write receiver for
 * end-to-end tests: its own port on 127.0.0.1, its own temp TSDB, no scrape jobs, stopped by its PID.
 * Flags as in docs/fm-protocol.md#prometheus-242-as-a-receiver: `--web.enable-remote-write-receiver` opens
 * POST /api/v1/write.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The remote-write endpoint. */
  readonly writeUrl: string;
  readonly pid: number;
  /** An instant query (`/api/v1/query`); `timeMs` defaults to the server's now. */
  query(promql: string, timeMs?: number): Promise<PromSample[]>;
  /** One counter or gauge from Prometheus' own /metrics, summed over the label sets that match `labels`. */
  selfMetric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Stops this PID (SIGTERM, then SIGKILL) and deletes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * A binary: the path in `variable` if set, else the first of `names` on PATH; or an Error telling how to get
 * one (`apt-get install -y <pkg>`).
 */
export function findExecutable(names: readonly string[], variable: string, pkg: string): string {
  const explicit = process.env[variable];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(
      `${variable}=${explicit} is not an executable file: fix it, or unset it after \`apt-get install -y ${pkg}\``,
    );
  }
  for (const name of names)
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      const candidate = join(dir, name);
      if (dir && isExecutable(candidate)) return candidate;
    }
  throw new Error(
    `the ${names[0]} binary is not on PATH: install it with \`apt-get install -y ${pkg}\` or set ${variable} to its path`,
  );
}

/** The binary to run, or an Error telling how to get one (Debian bookworm ships 2.42). */
export function findPrometheus(): string {
  return findExecutable(["prometheus"], "PROMETHEUS_BIN", "prometheus");
}

export interface PrometheusOptions {
  /** prometheus.yml; default: a global section and no scrape jobs. */
  readonly config?: string;
  /** More files beside prometheus.yml (rule files), by name. */
  readonly files?: Readonly<Record<string, string>>;
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const bin = findPrometheus();
  const dir = mkdtempSync(join(tmpdir(), "fm-action-prom-"));
  const config = join(dir, "prometheus.yml");
  // No scrape jobs: everything in the TSDB came through remote write.
  writeFileSync(config, options.config ?? "global:\n  scrape_interval: 15s\n");
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  const logPath = join(dir, "prometheus.log");
  const log = openSync(logPath, "w");
  let child: ChildProcess;
  try {
    child = spawn(
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        // Port 0: the OS picks a free port and Prometheus logs it, so no other process can take it first.
        "--web.listen-address=127.0.0.1:0",
        "--web.enable-remote-write-receiver",
      ],
      { stdio: ["ignore", log, log] },
    );
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${bin}`);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = code;
      resolve();
    }),
  );
  const logTail = () => readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n");

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (exited === undefined) {
        process.kill(pid, "SIGTERM");
        const killed = await Promise.race([exit.then(() => true), delay(10_000).then(() => false)]);
        if (!killed) {
          process.kill(pid, "SIGKILL");
          await exit;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let url: string | undefined;
  for (;;) {
    if (exited !== undefined) {
      const tail = logTail();
      await stop();
      throw new Error(`prometheus exited (code ${exited}) before it was ready:\n${tail}`);
    }
    url ??= listenUrl(readFileSync(logPath, "utf8"));
    if (url !== undefined && (await isReady(url))) break;
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`prometheus was not ready within ${READY_TIMEOUT_MS} ms:\n${tail}`);
    }
    await delay(100);
  }

  const base = url;
  return {
    url: base,
    writeUrl: `${url}/api/v1/write`,
    pid,
    async query(promql, timeMs) {
      const params = new URLSearchParams({ query: promql });
      if (timeMs !== undefined) params.set("time", (timeMs / 1000).toFixed(3));
      const res = await fetch(`${base}/api/v1/query?${params.toString()}`);
      const body = (await res.json()) as QueryResponse;
      if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error ?? res.status}`);
      if (body.data.resultType !== "vector")
        throw new Error(`query ${promql} gave a ${body.data.resultType}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async selfMetric(name, labels = {}) {
      const text = await (await fetch(`${base}/metrics`)).text();
      let sum = 0;
      for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
        if (!m || m[1] !== name) continue;
        const set = new Map<string, string>();
        for (const pair of (m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) set.set(pair[1]!, pair[2]!);
        if (Object.entries(labels).every(([k, v]) => set.get(k) === v)) sum += Number(m[3]);
      }
      return sum;
    },
    stop,
  };
}

interface QueryResponse {
  status: "success" | "error";
  error?: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The address from the `msg="Listening on" address=127.0.0.1:41234` log line (Prometheus 2.x logfmt and 3.x
 * slog; Alertmanager 0.25 logs the same line).
 */
export function listenUrl(log: string): string | undefined {
  const m = /msg="Listening on" address=(127\.0\.0\.1:\d+)/.exec(log);
  return m ? `http://${m[1]}` : undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
