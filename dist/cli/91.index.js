export const id = 91;
export const ids = [91];
export const modules = {

/***/ 5066:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   T: () => (/* binding */ assembleConfig),
/* harmony export */   k: () => (/* binding */ componentName)
/* harmony export */ });
/**
 * What a collector receives from GetConfig: its matching pipelines, each wrapped as a custom component and
 * instantiated once, in one Alloy module. The only place the emulator writes the wrapper.
 *
 * Real FM's exact text is not published. Its shape follows what is: Alloy loads the content as one module
 * with no arguments (grafana/alloy `internal/service/remotecfg`); logs of FM-managed Alloys show component
 * paths `/remotecfg/<pipeline>.default/...`, so each pipeline is declared and instantiated as
 * `<pipeline> "default"`; pipelines read `argument.attributes.value["collector.ID"]` and
 * `argument.pipeline_exports.value[...]` (grafana.com fleet-management docs, attribute and export injection).
 * A client tells the pipelines it received from the top-level `declare` labels.
 */
/**
 * The content for one collector: "" when no pipeline matched, as FM sends when nothing matches or the
 * collector is disabled (grafana/fleet-management-api `collector.proto`, `enabled`). Pipelines appear in
 * name order.
 */
function assembleConfig(pipelines, collector) {
    if (pipelines.length === 0)
        return "";
    const sorted = [...pipelines].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const attributes = Object.keys(collector.attributes)
        .sort()
        .map((key) => `    ${alloyString(key)} = ${alloyString(collector.attributes[key])},`);
    return sorted
        .map((p) => {
        const name = componentName(p.name);
        const body = p.contents.replace(/\s+$/, "");
        return [
            `declare ${alloyString(name)} {`,
            `  argument "attributes" {`,
            `    optional = true`,
            `  }`,
            `  argument "pipeline_exports" {`,
            `    optional = true`,
            `  }`,
            ``,
            body,
            `}`,
            ``,
            `${name} "default" {`,
            `  attributes = {`,
            ...attributes,
            `  }`,
            `}`,
            ``,
        ].join("\n");
    })
        .join("\n");
}
/**
 * The custom component name for a pipeline name. A `declare` label must be an Alloy identifier
 * (grafana/alloy `syntax/scanner` IsValidIdentifier); whether FM rejects or rewrites other names is not
 * published, and FM accepts names such as `my-pipeline` (grafana/fleet-management-sync-action README), so
 * the emulator rewrites each other character to `_`.
 */
function componentName(pipelineName) {
    const name = pipelineName.replace(/[^A-Za-z0-9_]/g, "_");
    return /^[0-9]/.test(name) || name === "" ? `_${name}` : name;
}
/** A double-quoted Alloy string literal (Go-style escapes). */
function alloyString(s) {
    let out = '"';
    for (const c of s) {
        const code = c.codePointAt(0);
        if (c === '"' || c === "\\")
            out += `\\${c}`;
        else if (c === "\n")
            out += "\\n";
        else if (c === "\r")
            out += "\\r";
        else if (c === "\t")
            out += "\\t";
        else if (code < 0x20 || code === 0x7f)
            out += `\\u${code.toString(16).padStart(4, "0")}`;
        else
            out += c;
    }
    return `${out}"`;
}


/***/ }),

/***/ 91:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   PipelineFileError: () => (/* binding */ PipelineFileError),
/* harmony export */   loadPipelineDir: () => (/* binding */ loadPipelineDir),
/* harmony export */   parsePipelineFile: () => (/* binding */ parsePipelineFile)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8815);
/* harmony import */ var _fleet_matchers_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6114);
/* harmony import */ var _assemble_config_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5066);
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





