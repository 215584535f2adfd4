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
import { createHash } from "node:crypto";
import type { Message } from "./codecs.js";
import { ConnectError } from "./connect-error.js";
import type { CollectorMethod, EmulatedMethod } from "./wire-schema.js";
import { collectorMatchAttributes, matchesAll, MatcherError, parseMatchers } from "../fleet/matchers.js";

export interface EmulatedCollector {
  readonly id: string;
  readonly name: string;
  readonly localAttributes: Readonly<Record<string, string>>;
  readonly remoteAttributes: Readonly<Record<string, string>>;
  readonly enabled: boolean;
  /** Registered (or created) and not unregistered since. */
  readonly registered: boolean;
  /** Registered, and heartbeated within the active window. */
  readonly active: boolean;
  /** GetConfig calls that carried local attributes. */
  readonly heartbeats: number;
  readonly lastSeenMs?: number;
  readonly registrations: number;
  readonly unregistrations: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly markedInactiveAtMs?: number;
  /** The last `remoteConfigStatus` a GetConfig carried. */
  readonly lastRemoteConfigStatus?: string;
  readonly lastRemoteConfigError?: string;
  /** The pipelines of the content the last GetConfig answered with, in order. */
  readonly pipelines: readonly string[];
  /** Requests that named this collector, per method, whatever their outcome. */
  readonly requests: Readonly<Partial<Record<EmulatedMethod, number>>>;
}

/** What GetConfig serves a collector. */
export interface ServedConfig {
  readonly content: string;
  readonly pipelines: readonly string[];
}

export interface CollectorStateOptions {
  /** Silence longer than this marks a collector inactive (FM: 30 minutes). */
  activeWindowMs: number;
  /** The content for a collector, from the attributes FM matches on. */
  configFor(collector: {
    id: string;
    attributes: Readonly<Record<string, string>>;
    enabled: boolean;
  }): ServedConfig;
}

export interface CollectorState {
  handle(method: CollectorMethod, message: Message, nowMs: number): object;
  /** Counts a request against the collector it names, even one that fails. */
  countRequest(method: EmulatedMethod, id: string): void;
  collectors(nowMs: number): EmulatedCollector[];
  /** Forgets a collector, as DeleteCollector does: its next GetConfig gets not_found. */
  deleteCollector(id: string): boolean;
}

// FM limits (grafana.com fleet-management glossary and learning hub "matching patterns").
const MAX_KEY = 100;
const MAX_VALUE = 150;
const MAX_LOCAL_ATTRIBUTES = 22;
const MAX_REMOTE_ATTRIBUTES = 100;

