/**
 * What a user should check when FM refuses the configuration itself (SPEC section 5: "stop and say what to
 * check"). Shared by the controller, which stops on these, and by `fm-fleet doctor`, which explains them.
 */
import type { ConnectCode, FmProcedure } from "../core/errors.js";
import { FmApiError } from "../core/errors.js";

const STACK_ID =
  "GC_FM_STACK_ID (input fm-stack-id) must be the Fleet Management instance ID of the stack, normally the " +
  "stack ID, shown under Connections > Fleet Management > API; it is not the Mimir user GC_PROM_USER";
const TOKEN_SCOPE =
  "GC_FM_TOKEN (input fm-token) must be a Grafana Cloud access-policy token for this stack with the " +
  "fleet-management:write scope (collectors can also use the scope set set:alloy-data-write)";

/** Plain-words advice for a code, or undefined when the code says nothing about the configuration. */
export function fmGuidance(code: ConnectCode): string | undefined {
  switch (code) {
    case "unauthenticated":
      return `FM did not accept the credentials. Check that ${STACK_ID}, and that ${TOKEN_SCOPE}.`;
    case "permission_denied":
      return `FM accepted the credentials but refused the call. Check that ${TOKEN_SCOPE}, and that ${STACK_ID}.`;
    case "invalid_argument":
      return (
        "FM refused the request as malformed. Check the collector IDs (at most 128 chars of [a-z0-9.-]) and " +
        "the blueprint's attributes (keys at most 100 chars, values at most 150)."
      );
    case "unimplemented":
      return (
        "This URL does not serve the FM collector API. Check that GC_FM_URL (input fm-url) is the Fleet " +
        "Management base URL, e.g. https://fleet-management-prod-001.grafana.net, without a service path."
      );
    default:
      return undefined;
  }
}

/** An FmApiError that also says what to check. Raised once and never retried. */
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
    this.message = `${this.message}. ${guidance}`;
  }

  static from(error: FmApiError): FmRejectedError {
    return new FmRejectedError(
      error.procedure,
      error.code,
      error.status,
      error.serverMessage,
      fmGuidance(error.code) ?? "",
      error.collectorId,
    );
  }
}
