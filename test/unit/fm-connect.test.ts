import { describe, expect, it } from "vitest";
import {
  codeFromHttpStatus,
  decodeConnectError,
  isFatalCode,
  isRetryableCode,
} from "../../src/fm/connect.js";

describe("Connect error decoding", () => {
  it("reads code and message from a Connect error body", () => {
    expect(
      decodeConnectError(
        401,
        '{"code":"unauthenticated","message":"authentication error: invalid scope requested"}',
      ),
    ).toEqual({
      code: "unauthenticated",
      message: "authentication error: invalid scope requested",
      fromBody: true,
    });
    expect(decodeConnectError(409, '{"code":"already_exists"}')).toEqual({
      code: "already_exists",
      message: "",
      fromBody: true,
    });
  });

  it("infers the code from the status when the body is not a Connect error (Connect protocol table)", () => {
    const cases: [number, string][] = [
      [400, "internal"],
      [401, "unauthenticated"],
      [403, "permission_denied"],
      [404, "unimplemented"],
      [429, "unavailable"],
      [502, "unavailable"],
      [503, "unavailable"],
      [504, "unavailable"],
      [500, "unknown"],
      [418, "unknown"],
    ];
    for (const [status, code] of cases) {
      expect(codeFromHttpStatus(status)).toBe(code);
      expect(decodeConnectError(status, "<html>Bad Gateway</html>")).toMatchObject({ code, fromBody: false });
    }
  });

  it("does not take {} or an unknown code for a Connect error", () => {
    expect(decodeConnectError(503, "{}").code).toBe("unavailable");
    expect(decodeConnectError(404, '{"code":"nope"}').code).toBe("unimplemented");
    expect(decodeConnectError(404, '{"code":null}').code).toBe("unimplemented");
  });

  it("retries only transient codes, and calls configuration errors fatal", () => {
    expect(
      ["unavailable", "resource_exhausted", "deadline_exceeded"].every((c) => isRetryableCode(c as never)),
    ).toBe(true);
    for (const c of [
      "unauthenticated",
      "permission_denied",
      "invalid_argument",
      "not_found",
      "internal",
    ] as const)
      expect(isRetryableCode(c)).toBe(false);
    for (const c of ["unauthenticated", "permission_denied", "invalid_argument"] as const)
      expect(isFatalCode(c)).toBe(true);
    expect(isFatalCode("unavailable")).toBe(false);
  });
});