class PipelineFileError extends Error {
    dir;
    problems;
    name = "PipelineFileError";
    constructor(dir, problems) {
        const head = problems.length === 1
            ? `pipeline files in ${dir} have 1 problem:`
            : `pipeline files in ${dir} have ${problems.length} problems:`;
        super([head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join("\n"));
        this.dir = dir;
        this.problems = problems;
    }
}
function formatProblem(p) {
    const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
    return `${where}${p.field ? ` ${p.field}` : ""}: ${p.message}`;
}
const FIELDS = new Set(["name", "contents", "contents_file", "matchers", "enabled"]);
/** Pure: one pipeline YAML file (and its paired .alloy, if any) in, a pipeline or its problems out. */
function parsePipelineFile(input) {
    const { file } = input;
    const lineCounter = new yaml__WEBPACK_IMPORTED_MODULE_2__/* .LineCounter */ .HN();
    const doc = (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .parseDocument */ .Tp)(input.text, { lineCounter, uniqueKeys: true });
    const problems = [];
    const warnings = [];
    const at = (node) => {
        const offset = node?.range?.[0];
        if (offset === undefined)
            return {};
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col };
    };
    const problem = (message, field, node) => problems.push({ file, ...(field ? { field } : {}), ...at(node), message });
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
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isSeq */ .oP)(root) && root.items.length > 0 && root.items.every((item) => (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isMap */ .jh)(item) && item.has("match"))) {
        warnings.push(`${file}: a list of match/pipelines entries, read as expectations and skipped ` +
            "(fleet-management-sync-action would try it as a pipeline: keep it out of the folder you sync)");
        return { expectations: true, problems, warnings };
    }
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isMap */ .jh)(root)) {
        problem("expected a mapping with name, contents or contents_file, matchers and enabled", undefined, root);
        return { problems, warnings };
    }
    const fields = new Map();
    for (const pair of root.items) {
        const key = (0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined || !FIELDS.has(key)) {
            problem(`unknown field ${JSON.stringify(key ?? "?")}: expected name, contents, contents_file, matchers or enabled ` +
                "(fleet-management-sync-action refuses unknown fields)", key, pair.key);
            continue;
        }
        fields.set(key, pair);
    }
    const stringField = (key) => {
        const pair = fields.get(key);
        if (!pair)
            return undefined;
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(pair.value) || typeof pair.value.value !== "string") {
            problem(`expected a string, found ${describeNode(pair.value)}`, key, pair.value ?? pair.key);
            return undefined;
        }
        return pair.value.value;
    };
    const stem = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.basename)(file, (0,node_path__WEBPACK_IMPORTED_MODULE_1__.extname)(file));
    const name = stringField("name") ?? stem;
    if (name === "")
        problem("expected a non-empty name", "name", fields.get("name")?.value);
    else if ((0,_assemble_config_js__WEBPACK_IMPORTED_MODULE_4__/* .componentName */ .k)(name) !== name)
        warnings.push(`${file}: pipeline name ${JSON.stringify(name)} is not an Alloy identifier; ` +
            `the emulator declares it as ${(0,_assemble_config_js__WEBPACK_IMPORTED_MODULE_4__/* .componentName */ .k)(name)}`);
    const inline = stringField("contents");
    const contentsFile = stringField("contents_file");
    let contents;
    const sources = [inline !== undefined, contentsFile !== undefined, input.alloy !== undefined].filter(Boolean).length;
    if (sources > 1) {
        problem(inline !== undefined && contentsFile !== undefined
            ? "cannot have both 'contents' and 'contents_file' fields"
            : `has both ${inline !== undefined ? "'contents'" : "'contents_file'"} and a ${stem}.alloy file beside it: keep one`, inline !== undefined ? "contents" : "contents_file", (fields.get("contents") ?? fields.get("contents_file"))?.key);
    }
    else if (sources === 0) {
        problem(`must have either 'contents' or 'contents_file' field, or a ${stem}.alloy file beside it`);
    }
    else if (contentsFile !== undefined) {
        contents = input.readContentsFile(contentsFile);
        if (contents === undefined)
            problem(`file ${JSON.stringify(contentsFile)} not found (looked for it as an absolute path, beside the YAML file and under the pipelines folder)`, "contents_file", fields.get("contents_file")?.value);
    }
    else {
        contents = inline ?? input.alloy;
    }
    if (contents !== undefined && contents.trim() === "")
        problem(input.alloy !== undefined && inline === undefined ? `${stem}.alloy is empty` : "the contents are empty", inline !== undefined ? "contents" : undefined, fields.get("contents")?.value);
    const matchers = [];
    const matchersPair = fields.get("matchers");
    if (matchersPair && matchersPair.value !== null) {
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isSeq */ .oP)(matchersPair.value)) {
            problem(`expected a list of matcher strings, found ${describeNode(matchersPair.value)}`, "matchers", matchersPair.value);
        }
        else {
            matchersPair.value.items.forEach((item, i) => {
                const node = item;
                if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(node) || typeof node.value !== "string") {
                    problem(`expected a matcher string such as 'env="prod"', found ${describeNode(node)}`, `matchers[${i}]`, node);
                    return;
                }
                try {
                    (0,_fleet_matchers_js__WEBPACK_IMPORTED_MODULE_3__/* .parseMatcher */ .qR)(node.value);
                    matchers.push(node.value);
                }
                catch (err) {
                    if (!(err instanceof _fleet_matchers_js__WEBPACK_IMPORTED_MODULE_3__/* .MatcherError */ .Z6))
                        throw err;
                    problem(err.message, `matchers[${i}]`, node);
                }
            });
        }
    }
    let enabled = false;
    const enabledPair = fields.get("enabled");
    if (!enabledPair)
        warnings.push(`${file}: 'enabled' is not set, so this pipeline is disabled, as fleet-management-sync-action would sync it`);
    else if (!(0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(enabledPair.value) || typeof enabledPair.value.value !== "boolean")
        problem(`expected true or false, found ${describeNode(enabledPair.value)}`, "enabled", enabledPair.value);
    else
        enabled = enabledPair.value.value;
    if (problems.length > 0)
        return { problems, warnings };
    return { pipeline: { name, contents: contents, matchers, enabled, file }, problems, warnings };
}
function describeNode(node) {
    if (node === null || node === undefined)
        return "nothing";
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isMap */ .jh)(node))
        return "a mapping";
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isSeq */ .oP)(node))
        return "a list";
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_2__/* .isScalar */ .jn)(node))
        return node.value === null ? "null" : `${typeof node.value} ${JSON.stringify(node.value)}`;
    return "an alias";
}
/**
 * Reads every pipeline under `dir` (resolved from `cwd`; messages name it as given); throws
 * PipelineFileError listing every problem.
 */
