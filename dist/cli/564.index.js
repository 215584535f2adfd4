export const id = 564;
export const ids = [564];
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

/***/ 7564:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createFmEmulator: () => (/* binding */ createFmEmulator)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: ./src/core/clock.ts
var core_clock = __webpack_require__(2257);
// EXTERNAL MODULE: ./src/core/loopback.ts
var loopback = __webpack_require__(3782);
// EXTERNAL MODULE: ./src/emulator/assemble-config.ts
var assemble_config = __webpack_require__(5066);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
// EXTERNAL MODULE: ./node_modules/protobufjs/ext/protojson.js
var protojson = __webpack_require__(8681);
var protojson_default = /*#__PURE__*/__webpack_require__.n(protojson);
// EXTERNAL MODULE: ./src/fm/connect.ts
var connect = __webpack_require__(8403);
;// CONCATENATED MODULE: ./src/emulator/connect-error.ts

/** Thrown by the emulator's handlers; the server turns it into an answer. */
class ConnectError extends Error {
    code;
    headers;
    name = "ConnectError";
    constructor(code, message, 
    /** Extra response headers, e.g. Retry-After. */
    headers = {}) {
        super(message);
        this.code = code;
        this.headers = headers;
    }
    get status() {
        return connect/* HTTP_STATUS_OF_CODE */.Mn[this.code];
    }
}
function sendConnectError(res, error) {
    res
        .writeHead(error.status, { "content-type": "application/json", ...error.headers })
        .end(JSON.stringify({ code: error.code, message: error.message }));
}

;// CONCATENATED MODULE: ./src/emulator/codecs.ts
/**
 * The two Connect unary codecs, `application/json` (proto3 JSON) and `application/proto` (binary), and the
 * GET form of side-effect-free procedures (connectrpc.com/docs/protocol, "Unary-Request" and
 * "Unary-Get-Request"). Whatever the codec, a request is decoded into its canonical proto3 JSON object
 * (lowerCamelCase names, defaults omitted, enums as names, timestamps as RFC 3339), which is all the
 * emulator's handlers see; an answer is encoded back from such an object.
 */



const CONTENT_TYPE = {
    json: "application/json",
    proto: "application/proto",
};
/** A codec the request names but the emulator cannot read: the server answers 415 (Connect protocol). */
class UnsupportedCodecError extends Error {
    name = "UnsupportedCodecError";
}
/** The codec of a POST, from its Content-Type (parameters such as charset ignored). */
function codecOfContentType(header) {
    const mediaType = (header ?? "").split(";")[0].trim().toLowerCase();
    if (mediaType === "application/json")
        return "json";
    if (mediaType === "application/proto")
        return "proto";
    throw new UnsupportedCodecError(`unsupported content type "${mediaType}": send application/json or application/proto`);
}
/** Content-Encoding of a POST or `compression` of a GET: identity or gzip. */
function decompress(body, encoding) {
    const coding = (encoding ?? "identity").trim().toLowerCase();
    if (coding === "identity" || coding === "")
        return body;
    // Servers must not try to decompress an empty body (Connect protocol).
    if (coding === "gzip")
        return body.length === 0 ? body : (0,external_node_zlib_.gunzipSync)(body);
    throw new ConnectError("unimplemented", `unsupported compression "${coding}": supported: identity, gzip`);
}
/**
 * The request of a Connect GET: `encoding` and `message` (percent-encoded, or URL-safe base64 with
 * `base64=1`), optional `connect=v1` and `compression`; unknown parameters are allowed.
 */
