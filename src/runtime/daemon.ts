/**
 * The background process (README.md#what-happens-when): owns every FM and Mimir side effect while the job
 * runs. Reads its handoff from stdin, reports through the status file, and stops gracefully on a stop request
 * (control channel or stop file), SIGTERM/SIGINT, max-lifetime, or when the process that started it is gone —
 * so a self-hosted runner never keeps a fleet alive.
 */
import { existsSync } from "node:fs";
import { systemClock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import { lineLogger, type Logger } from "../core/logger.js";
import { createScrubber } from "../core/secrets.js";
import { daemonHandoffSchema, savedSecretValues, type DaemonHandoff } from "./config.js";
import { cleanupBudgetMs } from "./budget.js";
import { controlEndpoint, openControlServer, type ControlServer } from "./control.js";
import { createFleetEngine, type FleetEngine } from "./fleet-engine.js";
import { statePaths } from "./paths.js";
import { isAlive } from "./process.js";
import { zeroCounters } from "./counters.js";
import { writeFileAtomic } from "./files.js";
import { emptyCleanup, writeStatus, type Phase, type Status } from "./status.js";
import { createEventHandler } from "./event-request.js";
import { openEventInbox, type EventInbox } from "./event-inbox.js";
import { createScenarioPlayer, type ScenarioPlayer } from "./scenario-player.js";

const STOP_POLL_MS = 1000;
const STATUS_EVERY_MS = 5000;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function runDaemon(): Promise<number> {
  const raw = await readStdin();
  const parsed = daemonHandoffSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    process.stderr.write(`fm-fleet daemon: invalid handoff on stdin: ${parsed.error.message}\n`);
    return 2;
  }
  return serve(parsed.data);
}

