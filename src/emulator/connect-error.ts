/**
 * A Connect error as the emulator answers it: the code's HTTP status and a JSON body `{"code","message"}`,
 * whatever codec the request used (Connect protocol, "Unary-Response": errors are always application/json).
 */
import type { ServerResponse } from "node:http";
import type { ConnectCode } from "../core/errors.js";
import { HTTP_STATUS_OF_CODE } from "../fm/connect.js";

/** Thrown by the emulator's handlers; the server turns it into an answer. */
export class ConnectError extends Error {
  override readonly name = "ConnectError";
  constructor(
    readonly code: ConnectCode,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get status(): number {
    return HTTP_STATUS_OF_CODE[this.code];
  }
}

export function sendConnectError(res: ServerResponse, error: ConnectError): void {
  res
    .writeHead(error.status, { "content-type": "application/json", ...error.headers })
    .end(JSON.stringify({ code: error.code, message: error.message }));
}