function loadPipelineDir(dir, cwd = process.cwd()) {
    const root = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(cwd, dir);
    let stat;
    try {
        stat = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(root);
    }
    catch {
        throw new PipelineFileError(dir, [{ file: dir, message: "no such folder" }]);
    }
    if (!stat.isDirectory())
        throw new PipelineFileError(dir, [{ file: dir, message: "expected a folder of pipeline files" }]);
    const files = walk(root).sort();
    const yamlFiles = files.filter((f) => /\.ya?ml$/i.test(f));
    const problems = [];
    const warnings = [];
    const pipelines = [];
    const firstFileOf = new Map();
    const referenced = new Set();
    const rel = (p) => (0,node_path__WEBPACK_IMPORTED_MODULE_1__.relative)(root, p).split("\\").join("/");
    for (const path of yamlFiles) {
        const stemPath = path.slice(0, -(0,node_path__WEBPACK_IMPORTED_MODULE_1__.extname)(path).length);
        const alloyPath = `${stemPath}.alloy`;
        const parsed = parsePipelineFile({
            file: rel(path),
            text: (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(path, "utf8"),
            ...((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(alloyPath) ? { alloy: (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(alloyPath, "utf8") } : {}),
            readContentsFile(ref) {
                const candidates = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute)(ref) ? [ref] : [(0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)(path), ref), (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(root, ref)];
                const found = candidates.find((c) => isFile(c));
                if (found === undefined)
                    return undefined;
                referenced.add((0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(found));
                return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(found, "utf8");
            },
        });
        problems.push(...parsed.problems);
        warnings.push(...parsed.warnings);
        if (!parsed.pipeline)
            continue;
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
    const yamlStems = new Set(yamlFiles.map((f) => f.slice(0, -(0,node_path__WEBPACK_IMPORTED_MODULE_1__.extname)(f).length)));
    for (const f of files)
        if (f.endsWith(".alloy") && !yamlStems.has(f.slice(0, -".alloy".length)) && !referenced.has((0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(f)))
            warnings.push(`${rel(f)}: no ${(0,node_path__WEBPACK_IMPORTED_MODULE_1__.basename)(f, ".alloy")}.yaml or .yml beside it, so it is not a pipeline`);
    if (problems.length > 0)
        throw new PipelineFileError(dir, problems);
    if (pipelines.length === 0)
        throw new PipelineFileError(dir, [{ file: dir, message: "no .yaml or .yml pipeline file found" }]);
    return { pipelines, warnings };
}
function walk(dir) {
    return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readdirSync)(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, entry.name);
        return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : [];
    });
}
function isFile(path) {
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.statSync)(path).isFile();
    }
    catch {
        return false;
    }
}


/***/ })

};
