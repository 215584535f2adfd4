/**
 * Alerts FM can attribute, checked in a real Alertmanager (Debian's 0.25) the way FM reads it, through
 * `GET /api/v2/alerts`: the built CLI's background fleet fires one alert per unhealthy collector and stop
 * resolves them all; severity changes, recovery and leave as the engine applies them; and `fm-fleet rules`
 * accepted by the real promtool and evaluated by the real Prometheus on the fleet's remote-written metrics,
 * the alert reaching Alertmanager with its collector_id.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ALERT_NAME } from "../../src/alerts/alert.js";
import { DOWN_ALERT, UNHEALTHY_COMPONENTS_ALERT } from "../../src/alerts/rules.js";
import { parseBlueprint } from "../../src/blueprint/load.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { createRemoteWriteReceiver, type RemoteWriteReceiver } from "../../src/emulator/rw-receiver.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { buildFleetConfig } from "../../src/runtime/config.js";
import { createFleetEngine, type FleetEngine } from "../../src/runtime/fleet-engine.js";
import { startAlertmanager, type AlertmanagerServer, type GettableAlert } from "../helpers/alertmanager.js";
import { filesUnder, scanForSecrets } from "../helpers/leak-scan.js";
import { findExecutable, startPrometheus, type PrometheusServer } from "../helpers/prometheus.js";
import { ROOT } from "../helpers/runner.js";
import { sleep } from "../helpers/wait.js";

const CLI = join(ROOT, "dist", "cli", "index.js");
const FM_TOKEN = "glc_CANARYalertsFM0123456789abcdef";
const AM_TOKEN = "CANARYalertsAM9876543210fedcba";
const AM_USER = "31415";
const STACK_ID = "271828";

/** Two of four linux collectors unhealthy, and a healthy windows one. */
const BLUEPRINT = `name: alerts-e2e
features:
  fleet_management:
    collectors_per_os: {linux: 4, windows: 1}
    unhealthy_per_os: {linux: 2}
`;
const ROSTER = buildRoster(parseBlueprint(BLUEPRINT, "alerts.yaml").blueprint).collectors;
const UNHEALTHY = ROSTER.filter((c) => !c.healthy)
  .map((c) => c.id)
  .sort();

interface AlertmanagersResponse {
  data: { activeAlertmanagers: { url: string }[] };
}

const ids = (alerts: readonly GettableAlert[]) => alerts.map((a) => a.labels.collector_id ?? "").sort();

