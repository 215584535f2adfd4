import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { USER_AGENT, VERSION } from "../../src/core/version.js";

describe("the version FM and Mimir see in User-Agent", () => {
  it("is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    expect(USER_AGENT).toBe(`fm-action/${pkg.version}`);
  });
});
