/**
 * Pipeline files as grafana/fleet-management-sync-action reads them (its README, `pkg/pipeline`,
 * `pkg/discovery/testdata`): inline contents, contents_file, X.yml + X.alloy pairs, strict fields, and
 * every problem reported with its file, field and line before the emulator starts.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  loadPipelineDir,
  parsePipelineFile,
  PipelineFileError,
  type PipelineFileProblem,
} from "../../src/emulator/pipeline-files.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/pipelines");

const parse = (text: string, extra: { alloy?: string; file?: string } = {}) =>
  parsePipelineFile({
    file: extra.file ?? "p.yaml",
    text,
    ...(extra.alloy !== undefined ? { alloy: extra.alloy } : {}),
    readContentsFile: () => undefined,
  });

describe("loadPipelineDir", () => {
  it("reads inline, contents_file and paired pipelines, recursively, in path order", () => {
    const { pipelines, warnings } = loadPipelineDir(join(FIXTURES, "valid"));
    expect(pipelines).toEqual([
      {
        name: "draft",
        contents: 'logging { level = "debug" }',
        matchers: [],
        enabled: false,
        file: "draft.yaml",
      },
      {
        name: "node",
        contents: 'prometheus.exporter.unix "node" { }\n',
        matchers: ['collector.os="linux"'],
        enabled: true,
        file: "node.yml",
      },
      {
        name: "self_monitoring_metrics",
        contents: 'prometheus.exporter.self "alloy" { }\n',
        matchers: ['collector.os=~".+"'],
        enabled: true,
        file: "self_monitoring.yaml",
      },
      {
        name: "k8s",
        contents: 'discovery.kubernetes "pods" {\n  role = "pod"\n}\n',
        matchers: ['platform="kubernetes"'],
        enabled: true,
        file: "sub/k8s.yaml",
      },
      {
        name: "windows_metrics",
        contents: 'prometheus.exporter.windows "default" { }\n',
        matchers: ['collector.os="windows"', 'env=~"prod|staging"'],
        enabled: true,
        file: "sub/windows.yaml",
      },
    ]);
    // Only the pipeline without `enabled` earns a warning; .alloy files used by contents_file do not.
    expect(warnings).toEqual([
      "draft.yaml: 'enabled' is not set, so this pipeline is disabled, as fleet-management-sync-action would sync it",
    ]);
  });

  it("reports every problem of every file with file, field and line", () => {
    let error: unknown;
    try {
      loadPipelineDir(join(FIXTURES, "bad"));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PipelineFileError);
    const problems = (error as PipelineFileError).problems;
    const find = (file: string) => problems.filter((p) => p.file === file);
    const expectOne = (file: string, expected: Partial<PipelineFileProblem>, message: RegExp) => {
      expect(find(file), file).toHaveLength(1);
      expect(find(file)[0]).toMatchObject(expected);
      expect(find(file)[0]!.message).toMatch(message);
    };
    expectOne("typo.yaml", { field: "ennabled", line: 2, column: 1 }, /unknown field "ennabled"/);
    expectOne("both.yaml", { field: "contents", line: 1 }, /cannot have both 'contents' and 'contents_file'/);
    expectOne("bad-matcher.yaml", { field: "matchers[1]", line: 4, column: 5 }, /lookahead/);
    expectOne("paired.yml", { field: "contents", line: 1 }, /and a paired\.alloy file beside it: keep one/);
    expectOne("none.yaml", {}, /must have either 'contents' or 'contents_file' field, or a none\.alloy file/);
    expectOne(
      "missing-file.yaml",
      { field: "contents_file", line: 1, column: 16 },
      /"nowhere\.alloy" not found/,
    );
    expectOne("not-yaml.yaml", { line: 1 }, /not valid YAML/);
    expectOne("flag.yaml", { field: "enabled", line: 2 }, /expected true or false, found string "yes"/);
    expectOne("dup-b.yaml", { field: "name" }, /duplicate pipeline name "same", also in dup-a\.yaml/);
    expect(problems).toHaveLength(9);
    expect((error as Error).message).toMatch(/^pipeline files in .*bad have 9 problems:\n {2}- /);
    expect((error as Error).message).toContain("\n  - typo.yaml:2:1 ennabled: unknown field");
  });

  it("refuses a missing folder and a folder without pipelines", () => {
    expect(() => loadPipelineDir(join(FIXTURES, "nope"))).toThrow(/no such folder/);
    expect(() => loadPipelineDir(join(FIXTURES, "valid", "configs"))).toThrow(
      /no \.yaml or \.yml pipeline file/,
    );
  });
});

describe("parsePipelineFile", () => {
  it("names a pipeline after its file unless it has a name", () => {
    expect(parse("contents: x\nenabled: true\n", { file: "dir/logs.yml" }).pipeline?.name).toBe("logs");
    expect(parse("name: other\ncontents: x\nenabled: true\n").pipeline?.name).toBe("other");
  });

  it("takes contents from the paired .alloy file", () => {
    expect(parse("enabled: true\n", { alloy: "logging {}\n" }).pipeline?.contents).toBe("logging {}\n");
    expect(parse("enabled: true\n", { alloy: "  \n" }).problems[0]?.message).toBe("p.alloy is empty");
  });

  it("refuses a document that is not a mapping, and matchers that are not a list of strings", () => {
    expect(parse("- a\n").problems[0]?.message).toMatch(/expected a mapping/);
    expect(parse("contents: x\nmatchers: env=prod\n").problems[0]).toMatchObject({
      field: "matchers",
      line: 2,
      message: 'expected a list of matcher strings, found string "env=prod"',
    });
    expect(parse("contents: x\nmatchers: [1]\n").problems[0]).toMatchObject({ field: "matchers[0]" });
  });

  it("skips an expectations file kept beside the pipelines, and says so", () => {
    const parsed = parse("- match: ['a=b']\n  pipelines: [x]\n", { file: "expect.yaml" });
    expect(parsed).toMatchObject({ expectations: true, problems: [] });
    expect(parsed.pipeline).toBeUndefined();
    expect(parsed.warnings[0]).toMatch(
      /^expect\.yaml: a list of match\/pipelines entries, read as expectations and skipped/,
    );
  });

  it("warns when a name is not an Alloy identifier", () => {
    expect(parse("name: api-monitoring\ncontents: x\nenabled: true\n").warnings).toEqual([
      'p.yaml: pipeline name "api-monitoring" is not an Alloy identifier; the emulator declares it as api_monitoring',
    ]);
  });
});