function readGetQuery(query) {
    const version = query.get("connect");
    if (version !== null && version !== "v1")
        throw new ConnectError("invalid_argument", `connect query parameter must be "v1": got "${version}"`);
    const encoding = query.get("encoding");
    if (encoding === null)
        throw new ConnectError("invalid_argument", "a Connect GET needs the encoding query parameter");
    if (encoding !== "json" && encoding !== "proto")
        throw new UnsupportedCodecError(`unsupported encoding "${encoding}": use json or proto`);
    const message = query.get("message") ?? "";
    const raw = query.get("base64") === "1" ? Buffer.from(message, "base64url") : Buffer.from(message, "utf8");
    return { codec: encoding, body: decompress(raw, query.get("compression") ?? undefined) };
}
/** Decodes a request body into its canonical proto3 JSON object; invalid_argument when it is not one. */
function decodeMessage(type, codec, body) {
    let message;
    if (codec === "json") {
        const object = parseJsonObject(body.toString("utf8"));
        try {
            // protojson accepts lowerCamelCase and proto names, as protojson in Go does, and ignores unknown
            // fields (connect-go decodes with DiscardUnknown).
            message = protojson_default().fromJson(type, object, { ignoreUnknownFields: true });
        }
        catch (err) {
            throw new ConnectError("invalid_argument", `invalid ${type.name}: ${describeProtoError(type, err)}`);
        }
    }
    else {
        try {
            message = type.decode(body);
        }
        catch (err) {
            throw new ConnectError("invalid_argument", `invalid binary ${type.name}: ${describeProtoError(type, err)}`);
        }
    }
    return protojson_default().toJson(type, message);
}
function encodeMessage(type, codec, value) {
    const message = protojson_default().fromJson(type, value);
    return codec === "json"
        ? Buffer.from(JSON.stringify(protojson_default().toJson(type, message)), "utf8")
        : Buffer.from(type.encode(message).finish());
}
/** The bare JSON message of Connect unary: an object, `{}` when empty. */
function parseJsonObject(text) {
    // connect-go: "zero-length payload is not a valid JSON object".
    if (text.trim() === "")
        throw new ConnectError("invalid_argument", "zero-length payload is not a valid JSON object");
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        throw new ConnectError("invalid_argument", "the body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new ConnectError("invalid_argument", "the body must be a JSON object");
    return parsed;
}
/** protobufjs names the field by its full path (".collector.v1.Collector.id: expected string"): keep the field. */
function describeProtoError(type, err) {
    const message = err instanceof Error ? err.message : String(err);
    return message.startsWith(`${type.fullName}.`) ? message.slice(type.fullName.length + 1) : message;
}

// EXTERNAL MODULE: ./src/fleet/matchers.ts + 1 modules
var fleet_matchers = __webpack_require__(6114);
;// CONCATENATED MODULE: ./src/emulator/collector-state.ts
/**
 * What the FM emulator remembers about collectors, and both halves of `collector.v1.CollectorService` over
 * it, apart from HTTP (docs/fm-protocol.md; grafana/alloy-remote-config and grafana/fleet-management-api
 * `api/collector/v1/collector.proto`):
 * - RegisterCollector is an upsert that replaces the local attributes and name, and clears
 *   `markedInactiveAt`; remote attributes and `enabled`, which belong to FM, are kept;
 * - GetConfig answers not_found for an unknown or unregistered ID; it counts as a heartbeat only when it
 *   carries local attributes, and a heartbeat clears an inactivity mark left by silence; it serves the
 *   content assembled for the collector, or `notModified` when the request echoes the current hash;
 * - UnregisterCollector marks the collector inactive at once and keeps the record (nothing public says it
 *   deletes; grafana/gcx#547 shows unregistered collectors listed as inactive);
 * - a registered collector silent for longer than the active window is marked inactive at the moment the
 *   window ran out (FM docs, collector status: a GetConfig within the last 30 minutes);
 * - the management RPCs read and change the same records; BulkDelete and BulkUpdate are atomic.
 */



// FM limits (grafana.com fleet-management glossary and learning hub "matching patterns").
const MAX_KEY = 100;
const MAX_VALUE = 150;
const MAX_LOCAL_ATTRIBUTES = 22;
const MAX_REMOTE_ATTRIBUTES = 100;
const iso = (ms) => new Date(ms).toISOString();
function createCollectorState(options) {
    const byId = new Map();
    // Kept apart from the records: a collector's first Register is counted before the record exists.
    const requestCounts = new Map();
    const requireId = (message) => {
        const id = message.id;
        if (typeof id !== "string" || id === "")
            throw new ConnectError("invalid_argument", "id is required");
        return id;
    };
    const requireCollector = (id) => {
        const record = byId.get(id);
        if (!record)
            throw new ConnectError("not_found", `collector "${id}" not found`);
        return record;
    };
    /** Marks inactive every registered collector whose silence outlasted the window, as of its end. */
    const expire = (nowMs) => {
        for (const r of byId.values()) {
            if (!r.registered || r.markedInactiveAtMs !== undefined)
                continue;
            const since = Math.max(r.lastSeenMs ?? 0, r.registeredAtMs);
            if (nowMs - since > options.activeWindowMs)
                r.markedInactiveAtMs = since + options.activeWindowMs;
        }
    };
    const newRecord = (id, nowMs) => ({
        id,
        name: "",
        localAttributes: {},
        remoteAttributes: {},
        enabled: true,
        collectorType: "COLLECTOR_TYPE_ALLOY",
        registered: false,
        registeredAtMs: nowMs,
        heartbeats: 0,
        registrations: 0,
        unregistrations: 0,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        pipelines: [],
    });
    const register = (message, nowMs) => {
        const id = requireId(message);
        const attributes = localAttributesOf(message) ?? {};
        const record = byId.get(id) ?? newRecord(id, nowMs);
        // The proto comment: register, or update the attributes of an already registered collector.
        record.name = typeof message.name === "string" ? message.name : "";
        record.localAttributes = { ...attributes };
        record.registered = true;
        record.registeredAtMs = nowMs;
        record.registrations++;
        record.updatedAtMs = nowMs;
        delete record.markedInactiveAtMs;
        byId.set(id, record);
        return {};
    };
    const getConfig = (message, nowMs) => {
        const id = requireId(message);
        const record = byId.get(id);
        if (!record?.registered)
            throw new ConnectError("not_found", `collector "${id}" is not registered`);
        const attributes = localAttributesOf(message);
        const heartbeat = attributes !== undefined && Object.keys(attributes).length > 0;
        // FM tracks liveness by heartbeats carrying local attributes; one without them does not count.
        if (heartbeat) {
            record.heartbeats++;
            record.lastSeenMs = nowMs;
            delete record.markedInactiveAtMs;
        }
        const status = message.remoteConfigStatus;
        if (status) {
            record.lastRemoteConfigStatus = status.status ?? "RemoteConfigStatuses_UNSET";
            if (status.errorMessage)
                record.lastRemoteConfigError = status.errorMessage;
            else
                delete record.lastRemoteConfigError;
        }
        const served = options.configFor({
            id,
            attributes: (0,fleet_matchers/* collectorMatchAttributes */.gN)({
                id,
                localAttributes: heartbeat ? attributes : record.localAttributes,
                remoteAttributes: record.remoteAttributes,
            }),
            enabled: record.enabled,
        });
        record.pipelines = served.pipelines;
        // Any stable server-chosen hash works; clients only echo it.
        const hash = (0,external_node_crypto_.createHash)("sha256").update(served.content).digest("hex");
        return message.hash === hash ? { hash, notModified: true } : { content: served.content, hash };
    };
    const unregister = (message, nowMs) => {
        const record = requireCollector(requireId(message));
        if (record.registered) {
            record.registered = false;
            record.unregistrations++;
            record.markedInactiveAtMs = nowMs;
        }
        return {};
    };
    const collectorJson = (r) => ({
        id: r.id,
        name: r.name,
        // FM adds collector.ID itself (grafana/terraform-provider-grafana reads it back from the API).
        localAttributes: { ...r.localAttributes, "collector.ID": r.id },
        remoteAttributes: r.remoteAttributes,
        enabled: r.enabled,
        createdAt: iso(r.createdAtMs),
        updatedAt: iso(r.updatedAtMs),
        ...(r.markedInactiveAtMs !== undefined ? { markedInactiveAt: iso(r.markedInactiveAtMs) } : {}),
        collectorType: r.collectorType,
    });
    const listCollectors = (message) => {
        let matchers;
        try {
            matchers = (0,fleet_matchers/* parseMatchers */.J$)(message.matchers ?? []);
        }
        catch (err) {
            if (err instanceof fleet_matchers/* MatcherError */.Z6)
                throw new ConnectError("invalid_argument", err.message);
            throw err;
        }
        return {
            collectors: [...byId.values()]
                .filter((r) => (0,fleet_matchers/* matchesAll */.BA)(matchers, (0,fleet_matchers/* collectorMatchAttributes */.gN)(r)))
                .map(collectorJson),
        };
    };
    const collectorOf = (message) => {
        const c = message.collector;
        if (typeof c !== "object" || c === null)
            throw new ConnectError("invalid_argument", "collector is required");
        return c;
    };
    const createCollector = (message, nowMs) => {
        const input = collectorOf(message);
        const id = requireId(input);
        if (byId.has(id))
            throw new ConnectError("already_exists", `collector "${id}" already exists`);
        const record = newRecord(id, nowMs);
        applyUpdate(record, input);
        record.localAttributes = checkAttributes(stripVirtual(input.localAttributes), "localAttributes", MAX_LOCAL_ATTRIBUTES);
        if (typeof input.collectorType === "string" && input.collectorType !== "COLLECTOR_TYPE_UNSPECIFIED")
            record.collectorType = input.collectorType;
        record.registered = true;
        byId.set(id, record);
        return collectorJson(record);
    };
    /** UpdateCollector replaces what FM owns: name, remote attributes and `enabled` (absent = enabled). */
    const applyUpdate = (record, input) => {
        record.name = typeof input.name === "string" ? input.name : "";
        record.remoteAttributes = checkRemoteAttributes(input.remoteAttributes);
        record.enabled = input.enabled !== false;
    };
    const updateCollector = (message, nowMs) => {
        const input = collectorOf(message);
        const record = requireCollector(requireId(input));
        const draft = { ...record };
        applyUpdate(draft, input);
        Object.assign(record, draft, { updatedAtMs: nowMs });
        return collectorJson(record);
    };
    const requireIds = (message) => {
        const ids = [...new Set(message.ids ?? [])];
        if (ids.length === 0)
            throw new ConnectError("invalid_argument", "ids must be non-empty");
        const missing = ids.filter((id) => !byId.has(id));
        if (missing.length > 0)
            throw new ConnectError("not_found", `collectors not found: ${missing.join(", ")}; nothing was changed`);
        return ids;
    };
    const bulkUpdate = (message, nowMs) => {
        const ids = requireIds(message);
        const ops = message.ops ?? [];
        if (ops.length === 0)
            throw new ConnectError("invalid_argument", "ops must be non-empty");
        // Apply to copies first: one failing operation leaves every collector as it was.
        const drafts = ids.map((id) => {
            const attrs = { ...byId.get(id).remoteAttributes };
            for (const op of ops)
                applyOperation(attrs, op, id);
            return { id, attrs: checkRemoteAttributes(attrs) };
        });
        for (const { id, attrs } of drafts)
            Object.assign(byId.get(id), { remoteAttributes: attrs, updatedAtMs: nowMs });
        return {};
    };
    const listAttributes = () => {
        const collect = (pick) => {
            const values = new Map();
            for (const r of byId.values())
                for (const [k, v] of Object.entries(pick(r)))
                    values.set(k, (values.get(k) ?? new Set()).add(v));
            return Object.fromEntries([...values]
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([k, vs]) => [k, { values: [...vs].sort().map((value) => ({ value })) }]));
        };
        return {
            localAttributes: collect((r) => r.localAttributes),
            remoteAttributes: collect((r) => r.remoteAttributes),
        };
    };
    return {
        handle(method, message, nowMs) {
            expire(nowMs);
            switch (method) {
                case "RegisterCollector":
                    return register(message, nowMs);
                case "GetConfig":
                    return getConfig(message, nowMs);
                case "UnregisterCollector":
                    return unregister(message, nowMs);
                case "GetCollector":
                    return collectorJson(requireCollector(requireId(message)));
                case "ListCollectors":
                    return listCollectors(message);
                case "CreateCollector":
                    return createCollector(message, nowMs);
                case "UpdateCollector":
                    return updateCollector(message, nowMs);
                case "BulkUpdateCollectors":
                    return bulkUpdate(message, nowMs);
                case "BulkDeleteCollectors":
                    for (const id of requireIds(message))
                        byId.delete(id);
                    return {};
                case "DeleteCollector":
                    byId.delete(requireCollector(requireId(message)).id);
                    return {};
                case "ListCollectorAttributes":
                    return listAttributes();
            }
        },
        countRequest(method, id) {
            const counts = requestCounts.get(id) ?? {};
            counts[method] = (counts[method] ?? 0) + 1;
            requestCounts.set(id, counts);
        },
        collectors(nowMs) {
            expire(nowMs);
            return [...byId.values()].map((r) => ({
                id: r.id,
                name: r.name,
                localAttributes: { ...r.localAttributes },
                remoteAttributes: { ...r.remoteAttributes },
                enabled: r.enabled,
                registered: r.registered,
                active: r.registered && r.lastSeenMs !== undefined && nowMs - r.lastSeenMs <= options.activeWindowMs,
                heartbeats: r.heartbeats,
                ...(r.lastSeenMs !== undefined ? { lastSeenMs: r.lastSeenMs } : {}),
                registrations: r.registrations,
                unregistrations: r.unregistrations,
                createdAtMs: r.createdAtMs,
                updatedAtMs: r.updatedAtMs,
                ...(r.markedInactiveAtMs !== undefined ? { markedInactiveAtMs: r.markedInactiveAtMs } : {}),
                ...(r.lastRemoteConfigStatus !== undefined
                    ? { lastRemoteConfigStatus: r.lastRemoteConfigStatus }
                    : {}),
                ...(r.lastRemoteConfigError !== undefined ? { lastRemoteConfigError: r.lastRemoteConfigError } : {}),
                pipelines: [...r.pipelines],
                requests: { ...requestCounts.get(r.id) },
            }));
        },
        deleteCollector: (id) => byId.delete(id),
    };
}
/**
 * `localAttributes`, falling back to the deprecated `attributes` older Alloy sent (both arrive as string
 * maps after decoding). Undefined when neither is there; invalid_argument past FM's limits.
 */
