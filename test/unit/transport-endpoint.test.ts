import { describe, expect, it } from "vitest";
import { basicAuth } from "../../src/transport/endpoint.js";

describe("basicAuth", () => {
  it("encodes user:password in base64 (RFC 7617)", () => {
    expect(basicAuth("123456", "glc_token")).toBe(`Basic ${btoa("123456:glc_token")}`);
    expect(basicAuth("Aladdin", "open sesame")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  });
});
