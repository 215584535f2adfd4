import { describe, expect, it } from "vitest";
import { CredentialsError } from "../../src/core/errors.js";
import { basicAuth, validateEndpoint } from "../../src/transport/endpoint.js";

describe("validateEndpoint", () => {
  it("accepts https anywhere", () => {
    expect(validateEndpoint("https://fleet-management-prod-001.grafana.net/", "GC_FM_URL").host).toBe(
      "fleet-management-prod-001.grafana.net",
    );
  });

  it("accepts plain http only for loopback hosts", () => {
    for (const ok of [
      "http://127.0.0.1:4000",
      "http://127.8.9.10/x",
      "http://localhost:9",
      "http://[::1]:80",
    ])
      expect(validateEndpoint(ok, "GC_FM_URL")).toBeInstanceOf(URL);
    for (const bad of [
      "http://example.com",
      "http://10.0.0.1",
      "http://128.0.0.1",
      "http://localhost.evil.com",
    ])
      expect(() => validateEndpoint(bad, "GC_FM_URL")).toThrow(/GC_FM_URL uses plain http/);
  });

  it("names the variable in every refusal", () => {
    const cases: [string, RegExp][] = [
      ["", /fm-url is empty/],
      ["fleet-management-prod-001", /fm-url is not a URL/],
      ["ftp://host", /fm-url must be an https:\/\/ URL/],
      ["https://user:glc_secretsecret@host", /fm-url must not hold credentials/],
    ];
    for (const [raw, message] of cases) {
      let thrown: unknown;
      try {
        validateEndpoint(raw, "fm-url");
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(CredentialsError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain("glc_secretsecret");
    }
  });
});

describe("basicAuth", () => {
  it("encodes user:password in base64 (RFC 7617)", () => {
    expect(basicAuth("123456", "glc_token")).toBe(`Basic ${btoa("123456:glc_token")}`);
    expect(basicAuth("Aladdin", "open sesame")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  });
});
