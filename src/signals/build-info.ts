/**
 * The labels of `alloy_build_info` for a collector (docs/signals.md#build-info-by-release): they name the
 * real Alloy release the collector claims to run, so a dashboard that groups by revision or Go version shows
 * what a real fleet would.
 */
import type { Collector } from "../fleet/types.js";
import type { Os } from "../blueprint/os.js";

export interface AlloyRelease {
  /** With the leading "v", as Alloy's `normalizeVersion` writes it (internal/build/build.go). */
  readonly version: string;
  /** `git rev-parse --short HEAD` of the tag commit (Alloy's Makefile GIT_REVISION). */
  readonly revision: string;
  /** `runtime.Version()` of the grafana/alloy-build-image the release was built in. */
  readonly goversion: string;
}

/**
 * Releases whose revision and Go toolchain are known, oldest first. The last four are the releases the
 * product pins (docs/signals.md#build-info-by-release); the older ones come from the same computation over
 * grafana/alloy's tags and build images (docs/fm-protocol.md#alloy-metrics), so a blueprint pinning an older
 * release still reports its real revision.
 */
export const ALLOY_RELEASES: readonly AlloyRelease[] = [
  { version: "v1.9.1", revision: "d3d7931", goversion: "go1.24.3" },
  { version: "v1.10.2", revision: "b19f8c5", goversion: "go1.24.4" },
  { version: "v1.11.1", revision: "eebd230", goversion: "go1.24.6" },
  { version: "v1.11.3", revision: "091a20e", goversion: "go1.24.6" },
  { version: "v1.12.2", revision: "477e314", goversion: "go1.25.5" },
  { version: "v1.13.2", revision: "3376189", goversion: "go1.25.7" },
  { version: "v1.14.2", revision: "3c53ff8", goversion: "go1.25.8" },
  { version: "v1.15.1", revision: "3e6d1d0", goversion: "go1.25.9" },
  { version: "v1.16.3", revision: "1e2007e", goversion: "go1.26.3" },
  { version: "v1.17.1", revision: "76a2e2a", goversion: "go1.26.4" },
  { version: "v1.18.0", revision: "a435563", goversion: "go1.26.5" },
  { version: "v1.18.1", revision: "6012ec4", goversion: "go1.26.5" },
];

/** What a version outside ALLOY_RELEASES reports as its revision (docs/signals.md#build-info-by-release). */
export const UNKNOWN_REVISION = "unknown";

/**
 * Go build tags of the official release builds, by the first release that used them (Alloy's Dockerfile
 * GO_TAGS at each tag; from v1.16 the Makefile prepends gore2regex). docs/signals.md fixes the v1.16+ value.
 */
const TAG_ERAS: readonly { readonly since: SemVer; readonly tags: string }[] = [
  { since: [0, 0, 0], tags: "netgo,builtinassets,promtail_journal_enabled" },
  { since: [1, 12, 0], tags: "netgo,builtinassets,promtail_journal_enabled,slicelabels" },
  { since: [1, 13, 0], tags: "netgo,builtinassets,promtail_journal_enabled" },
  { since: [1, 14, 0], tags: "netgo,embedalloyui,promtail_journal_enabled" },
  { since: [1, 16, 0], tags: "gore2regex,netgo,embedalloyui,promtail_journal_enabled" },
];

/** The build an Alloy version reports: revision, Go version and build tags. */
export interface AlloyBuild extends AlloyRelease {
  readonly tags: string;
}

type SemVer = readonly [major: number, minor: number, patch: number];

/**
 * The build of `version` ("v1.18.1", "1.18.1" or "v1.19.0-rc.1"). A release in the table reports its own
 * revision and Go version. Any other version reports revision "unknown" and the Go version of the nearest
 * known release, where nearest means: of its two neighbours in semver order (only one at either end of the
 * table), the one with the smaller semver distance, compared as (|Δmajor|, |Δminor|, |Δpatch|) in that
 * order; a tie goes to the newer release. So v1.17.0 takes v1.17.1's go1.26.4 (patch distance 1) over
 * v1.16.3's, and anything newer than the table takes the newest release's toolchain. A pre-release suffix is
 * ignored for the distance but kept in the version label.
 */
export function alloyBuild(version: string): AlloyBuild {
  const normalized = version.startsWith("v") ? version : `v${version}`;
  const semver = parseSemVer(normalized);
  const exact = ALLOY_RELEASES.find((r) => r.version === normalized);
  if (exact) return { ...exact, tags: tagsFor(semver) };
  return {
    version: normalized,
    revision: UNKNOWN_REVISION,
    goversion: nearestRelease(semver).goversion,
    tags: tagsFor(semver),
  };
}

/** buildInfoLabels by version and OS: a fleet has a handful of each, and the records are never changed. */
const buildInfoByRelease = new Map<string, Readonly<Record<string, string>>>();

/**
 * The `alloy_build_info` labels of a collector, other than the target labels every series carries. The
 * same record for every collector of one version and OS.
 */
export function buildInfoLabels(
  collector: Pick<Collector, "version" | "os">,
): Readonly<Record<string, string>> {
  const key = `${collector.version}\0${collector.os}`;
  let labels = buildInfoByRelease.get(key);
  if (!labels) buildInfoByRelease.set(key, (labels = Object.freeze(computeBuildInfoLabels(collector))));
  return labels;
}

function computeBuildInfoLabels(collector: Pick<Collector, "version" | "os">): Record<string, string> {
  const build = alloyBuild(collector.version);
  return {
    branch: "HEAD", // release builds check out a detached tag (docs/fm-protocol.md#alloy-metrics)
    goarch: goarchFor(collector.os),
    goos: collector.os,
    goversion: build.goversion,
    revision: build.revision,
    tags: build.tags,
    version: build.version,
  };
}

/**
 * docs/signals.md#build-info-by-release: amd64 everywhere except darwin, where Apple silicon makes arm64 the
 * likely build.
 */
export function goarchFor(os: Os): "amd64" | "arm64" {
  return os === "darwin" ? "arm64" : "amd64";
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)/;

function parseSemVer(version: string): SemVer {
  const m = SEMVER.exec(version);
  // The roster validates versions against ^v\d+\.\d+\.\d+ (README.md#blueprints); anything else sorts as
  // 0.0.0.
  if (!m) return [0, 0, 0];
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function compareSemVer(a: SemVer, b: SemVer): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function semverDistance(a: SemVer, b: SemVer): SemVer {
  return [Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2])];
}

const KNOWN: readonly { readonly semver: SemVer; readonly release: AlloyRelease }[] = ALLOY_RELEASES.map(
  (release) => ({ semver: parseSemVer(release.version), release }),
);

function nearestRelease(semver: SemVer): AlloyRelease {
  const nextIndex = KNOWN.findIndex((k) => compareSemVer(k.semver, semver) > 0);
  const newer = nextIndex === -1 ? undefined : KNOWN[nextIndex];
  const older = nextIndex === -1 ? KNOWN[KNOWN.length - 1] : KNOWN[nextIndex - 1];
  if (!older) return newer!.release;
  if (!newer) return older.release;
  const towardOlder = compareSemVer(
    semverDistance(semver, older.semver),
    semverDistance(semver, newer.semver),
  );
  return towardOlder < 0 ? older.release : newer.release;
}

function tagsFor(semver: SemVer): string {
  let tags = TAG_ERAS[0]!.tags;
  for (const era of TAG_ERAS) if (compareSemVer(semver, era.since) >= 0) tags = era.tags;
  return tags;
}