/** Polls until `check` holds (it may throw until then), for at most `timeoutMs`. */
async function eventually<T>(
  what: string,
  timeoutMs: number,
  read: () => Promise<T>,
  check: (v: T) => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (check(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

function fmFleet(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("alerts in a real Alertmanager", () => {
  let am: AlertmanagerServer;
  let fm: FmEmulator | undefined;
  let rw: RemoteWriteReceiver | undefined;
  let prom: PrometheusServer | undefined;
  const engines: FleetEngine[] = [];

  beforeAll(async () => {
    expect(existsSync(CLI), "run npm run build first").toBe(true);
    am = await startAlertmanager();
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop({ deadlineMs: performance.now() + 10_000 })));
    await Promise.all([fm?.close(), rw?.close(), prom?.stop()]);
    fm = rw = prom = undefined;
  });
  afterAll(async () => {
    await am?.stop();
  });

  it("the CLI's background fleet fires one alert per unhealthy collector, and stop resolves every one", async () => {
    fm = await createFmEmulator({ stackId: STACK_ID, token: FM_TOKEN });
    rw = await createRemoteWriteReceiver();
    const cwd = mkdtempSync(join(tmpdir(), "fm-fleet-alerts-"));
    writeFileSync(join(cwd, "alerts.yaml"), BLUEPRINT);
    const env = {
      GC_FM_URL: fm.url,
      GC_FM_STACK_ID: STACK_ID,
      GC_FM_TOKEN: FM_TOKEN,
      GC_PROM_URL: rw.url,
      GC_ALERTMANAGER_URL: am.url,
      GC_ALERTMANAGER_USER: AM_USER,
      GC_ALERTMANAGER_TOKEN: AM_TOKEN,
    };
    const printed: Record<string, string> = {};
    const run = async (args: string[]) => {
      const result = await fmFleet(args, cwd, env);
      printed[`fm-fleet ${args.join(" ")}`] = result.stdout + result.stderr;
      return result;
    };

    const start = await run(["start", "alerts.yaml", "--interval", "1s"]);
    expect(start.code, start.stderr).toBe(0);
    expect(UNHEALTHY).toHaveLength(2);
    // Ready means the alerts were posted: no waiting.
    const firing = await am.alerts({ alertname: ALERT_NAME });
    expect(ids(firing)).toEqual(UNHEALTHY);
    for (const alert of firing) {
      expect(alert.status.state).toBe("active");
      expect(alert.labels).toEqual({
        alertname: ALERT_NAME,
        collector_id: alert.labels.collector_id,
        severity: "critical",
        source: "fleet-management",
        job: "integrations/alloy",
        cluster: ROSTER.find((c) => c.id === alert.labels.collector_id)!.labels.cluster,
        fake: "true",
      });
      // Kept alive by re-posts: four minutes ahead, as Prometheus does.
      const aheadMs = Date.parse(alert.endsAt) - Date.now();
      expect(aheadMs).toBeGreaterThan(3 * 60_000);
      expect(aheadMs).toBeLessThanOrEqual(4 * 60_000);
    }
    const status = await run(["status", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({
      phase: "ready",
      counters: { alerts: { posted: 2, failures: 0 } },
    });

    const stop = await run(["stop"]);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(
      /the background process stopped; it cleaned up; cleanup complete: .*, 2 alerts resolved/,
    );
    expect(await am.alerts({ alertname: ALERT_NAME })).toEqual([]);
    expect(
      scanForSecrets({
        texts: printed,
        dirs: [join(cwd, ".fm-fleet")],
        secrets: [FM_TOKEN, AM_TOKEN],
        users: [STACK_ID, AM_USER],
      }),
    ).toEqual([]);
    expect(filesUnder(join(cwd, ".fm-fleet")).some((f) => f.endsWith("secrets.json"))).toBe(false);
  });

  it("shows a warning, a recovery and a leave as the engine applies them", async () => {
    rw = await createRemoteWriteReceiver();
    const { config, secrets } = buildFleetConfig(
      {
        intervalMs: 1000,
        heartbeatIntervalMs: 45_000,
        fmRatePerSecond: 15,
        maxLifetimeMs: 60_000,
        credentials: {
          prom: { url: rw.url, user: "", token: "" },
          alertmanager: { url: am.url, user: AM_USER, token: AM_TOKEN },
        },
      },
      { blueprint: "alerts-e2e", collectors: ROSTER },
      Date.now(),
    );
    const engine = createFleetEngine({ config, secrets });
    engines.push(engine);
    await engine.start();
    const [first, second] = UNHEALTHY as [string, string];
    const healthy = ROSTER.find((c) => c.healthy && c.os === "linux")!;

    // The first unhealthy collector turns yellow, a healthy one goes red, the second recovers.
    await engine.update(
      [
        { ...ROSTER.find((c) => c.id === first)! },
        { ...healthy, healthy: false },
        { ...ROSTER.find((c) => c.id === second)!, healthy: true },
      ],
      undefined,
      { severity: { [first]: "warning" } },
    );
    const now = await am.alerts({ alertname: ALERT_NAME });
    expect(now.map((a) => [a.labels.collector_id, a.labels.severity]).sort()).toEqual(
      [
        [first, "warning"],
        [healthy.id, "critical"],
      ].sort(),
    );

    await engine.leave([first]);
    expect(ids(await am.alerts({ alertname: ALERT_NAME }))).toEqual([healthy.id]);
    const cleanup = await engine.stop({ deadlineMs: performance.now() + 10_000 });
    expect(cleanup).toMatchObject({ complete: true, alertsFiring: 0 });
    expect(await am.alerts({ alertname: ALERT_NAME })).toEqual([]);
  });

  it("promtool accepts the rules fm-fleet prints, in both severities", async () => {
    const promtool = findExecutable(["promtool"], "PROMTOOL_BIN", "prometheus");
    const dir = mkdtempSync(join(tmpdir(), "fm-fleet-rules-"));
    for (const severity of ["critical", "warning"]) {
      const rules = await fmFleet(["rules", "--severity", severity], dir, {});
      expect(rules.code, rules.stderr).toBe(0);
      const file = join(dir, `${severity}.yml`);
      writeFileSync(file, rules.stdout);
      const { stdout } = await promisify(execFile)(promtool, ["check", "rules", file]);
      expect(stdout).toMatch(/SUCCESS: 2 rules found/);
    }
  });

  it("Prometheus evaluates those rules on the fleet's metrics; the alerts reach Alertmanager with collector_id", async () => {
    const rules = await fmFleet(["rules", "--severity", "warning", "--for", "0s"], ROOT, {});
    expect(rules.code, rules.stderr).toBe(0);
    prom = await startPrometheus({
      config: [
        "global:",
        "  scrape_interval: 15s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - rules.yml",
        "alerting:",
        "  alertmanagers:",
        "    - static_configs:",
        `        - targets: ["${am.address}"]`,
        "",
      ].join("\n"),
      files: { "rules.yml": rules.stdout },
    });
    // Prometheus sends a new alert once and then only every resend delay (1 m): it must know the
    // Alertmanager before the first evaluation that fires, or that first notification is dropped.
    await eventually(
      "Prometheus to discover the Alertmanager",
      30_000,
      async () =>
        ((await (await fetch(`${prom!.url}/api/v1/alertmanagers`)).json()) as AlertmanagersResponse).data
          .activeAlertmanagers.length,
      (n) => n === 1,
    );
    // Metrics only: the fleet's series reach Prometheus by remote write, as they reach Mimir.
    const { config, secrets } = buildFleetConfig(
      {
        intervalMs: 1000,
        heartbeatIntervalMs: 45_000,
        fmRatePerSecond: 15,
        maxLifetimeMs: 60_000,
        credentials: { prom: { url: prom.writeUrl, user: "", token: "" } },
      },
      { blueprint: "alerts-e2e", collectors: ROSTER },
      Date.now(),
    );
    const engine = createFleetEngine({ config, secrets });
    engines.push(engine);
    await engine.start();
    engine.run();

    for (const alertname of [DOWN_ALERT, UNHEALTHY_COMPONENTS_ALERT]) {
      const alerts = await eventually(
        `${alertname} in Alertmanager for the unhealthy collectors`,
        30_000,
        () => am.alerts({ alertname }),
        (a) => ids(a).join() === UNHEALTHY.join(),
      );
      for (const alert of alerts)
        expect(alert.labels).toMatchObject({ severity: "warning", source: "fleet-management" });
    }

    // Cleanup's stale markers end the series, so Prometheus resolves its alerts: nothing is left active.
    await engine.stop({ deadlineMs: performance.now() + 10_000 });
    await eventually(
      `${DOWN_ALERT} resolved after cleanup`,
      30_000,
      () => am.alerts({ alertname: DOWN_ALERT }),
      (a) => a.length === 0,
    );
  });
});