function localAttributesOf(message) {
    const raw = (message.localAttributes ?? message.attributes);
    return raw === undefined ? undefined : checkAttributes(raw, "localAttributes", MAX_LOCAL_ATTRIBUTES);
}
function checkAttributes(raw, field, maxCount) {
    const attributes = (raw ?? {});
    const keys = Object.keys(attributes);
    if (keys.length > maxCount)
        throw new ConnectError("invalid_argument", `${field} has ${keys.length} attributes; FM accepts at most ${maxCount}`);
    for (const key of keys) {
        if (key.length > MAX_KEY)
            throw new ConnectError("invalid_argument", `${field} key "${key.slice(0, 20)}…" is longer than ${MAX_KEY}`);
        if (attributes[key].length > MAX_VALUE)
            throw new ConnectError("invalid_argument", `${field}.${key} has a value longer than ${MAX_VALUE}`);
    }
    return { ...attributes };
}
function checkRemoteAttributes(raw) {
    const attributes = checkAttributes(raw, "remoteAttributes", MAX_REMOTE_ATTRIBUTES);
    for (const key of Object.keys(attributes))
        if (key.startsWith("collector."))
            throw new ConnectError("invalid_argument", `remote attribute "${key}": collector.* attributes are reserved for FM`);
    return attributes;
}
/** collector.ID is FM's virtual attribute: drop it from what a client sends back. */
function stripVirtual(raw) {
    const { "collector.ID": _id, ...rest } = (raw ?? {});
    return rest;
}
/** One BulkUpdateCollectors operation on a copy of remote attributes (JSON-patch-like, paths `remoteAttributes.<key>`). */
function applyOperation(attrs, op, collectorId) {
    const keyOf = (path, field) => {
        const m = typeof path === "string" ? /^(?:remoteAttributes|remote_attributes)\.(.+)$/.exec(path) : null;
        if (!m)
            throw new ConnectError("invalid_argument", `${field} must look like "remoteAttributes.<key>": got ${JSON.stringify(path ?? "")}`);
        return m[1];
    };
    const key = keyOf(op.path, "path");
    const value = op.value;
    switch (op.op) {
        case "ADD":
            if (value === undefined)
                throw new ConnectError("invalid_argument", `ADD ${key} needs a value`);
            attrs[key] = value;
            return;
        case "REPLACE":
            if (value === undefined)
                throw new ConnectError("invalid_argument", `REPLACE ${key} needs a value`);
            // A selective replace changes only a matching old value.
            if (op.oldValue === undefined || attrs[key] === op.oldValue)
                attrs[key] = value;
            return;
        case "REMOVE":
            if (value === undefined || attrs[key] === value)
                delete attrs[key];
            return;
        case "MOVE":
        case "COPY": {
            const from = keyOf(op.from, "from");
            if (!Object.hasOwn(attrs, from))
                throw new ConnectError("invalid_argument", `${String(op.op)} from ${from}: collector "${collectorId}" has no such remote attribute`);
            attrs[key] = attrs[from];
            if (op.op === "MOVE" && from !== key)
                delete attrs[from];
            return;
        }
        default:
            throw new ConnectError("invalid_argument", `unknown operation ${JSON.stringify(op.op ?? "UNKNOWN")}`);
    }
}

