/**
 * `fm-fleet demo` (`npm run demo`): the whole product on a laptop with no Grafana account. Starts the FM
 * emulator and a remote-write receiver in-process, runs a blueprint for ~20 s with a 2 s tick and a short
 * heartbeat through the same engine the action uses, stops, and prints what the emulator saw. A blueprint
 * with a scenario (`npm run demo -- incident`) plays its timeline `--speed` times faster and narrates each
 * step: what changed, and what the emulator (FM) and the receiver (Prometheus) now see of it.
 */
import { randomBytes } from "node:crypto";
import { loadBlueprint } from "../blueprint/load.js";
import { formatDuration } from "../core/duration.js";
import { InputError } from "../core/errors.js";
import type { FmEmulator } from "../emulator/fm-server.js";
import type { RemoteWriteReceiver } from "../emulator/rw-receiver.js";
import { effectWords, type TimelineEntry } from "../runtime/timeline.js";
import { parseCommandArgs, type CliCommand } from "./args.js";
import { loadEmulator } from "./emulate.js";
import type { CliIo } from "./io.js";
import { runCommand } from "./run.js";

export const DEMO_HELP = `Usage: fm-fleet demo [<blueprint>] [--duration 20s] [--speed 20]

Runs a blueprint (default fleet-management) against a local FM emulator and remote-write receiver for
about 20 s, then shows that every collector registered, heartbeated, pushed metrics, and was cleaned up.

A blueprint with a scenario (try: fm-fleet demo incident) plays its timeline --speed times faster (1m
becomes 3 s), with 1 s heartbeats and an emulator that marks a collector inactive after 4 s of silence,
and narrates each step. --duration then defaults to the timeline's length plus 10 s.`;

