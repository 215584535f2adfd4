/**
 * `fm-fleet doctor`: checks the FM and Mimir credentials live and explains each failure in plain words
 * (README.md#command-line). It writes nothing: FM is probed with a GetConfig for an ID that is never
 * registered (not_found means the credentials were accepted), Mimir with an empty WriteRequest (no series).
 */
import { describeError, FmApiError, RemoteWriteError } from "../core/errors.js";
import { createScrubber } from "../core/secrets.js";
import { createFmClient } from "../fm/client.js";
import { createPusher } from "../remote-write/push.js";
import { encodeWriteRequest } from "../remote-write/encode.js";
import { compressBlock } from "../remote-write/snappy.js";
import { createHttpTransport } from "../transport/http.js";
import { secretValues } from "../settings/credentials.js";
import { readCredentials } from "../settings/parse.js";
import { withDotEnv } from "./dotenv.js";
import { parseCommandArgs, type CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

export const DOCTOR_HELP = `Usage: fm-fleet doctor

Checks the credentials in the environment (or .env) against Fleet Management and the remote-write
endpoint, without registering a collector or writing a series, and explains each failure.`;

const PROBE_ID = "fm-action-doctor-probe";

export function explainFm(err: FmApiError, stackIdName: string): string {
  switch (err.code) {
    case "unauthenticated":
      return `FM refused the credentials (401). Check that ${stackIdName} is the stack's Fleet Management instance ID (Connections > Fleet Management > API tab; normally the stack ID) — it is NOT GC_PROM_USER, the Mimir user — and that GC_FM_TOKEN is a current access-policy token with fleet-management:write (scope set set:alloy-data-write).`;
    case "permission_denied":
      return "FM accepted the credentials but the token lacks a scope (403): give its access policy fleet-management:read and fleet-management:write (or the set:alloy-data-write scope set).";
    case "unimplemented":
      return "GC_FM_URL answered 404: it is not a Fleet Management collector API. Copy the base URL from Connections > Fleet Management > API (https://fleet-management-<cluster>.grafana.net), with no path.";
    case "unavailable":
    case "deadline_exceeded":
      return `FM is unreachable or overloaded (${err.message}). Check GC_FM_URL and your network; retry later.`;
    case "resource_exhausted":
      return "FM is rate-limiting this stack (429): other collectors or tools share the 20 req/s limit. Lower --fm-rate-limit or retry later.";
    default:
      return `FM answered ${err.code}: ${err.serverMessage || err.message}`;
  }
}

export function explainRemoteWrite(err: RemoteWriteError): string {
  if (err.status === 401)
    return "the remote-write endpoint refused the credentials (401): check GC_PROM_USER (the Mimir instance ID, a number) and GC_PROM_TOKEN (a token with metrics:write).";
  if (err.status === 403) return "the remote-write token lacks metrics:write (403).";
  if (err.status === 404)
    return "GC_PROM_URL answered 404: it should end in /api/prom/push (Grafana Cloud) or /api/v1/write (Prometheus).";
  if (err.status === 0) return `the remote-write endpoint is unreachable: ${err.message}`;
  return `remote write answered HTTP ${err.status}: ${err.body}`;
}

export async function doctorCommand(argv: string[], io: CliIo): Promise<number> {
  parseCommandArgs("doctor", argv, {});
  const env = withDotEnv(io.env, io.cwd);
  const resolved = readCredentials(env);
  const source = resolved.source;
  // Scrub every token given, not only those that resolved: a token pasted into a URL variable must not
  // come back in a problem (found by fuzzing the settings parser).
  const known = secretValues(resolved.credentials);
  const scrub = createScrubber([...known.secrets, ...resolved.secrets], known.users);
  const say = (ok: boolean | undefined, text: string) =>
    io.stdout.write(`${ok === undefined ? "  - " : ok ? "  ✓ " : "  ✗ "}${scrub(text)}\n`);
  let healthy = true;
  for (const n of resolved.notices) say(undefined, n);
  for (const p of resolved.problems) {
    say(false, `${p.subject}: ${p.message}`);
    healthy = false;
  }
  const transport = createHttpTransport({ connections: 2 });
  try {
    const { fm, prom } = resolved.credentials;
    if (fm) {
      const client = createFmClient({
        baseUrl: fm.url,
        stackId: fm.stackId,
        token: fm.token,
        transport,
        scrub,
      });
      const outcome = await client.getConfig(
        {
          id: PROBE_ID,
          name: PROBE_ID,
          attributes: { "collector.os": "linux", "collector.version": "v1.18.1", fake: "true" },
        },
        {},
      );
      const err = outcome.kind === "success" ? undefined : outcome.error;
      if (!err || (err instanceof FmApiError && err.code === "not_found")) {
        say(true, `Fleet Management at ${fm.url} accepted ${source.fmStackId.name} and the token`);
      } else {
        healthy = false;
        say(false, err instanceof FmApiError ? explainFm(err, source.fmStackId.name) : describeError(err));
      }
    }
    if (prom) {
      const pusher = createPusher({
        url: prom.url,
        ...(prom.user ? { user: prom.user } : {}),
        ...(prom.token ? { token: prom.token } : {}),
        ...(prom.tenant ? { tenant: prom.tenant } : {}),
        transport,
        scrub,
      });
      const result = await pusher.push(compressBlock(encodeWriteRequest([])), {
        samples: 0,
        deadlineMs: performance.now() + 20_000,
      });
      if (result.ok) say(true, `remote write at ${prom.url} accepted the credentials`);
      else {
        healthy = false;
        say(
          false,
          result.error instanceof RemoteWriteError
            ? explainRemoteWrite(result.error)
            : describeError(result.error),
        );
      }
    }
  } finally {
    await transport.close();
  }
  io.stdout.write(healthy ? "all checks passed\n" : "some checks failed\n");
  return healthy ? 0 : 1;
}

export const doctorCliCommand: CliCommand = {
  name: "doctor",
  summary: "check the FM and remote-write credentials live and explain failures",
  usage: DOCTOR_HELP,
  run: doctorCommand,
};