;// CONCATENATED MODULE: ./src/emulator/faults.ts
/** Retry-After of a `hugeRetryAfter` fault: 11.6 days. */
const HUGE_RETRY_AFTER_SECONDS = 999_999;
/** Length of a `hashBomb` fault's hash: 3 MiB, under the client's 4 MiB GetConfig cap, so it is read whole. */
const HASH_BOMB_CHARS = 3 * 1024 * 1024;
/** How long a `hang` fault holds a request by default: twice FM's 15 s client timeout. */
const DEFAULT_HANG_MS = 30_000;
/** The kinds drawn from one uniform number, in this order (new kinds go last, so old seeds draw the same). */
const DRAWN = [
    ["unavailable", "unavailable"],
    ["resource_exhausted", "resourceExhausted"],
    ["reset", "reset"],
    ["endless_body", "endlessBody"],
    ["huge_retry_after", "hugeRetryAfter"],
    ["hash_bomb", "hashBomb"],
    ["hang", "hang"],
];
function createFaultInjector(plan, random) {
    const seen = new Map();
    return (method, collectorId) => {
        const spec = plan[method];
        if (!spec)
            return { latencyMs: 0 };
        if (spec.failFirst && collectorId !== undefined) {
            const key = `${method} ${collectorId}`;
            const count = (seen.get(key) ?? 0) + 1;
            seen.set(key, count);
            if (count <= spec.failFirst)
                return { fault: "unavailable", latencyMs: 0 };
        }
        const r = random();
        let fault;
        let upTo = 0;
        for (const [kind, field] of DRAWN) {
            if (kind === "hash_bomb" && method !== "GetConfig")
                continue;
            upTo += spec[field] ?? 0;
            if (r < upTo) {
                fault = kind;
                break;
            }
        }
        const [min, max] = spec.latencyMs ?? [0, 0];
        const latencyMs = max > 0 ? min + random() * (max - min) : 0;
        if (fault === "endless_body")
            return { fault, status: random() < 0.5 ? 200 : 503, latencyMs };
        if (fault === "hang")
            return {
                fault,
                hangMs: spec.hangMs ?? DEFAULT_HANG_MS,
                then: random() < 0.5 ? "answer" : "close",
                latencyMs,
            };
        return fault ? { fault, latencyMs } : { latencyMs };
    };
}

;// CONCATENATED MODULE: ./src/emulator/pipeline-state.ts


/** The name a request gives, "" when it gives none (decoded messages hold strings for string fields). */
const nameOf = (m) => (typeof m.name === "string" ? m.name : "");
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
function createPipelineState() {
    const records = new Map();
    let nextId = 1;
    const findByName = (name) => [...records.values()].find((p) => p.name === name);
    const requireId = (message, field = "id") => {
        const id = message[field];
        if (typeof id !== "string" || id === "")
            throw new ConnectError("invalid_argument", `${field} is required`);
        return id;
    };
    const requireExisting = (id) => {
        const record = records.get(id);
        if (!record)
            throw new ConnectError("not_found", `pipeline with id "${id}" not found`);
        return record;
    };
    /** A validated record for `input`, with the given identity; nothing is stored. */
    const build = (input, id, createdAtMs, nowMs) => {
        const name = input.name;
        if (typeof name !== "string" || name === "")
            throw new ConnectError("invalid_argument", "pipeline.name is required");
        const contents = input.contents;
        if (typeof contents !== "string" || contents === "")
            throw new ConnectError("invalid_argument", `pipeline "${name}": contents is required`);
        const matchers = input.matchers ?? [];
        let parsed;
        try {
            parsed = (0,fleet_matchers/* parseMatchers */.J$)(matchers);
        }
        catch (err) {
            if (err instanceof fleet_matchers/* MatcherError */.Z6)
                throw new ConnectError("invalid_argument", `pipeline "${name}": ${err.message}`);
            throw err;
        }
        const source = input.source;
        const configType = input.configType;
        return {
            id,
            name,
            contents,
            matchers,
            parsed,
            enabled: input.enabled !== false,
            configType: configType && configType !== "CONFIG_TYPE_UNSPECIFIED" ? configType : "CONFIG_TYPE_ALLOY",
            ...(source?.type ? { source: { type: source.type, namespace: source.namespace ?? "" } } : {}),
            ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
            createdAtMs,
            updatedAtMs: nowMs,
        };
    };
    const toJson = (p) => ({
        name: p.name,
        contents: p.contents,
        matchers: p.matchers,
        createdAt: new Date(p.createdAtMs).toISOString(),
        updatedAt: new Date(p.updatedAtMs).toISOString(),
        enabled: p.enabled,
        ...(p.id !== "" ? { id: p.id } : {}),
        ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
        ...(p.source ? { source: p.source } : {}),
        configType: p.configType,
    });
    const pipelineOf = (message) => {
        const p = message.pipeline;
        if (typeof p !== "object" || p === null)
            throw new ConnectError("invalid_argument", "pipeline is required");
        return p;
    };
    const create = (input, validateOnly, nowMs) => {
        const taken = findByName(nameOf(input));
        if (taken)
            throw new ConnectError("already_exists", `pipeline "${taken.name}" already exists (id ${taken.id})`);
        const record = build(input, validateOnly ? "" : String(nextId), nowMs, nowMs);
        if (!validateOnly) {
            nextId++;
            records.set(record.id, record);
        }
        return toJson(record);
    };
    const update = (input, existing, validateOnly, nowMs) => {
        const clash = findByName(nameOf(input));
        if (clash && clash.id !== existing.id)
            throw new ConnectError("already_exists", `pipeline "${clash.name}" already exists (id ${clash.id})`);
        const record = build(input, existing.id, existing.createdAtMs, nowMs);
        if (!validateOnly)
            records.set(record.id, record);
        return toJson(record);
    };
    const list = (message) => {
        const local = message.localAttributes ?? {};
        const remote = message.remoteAttributes ?? {};
        const filterByAttributes = Object.keys(local).length > 0 || Object.keys(remote).length > 0;
        const attributes = (0,fleet_matchers/* collectorMatchAttributes */.gN)({ id: "", localAttributes: local, remoteAttributes: remote });
        delete attributes["collector.ID"];
        return [...records.values()]
            .filter((p) => !filterByAttributes || (0,fleet_matchers/* matchesAll */.BA)(p.parsed, attributes))
            .filter((p) => message.configType === undefined || p.configType === message.configType)
            .filter((p) => message.enabled === undefined || p.enabled === message.enabled)
            .sort(byName)
            .map(toJson);
    };
    const bulkDelete = (message) => {
        const ids = [...new Set(message.ids ?? [])];
        if (ids.length === 0)
            throw new ConnectError("invalid_argument", "ids must be non-empty");
        const missing = ids.filter((id) => !records.has(id));
        if (missing.length > 0)
            throw new ConnectError("not_found", `pipelines not found: ${missing.join(", ")}; nothing was deleted`);
        for (const id of ids)
            records.delete(id);
        return {};
    };
    const sync = (message, nowMs) => {
        const source = message.source;
        if (!source?.type || !source.namespace)
            throw new ConnectError("invalid_argument", "source with a type and a namespace is required");
        const incoming = message.pipelines ?? [];
        const names = new Set();
        // Validate everything first, so a bad pipeline changes nothing.
        const built = incoming.map((p) => {
            const existing = findByName(nameOf(p));
            const record = build({ ...p, source }, existing?.id ?? "", existing?.createdAtMs ?? nowMs, nowMs);
            if (names.has(record.name))
                throw new ConnectError("invalid_argument", `pipeline "${record.name}" appears twice in the request`);
            names.add(record.name);
            return record;
        });
        for (const record of built) {
            const id = record.id === "" ? String(nextId++) : record.id;
            records.set(id, { ...record, id });
        }
        for (const p of [...records.values()])
            if (p.source?.type === source.type && p.source.namespace === source.namespace && !names.has(p.name))
                records.delete(p.id);
        return {};
    };
    const handle = (method, message, nowMs) => {
        const validateOnly = message.validateOnly === true;
        switch (method) {
            case "GetPipeline":
                return toJson(requireExisting(requireId(message)));
            case "GetPipelineID": {
                const name = requireId(message, "name");
                const p = findByName(name);
                if (!p)
                    throw new ConnectError("not_found", `pipeline "${name}" not found`);
                return { id: p.id };
            }
            case "ListPipelines":
                return { pipelines: list(message) };
            case "CreatePipeline":
                return create(pipelineOf(message), validateOnly, nowMs);
            case "UpdatePipeline": {
                const input = pipelineOf(message);
                const existing = typeof input.id === "string" && input.id !== "" ? records.get(input.id) : findByName(nameOf(input));
                if (!existing)
                    throw new ConnectError("not_found", `pipeline ${JSON.stringify(input.id ?? input.name ?? "")} not found`);
                return update(input, existing, validateOnly, nowMs);
            }
            case "UpsertPipeline": {
                const input = pipelineOf(message);
                const existing = findByName(nameOf(input));
                return existing ? update(input, existing, validateOnly, nowMs) : create(input, validateOnly, nowMs);
            }
            case "DeletePipeline":
                records.delete(requireExisting(requireId(message)).id);
                return {};
            case "BulkDeletePipelines":
                return bulkDelete(message);
            case "SyncPipelines":
                return sync(message, nowMs);
        }
    };
    const view = ({ parsed: _parsed, metadata: _metadata, ...p }) => p;
    return {
        handle,
        matching: (attributes) => [...records.values()]
            .filter((p) => p.enabled && (0,fleet_matchers/* matchesAll */.BA)(p.parsed, attributes))
            .sort(byName)
            .map(view),
        pipelines: () => [...records.values()].sort(byName).map(view),
        sync(source, pipelines, nowMs) {
            sync({
                source,
                pipelines: pipelines.map((p) => ({
                    name: p.name,
                    contents: p.contents,
                    matchers: [...(p.matchers ?? [])],
                    enabled: p.enabled !== false,
                })),
            }, nowMs);
        },
    };
}