interface CollectorRecord {
  id: string;
  name: string;
  localAttributes: Record<string, string>;
  remoteAttributes: Record<string, string>;
  enabled: boolean;
  collectorType: string;
  registered: boolean;
  /** Last Register or Create: the start of silence for a collector that never heartbeated. */
  registeredAtMs: number;
  heartbeats: number;
  lastSeenMs?: number;
  registrations: number;
  unregistrations: number;
  markedInactiveAtMs?: number;
  createdAtMs: number;
  updatedAtMs: number;
  lastRemoteConfigStatus?: string;
  lastRemoteConfigError?: string;
  pipelines: readonly string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createCollectorState(options: CollectorStateOptions): CollectorState {
  const byId = new Map<string, CollectorRecord>();
  // Kept apart from the records: a collector's first Register is counted before the record exists.
  const requestCounts = new Map<string, Partial<Record<EmulatedMethod, number>>>();

  const requireId = (message: Message): string => {
    const id = message.id;
    if (typeof id !== "string" || id === "") throw new ConnectError("invalid_argument", "id is required");
    return id;
  };
  const requireCollector = (id: string) => {
    const record = byId.get(id);
    if (!record) throw new ConnectError("not_found", `collector "${id}" not found`);
    return record;
  };

  /** Marks inactive every registered collector whose silence outlasted the window, as of its end. */
  const expire = (nowMs: number) => {
    for (const r of byId.values()) {
      if (!r.registered || r.markedInactiveAtMs !== undefined) continue;
      const since = Math.max(r.lastSeenMs ?? 0, r.registeredAtMs);
      if (nowMs - since > options.activeWindowMs) r.markedInactiveAtMs = since + options.activeWindowMs;
    }
  };

  const newRecord = (id: string, nowMs: number): CollectorRecord => ({
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

  const register = (message: Message, nowMs: number) => {
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

  const getConfig = (message: Message, nowMs: number) => {
    const id = requireId(message);
    const record = byId.get(id);
    if (!record?.registered) throw new ConnectError("not_found", `collector "${id}" is not registered`);
    const attributes = localAttributesOf(message);
    const heartbeat = attributes !== undefined && Object.keys(attributes).length > 0;
    // FM tracks liveness by heartbeats carrying local attributes; one without them does not count.
    if (heartbeat) {
      record.heartbeats++;
      record.lastSeenMs = nowMs;
      delete record.markedInactiveAtMs;
    }
    const status = message.remoteConfigStatus as { status?: string; errorMessage?: string } | undefined;
    if (status) {
      record.lastRemoteConfigStatus = status.status ?? "RemoteConfigStatuses_UNSET";
      if (status.errorMessage) record.lastRemoteConfigError = status.errorMessage;
      else delete record.lastRemoteConfigError;
    }
    const served = options.configFor({
      id,
      attributes: collectorMatchAttributes({
        id,
        localAttributes: heartbeat ? attributes : record.localAttributes,
        remoteAttributes: record.remoteAttributes,
      }),
      enabled: record.enabled,
    });
    record.pipelines = served.pipelines;
    // Any stable server-chosen hash works; clients only echo it.
    const hash = createHash("sha256").update(served.content).digest("hex");
    return message.hash === hash ? { hash, notModified: true } : { content: served.content, hash };
  };

  const unregister = (message: Message, nowMs: number) => {
    const record = requireCollector(requireId(message));
    if (record.registered) {
      record.registered = false;
      record.unregistrations++;
      record.markedInactiveAtMs = nowMs;
    }
    return {};
  };

  const collectorJson = (r: CollectorRecord) => ({
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

  const listCollectors = (message: Message) => {
    let matchers;
    try {
      matchers = parseMatchers((message.matchers as string[] | undefined) ?? []);
    } catch (err) {
      if (err instanceof MatcherError) throw new ConnectError("invalid_argument", err.message);
      throw err;
    }
    return {
      collectors: [...byId.values()]
        .filter((r) => matchesAll(matchers, collectorMatchAttributes(r)))
        .map(collectorJson),
    };
  };

  const collectorOf = (message: Message): Message => {
    const c = message.collector;
    if (typeof c !== "object" || c === null)
      throw new ConnectError("invalid_argument", "collector is required");
    return c as Message;
  };

  const createCollector = (message: Message, nowMs: number) => {
    const input = collectorOf(message);
    const id = requireId(input);
    if (byId.has(id)) throw new ConnectError("already_exists", `collector "${id}" already exists`);
    const record = newRecord(id, nowMs);
    applyUpdate(record, input);
    record.localAttributes = checkAttributes(
      stripVirtual(input.localAttributes),
      "localAttributes",
      MAX_LOCAL_ATTRIBUTES,
    );
    if (typeof input.collectorType === "string" && input.collectorType !== "COLLECTOR_TYPE_UNSPECIFIED")
      record.collectorType = input.collectorType;
    record.registered = true;
    byId.set(id, record);
    return collectorJson(record);
  };

  /** UpdateCollector replaces what FM owns: name, remote attributes and `enabled` (absent = enabled). */
  const applyUpdate = (record: CollectorRecord, input: Message) => {
    record.name = typeof input.name === "string" ? input.name : "";
    record.remoteAttributes = checkRemoteAttributes(input.remoteAttributes);
    record.enabled = input.enabled !== false;
  };

  const updateCollector = (message: Message, nowMs: number) => {
    const input = collectorOf(message);
    const record = requireCollector(requireId(input));
    const draft = { ...record };
    applyUpdate(draft, input);
    Object.assign(record, draft, { updatedAtMs: nowMs });
    return collectorJson(record);
  };

  const requireIds = (message: Message): string[] => {
    const ids = [...new Set((message.ids as string[] | undefined) ?? [])];
    if (ids.length === 0) throw new ConnectError("invalid_argument", "ids must be non-empty");
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0)
      throw new ConnectError("not_found", `collectors not found: ${missing.join(", ")}; nothing was changed`);
    return ids;
  };

  const bulkUpdate = (message: Message, nowMs: number) => {
    const ids = requireIds(message);
    const ops = (message.ops as Message[] | undefined) ?? [];
    if (ops.length === 0) throw new ConnectError("invalid_argument", "ops must be non-empty");
    // Apply to copies first: one failing operation leaves every collector as it was.
    const drafts = ids.map((id) => {
      const attrs = { ...byId.get(id)!.remoteAttributes };
      for (const op of ops) applyOperation(attrs, op, id);
      return { id, attrs: checkRemoteAttributes(attrs) };
    });
    for (const { id, attrs } of drafts)
      Object.assign(byId.get(id)!, { remoteAttributes: attrs, updatedAtMs: nowMs });
    return {};
  };

  const listAttributes = () => {
    const collect = (pick: (r: CollectorRecord) => Record<string, string>) => {
      const values = new Map<string, Set<string>>();
      for (const r of byId.values())
        for (const [k, v] of Object.entries(pick(r))) values.set(k, (values.get(k) ?? new Set()).add(v));
      return Object.fromEntries(
        [...values]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, vs]) => [k, { values: [...vs].sort().map((value) => ({ value })) }]),
      );
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
          for (const id of requireIds(message)) byId.delete(id);
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
function localAttributesOf(message: Message): Record<string, string> | undefined {
  const raw = (message.localAttributes ?? message.attributes) as Record<string, string> | undefined;
  return raw === undefined ? undefined : checkAttributes(raw, "localAttributes", MAX_LOCAL_ATTRIBUTES);
}

function checkAttributes(raw: unknown, field: string, maxCount: number): Record<string, string> {
  const attributes = (raw ?? {}) as Record<string, string>;
  const keys = Object.keys(attributes);
  if (keys.length > maxCount)
    throw new ConnectError(
      "invalid_argument",
      `${field} has ${keys.length} attributes; FM accepts at most ${maxCount}`,
    );
  for (const key of keys) {
    if (key.length > MAX_KEY)
      throw new ConnectError(
        "invalid_argument",
        `${field} key "${key.slice(0, 20)}…" is longer than ${MAX_KEY}`,
      );
    if (attributes[key]!.length > MAX_VALUE)
      throw new ConnectError("invalid_argument", `${field}.${key} has a value longer than ${MAX_VALUE}`);
  }
  return { ...attributes };
}

function checkRemoteAttributes(raw: unknown): Record<string, string> {
  const attributes = checkAttributes(raw, "remoteAttributes", MAX_REMOTE_ATTRIBUTES);
  for (const key of Object.keys(attributes))
    if (key.startsWith("collector."))
      throw new ConnectError(
        "invalid_argument",
        `remote attribute "${key}": collector.* attributes are reserved for FM`,
      );
  return attributes;
}

/** collector.ID is FM's virtual attribute: drop it from what a client sends back. */
function stripVirtual(raw: unknown): Record<string, string> {
  const { "collector.ID": _id, ...rest } = (raw ?? {}) as Record<string, string>;
  return rest;
}

/** One BulkUpdateCollectors operation on a copy of remote attributes (JSON-patch-like, paths `remoteAttributes.<key>`). */
function applyOperation(attrs: Record<string, string>, op: Message, collectorId: string): void {
  const keyOf = (path: unknown, field: string): string => {
    const m = typeof path === "string" ? /^(?:remoteAttributes|remote_attributes)\.(.+)$/.exec(path) : null;
    if (!m)
      throw new ConnectError(
        "invalid_argument",
        `${field} must look like "remoteAttributes.<key>": got ${JSON.stringify(path ?? "")}`,
      );
    return m[1]!;
  };
  const key = keyOf(op.path, "path");
  const value = op.value as string | undefined;
  switch (op.op) {
    case "ADD":
      if (value === undefined) throw new ConnectError("invalid_argument", `ADD ${key} needs a value`);
      attrs[key] = value;
      return;
    case "REPLACE":
      if (value === undefined) throw new ConnectError("invalid_argument", `REPLACE ${key} needs a value`);
      // A selective replace changes only a matching old value.
      if (op.oldValue === undefined || attrs[key] === op.oldValue) attrs[key] = value;
      return;
    case "REMOVE":
      if (value === undefined || attrs[key] === value) delete attrs[key];
      return;
    case "MOVE":
    case "COPY": {
      const from = keyOf(op.from, "from");
      if (!Object.hasOwn(attrs, from))
        throw new ConnectError(
          "invalid_argument",
          `${String(op.op)} from ${from}: collector "${collectorId}" has no such remote attribute`,
        );
      attrs[key] = attrs[from]!;
      if (op.op === "MOVE" && from !== key) delete attrs[from];
      return;
    }
    default:
      throw new ConnectError("invalid_argument", `unknown operation ${JSON.stringify(op.op ?? "UNKNOWN")}`);
  }
}
