export const id = 553;
export const ids = [553];
export const modules = {

/***/ 4553:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  HUGE_RETRY_AFTER_SECONDS: () => (/* binding */ HUGE_RETRY_AFTER_SECONDS),
  createRemoteWriteReceiver: () => (/* binding */ createRemoteWriteReceiver)
});

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:timers/promises"
var promises_ = __webpack_require__(8500);
// EXTERNAL MODULE: ./src/core/clock.ts
var clock = __webpack_require__(2257);
// EXTERNAL MODULE: ./node_modules/protobufjs/index.js
var protobufjs = __webpack_require__(1853);
var protobufjs_default = /*#__PURE__*/__webpack_require__.n(protobufjs);
// EXTERNAL MODULE: ./node_modules/snappyjs/index.js
var snappyjs = __webpack_require__(4528);
;// CONCATENATED MODULE: ./src/emulator/rw-decode.ts
/**
 * An independent remote-write 1.0 decoder for the local receiver and the tests: snappy via snappyjs and
 * protobuf via protobufjs reflection on the schema of prometheus/prometheus prompb/types.proto and
 * remote.proto. It shares no code with src/remote-write, so an encoder bug cannot hide behind a decoder
 * with the same bug.
 */


/**
 * Sample.value is read as fixed64 rather than double: the same I64 wire record, but the 64 bits arrive
 * as an integer, so the stale marker's exact bits (0x7ff0000000000002) can be checked; a double read
 * would pass through a JS number, whose NaN payload V8 may canonicalise.
 */
const root = protobufjs_default().Root.fromJSON({
    nested: {
        prometheus: {
            nested: {
                WriteRequest: {
                    fields: {
                        timeseries: { rule: "repeated", type: "TimeSeries", id: 1 },
                        metadata: { rule: "repeated", type: "MetricMetadata", id: 3 },
                    },
                },
                TimeSeries: {
                    fields: {
                        labels: { rule: "repeated", type: "Label", id: 1 },
                        samples: { rule: "repeated", type: "Sample", id: 2 },
                    },
                },
                Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
                Sample: { fields: { value: { type: "fixed64", id: 1 }, timestamp: { type: "int64", id: 2 } } },
                MetricMetadata: {
                    fields: {
                        type: { type: "MetricType", id: 1 },
                        metricFamilyName: { type: "string", id: 2 },
                        help: { type: "string", id: 4 },
                        unit: { type: "string", id: 5 },
                    },
                    nested: {
                        MetricType: {
                            values: {
                                UNKNOWN: 0,
                                COUNTER: 1,
                                GAUGE: 2,
                                HISTOGRAM: 3,
                                GAUGEHISTOGRAM: 4,
                                SUMMARY: 5,
                                INFO: 6,
                                STATESET: 7,
                            },
                        },
                    },
                },
            },
        },
    },
});
const WriteRequest = root.lookupType("prometheus.WriteRequest");
/** prometheus model/value/value.go StaleNaN. */
const STALE_NAN_BITS = 0x7ff0000000000002n;
/** The largest request the receiver inflates (Mimir's default max message size is 100 MiB). */
const MAX_DECODED_BYTES = 64 * 1024 * 1024;
/** Inflates a snappy block body. Throws on a corrupt or oversized stream. */
function uncompressBody(body, maxLength = MAX_DECODED_BYTES) {
    return (0,snappyjs/* uncompress */.k)(body, maxLength);
}
/** Decodes an uncompressed WriteRequest. Throws on bytes that are not one. */
function decodeWriteRequest(bytes) {
    const message = WriteRequest.decode(bytes);
    const plain = WriteRequest.toObject(message, {
        longs: String,
        enums: String,
        defaults: true,
    });
    return {
        timeseries: plain.timeseries.map((ts) => ({
            labels: ts.labels.map((l) => [l.name, l.value]),
            samples: ts.samples.map((s) => decodeSample(BigInt(s.value), Number(s.timestamp))),
        })),
        metadata: plain.metadata.map((m) => ({
            type: m.type,
            family: m.metricFamilyName,
            help: m.help,
            unit: m.unit,
        })),
    };
}
/** uncompressBody then readWriteRequest: the receiver's path. */
function decodeBody(body, labelCache) {
    return readWriteRequest(uncompressBody(body), labelCache);
}
/**
 * Label lists already decoded, by the bytes of their records: a sender repeats each series' labels in
 * every request, so a receiver decodes each list once. Cleared when it passes `limit` entries.
 */
