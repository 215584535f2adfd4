/**
 * Pipeline files in the format grafana/fleet-management-sync-action syncs to FM
 * (`pkg/pipeline/pipeline.go`, `pkg/discovery/`, its README), for `fm-fleet emulate --pipelines DIR`:
 * every `.yaml`/`.yml` file under DIR (recursively) is one pipeline with the fields `name` (default: the
 * file name without extension), `contents` or `contents_file` (resolved as an absolute path, then from
 * the YAML file's folder, then from DIR), `matchers` and `enabled`; or its contents come from the
 * `.alloy` file of the same base name beside it. Unknown fields are errors, as the action decodes
 * strictly; `enabled` defaults to false, as the action's Go struct does, so a warning says so.
 *
 * parsePipelineFile is pure; loadPipelineDir is the thin reader around it. Every problem of every file is
 * reported at once, with file, field and line, before anything starts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from "yaml";
import { MatcherError, parseMatcher } from "../fleet/matchers.js";
import { componentName } from "./assemble-config.js";
import type { PipelineInput } from "./pipeline-state.js";

export interface PipelineFileProblem {
  /** The YAML file, relative to the pipelines folder. */
  readonly file: string;
  /** The field, e.g. `matchers[1]`; undefined for the file as a whole. */
  readonly field?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export class PipelineFileError extends Error {
  override readonly name = "PipelineFileError";
  constructor(
    readonly dir: string,
    readonly problems: readonly PipelineFileProblem[],
  ) {
    const head =
      problems.length === 1
        ? `pipeline files in ${dir} have 1 problem:`
        : `pipeline files in ${dir} have ${problems.length} problems:`;
    super([head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join("\n"));
  }
}

function formatProblem(p: PipelineFileProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}${p.field ? ` ${p.field}` : ""}: ${p.message}`;
}

export interface LoadedPipeline extends PipelineInput {
  readonly matchers: readonly string[];
  readonly enabled: boolean;
  /** The YAML file it came from, relative to the pipelines folder. */
  readonly file: string;
}

export interface ParsedPipelineFile {
  readonly pipeline?: LoadedPipeline;
  /** Set when the file is an expectations file (a list of `match`/`pipelines` entries), not a pipeline. */
  readonly expectations?: true;
  readonly problems: readonly PipelineFileProblem[];
  readonly warnings: readonly string[];
}

export interface PipelineFileInput {
  /** Relative to the pipelines folder, `/`-separated; names the file in messages. */
  readonly file: string;
  readonly text: string;
  /** The text of the `.alloy` file of the same base name, when there is one. */
  readonly alloy?: string;
  /** Reads a `contents_file` reference; undefined when no candidate path exists. */
  readContentsFile(ref: string): string | undefined;
}

const FIELDS = new Set(["name", "contents", "contents_file", "matchers", "enabled"]);

/** Pure: one pipeline YAML file (and its paired .alloy, if any) in, a pipeline or its problems out. */
export function parsePipelineFile(input: PipelineFileInput): ParsedPipelineFile {
  const { file } = input;
  const lineCounter = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter, uniqueKeys: true });
  const problems: PipelineFileProblem[] = [];
  const warnings: string[] = [];
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problem = (message: string, field?: string, node?: Node | null) =>
    problems.push({ file, ...(field ? { field } : {}), ...at(node), message });

  if (doc.errors.length > 0) {
    for (const err of doc.errors)
      problems.push({
        file,
        ...(err.linePos ? { line: err.linePos[0].line, column: err.linePos[0].col } : {}),
        message: `not valid YAML: ${err.message.split("\n")[0]}`,
      });
    return { problems, warnings };
  }
  const root = doc.contents;
  // An expectations file kept beside the pipelines (examples/pipelines/expect.yaml) is not a pipeline.
  if (isSeq(root) && root.items.length > 0 && root.items.every((item) => isMap(item) && item.has("match"))) {
    warnings.push(
      `${file}: a list of match/pipelines entries, read as expectations and skipped ` +
        "(fleet-management-sync-action would try it as a pipeline: keep it out of the folder you sync)",
    );
    return { expectations: true, problems, warnings };
  }
  if (!isMap(root)) {
    problem("expected a mapping with name, contents or contents_file, matchers and enabled", undefined, root);
    return { problems, warnings };
  }

  const fields = new Map<string, Pair<Node, Node | null>>();
  for (const pair of root.items as Pair<Node, Node | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !FIELDS.has(key)) {
      problem(
        `unknown field ${JSON.stringify(key ?? "?")}: expected name, contents, contents_file, matchers or enabled ` +
          "(fleet-management-sync-action refuses unknown fields)",
        key,
        pair.key,
      );
      continue;
    }
    fields.set(key, pair);
  }

  const stringField = (key: string): string | undefined => {
    const pair = fields.get(key);
    if (!pair) return undefined;
    if (!isScalar(pair.value) || typeof pair.value.value !== "string") {
      problem(`expected a string, found ${describeNode(pair.value)}`, key, pair.value ?? pair.key);
      return undefined;
    }
    return pair.value.value;
  };

  const stem = basename(file, extname(file));
  const name = stringField("name") ?? stem;
  if (name === "") problem("expected a non-empty name", "name", fields.get("name")?.value);
  else if (componentName(name) !== name)
    warnings.push(
      `${file}: pipeline name ${JSON.stringify(name)} is not an Alloy identifier; ` +
        `the emulator declares it as ${componentName(name)}`,
    );

  const inline = stringField("contents");
  const contentsFile = stringField("contents_file");
  let contents: string | undefined;
  const sources = [inline !== undefined, contentsFile !== undefined, input.alloy !== undefined].filter(
    Boolean,
  ).length;
  if (sources > 1) {
    problem(
      inline !== undefined && contentsFile !== undefined
        ? "cannot have both 'contents' and 'contents_file' fields"
        : `has both ${inline !== undefined ? "'contents'" : "'contents_file'"} and a ${stem}.alloy file beside it: keep one`,
      inline !== undefined ? "contents" : "contents_file",
      (fields.get("contents") ?? fields.get("contents_file"))?.key,
    );
  } else if (sources === 0) {
    problem(`must have either 'contents' or 'contents_file' field, or a ${stem}.alloy file beside it`);
  } else if (contentsFile !== undefined) {
    contents = input.readContentsFile(contentsFile);
    if (contents === undefined)
      problem(
        `file ${JSON.stringify(contentsFile)} not found (looked for it as an absolute path, beside the YAML file and under the pipelines folder)`,
        "contents_file",
        fields.get("contents_file")?.value,
      );
  } else {
    contents = inline ?? input.alloy;
  }
  if (contents !== undefined && contents.trim() === "")
    problem(
      input.alloy !== undefined && inline === undefined ? `${stem}.alloy is empty` : "the contents are empty",
      inline !== undefined ? "contents" : undefined,
      fields.get("contents")?.value,
    );

  const matchers: string[] = [];
  const matchersPair = fields.get("matchers");
  if (matchersPair && matchersPair.value !== null) {
    if (!isSeq(matchersPair.value)) {
      problem(
        `expected a list of matcher strings, found ${describeNode(matchersPair.value)}`,
        "matchers",
        matchersPair.value,
      );
    } else {
      matchersPair.value.items.forEach((item, i) => {
        const node = item as Node;
        if (!isScalar(node) || typeof node.value !== "string") {
          problem(
            `expected a matcher string such as 'env="prod"', found ${describeNode(node)}`,
            `matchers[${i}]`,
            node,
          );
          return;
        }
        try {
          parseMatcher(node.value);
          matchers.push(node.value);
        } catch (err) {
          if (!(err instanceof MatcherError)) throw err;
          problem(err.message, `matchers[${i}]`, node);
        }
      });
    }
  }

  let enabled = false;
  const enabledPair = fields.get("enabled");
  if (!enabledPair)
    warnings.push(
      `${file}: 'enabled' is not set, so this pipeline is disabled, as fleet-management-sync-action would sync it`,
    );
  else if (!isScalar(enabledPair.value) || typeof enabledPair.value.value !== "boolean")
    problem(`expected true or false, found ${describeNode(enabledPair.value)}`, "enabled", enabledPair.value);
  else enabled = enabledPair.value.value;

  if (problems.length > 0) return { problems, warnings };
  return { pipeline: { name, contents: contents!, matchers, enabled, file }, problems, warnings };
}

function describeNode(node: Node | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node))
    return node.value === null ? "null" : `${typeof node.value} ${JSON.stringify(node.value)}`;
  return "an alias";
}

export interface LoadedPipelineDir {
  /** In file order (sorted paths). */
  readonly pipelines: readonly LoadedPipeline[];
  readonly warnings: readonly string[];
}

/**
 * Reads every pipeline under `dir` (resolved from `cwd`; messages name it as given); throws
 * PipelineFileError listing every problem.
 */
export function loadPipelineDir(dir: string, cwd: string = process.cwd()): LoadedPipelineDir {
  const root = resolve(cwd, dir);
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new PipelineFileError(dir, [{ file: dir, message: "no such folder" }]);
  }
  if (!stat.isDirectory())
    throw new PipelineFileError(dir, [{ file: dir, message: "expected a folder of pipeline files" }]);

  const files = walk(root).sort();
  const yamlFiles = files.filter((f) => /\.ya?ml$/i.test(f));
  const problems: PipelineFileProblem[] = [];
  const warnings: string[] = [];
  const pipelines: LoadedPipeline[] = [];
  const firstFileOf = new Map<string, string>();
  const referenced = new Set<string>();
  const rel = (p: string) => relative(root, p).split("\\").join("/");

  for (const path of yamlFiles) {
    const stemPath = path.slice(0, -extname(path).length);
    const alloyPath = `${stemPath}.alloy`;
    const parsed = parsePipelineFile({
      file: rel(path),
      text: readFileSync(path, "utf8"),
      ...(existsSync(alloyPath) ? { alloy: readFileSync(alloyPath, "utf8") } : {}),
      readContentsFile(ref) {
        const candidates = isAbsolute(ref) ? [ref] : [resolve(dirname(path), ref), resolve(root, ref)];
        const found = candidates.find((c) => isFile(c));
        if (found === undefined) return undefined;
        referenced.add(resolve(found));
        return readFileSync(found, "utf8");
      },
    });
    problems.push(...parsed.problems);
    warnings.push(...parsed.warnings);
    if (!parsed.pipeline) continue;
    const earlier = firstFileOf.get(parsed.pipeline.name);
    if (earlier !== undefined) {
      problems.push({
        file: rel(path),
        field: "name",
        message: `duplicate pipeline name ${JSON.stringify(parsed.pipeline.name)}, also in ${earlier}`,
      });
      continue;
    }
    firstFileOf.set(parsed.pipeline.name, rel(path));
    pipelines.push(parsed.pipeline);
  }
  const yamlStems = new Set(yamlFiles.map((f) => f.slice(0, -extname(f).length)));
  for (const f of files)
    if (f.endsWith(".alloy") && !yamlStems.has(f.slice(0, -".alloy".length)) && !referenced.has(resolve(f)))
      warnings.push(`${rel(f)}: no ${basename(f, ".alloy")}.yaml or .yml beside it, so it is not a pipeline`);
  if (problems.length > 0) throw new PipelineFileError(dir, problems);
  if (pipelines.length === 0)
    throw new PipelineFileError(dir, [{ file: dir, message: "no .yaml or .yml pipeline file found" }]);
  return { pipelines, warnings };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : [];
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
