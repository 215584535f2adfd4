import { describe, expect, it } from "vitest";
import { alloyBuild, buildInfoLabels } from "../../src/signals/build-info.js";

const V116_TAGS = "gore2regex,netgo,embedalloyui,promtail_journal_enabled";

describe("alloy_build_info labels", () => {
  it.each([
    ["v1.16.3", "1e2007e", "go1.26.3"],
    ["v1.17.1", "76a2e2a", "go1.26.4"],
    ["v1.18.0", "a435563", "go1.26.5"],
    ["v1.18.1", "6012ec4", "go1.26.5"],
  ])("names the real build of %s (docs/signals.md#build-info-by-release)", (version, revision, goversion) => {
    expect(buildInfoLabels({ version, os: "linux" })).toEqual({
      branch: "HEAD",
      goarch: "amd64",
      goos: "linux",
      goversion,
      revision,
      tags: V116_TAGS,
      version,
    });
  });

  it("follows the collector's OS: arm64 on darwin, amd64 on windows", () => {
    expect(buildInfoLabels({ version: "v1.18.1", os: "darwin" })).toMatchObject({
      goos: "darwin",
      goarch: "arm64",
    });
    expect(buildInfoLabels({ version: "v1.18.1", os: "windows" })).toMatchObject({
      goos: "windows",
      goarch: "amd64",
    });
  });

  it("adds the missing v, as Alloy's normalizeVersion does", () => {
    expect(alloyBuild("1.18.1")).toMatchObject({ version: "v1.18.1", revision: "6012ec4" });
  });

  it("gives an unknown version revision unknown and the nearest known Go version", () => {
    // Between v1.16.3 and v1.17.1: same minor as v1.17.1, so that one is nearer.
    expect(alloyBuild("v1.17.0")).toEqual({
      version: "v1.17.0",
      revision: "unknown",
      goversion: "go1.26.4",
      tags: V116_TAGS,
    });
    // Newer than the table: the newest release's toolchain; a pre-release suffix stays in the label.
    expect(alloyBuild("v1.19.0-rc.1")).toMatchObject({
      version: "v1.19.0-rc.1",
      revision: "unknown",
      goversion: "go1.26.5",
    });
    expect(alloyBuild("v2.0.0")).toMatchObject({
      revision: "unknown",
      goversion: "go1.26.5",
      tags: V116_TAGS,
    });
    // Older than the table: the oldest release's toolchain and tags.
    expect(alloyBuild("v1.0.0")).toMatchObject({
      revision: "unknown",
      goversion: "go1.24.3",
      tags: "netgo,builtinassets,promtail_journal_enabled",
    });
    // v1.16.0 sits between v1.15.1 (a minor away) and v1.16.3 (patches away): v1.16.3 is nearer.
    expect(alloyBuild("v1.16.0")).toMatchObject({
      revision: "unknown",
      goversion: "go1.26.3",
      tags: V116_TAGS,
    });
  });

  it("measures semver distance major first, then minor, then patch", () => {
    // v1.10.5: 3 patches from v1.10.2, but a minor from v1.11.1.
    expect(alloyBuild("v1.10.5").goversion).toBe("go1.24.4");
    // v1.12.0: a minor from v1.11.3, 2 patches from v1.12.2.
    expect(alloyBuild("v1.12.0").goversion).toBe("go1.25.5");
    // v1.14.9: 7 patches from v1.14.2, a minor from v1.15.1.
    expect(alloyBuild("v1.14.9").goversion).toBe("go1.25.8");
  });
});