class LabelCache {
    limit;
    lists = new Map();
    constructor(limit = 1_000_000) {
        this.limit = limit;
    }
    get(key) {
        return this.lists.get(key);
    }
    set(key, labels) {
        if (this.lists.size >= this.limit)
            this.lists.clear();
        this.lists.set(key, labels);
    }
}
const METRIC_TYPES = [
    "UNKNOWN",
    "COUNTER",
    "GAUGE",
    "HISTOGRAM",
    "GAUGEHISTOGRAM",
    "SUMMARY",
    "INFO",
    "STATESET",
];
/**
 * The same decoding as decodeWriteRequest, walking the wire format by hand (protobuf.dev "Encoding"):
 * about ten times faster than protobufjs reflection, so the local receiver keeps up with a fleet of
 * thousands of collectors pushing every second or two. decodeWriteRequest stays the tests' oracle, and
 * the tests hold the two to the same results. Throws on bytes that are not a WriteRequest.
 */
function readWriteRequest(bytes, labelCache) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    const fail = (what) => {
        throw new Error(`malformed WriteRequest: ${what} at byte ${pos}`);
    };
    const varint = () => {
        let value = 0;
        for (let scale = 1;; scale *= 128) {
            if (pos >= buf.length || scale > 2 ** 63)
                fail("truncated varint");
            const byte = buf[pos++];
            value += (byte & 0x7f) * scale;
            if (byte < 0x80)
                return value;
        }
    };
    /** An int64 varint as a number (negative values come as 10-byte two's complement). */
    const int64 = () => {
        const start = pos;
        const value = varint();
        if (pos - start < 8)
            return value;
        // Past 2^53 a double loses bits: read it again exactly.
        let exact = 0n;
        for (let i = pos - 1; i >= start; i--)
            exact = (exact << 7n) | BigInt(buf[i] & 0x7f);
        return Number(BigInt.asIntN(64, exact));
    };
    const end = (length) => {
        if (pos + length > buf.length)
            fail("field past the end");
        return pos + length;
    };
    const skip = (wireType) => {
        if (wireType === 0)
            varint();
        else if (wireType === 1)
            pos = end(8);
        else if (wireType === 2)
            pos = end(varint());
        else if (wireType === 5)
            pos = end(4);
        else
            fail(`wire type ${wireType}`);
    };
    const string = () => {
        const stop = end(varint());
        const text = buf.toString("utf8", pos, stop);
        pos = stop;
        return text;
    };
    const timeseries = [];
    const metadata = [];
    while (pos < buf.length) {
        const tag = varint();
        if (tag === 0x0a) {
            const stop = end(varint());
            // The label records come first (as every sender writes them): a list seen before is reused.
            const labelsStart = pos;
            let labelsEnd = pos;
            while (labelsEnd < stop && buf[labelsEnd] === 0x0a) {
                pos = labelsEnd + 1;
                labelsEnd = end(varint());
            }
            if (labelsEnd > stop)
                fail("label past the end of its TimeSeries");
            pos = labelsStart;
            const key = labelCache && labelsEnd > labelsStart ? buf.toString("latin1", labelsStart, labelsEnd) : undefined;
            const known = key === undefined ? undefined : labelCache.get(key);
            // A cached list is shared (callers never change one); a stray label after the samples copies it.
            let labels = (known ?? []);
            let shared = known !== undefined;
            if (known)
                pos = labelsEnd;
            const samples = [];
            while (pos < stop) {
                const field = varint();
                if (field === 0x0a) {
                    const labelEnd = end(varint());
                    let name = "";
                    let value = "";
                    while (pos < labelEnd) {
                        const t = varint();
                        if (t === 0x0a)
                            name = string();
                        else if (t === 0x12)
                            value = string();
                        else
                            skip(t & 7);
                    }
                    if (shared)
                        labels = [...labels];
                    shared = false;
                    labels.push([name, value]);
                }
                else if (field === 0x12) {
                    const sampleEnd = end(varint());
                    let bits = 0n;
                    let timestampMs = 0;
                    while (pos < sampleEnd) {
                        const t = varint();
                        if (t === 0x09) {
                            end(8);
                            bits = view.getBigUint64(pos, true);
                            pos += 8;
                        }
                        else if (t === 0x10)
                            timestampMs = int64();
                        else
                            skip(t & 7);
                    }
                    samples.push(decodeSample(bits, timestampMs));
                }
                else
                    skip(field & 7);
            }
            if (pos !== stop)
                fail("TimeSeries length");
            if (key !== undefined && !known)
                labelCache.set(key, labels);
            timeseries.push({ labels, samples });
        }
        else if (tag === 0x1a) {
            const stop = end(varint());
            const entry = { type: "UNKNOWN", family: "", help: "", unit: "" };
            while (pos < stop) {
                const t = varint();
                if (t === 0x08)
                    entry.type = METRIC_TYPES[varint()] ?? "UNKNOWN";
                else if (t === 0x12)
                    entry.family = string();
                else if (t === 0x22)
                    entry.help = string();
                else if (t === 0x2a)
                    entry.unit = string();
                else
                    skip(t & 7);
            }
            metadata.push(entry);
        }
        else
            skip(tag & 7);
    }
    return { timeseries, metadata };
}
const sampleBits = new BigUint64Array(1);
const sampleValue = new Float64Array(sampleBits.buffer);
function decodeSample(bits, timestampMs) {
    sampleBits[0] = bits;
    return { value: sampleValue[0], bits, stale: bits === STALE_NAN_BITS, timestampMs };
}

