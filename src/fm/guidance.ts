/**
 * What a user should check when FM refuses the configuration itself
 * (docs/fm-protocol.md#errors-and-http-statuses, #credentials): one sentence per refusal, naming the settings
 * as the frontend the user typed into names them. Shared by the controller, which stops on these, and by
 * `fm-fleet doctor`, which explains them.
 */
import type { ConnectCode, FmProcedure } from "../core/errors.js";
import { FmApiError } from "../core/errors.js";
import { credentialHint, credentialName, doctorSuggestion, type Speaker } from "../settings/hints.js";

/** What FM answered, for the parentheses of a hint: "RegisterCollector, HTTP 401: invalid scope requested". */
function answerOf(error: FmApiError): string {
  const who = error.collectorId ? ` for ${error.collectorId}` : "";
  const http = error.status ? `, HTTP ${error.status}` : "";
  const said = error.serverMessage ? `: ${error.serverMessage}` : "";
  return `${error.procedure}${who}${http} ${error.code}${said}`;
}

/**
 * One sentence saying what FM refused and what to check, or undefined when the code says nothing about the
 * configuration.
 */
export function fmGuidance(error: FmApiError, speaker: Speaker): string | undefined {
  switch (error.code) {
    case "unauthenticated":
      return credentialHint("fm", "refused", speaker, answerOf(error));
    case "permission_denied":
      return credentialHint("fm", "forbidden", speaker, answerOf(error));
    case "invalid_argument":
      return (
        `Fleet Management refused the request as malformed (${answerOf(error)}): check the collector IDs ` +
        "(at most 128 chars of [a-z0-9.-]) and the blueprint's attributes (keys at most 100 chars, values at most 150)."
      );
    case "unimplemented":
      return (
        `This URL does not serve the Fleet Management collector API (${answerOf(error)}): check that ` +
        `${credentialName("fm", "url", speaker)} is the Fleet Management base URL, e.g. ` +
        `https://fleet-management-prod-001.grafana.net, without a service path, ${doctorSuggestion(speaker)}.`
      );
    default:
      return undefined;
  }
}

/** An FmApiError whose message is the one sentence that says what to check. Raised once, never retried. */
export class FmRejectedError extends FmApiError {
  constructor(
    procedure: FmProcedure,
    code: ConnectCode,
    status: number,
    serverMessage: string,
    readonly guidance: string,
    collectorId?: string,
  ) {
    super(procedure, code, status, serverMessage, collectorId);
    if (guidance) this.message = guidance;
  }

  static from(error: FmApiError, speaker: Speaker): FmRejectedError {
    return new FmRejectedError(
      error.procedure,
      error.code,
      error.status,
      error.serverMessage,
      fmGuidance(error, speaker) ?? "",
      error.collectorId,
    );
  }
}