;// CONCATENATED MODULE: ./src/emulator/server-rate-limit.ts
function createServerRateLimit(options) {
    const intervalMs = 1000 / options.ratePerSecond;
    // One second's worth of burst, as token buckets in front of APIs commonly allow.
    const burst = options.burst ?? Math.max(1, Math.round(options.ratePerSecond));
    let tokens = burst;
    let refilledAt;
    return {
        tryTake(nowMs) {
            tokens = Math.min(burst, tokens + (refilledAt === undefined ? 0 : (nowMs - refilledAt) / intervalMs));
            refilledAt = nowMs;
            if (tokens >= 1) {
                tokens -= 1;
                return { ok: true };
            }
            return { ok: false, retryAfterMs: (1 - tokens) * intervalMs };
        },
    };
}

// EXTERNAL MODULE: ./src/emulator/stream-body.ts
var stream_body = __webpack_require__(788);
// EXTERNAL MODULE: ./node_modules/protobufjs/index.js
var protobufjs = __webpack_require__(1853);
var protobufjs_default = /*#__PURE__*/__webpack_require__.n(protobufjs);
;// CONCATENATED MODULE: ./src/emulator/wire-schema.ts
/**
 * The messages and procedures the FM emulator speaks, as protobufjs reflection. Field names, numbers and
 * types restate grafana/alloy-remote-config `api/collector/v1/collector.proto` (the collector RPCs) and
 * grafana/fleet-management-api `api/collector/v1/collector.proto` and `api/pipeline/v1/pipeline.proto`
 * (the management RPCs and pipelines). Grafana Cloud serves both collector halves as one
 * `collector.v1.CollectorService`, so this schema declares one. test/unit/emulator-wire-schema.test.ts
 * checks every message here against the published files, field by field.
 *
 * The schema lives in the source rather than being read from .proto files at run time because the emulator
 * ships inside the `fm-fleet` bundle, where no .proto file travels with it.
 */

