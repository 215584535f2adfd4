/**
 * `fm-fleet demo` (`npm run demo`): the whole product on a laptop with no Grafana account. Starts the FM
 * emulator and a remote-write receiver in-process, runs a blueprint for ~20 s with a 2 s tick and a short
 * heartbeat through the same engine the action uses, stops, and prints what the emulator saw.
 */
import { randomBytes } from "node:crypto";
import { parseCommandArgs, type CliCommand } from "./args.js";
import { loadEmulator } from "./emulate.js";
import type { CliIo } from "./io.js";
import { runCommand } from "./run.js";

export const DEMO_HELP = `Usage: fm-fleet demo [<blueprint>] [--duration 20s]

Runs a blueprint (default fleet-management) against a local FM emulator and remote-write receiver for
about 20 s, then shows that every collector registered, heartbeated, pushed metrics, and was cleaned up.`;

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("demo", argv, {
    duration: { type: "string", default: "20s" },
  });
  const token = `glc_demo_${randomBytes(12).toString("hex")}`;
  const { createFmEmulator, createRemoteWriteReceiver } = await loadEmulator();
  const fm = await createFmEmulator({ stackId: "100001", token });
  const rw = await createRemoteWriteReceiver({ user: "200002", token });
  try {
    io.stdout.write(`FM emulator at ${fm.url}, remote-write receiver at ${rw.url}\n\n`);
    const env: NodeJS.ProcessEnv = {
      PATH: io.env.PATH,
      GC_FM_URL: fm.url,
      GC_FM_STACK_ID: "100001",
      GC_FM_TOKEN: token,
      GC_PROM_URL: rw.url,
      GC_PROM_USER: "200002",
      GC_PROM_TOKEN: token,
    };
    let peak = { active: 0, open: 0 };
    const sampler = setInterval(() => {
      const active = fm.collectors().filter((c) => c.active).length;
      peak = { active: Math.max(peak.active, active), open: Math.max(peak.open, rw.openSeries()) };
    }, 500);
    const code = await runCommand(
      [
        positionals[0] ?? "fleet-management",
        "--interval",
        "2s",
        "--heartbeat-interval",
        "5s",
        "--duration",
        values.duration,
      ],
      { ...io, env },
    );
    clearInterval(sampler);
    const collectors = fm.collectors();
    const heartbeats = collectors.reduce((n, c) => n + c.heartbeats, 0);
    const series = rw.series();
    io.stdout.write(
      [
        "",
        "What the emulator saw:",
        `  collectors registered:        ${collectors.length}`,
        `  active at once (peak):        ${peak.active}`,
        `  heartbeats (GetConfig):       ${heartbeats}`,
        `  series received (peak open):  ${series.length} (${peak.open})`,
        `  samples received:             ${series.reduce((n, s) => n + s.samples, 0)}`,
        `  still registered now:         ${collectors.filter((c) => c.registered).length}`,
        `  series still open now:        ${rw.openSeries()}`,
        "",
        code === 0 && rw.openSeries() === 0 && collectors.every((c) => !c.registered)
          ? "demo complete: every collector was unregistered and every series closed with a stale marker"
          : "demo finished with leftovers (see above)",
        "",
      ].join("\n"),
    );
    return code;
  } finally {
    await Promise.all([fm.close(), rw.close()]);
  }
}

export const demoCliCommand: CliCommand = {
  name: "demo",
  summary: "run a fleet for 20 s against a local emulator and show what it saw",
  usage: DEMO_HELP,
  run: demoCommand,
};