async function serve(handoff: DaemonHandoff): Promise<number> {
  const clock = systemClock;
  const paths = statePaths(handoff.stateDir);
  const { config, secrets } = handoff;
  const known = savedSecretValues(config, secrets);
  const scrub = createScrubber(known.secrets, known.users);
  // The log is a file or pipe the process does not control: a full disk (ENOSPC) or a closed pipe (EPIPE)
  // must cost the log, not the fleet. Without a listener, a stream error is an uncaught exception.
  let logBroken: string | undefined;
  const onLogError = (err: Error) => (logBroken ??= describeError(err));
  process.stdout.on("error", onLogError);
  process.stderr.on("error", onLogError);
  const logger: Logger = lineLogger(
    (line) => {
      if (logBroken !== undefined) return;
      try {
        process.stdout.write(line);
      } catch (err) {
        onLogError(err instanceof Error ? err : new Error(String(err)));
      }
    },
    scrub,
    "info",
  );
  const startedAtMs = clock.now();
  const startedMono = clock.monotonic();
  let phase: Phase = "starting";
  let reason: string | undefined;
  let engine: FleetEngine | undefined;
  let player: ScenarioPlayer | undefined;
  let inbox: EventInbox | undefined;
  let control: ControlServer | undefined;
  const lastTimestampMs = handoff.notBeforeMs ?? 0;

  let startWarnings: readonly string[] = [];

  const status = (extra: Pick<Status, "cleanup"> = {}): Status => ({
    pid: process.pid,
    nonce: handoff.nonce,
    phase,
    startedAtMs,
    updatedAtMs: clock.now(),
    counters:
      engine?.counters() ??
      zeroCounters(config.collectors.length, {
        fm: config.fm !== null,
        prom: config.prom !== null,
        alerts: config.alertmanager !== undefined,
      }),
    lastTimestampMs: Math.max(lastTimestampMs, engine?.lastTimestampMs() ?? 0),
    lastErrors: {
      ...(engine
        ? Object.fromEntries(Object.entries(engine.lastErrors()).map(([k, v]) => [k, scrub(v)]))
        : {}),
      ...(logBroken !== undefined ? { log: `the log cannot be written: ${logBroken}` } : {}),
    },
    ...(control ? { control: control.endpoint } : {}),
    ...(reason ? { reason: scrub(reason) } : {}),
    startWarnings: startWarnings.map(scrub),
    ...(config.fm && engine ? { received: scrubbedReceived(engine, scrub) } : {}),
    ...(player ? { timeline: player.record(), health: player.health() } : {}),
    ...extra,
  });
  const report = (extra?: Pick<Status, "cleanup">) => {
    try {
      writeStatus(paths.status, status(extra));
    } catch (err) {
      logger.warn(`could not write the status file: ${describeError(err)}`);
    }
  };

  // Stop requests. Installed before anything else so a signal that arrives during start is graceful
  // (docs/fm-protocol.md#detached-processes: a SIGTERM right after spawn otherwise kills with no handler).
  let stopRequested: string | undefined;
  let wake: (() => void) | undefined;
  const startAbort = new AbortController();
  const requestStop = (why: string) => {
    stopRequested ??= why;
    // During start: abandon registering at once, then clean up what was registered.
    if (phase === "starting") startAbort.abort(new Error(`stop requested during start (${why})`));
    wake?.();
  };
  process.on("SIGTERM", () => requestStop("SIGTERM"));
  process.on("SIGINT", () => requestStop("SIGINT"));
  // The control channel needs no disk write and works on Windows; the stop file stays as a second way in.
  try {
    control = await openControlServer({
      endpoint: controlEndpoint(handoff.nonce),
      nonce: handoff.nonce,
      handle: (request) => {
        if (request.type === "stop")
          requestStop(`stop requested on the control channel${request.reason ? ` (${request.reason})` : ""}`);
        return { phase };
      },
    });
  } catch (err) {
    logger.warn(
      `no control channel (stop requests come by stop file and signal only): ${describeError(err)}`,
    );
  }
  const watchdog = setInterval(() => {
    if (existsSync(paths.stop)) requestStop("stop file");
    else if (clock.monotonic() - startedMono >= config.maxLifetimeMs) requestStop("max-lifetime reached");
    else if (handoff.watchPid !== undefined && !isAlive(handoff.watchPid)) {
      requestStop(`the process that started the fleet (PID ${handoff.watchPid}) is gone`);
    }
  }, STOP_POLL_MS);

  report();
  logger.info(
    `fm-fleet daemon ${process.pid}: ${config.collectors.length} collectors of blueprint ${config.blueprint}; FM ${config.fm ? config.fm.url : "off"}; remote write ${config.prom ? config.prom.url : "off"}; alerts ${config.alertmanager ? config.alertmanager.url : "off"}`,
  );

  try {
    engine = createFleetEngine({
      config,
      secrets,
      ...(handoff.notBeforeMs !== undefined ? { notBeforeMs: handoff.notBeforeMs } : {}),
      // Saved before a join or upgrade registers anything, so post can clean up after this process.
      onMembersChanged: (collectors) => writeFileAtomic(paths.members, JSON.stringify(collectors)),
      clock,
      logger,
      scrub,
    });
    const started = await engine.start(startAbort.signal);
    startWarnings = started.warnings;
    logger.info(
      `ready: ${started.registered} collectors registered, first push accepted (${started.firstPushSamples} samples)`,
    );
    if (!stopRequested) {
      phase = "ready";
      // The timeline counts from here, and live events (`fm-fleet event`) are taken from here on.
      player = createScenarioPlayer({
        engine,
        steps: config.scenario ?? [],
        ...(config.shape ? { shape: config.shape } : {}),
        clock,
        logger,
        onChange: () => {
          if (phase === "ready") report();
        },
      });
      player.start();
      report();
      engine.run();
      inbox = openEventInbox({
        paths,
        handle: createEventHandler({ player, nonce: handoff.nonce, clock }),
        clock,
        logger,
      });
      const statusTimer = setInterval(report, STATUS_EVERY_MS);
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (stopRequested) resolve();
      });
      clearInterval(statusTimer);
    }
    // No new step or event from here on; one in progress finishes (or is cut short) first.
    await player?.stop();
    await inbox?.close();
    reason = stopRequested;
    logger.info(`stopping: ${stopRequested}`);
  } catch (err) {
    phase = "failed";
    reason = describeError(err);
    logger.error(`start failed: ${reason}`);
    report();
  }

  // Cleanup, whatever happened above. A failed start keeps its reason in the final status.
  const failed = phase === "failed";
  phase = "stopping";
  report();
  const cleanup = engine
    ? await engine.stop({
        deadlineMs: clock.monotonic() + cleanupBudgetMs(engine.members().length, config.fmRatePerSecond),
      })
    : // The engine was never built, so nothing was registered or pushed.
      emptyCleanup();
  for (const w of cleanup.warnings) logger.warn(w);
  for (const f of cleanup.unregisterFailed) logger.error(`could not unregister ${f.id}: ${f.error}`);
  if (cleanup.seriesOpen > 0)
    logger.error(`${cleanup.seriesOpen} series left open: ${cleanup.seriesError ?? ""}`);
  logger.info(
    `cleanup ${cleanup.complete ? "complete" : "INCOMPLETE"}: ${cleanup.unregistered} unregistered, ${cleanup.seriesClosed} series closed`,
  );
  clearInterval(watchdog);
  phase = "stopped";
  report({ cleanup });
  // Last: a stopper that asks now still hears "stopped" from the status file, and the open server would
  // keep the process from exiting.
  await control?.close().catch(() => undefined);
  return failed ? 1 : 0;
}

/** The received configs for the status file; an error message quotes the content, so it is scrubbed. */
function scrubbedReceived(engine: FleetEngine, scrub: (text: string) => string): Status["received"] {
  const out: NonNullable<Status["received"]> = {};
  for (const [id, r] of Object.entries(engine.receivedConfigs()))
    out[id] = {
      pipelines: [...r.pipelines],
      status: r.status,
      ...(r.error ? { error: scrub(r.error) } : {}),
    };
  return out;
}