// EXTERNAL MODULE: ./src/emulator/stream-body.ts
var stream_body = __webpack_require__(788);
;// CONCATENATED MODULE: ./src/emulator/rw-receiver.ts
/**
 * A local remote-write 1.0 receiver for tests, the demo and `fm-fleet emulate` (README.md#command-line). It
 * answers the way Prometheus 2.42's write handler does where it matters to a sender
 * (storage/remote/write_handler.go, tsdb/head_append.go): 204 on success, 400 for bad data with the whole
 * request rolled back, including "out of order sample" when a series goes back in time; and it is stricter
 * where Prometheus is lax but the spec is not: missing required headers, unsorted or repeated label names
 * (Prometheus answers the latter with a 500 that a sender would retry forever; docs/fm-protocol.md#labels)
 * are all 400s.
 */






/** Retry-After of a `hugeRetryAfterRatio` fault. */
const HUGE_RETRY_AFTER_SECONDS = 999_999;
const DEFAULT_HANG_MS = 30_000;
const ENDLESS_BYTE = "x".charCodeAt(0);
const WRITE_PATH = "/api/v1/write";
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const LOG_LIMIT = 1000;
const REQUIRED_HEADERS = {
    "content-encoding": "snappy",
    "content-type": "application/x-protobuf",
    "x-prometheus-remote-write-version": "0.1.0",
};
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
class Rejection extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}
async function createRemoteWriteReceiver(options = {}) {
    const store = new Map();
    // A sender repeats every series' labels in each request: each list is decoded, checked and keyed once.
    const labelCache = new LabelCache();
    const checked = new WeakMap();
    const metadata = new Map();
    const log = [];
    const random = (0,clock/* seededRandom */.Is)(options.seed ?? 1);
    const expectedAuth = options.user !== undefined || options.token !== undefined
        ? `Basic ${Buffer.from(`${options.user ?? ""}:${options.token ?? ""}`).toString("base64")}`
        : undefined;
    let faults = { ...options.faults };
    let requestCount = 0;
    const faultCounts = {};
    const record = (entry) => {
        log.push(entry);
        if (log.length > LOG_LIMIT)
            log.shift();
    };
    // Ends the waits of hung requests when the receiver closes, so no timer outlives it.
    const closing = new AbortController();
    (0,external_node_events_.setMaxListeners)(0, closing.signal);
    /** One draw per request (none when no share is set, so old seeds fail the same requests). */
    const drawFault = () => {
        if (faults.failNext && faults.failNext > 0) {
            faults.failNext--;
            return { kind: "fail" };
        }
        const [scripted, ...rest] = faults.script ?? [];
        if (scripted) {
            faults.script = rest;
            if (scripted === "endless_body")
                return { kind: scripted, status: random() < 0.5 ? 200 : 503 };
            if (scripted === "hang")
                return { kind: scripted, then: random() < 0.5 ? "answer" : "close" };
            return { kind: scripted };
        }
        const shares = [
            faults.failRatio,
            faults.endlessBodyRatio,
            faults.hugeRetryAfterRatio,
            faults.hangRatio,
        ];
        if (shares.every((share) => share === undefined))
            return undefined;
        const r = random();
        let upTo = 0;
        const kinds = ["fail", "endless_body", "huge_retry_after", "hang"];
        for (const [i, kind] of kinds.entries()) {
            upTo += shares[i] ?? 0;
            if (r >= upTo)
                continue;
            if (kind === "endless_body")
                return { kind, status: random() < 0.5 ? 200 : 503 };
            if (kind === "hang")
                return { kind, then: random() < 0.5 ? "answer" : "close" };
            return { kind };
        }
        return undefined;
    };
    const handle = async (req, res) => {
        requestCount++;
        const headers = headerRecord(req);
        if (req.method === "GET" && (req.url === "/" || req.url === "/api/v1/summary")) {
            const all = [...store.values()];
            sendJson(res, 200, {
                requests: requestCount,
                series: all.length,
                openSeries: all.filter((s) => !s.stale).length,
            });
            return;
        }
        if (req.url !== WRITE_PATH)
            return answer(res, 404, `not found; remote write goes to ${WRITE_PATH}`);
        if (req.method !== "POST")
            return answer(res, 405, "method not allowed");
        const body = await readBody(req);
        const draw = drawFault();
        if (draw) {
            const kind = draw.kind === "fail" ? "status" : draw.kind;
            faultCounts[kind] = (faultCounts[kind] ?? 0) + 1;
        }
        const hostile = (kind, status) => record({ status, headers, series: 0, samples: 0, error: `injected fault: ${kind}`, fault: kind });
        if (draw?.kind === "huge_retry_after") {
            hostile(draw.kind, 429);
            res.setHeader("retry-after", String(HUGE_RETRY_AFTER_SECONDS));
            return answer(res, 429, defaultFaultBody(429));
        }
        if (draw?.kind === "endless_body" && draw.status === 503) {
            hostile(draw.kind, 503);
            res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
            return (0,stream_body/* streamRepeated */.d)(res, { byte: ENDLESS_BYTE, count: Infinity });
        }
        if (draw?.kind === "hang") {
            let gone = false;
            res.once("close", () => (gone = true));
            const held = await (0,promises_.setTimeout)(faults.hangMs ?? DEFAULT_HANG_MS, undefined, { signal: closing.signal }).then(() => true, () => false);
            if (!held || gone || draw.then === "close") {
                hostile(draw.kind, 0);
                req.socket.destroy();
                return;
            }
        }
        if (draw?.kind === "fail") {
            const status = faults.status ?? 503;
            record({
                status: status === "reset" ? 0 : status,
                headers,
                series: 0,
                samples: 0,
                error: "injected fault",
            });
            if (status === "reset") {
                req.socket.destroy();
                return;
            }
            if (faults.retryAfter !== undefined)
                res.setHeader("retry-after", faults.retryAfter);
            return answer(res, status, faults.body ?? defaultFaultBody(status));
        }
        try {
            if (body === undefined)
                throw new Rejection(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
            if (expectedAuth !== undefined && req.headers.authorization !== expectedAuth) {
                res.setHeader("www-authenticate", 'Basic realm="remote write"');
                throw new Rejection(401, "authentication required");
            }
            for (const [name, value] of Object.entries(REQUIRED_HEADERS))
                if (headers[name] !== value)
                    throw new Rejection(400, `header ${name} must be "${value}", got "${headers[name] ?? ""}"`);
            let request;
            try {
                request = decodeBody(body, labelCache);
            }
            catch (err) {
                throw new Rejection(400, `cannot decode the request: ${err instanceof Error ? err.message : String(err)}`);
            }
            const samples = apply(request);
            const fault = draw?.kind === "endless_body" || draw?.kind === "hang" ? { fault: draw.kind } : {};
            if (draw?.kind === "endless_body") {
                // Stored, but the answer never ends.
                record({ status: 200, headers, series: request.timeseries.length, samples, ...fault });
                res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
                return (0,stream_body/* streamRepeated */.d)(res, { byte: ENDLESS_BYTE, count: Infinity });
            }
            record({ status: 204, headers, series: request.timeseries.length, samples, ...fault });
            res.writeHead(204).end();
        }
        catch (err) {
            if (!(err instanceof Rejection))
                throw err;
            record({ status: err.status, headers, series: 0, samples: 0, error: err.message });
            answer(res, err.status, err.message);
        }
    };
    /** Validates the whole request, then stores it: a refused request changes nothing (as Prometheus 2.42). */
    const apply = (request) => {
        const staged = new Map();
        let samples = 0;
        for (const ts of request.timeseries) {
            let known = checked.get(ts.labels);
            if (!known) {
                const key = seriesKey(ts.labels);
                known = { key, labels: checkLabels(ts.labels, key) };
                checked.set(ts.labels, known);
            }
            const { key, labels } = known;
            const current = staged.get(key) ?? store.get(key);
            const next = current
                ? { ...current }
                : {
                    labels,
                    lastValue: 0,
                    lastBits: 0n,
                    lastTimestampMs: Number.NEGATIVE_INFINITY,
                    stale: false,
                    samples: 0,
                };
            for (const s of ts.samples) {
                if (s.timestampMs < next.lastTimestampMs)
                    throw new Rejection(400, `out of order sample for series ${key}: ${s.timestampMs} is before ${next.lastTimestampMs}`);
                if (s.timestampMs === next.lastTimestampMs) {
                    // The TSDB ignores an exact repeat and refuses a different value at the same time.
                    if (s.bits === next.lastBits)
                        continue;
                    throw new Rejection(400, `duplicate sample for timestamp ${s.timestampMs} in series ${key}`);
                }
                next.lastTimestampMs = s.timestampMs;
                next.lastValue = s.value;
                next.lastBits = s.bits;
                next.stale = s.stale;
                next.samples++;
                samples++;
            }
            staged.set(key, next);
        }
        for (const [key, series] of staged)
            store.set(key, series);
        for (const m of request.metadata)
            metadata.set(m.family, m);
        return samples;
    };
    const server = (0,external_node_http_.createServer)((req, res) => {
        handle(req, res).catch((err) => {
            if (!res.headersSent)
                answer(res, 500, err instanceof Error ? err.message : String(err));
        });
    });
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}${WRITE_PATH}`,
        close: () => new Promise((resolve) => {
            closing.abort(new Error("the receiver is closing"));
            server.close(() => resolve());
            server.closeAllConnections();
        }),
        series: () => [...store.values()].map((s) => ({
            labels: { ...s.labels },
            lastValue: s.lastValue,
            lastTimestampMs: s.lastTimestampMs,
            stale: s.stale,
            samples: s.samples,
        })),
        openSeries: () => [...store.values()].filter((s) => !s.stale).length,
        requests: () => requestCount,
        log: () => [...log],
        metadata: () => new Map(metadata),
        setFaults(next) {
            faults = { ...next };
        },
        faultCounts: () => ({ ...faultCounts }),
    };
}
/** Label checks of remote write 1.0 ("Labels"): a name, valid unique names in sorted order. */
function checkLabels(labels, key) {
    const out = {};
    const seen = new Set();
    let previous;
    for (const [name, value] of labels) {
        if (!LABEL_NAME_RE.test(name))
            throw new Rejection(400, `invalid label name "${name}" in series ${key}`);
        if (seen.has(name))
            throw new Rejection(400, `duplicate label name ${name} in series ${key}`);
        if (previous !== undefined && previous > name)
            throw new Rejection(400, `labels not sorted by name (${previous} before ${name}) in series ${key}`);
        if (value === "")
            throw new Rejection(400, `empty value for label ${name} in series ${key}`);
        previous = name;
        seen.add(name);
        out[name] = value;
    }
    if (!seen.has("__name__"))
        throw new Rejection(400, `series without __name__: ${key}`);
    return out;
}
function seriesKey(labels) {
    return `{${labels.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(",")}}`;
}
function headerRecord(req) {
    const out = {};
    for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name === "authorization")
            continue;
        out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    return out;
}
/** The body, or undefined when it passes MAX_BODY_BYTES. */
async function readBody(req) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES)
            return undefined;
        chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
}
function defaultFaultBody(status) {
    if (status === 429)
        return "too many requests: ingestion rate limit exceeded";
    if (status >= 500)
        return "service unavailable";
    return "bad request: injected fault";
}
function answer(res, status, message) {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${message}\n`);
}
function sendJson(res, status, body) {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
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
