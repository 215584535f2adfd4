/**
 * A throwaway real Alertmanager (Debian's `prometheus-alertmanager` 0.25 package, or ALERTMANAGER_BIN) for
 * end-to-end tests: its own port on 127.0.0.1, its own temp storage, clustering off (an empty
 * `--cluster.listen-address`), one receiver that sends nowhere; stopped by its PID. Read through its v2 API
 * as FM reads it: `GET /api/v2/alerts` lists the alerts still active (prometheus/alertmanager
 * api/v2/openapi.yaml).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable, listenUrl } from "./prometheus.js";

/** An alert as `GET /api/v2/alerts` returns it (`gettableAlert`), the fields tests read. */
export interface GettableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: "active" | "suppressed" | "unprocessed" };
}

export interface AlertmanagerServer {
  /** Base URL, e.g. http://127.0.0.1:41234: what `alertmanager-url` takes. */
  readonly url: string;
  /** `host:port`, as a Prometheus `alerting` target takes it. */
  readonly address: string;
  readonly pid: number;
  /** The alerts Alertmanager holds as not yet ended, whose labels match every `labels` pair. */
  alerts(labels?: Readonly<Record<string, string>>): Promise<GettableAlert[]>;
  /** Stops this PID (SIGTERM, then SIGKILL) and deletes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

export function findAlertmanager(): string {
  // Debian names the binary prometheus-alertmanager; upstream's release archives name it alertmanager.
  return findExecutable(
    ["prometheus-alertmanager", "alertmanager"],
    "ALERTMANAGER_BIN",
    "prometheus-alertmanager",
  );
}

export async function startAlertmanager(): Promise<AlertmanagerServer> {
  const bin = findAlertmanager();
  const dir = mkdtempSync(join(tmpdir(), "fm-action-am-"));
  const config = join(dir, "alertmanager.yml");
  // A receiver with no integrations: alerts are stored and listed, never sent anywhere.
  writeFileSync(config, "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n");
  const logPath = join(dir, "alertmanager.log");
  const log = openSync(logPath, "w");
  let child: ChildProcess;
  try {
    child = spawn(
      bin,
      [
        `--config.file=${config}`,
        `--storage.path=${join(dir, "data")}`,
        // Port 0: the OS picks a free port and Alertmanager logs it.
        "--web.listen-address=127.0.0.1:0",
        // Empty: no gossip port, no peers; a lone instance.
        "--cluster.listen-address=",
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
      throw new Error(`alertmanager exited (code ${exited}) before it was ready:\n${tail}`);
    }
    url ??= listenUrl(readFileSync(logPath, "utf8"));
    if (url !== undefined && (await isReady(url))) break;
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`alertmanager was not ready within ${READY_TIMEOUT_MS} ms:\n${tail}`);
    }
    await delay(100);
  }

  const base = url;
  return {
    url: base,
    address: new URL(base).host,
    pid,
    async alerts(labels = {}) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(labels)) params.append("filter", `${name}="${value}"`);
      const res = await fetch(`${base}/api/v2/alerts?${params.toString()}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as GettableAlert[];
    },
    stop,
  };
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

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