const SCHEMA = `
syntax = "proto3";

package collector.v1;

import "google/protobuf/timestamp.proto";

message GetConfigRequest {
  string id = 1;
  map<string, string> attributes = 2;
  map<string, string> local_attributes = 4;
  string hash = 3;
  RemoteConfigStatus remote_config_status = 5;
  EffectiveConfig effective_config = 6;
}
message RemoteConfigStatus {
  RemoteConfigStatuses status = 1;
  string error_message = 2;
}
enum RemoteConfigStatuses {
  RemoteConfigStatuses_UNSET = 0;
  RemoteConfigStatuses_APPLIED = 1;
  RemoteConfigStatuses_APPLYING = 2;
  RemoteConfigStatuses_FAILED = 3;
}
message EffectiveConfig { AgentConfigMap config_map = 1; }
message AgentConfigMap { map<string, AgentConfigFile> config_map = 1; }
message AgentConfigFile {
  bytes body = 1;
  string content_type = 2;
}
message GetConfigResponse {
  string content = 1;
  string hash = 2;
  bool not_modified = 3;
}
message RegisterCollectorRequest {
  string id = 1;
  map<string, string> attributes = 2;
  map<string, string> local_attributes = 4;
  string name = 3;
}
message RegisterCollectorResponse {}
message UnregisterCollectorRequest { string id = 1; }
message UnregisterCollectorResponse {}

message GetCollectorRequest { string id = 1; }
enum CollectorType {
  COLLECTOR_TYPE_UNSPECIFIED = 0;
  COLLECTOR_TYPE_ALLOY = 1;
  COLLECTOR_TYPE_OTEL = 2;
}
message Collector {
  string id = 1;
  map<string, string> attribute_overrides = 2;
  map<string, string> remote_attributes = 8;
  optional google.protobuf.Timestamp created_at = 3;
  optional google.protobuf.Timestamp updated_at = 4;
  string name = 5;
  map<string, string> attributes = 6;
  map<string, string> local_attributes = 9;
  optional bool enabled = 7;
  optional google.protobuf.Timestamp marked_inactive_at = 10;
  CollectorType collector_type = 11;
}
message ListCollectorsRequest { repeated string matchers = 1; }
message Collectors { repeated Collector collectors = 1; }
message CreateCollectorRequest { Collector collector = 1; }
message UpdateCollectorRequest { Collector collector = 1; }
message DeleteCollectorRequest { string id = 1; }
message BulkUpdateCollectorsRequest {
  repeated string ids = 1;
  repeated Operation ops = 2;
}
message Operation {
  enum OpType {
    UNKNOWN = 0;
    ADD = 1;
    REMOVE = 2;
    REPLACE = 3;
    MOVE = 4;
    COPY = 5;
  }
  OpType op = 1;
  string path = 2;
  optional string from = 3;
  optional string value = 4;
  optional string oldValue = 5;
}
message BulkUpdateCollectorsResponse {}
message BulkDeleteCollectorsRequest { repeated string ids = 1; }
message BulkDeleteCollectorsResponse {}
message DeleteCollectorResponse {}
message ListCollectorAttributesRequest {}
message ListCollectorAttributesResponse {
  map<string, Attributes> attributes = 1;
  map<string, Attributes> attribute_overrides = 2;
  map<string, Attributes> local_attributes = 3;
  map<string, Attributes> remote_attributes = 4;
}
message Attributes { repeated Value values = 1; }
message Value { string value = 1; }

service CollectorService {
  rpc GetConfig (GetConfigRequest) returns (GetConfigResponse) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc RegisterCollector (RegisterCollectorRequest) returns (RegisterCollectorResponse) { option idempotency_level = IDEMPOTENT; }
  rpc UnregisterCollector (UnregisterCollectorRequest) returns (UnregisterCollectorResponse) { option idempotency_level = IDEMPOTENCY_UNKNOWN; }
  rpc GetCollector (GetCollectorRequest) returns (Collector);
  rpc ListCollectors (ListCollectorsRequest) returns (Collectors);
  rpc CreateCollector (CreateCollectorRequest) returns (Collector);
  rpc UpdateCollector (UpdateCollectorRequest) returns (Collector);
  rpc BulkUpdateCollectors (BulkUpdateCollectorsRequest) returns (BulkUpdateCollectorsResponse);
  rpc BulkDeleteCollectors (BulkDeleteCollectorsRequest) returns (BulkDeleteCollectorsResponse);
  rpc DeleteCollector (DeleteCollectorRequest) returns (DeleteCollectorResponse);
  rpc ListCollectorAttributes (ListCollectorAttributesRequest) returns (ListCollectorAttributesResponse);
}
`;
const PIPELINE_SCHEMA = `
syntax = "proto3";

package pipeline.v1;

import "google/protobuf/timestamp.proto";
import "google/protobuf/struct.proto";

enum ConfigType {
  CONFIG_TYPE_UNSPECIFIED = 0;
  CONFIG_TYPE_ALLOY = 1;
  CONFIG_TYPE_OTEL = 2;
}
message Pipeline {
  string name = 1;
  string contents = 2;
  repeated string matchers = 3;
  optional google.protobuf.Timestamp created_at = 4;
  optional google.protobuf.Timestamp updated_at = 5;
  optional bool enabled = 6;
  optional string id = 7;
  optional google.protobuf.Struct metadata = 8;
  optional PipelineSource source = 9;
  ConfigType config_type = 10;
}
message Pipelines { repeated Pipeline pipelines = 1; }
message GetPipelineRequest { string id = 2; }
message ListPipelinesRequest {
  map<string, string> local_attributes = 1;
  map<string, string> remote_attributes = 2;
  optional ConfigType config_type = 3;
  optional bool enabled = 4;
}
message CreatePipelineRequest {
  Pipeline pipeline = 1;
  bool validate_only = 2;
}
message UpdatePipelineRequest {
  Pipeline pipeline = 1;
  bool validate_only = 2;
}
message UpsertPipelineRequest {
  Pipeline pipeline = 1;
  bool validate_only = 2;
}
message DeletePipelineRequest { string id = 2; }
message DeletePipelineResponse {}
message BulkDeletePipelinesRequest { repeated string ids = 1; }
message BulkDeletePipelinesResponse {}
message GetPipelineIDRequest { string name = 1; }
message GetPipelineIDResponse { string id = 1; }
message PipelineSource {
  enum SourceType {
    SOURCE_TYPE_UNSPECIFIED = 0;
    SOURCE_TYPE_GIT = 1;
    SOURCE_TYPE_TERRAFORM = 2;
    SOURCE_TYPE_GRAFANA = 3;
  }
  SourceType type = 1;
  string namespace = 2;
}
message SyncPipelinesRequest {
  PipelineSource source = 1;
  repeated Pipeline pipelines = 2;
}
message SyncPipelinesResponse {}

service PipelineService {
  rpc GetPipeline (GetPipelineRequest) returns (Pipeline);
  rpc GetPipelineID (GetPipelineIDRequest) returns (GetPipelineIDResponse);
  rpc ListPipelines (ListPipelinesRequest) returns (Pipelines);
  rpc CreatePipeline (CreatePipelineRequest) returns (Pipeline);
  rpc UpdatePipeline (UpdatePipelineRequest) returns (Pipeline);
  rpc UpsertPipeline (UpsertPipelineRequest) returns (Pipeline);
  rpc DeletePipeline (DeletePipelineRequest) returns (DeletePipelineResponse);
  rpc BulkDeletePipelines (BulkDeletePipelinesRequest) returns (BulkDeletePipelinesResponse);
  rpc SyncPipelines (SyncPipelinesRequest) returns (SyncPipelinesResponse);
}
`;
const COLLECTOR_METHODS = [
    "RegisterCollector",
    "GetConfig",
    "UnregisterCollector",
    "GetCollector",
    "ListCollectors",
    "CreateCollector",
    "UpdateCollector",
    "BulkUpdateCollectors",
    "BulkDeleteCollectors",
    "DeleteCollector",
    "ListCollectorAttributes",
];
const PIPELINE_METHODS = [
    "GetPipeline",
    "GetPipelineID",
    "ListPipelines",
    "CreatePipeline",
    "UpdatePipeline",
    "UpsertPipeline",
    "DeletePipeline",
    "BulkDeletePipelines",
    "SyncPipelines",
];
function buildRoot() {
    const root = new (protobufjs_default()).Root();
    for (const file of ["google/protobuf/timestamp.proto", "google/protobuf/struct.proto"]) {
        const common = protobufjs_default().common.get(file);
        if (!common)
            throw new Error(`protobufjs lacks ${file}`);
        root.addJSON(common.nested);
    }
    protobufjs_default().parse(SCHEMA, root);
    protobufjs_default().parse(PIPELINE_SCHEMA, root);
    root.resolveAll();
    return root;
}
const wireRoot = buildRoot();
/** Procedures by request path, e.g. `/collector.v1.CollectorService/GetConfig`. */
const PROCEDURES = (() => {
    const byPath = new Map();
    for (const serviceName of ["collector.v1.CollectorService", "pipeline.v1.PipelineService"]) {
        const service = wireRoot.lookupService(serviceName);
        for (const m of service.methodsArray) {
            byPath.set(`/${serviceName}/${m.name}`, {
                service: serviceName,
                method: m.name,
                requestType: m.resolvedRequestType,
                responseType: m.resolvedResponseType,
                idempotency: m.options?.idempotency_level ?? "IDEMPOTENCY_UNKNOWN",
            });
        }
    }
    byPath.set("/tenant.v1.TenantService/GetLimits", {
        service: "tenant.v1.TenantService",
        method: "GetLimits",
        idempotency: "IDEMPOTENCY_UNKNOWN",
    });
    return byPath;
})();

;// CONCATENATED MODULE: ./src/emulator/fm-server.ts
/**
 * A local Fleet Management emulator for demos and tests (`fm-fleet emulate`): a node:http server speaking
 * Connect unary the way FM does (docs/fm-protocol.md; connectrpc.com/docs/protocol), not the way our client
 * happens to call it. It routes the procedures of collector.v1.CollectorService (collector and management
 * halves), pipeline.v1.PipelineService and tenant.v1.TenantService/GetLimits; checks Basic auth; reads
 * JSON and binary protobuf, and GetConfig by GET; limits each class of calls to FM's rates; injects seeded
 * faults; and lets tests look inside.
 */














