import { describe, expect, it } from "vitest";
import { isLoopbackHost } from "../../src/core/loopback.js";
import { validateEndpoint } from "../../src/settings/endpoint.js";

const problemOf = (text: string, use: "base" | "push" = "base"): string => {
  const parsed = validateEndpoint(text, use);
  if (parsed.ok) throw new Error(`${text} was accepted as ${parsed.value}`);
  return parsed.problem;
};

describe("validateEndpoint", () => {
  it("accepts https anywhere, and gives FM's base URL without its trailing slash", () => {
    expect(validateEndpoint("https://fleet-management-prod-001.grafana.net/", "base")).toEqual({
      ok: true,
      value: "https://fleet-management-prod-001.grafana.net",
    });
    expect(validateEndpoint("https://prometheus-prod-01.grafana.net/api/prom/push", "push")).toEqual({
      ok: true,
      value: "https://prometheus-prod-01.grafana.net/api/prom/push",
    });
  });

  it("accepts plain http only for loopback hosts", () => {
    for (const ok of [
      "http://127.0.0.1:4000",
      "http://127.8.9.10/x",
      "http://localhost:9",
      "http://[::1]:80",
    ])
      expect(validateEndpoint(ok, "base").ok, ok).toBe(true);
    for (const bad of [
      "http://example.com",
      "http://10.0.0.1",
      "http://128.0.0.1",
      "http://localhost.evil.com",
    ])
      expect(problemOf(bad)).toMatch(
        /^uses plain http:\/\/ to .*, which would send credentials in clear text/,
      );
  });

  it("says what is wrong without quoting a token", () => {
    expect(problemOf("fleet-management-prod-001")).toBe(
      'expected an https:// URL, found "fleet-management-prod-001"',
    );
    expect(problemOf("glc_secretsecretsecret")).toBe('expected an https:// URL, found "***"');
    expect(problemOf("ftp://host")).toBe('expected an https:// URL, found the scheme "ftp:"');
    const withUser = problemOf("https://user:glc_secretsecret@host");
    expect(withUser).toMatch(/^must not hold credentials/);
    expect(withUser).not.toContain("glc_secretsecret");
  });

  it("refuses a query or fragment in FM's base URL, which would end up inside every request path", () => {
    expect(problemOf("https://fleet-management-prod-001.grafana.net/?tenant=1")).toMatch(
      /^must be a base URL without a query \("\?…"\)/,
    );
    expect(problemOf("https://fleet-management-prod-001.grafana.net?")).toMatch(/without a query/);
    expect(problemOf("https://fleet-management-prod-001.grafana.net/#api")).toMatch(
      /must not have a fragment/,
    );
    expect(problemOf("https://fm.example.com/?token=glc_secretsecret")).not.toContain("glc_secretsecret");
  });

  it("keeps a remote-write URL's query (some receivers take parameters) but refuses a fragment", () => {
    expect(validateEndpoint("https://mimir.example.com/api/v1/push?extra_label=ci", "push")).toEqual({
      ok: true,
      value: "https://mimir.example.com/api/v1/push?extra_label=ci",
    });
    expect(problemOf("https://mimir.example.com/api/v1/push#x", "push")).toMatch(/must not have a fragment/);
  });
});

describe("isLoopbackHost", () => {
  it("is localhost, 127.0.0.0/8 and ::1, nothing else", () => {
    for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "127.255.0.9", "[::1]", "[0:0:0:0:0:0:0:1]"])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["localhost.evil.com", "128.0.0.1", "10.0.0.1", "[::2]", "example.com", ""])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
