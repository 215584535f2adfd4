/**
 * A process that passes every identity check of the background process and never stops: it opens the control
 * channel for the nonce in FM_TEST_NONCE, answers every request (stop included), ignores SIGTERM and SIGINT,
 * and writes a status file proving its PID, as a daemon stuck in cleanup would. Only SIGKILL ends it.
 * Run with `node --import tsx test/helpers/stubborn-daemon.ts <stateDir>`.
 */
import { controlEndpoint, openControlServer } from "../../src/runtime/control.js";
import { statePaths } from "../../src/runtime/paths.js";
import { zeroCounters } from "../../src/runtime/counters.js";
import { writeStatus } from "../../src/runtime/status.js";

const nonce = process.env.FM_TEST_NONCE ?? "";
const paths = statePaths(process.argv[2]!);
process.on("SIGTERM", () => undefined);
process.on("SIGINT", () => undefined);
const server = await openControlServer({
  endpoint: controlEndpoint(nonce),
  nonce,
  handle: () => ({ phase: "stopping" }),
});
writeStatus(paths.status, {
  pid: process.pid,
  nonce,
  phase: "stopping",
  startedAtMs: Date.now(),
  updatedAtMs: Date.now(),
  counters: zeroCounters(0, { fm: false, prom: false }),
  lastTimestampMs: 0,
  lastErrors: {},
  control: server.endpoint,
});
process.stdout.write("listening\n");
setInterval(() => undefined, 60_000);