/** FM's `requests_per_second:collector` limit covers Register and GetConfig; other collector calls 3 req/s. */
function rateClassOf(method) {
    if (method === "RegisterCollector" || method === "GetConfig")
        return "collector";
    // Unregister is not in FM's documented method table; Alloy calls it once at shutdown.
    if (method === "UnregisterCollector" || method === "GetLimits")
        return undefined;
    return PIPELINE_METHODS.includes(method) ? "pipeline" : "management";
}
const isCollectorMethod = (m) => COLLECTOR_METHODS.includes(m);
const isPipelineMethod = (m) => PIPELINE_METHODS.includes(m);
const INSPECT_COLLECTORS = "/_emulator/collectors";
const INSPECT_PIPELINES = "/_emulator/pipelines";
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_SOURCE = { type: "SOURCE_TYPE_GIT", namespace: "fm-fleet-emulate" };
async function createFmEmulator(options = {}) {
    const stackId = options.stackId ?? "123456";
    const token = options.token ?? "glc_fm-emulator-token";
    const clock = options.clock ?? core_clock/* systemClock */.ml;
    const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${stackId}:${token}`).toString("base64")}`);
    let configOverride;
    const pipelineState = createPipelineState();
    const collectorState = createCollectorState({
        activeWindowMs: options.activeWindowMs ?? 30 * 60_000,
        configFor({ id, attributes, enabled }) {
            if (!enabled)
                return { content: "", pipelines: [] };
            if (configOverride !== undefined)
                return { content: configOverride, pipelines: [] };
            const matching = pipelineState.matching(attributes);
            return {
                content: (0,assemble_config/* assembleConfig */.T)(matching, { id, attributes }),
                pipelines: matching.map((p) => p.name),
            };
        },
    });
    if (options.pipelines)
        pipelineState.sync(DEFAULT_SOURCE, options.pipelines, clock.now());
    const limits = {
        collector: bucket(options.rateLimitPerSecond ?? 20),
        management: bucket(options.managementRateLimitPerSecond ?? 3),
        pipeline: bucket(options.pipelineRateLimitPerSecond ?? 3),
    };
    const random = (0,core_clock/* seededRandom */.Is)(options.seed ?? 1);
    let drawFault = createFaultInjector(options.faults ?? {}, random);
    const log = [];
    // Ends the waits of hung requests when the emulator closes, so no timer outlives it.
    const closing = new AbortController();
    (0,external_node_events_.setMaxListeners)(0, closing.signal);
    const server = (0,external_node_http_.createServer)((req, res) => {
        handle(req, res).catch((err) => {
            if (!res.headersSent)
                sendConnectError(res, new ConnectError("internal", err instanceof Error ? err.message : String(err)));
        });
    });
    async function handle(req, res) {
        const url = new URL(req.url ?? "/", "http://emulator");
        const path = url.pathname;
        const raw = await readBody(req);
        const procedure = PROCEDURES.get(path);
        const httpMethod = req.method ?? "";
        let logged = raw.toString("utf8");
        const entry = {
            method: procedure?.method ?? path,
            httpMethod,
            time: clock.now(),
            headers: loggedHeaders(req),
        };
        const respond = (status, extra = {}) => log.push({ ...entry, body: logged, status, ...extra });
        const fail = (error, extra = {}) => {
            sendConnectError(res, error);
            respond(error.status, extra);
        };
        if ((path === INSPECT_COLLECTORS || path === INSPECT_PIPELINES) && httpMethod === "GET") {
            if (!(0,loopback/* isLoopbackHost */.c)(normalizeAddress(req.socket.remoteAddress))) {
                res
                    .writeHead(403, { "content-type": "text/plain" })
                    .end("the inspection endpoint answers loopback only\n");
                return respond(403);
            }
            sendJson(res, path === INSPECT_COLLECTORS
                ? { collectors: collectorState.collectors(clock.now()) }
                : { pipelines: pipelineState.pipelines() });
            return respond(200);
        }
        // Go's ServeMux answers unknown paths with a plain 404; Connect clients read it as unimplemented.
        if (!procedure) {
            res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
            return respond(404);
        }
        const isGet = httpMethod === "GET";
        // GET is for procedures without side effects only (Connect protocol, "Unary-Get-Request").
        if (httpMethod !== "POST" && !(isGet && procedure.idempotency === "NO_SIDE_EFFECTS")) {
            const allow = procedure.idempotency === "NO_SIDE_EFFECTS" ? "GET, POST" : "POST";
            res.writeHead(405, { allow, "content-type": "text/plain" }).end(`use ${allow}\n`);
            return respond(405);
        }
        if (!isAuthorized(req.headers.authorization))
            return fail(new ConnectError("unauthenticated", "authentication error: invalid scope requested"));
        let codec;
        let message;
        try {
            let body;
            if (isGet) {
                ({ codec, body } = readGetQuery(url.searchParams));
            }
            else {
                codec = codecOfContentType(req.headers["content-type"]);
                const version = headerValue(req, "connect-protocol-version");
                if (version !== undefined && version !== "1")
                    throw new ConnectError("invalid_argument", `connect-protocol-version must be "1": got "${version}"`);
                body = decompress(raw, headerValue(req, "content-encoding"));
            }
            if (!procedure.requestType) {
                // The tenant API has no published schema: JSON only.
                if (codec !== "json")
                    throw new UnsupportedCodecError(`${procedure.service} has no published schema: send application/json`);
                message = parseJsonObject(body.toString("utf8"));
            }
            else {
                message = decodeMessage(procedure.requestType, codec, body);
            }
            if (isGet || codec === "proto")
                logged = JSON.stringify(message);
        }
        catch (err) {
            if (err instanceof UnsupportedCodecError) {
                // A server must answer 415 to a codec it cannot read (Connect protocol).
                res
                    .writeHead(415, {
                    "accept-post": "application/json, application/proto",
                    "content-type": "text/plain",
                })
                    .end(`${err.message}\n`);
                return respond(415);
            }
            if (err instanceof ConnectError)
                return fail(err);
            throw err;
        }
        const method = procedure.method;
        const collectorId = typeof message.id === "string" && message.id !== "" ? message.id : undefined;
        if (collectorId && isCollectorMethod(method))
            collectorState.countRequest(method, collectorId);
        const context = { codec, ...(collectorId ? { collectorId } : {}) };
        const rateClass = rateClassOf(method);
        if (rateClass) {
            const { perSecond, bucket: limit } = limits[rateClass];
            const taken = limit.tryTake(clock.now());
            if (!taken.ok) {
                const retryAfter = String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
                return fail(new ConnectError("resource_exhausted", `rate limit of ${perSecond} req/s exceeded`, {
                    "retry-after": retryAfter,
                }), { ...context, fault: "rate_limited" });
            }
        }
        const draw = drawFault(method, collectorId);
        if (draw.latencyMs > 0)
            await clock.sleep(draw.latencyMs);
        const faulted = draw.fault ? { ...context, fault: draw.fault } : context;
        if (draw.fault === "unavailable")
            return fail(new ConnectError("unavailable", "emulated fault: service unavailable"), faulted);
        if (draw.fault === "resource_exhausted" || draw.fault === "huge_retry_after") {
            const retryAfter = draw.fault === "huge_retry_after" ? String(HUGE_RETRY_AFTER_SECONDS) : "1";
            return fail(new ConnectError("resource_exhausted", "emulated fault: too many requests", {
                "retry-after": retryAfter,
            }), faulted);
        }
        if (draw.fault === "endless_body" && draw.status === 503) {
            // Before any effect: an error page that never ends.
            respond(503, faulted);
            res.writeHead(503, { "content-type": CONTENT_TYPE.json });
            return (0,stream_body/* streamRepeated */.d)(res, { head: ENDLESS_ERROR_HEAD, byte: ENDLESS_BYTE, count: Infinity });
        }
        if (draw.fault === "hang") {
            let gone = false;
            res.once("close", () => (gone = true));
            const held = await clock.sleep(draw.hangMs, closing.signal).then(() => true, () => false);
            if (!held || gone || draw.then === "close") {
                // The client gave up (or the server does): the request never takes effect.
                req.socket.destroy();
                return respond(0, faulted);
            }
        }
        let answer;
        try {
            const now = clock.now();
            if (isCollectorMethod(method))
                answer = collectorState.handle(method, message, now);
            else if (isPipelineMethod(method))
                answer = pipelineState.handle(method, message, now);
            else
                answer = { collectors: 10_000, pipelines: 1_000 };
        }
        catch (err) {
            if (err instanceof ConnectError)
                return fail(err, context);
            throw err;
        }
        if (draw.fault === "reset") {
            // The request took effect, but the answer is lost: the client must retry an idempotent call.
            req.socket.destroy();
            return respond(0, faulted);
        }
        if (draw.fault === "endless_body") {
            // After the effect: a success whose body never ends.
            respond(200, faulted);
            res.writeHead(200, { "content-type": CONTENT_TYPE[codec] });
            return (0,stream_body/* streamRepeated */.d)(res, { head: ENDLESS_ANSWER_HEAD, byte: ENDLESS_BYTE, count: Infinity });
        }
        if (draw.fault === "hash_bomb" && procedure.responseType) {
            respond(200, faulted);
            res.writeHead(200, { "content-type": CONTENT_TYPE[codec] });
            return (0,stream_body/* streamRepeated */.d)(res, {
                ...hashBombFrame(procedure.responseType, codec, answer),
                byte: HASH_BOMB_BYTE,
                count: HASH_BOMB_CHARS,
            });
        }
        const body = procedure.responseType
            ? encodeMessage(procedure.responseType, codec, answer)
            : Buffer.from(JSON.stringify(answer));
        res.writeHead(200, { "content-type": CONTENT_TYPE[codec] }).end(body);
        return respond(200, faulted);
    }
    function isAuthorized(header) {
        const given = Buffer.from(header ?? "");
        return given.length === expectedAuth.length && (0,external_node_crypto_.timingSafeEqual)(given, expectedAuth);
    }
    const host = options.host ?? "127.0.0.1";
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
    const { port } = server.address();
    let closed;
    return {
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
        stackId,
        token,
        collectors: () => collectorState.collectors(clock.now()),
        pipelines: () => pipelineState.pipelines(),
        requests: () => [...log],
        setPipelines: (pipelines, source = DEFAULT_SOURCE) => pipelineState.sync(source, pipelines, clock.now()),
        setConfig(content) {
            configOverride = content;
        },
        deleteCollector: (id) => collectorState.deleteCollector(id),
        setFaults(faults) {
            drawFault = createFaultInjector(faults, random);
        },
        close() {
            closing.abort(new Error("the emulator is closing"));
            closed ??= new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
            return closed;
        },
    };
}
const ENDLESS_BYTE = "x".charCodeAt(0);
const ENDLESS_ERROR_HEAD = Buffer.from('{"code":"unavailable","message":"');
const ENDLESS_ANSWER_HEAD = Buffer.from('{"content":"');
const HASH_BOMB_BYTE = "f".charCodeAt(0);
/**
 * What goes before and after a hash bomb's HASH_BOMB_CHARS characters: the answer without its hash, then
 * the hash field, written so the hash itself is streamed. In binary, a field may follow the others
 * (protobuf.dev/programming-guides/encoding, "Last One Wins"): the tag (field number, wire type 2) and the
 * length as a varint, then the bytes.
 */