/** The emulator's inactivity window in a scenario demo: FM's is 30 minutes. */
const DEMO_ACTIVE_WINDOW_MS = 4000;

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs("demo", argv, {
    duration: { type: "string" },
    speed: { type: "string", default: "20" },
  });
  const blueprint = positionals[0] ?? "fleet-management";
  const speed = Number(values.speed);
  if (!/^\d+(\.\d+)?$/.test(values.speed) || speed < 1 || speed > 1000)
    throw new InputError([
      { subject: "--speed", message: `expected a number from 1 to 1000, found "${values.speed}"` },
    ]);
  const steps = loadBlueprint(blueprint, { cwd: io.cwd }).blueprint.scenario ?? [];
  const scenario = steps.length > 0;
  const lastStepMs = steps.reduce((max, s) => Math.max(max, s.atMs), 0) / speed;
  const duration = values.duration ?? (scenario ? `${Math.ceil(lastStepMs / 1000) + 10}s` : "20s");
  const token = `glc_demo_${randomBytes(12).toString("hex")}`;
  const { createFmEmulator, createRemoteWriteReceiver } = await loadEmulator();
  const fm = await createFmEmulator({
    stackId: "100001",
    token,
    ...(scenario ? { activeWindowMs: DEMO_ACTIVE_WINDOW_MS } : {}),
  });
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
    if (scenario)
      io.stdout.write(
        `Playing the timeline of ${blueprint} ${speed}× faster: ${steps.length} steps in ${formatDuration(lastStepMs)}. ` +
          `The emulator marks a collector inactive after ${DEMO_ACTIVE_WINDOW_MS / 1000} s without a heartbeat (FM: 30 min).\n\n`,
      );
    const code = await runCommand(
      [
        blueprint,
        "--interval",
        scenario ? "1s" : "2s",
        "--heartbeat-interval",
        scenario ? "1s" : "5s",
        "--duration",
        duration,
      ],
      { ...io, env },
      scenario
        ? {
            timeScale: speed,
            onStep: inStepOrder(
              (entry) => narrate(entry, fm, rw),
              (text) => void io.stdout.write(text),
            ),
          }
        : {},
    );
    clearInterval(sampler);
    // From FM's request log, not its records: cleanup deletes the records it unregistered.
    const answered = fm.requests().filter((r) => r.status === 200);
    const idsOf = (method: string) => new Set(answered.filter((r) => r.method === method).map(bodyId));
    const registered = idsOf("RegisterCollector");
    registered.delete(undefined);
    const heartbeats = answered.filter((r) => r.method === "GetConfig").length;
    const collectors = fm.collectors();
    const series = rw.series();
    io.stdout.write(
      [
        "",
        "What the emulator saw:",
        `  collectors registered:        ${registered.size}`,
        `  active at once (peak):        ${peak.active}`,
        `  heartbeats (GetConfig):       ${heartbeats}`,
        `  series received (peak open):  ${series.length} (${peak.open})`,
        `  samples received:             ${series.reduce((n, s) => n + s.samples, 0)}`,
        `  still registered now:         ${collectors.filter((c) => c.registered).length}`,
        `  records left in FM's list:    ${collectors.length}`,
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

/** What a step does that the servers cannot show yet when its effect is accepted. */
const HINTS: Partial<Record<TimelineEntry["event"], string>> = {
  silence: "no more heartbeats, metrics go on: FM marks it inactive once its window passes without one",
  crash:
    "no more heartbeats or pushes, no Unregister, no stale markers: Prometheus drops its series after its 5-minute look-back",
  resume: "heartbeats again from its next slot; a crashed one's metrics come back with this push",
  leave: "UnregisterCollector, and a stale marker on every series at once",
};

/**
 * Steps of one offset finish in any order (a heartbeat may come before a push): tell them in step order,
 * each as the servers saw it when its own effect was accepted.
 */
function inStepOrder(
  render: (entry: TimelineEntry) => string,
  print: (text: string) => void,
): (entry: TimelineEntry) => void {
  const told = new Map<number, string>();
  let next = 1;
  return (entry) => {
    if (entry.step === undefined) return print(render(entry));
    told.set(entry.step, render(entry));
    for (let text = told.get(next); text !== undefined; text = told.get(next)) {
      told.delete(next++);
      print(text);
    }
  };
}

/** One step as the emulator and the receiver see it, right after its first effect was accepted. */
export function narrate(entry: TimelineEntry, fm: FmEmulator, rw: RemoteWriteReceiver): string {
  const head = `\n▶ step ${entry.step ?? "live"} at +${formatDuration(entry.ranOffsetMs)}: ${entry.event} (${entry.select})`;
  if (entry.changed.length === 0)
    return `${head}\n  changed nobody: ${entry.warnings.join("; ") || entry.failed.map((f) => f.error).join("; ")}\n`;
  const lines = [
    head,
    `  changed ${entry.changed.join(", ")}; ${entry.effect ? effectWords(entry.effect, entry.ranAtMs) : "waiting for its effect"}`,
  ];
  const hint = HINTS[entry.event];
  if (hint) lines.push(`  (${hint})`);
  const seen = new Map(fm.collectors().map((c) => [c.id, c]));
  const series = rw.series();
  for (const id of entry.changed.slice(0, 4)) {
    const c = seen.get(id);
    const fmView = !c
      ? "FM: not known"
      : [
          `FM: ${c.registered ? (c.active ? "active" : "inactive") : "unregistered"}`,
          `${c.heartbeats} heartbeats`,
          `version ${c.localAttributes["collector.version"] ?? "?"}`,
          ...(c.markedInactiveAtMs !== undefined
            ? [`marked inactive ${new Date(c.markedInactiveAtMs).toISOString().slice(11, 19)}`]
            : []),
          ...(c.lastRemoteConfigStatus
            ? [
                `config ${c.lastRemoteConfigStatus.replace("RemoteConfigStatuses_", "")}${c.lastRemoteConfigError ? ` ${JSON.stringify(c.lastRemoteConfigError)}` : ""}`,
              ]
            : []),
        ].join(", ");
    const up = series.find((s) => s.labels.__name__ === "up" && s.labels.collector_id === id);
    const builds = series
      .filter((s) => s.labels.__name__ === "alloy_build_info" && s.labels.collector_id === id && !s.stale)
      .map((s) => s.labels.version);
    const promView = !up
      ? "Prometheus: no series"
      : `Prometheus: up ${up.stale ? "gone (stale marker)" : up.lastValue}${builds.length ? `, alloy_build_info ${builds.join(" + ")}` : ""}`;
    lines.push(`  ${id}: ${fmView}; ${promView}`);
  }
  if (entry.changed.length > 4) lines.push(`  … and ${entry.changed.length - 4} more`);
  return `${lines.join("\n")}\n`;
}

export const demoCliCommand: CliCommand = {
  name: "demo",
  summary: "run a fleet (or a scenario, fast) against a local emulator and show what it saw",
  usage: DEMO_HELP,
  run: demoCommand,
};

/** The collector ID a logged request names (`id` in its JSON body), if any. */
function bodyId(request: { readonly body: string }): string | undefined {
  try {
    const id = (JSON.parse(request.body) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