function hashBombFrame(type, codec, answer) {
    const rest = { ...answer };
    delete rest.hash;
    const encoded = encodeMessage(type, codec, rest);
    if (codec === "proto") {
        const field = type.fields.hash?.id ?? 2;
        return { head: Buffer.concat([encoded, varint((field << 3) | 2), varint(HASH_BOMB_CHARS)]) };
    }
    const text = encoded.toString("utf8");
    const open = text === "{}" ? "{" : `${text.slice(0, -1)},`;
    return { head: Buffer.from(`${open}"hash":"`), tail: Buffer.from('"}') };
}
function varint(value) {
    const bytes = [];
    let v = value;
    while (v > 0x7f) {
        bytes.push((v & 0x7f) | 0x80);
        v >>>= 7;
    }
    bytes.push(v);
    return Buffer.from(bytes);
}
function bucket(perSecond) {
    return { perSecond, bucket: createServerRateLimit({ ratePerSecond: perSecond }) };
}
function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on("data", (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES)
                req.destroy(new Error("request body too large"));
            else
                chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}
function sendJson(res, value) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
}
function headerValue(req, name) {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
}
function loggedHeaders(req) {
    const out = {};
    for (const [name, value] of Object.entries(req.headers))
        if (name !== "authorization" && value !== undefined)
            out[name] = Array.isArray(value) ? value.join(", ") : value;
    return out;
}
/** Node reports IPv4 clients of a dual-stack socket as ::ffff:127.0.0.1. */
function normalizeAddress(address) {
    return (address ?? "").replace(/^::ffff:/, "");
}


/***/ }),

/***/ 788:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   d: () => (/* binding */ streamRepeated)
/* harmony export */ });
const CHUNK_BYTES = 64 * 1024;
const chunks = new Map();
function chunkOf(byte) {
    let chunk = chunks.get(byte);
    if (!chunk) {
        chunk = Buffer.alloc(CHUNK_BYTES, byte);
        chunks.set(byte, chunk);
    }
    return chunk;
}
/**
 * Writes `head`, then `count` copies of `byte` (Infinity: until the client goes away), then `tail`, and
 * ends the response. Resolves once the body is written or the connection is gone.
 */
function streamRepeated(res, parts) {
    const chunk = chunkOf(parts.byte);
    let left = parts.count;
    return new Promise((resolve) => {
        const done = () => {
            res.off("close", done);
            resolve();
        };
        res.on("close", done);
        // A client that leaves mid-body makes the socket error; the response is over, nothing to report.
        res.on("error", () => undefined);
        const pump = () => {
            while (left > 0 && !res.destroyed) {
                const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
                left -= piece.length;
                if (!res.write(piece)) {
                    res.once("drain", pump);
                    return;
                }
            }
            if (!res.destroyed)
                res.end(parts.tail, done);
        };
        if (parts.head && parts.head.length > 0 && !res.write(parts.head))
            res.once("drain", pump);
        else
            pump();
    });
}


/***/ })

};
