/**
 * What the FM emulator remembers about collectors, and the collector API's semantics over it, apart from
 * HTTP (SPEC section 5; background/fm-api.md sections 1.2, 1.3, 3.7 and 8.9):
 * - RegisterCollector is an upsert that replaces the local attributes and stores the name;
 * - GetConfig answers not_found for an unknown or unregistered ID, counts as a heartbeat only when it
 *   carries local attributes, and serves `{content, hash}` unless the request echoes the current hash;
 * - UnregisterCollector marks the collector inactive rather than deleting it;
 * - a collector is active while its last heartbeat is within the active window (FM uses 30 minutes).
 */
import { createHash } from "node:crypto";
import type { ConnectCode } from "../core/errors.js";

export type EmulatedMethod =
  "RegisterCollector" | "GetConfig" | "UnregisterCollector" | "ListCollectors" | "GetLimits";

export interface EmulatedCollector {
  readonly id: string;
  readonly name: string;
  readonly localAttributes: Readonly<Record<string, string>>;
  /** Registered and not unregistered since. */
  readonly registered: boolean;
  /** Registered, and heartbeated within the active window. */
  readonly active: boolean;
  /** GetConfig calls that carried local attributes. */
  readonly heartbeats: number;
  readonly lastSeenMs?: number;
  readonly registrations: number;
  readonly unregistrations: number;
  readonly markedInactiveAtMs?: number;
  /** The last `remoteConfigStatus.status` a GetConfig carried. */
  readonly lastRemoteConfigStatus?: string;
  /** Requests that named this collector, per method, whatever their outcome. */
  readonly requests: Readonly<Partial<Record<EmulatedMethod, number>>>;
}

/** A Connect error to send back. */
export class ConnectError extends Error {
  constructor(
    readonly code: ConnectCode,
    message: string,
  ) {
    super(message);
  }
}

// Attribute limits from the FM glossary (background/fm-api.md section 5).
const MAX_KEY = 100;
const MAX_VALUE = 150;

export const DEFAULT_CONFIG = `// Served by the fm-action FM emulator: one pipeline that matches every collector.
declare "self_monitoring" {
  prometheus.exporter.self "alloy" { }
}
self_monitoring "default" { }
`;

interface CollectorRecord {
  id: string;
  name: string;
  localAttributes: Record<string, string>;
  registered: boolean;
  heartbeats: number;
  lastSeenMs?: number;
  registrations: number;
  unregistrations: number;
  markedInactiveAtMs?: number;
  createdAtMs: number;
  updatedAtMs: number;
  lastRemoteConfigStatus?: string;
}

export interface FmState {
  handle(method: EmulatedMethod, message: Record<string, unknown>, nowMs: number): object;
  /** Counts a request against the collector it names, even one that fails. */
  countRequest(method: EmulatedMethod, id: string): void;
  collectors(nowMs: number): EmulatedCollector[];
  /** Publishes new pipeline content: every collector gets it (and a new hash) on its next GetConfig. */
  setConfig(content: string): void;
  /** Forgets a collector, as deleting it in the FM UI would: its next GetConfig gets not_found. */
  deleteCollector(id: string): boolean;
}

export function createFmState(options: {
  activeWindowMs: number;
  limits?: Record<string, unknown>;
}): FmState {
  const byId = new Map<string, CollectorRecord>();
  // Kept apart from the records: a collector's first Register is counted before the record exists.
  const requestCounts = new Map<string, Partial<Record<EmulatedMethod, number>>>();
  let content = DEFAULT_CONFIG;
  let hash = hashOf(content);

  const requireId = (message: Record<string, unknown>): string => {
    const id = message.id;
    if (typeof id !== "string" || id === "") throw new ConnectError("invalid_argument", "id is required");
    return id;
  };

  const register = (message: Record<string, unknown>, nowMs: number) => {
    const id = requireId(message);
    const attributes = localAttributesOf(message) ?? {};
    const name = typeof message.name === "string" ? message.name : "";
    const known = byId.get(id);
    const record: CollectorRecord = known ?? {
      id,
      name,
      localAttributes: {},
      registered: false,
      heartbeats: 0,
      registrations: 0,
      unregistrations: 0,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
    // The proto comment: register, or update the attributes of an already registered collector.
    record.name = name;
    record.localAttributes = { ...attributes };
    record.registered = true;
    record.registrations++;
    record.updatedAtMs = nowMs;
    delete record.markedInactiveAtMs;
    byId.set(id, record);
    return {};
  };

  const getConfig = (message: Record<string, unknown>, nowMs: number) => {
    const id = requireId(message);
    const record = byId.get(id);
    if (!record?.registered) throw new ConnectError("not_found", `collector "${id}" is not registered`);
    const attributes = localAttributesOf(message);
    // FM tracks liveness by heartbeats carrying local attributes; one without them does not count.
    if (attributes && Object.keys(attributes).length > 0) {
      record.heartbeats++;
      record.lastSeenMs = nowMs;
    }
    const status = remoteConfigStatusOf(message);
    if (status) record.lastRemoteConfigStatus = status;
    return message.hash === hash ? { hash, notModified: true } : { content, hash };
  };

  const unregister = (message: Record<string, unknown>, nowMs: number) => {
    const id = requireId(message);
    const record = byId.get(id);
    if (!record) throw new ConnectError("not_found", `collector "${id}" not found`);
    if (record.registered) {
      record.registered = false;
      record.unregistrations++;
      record.markedInactiveAtMs = nowMs;
    }
    return {};
  };

  const isActive = (r: CollectorRecord, nowMs: number) =>
    r.registered && r.lastSeenMs !== undefined && nowMs - r.lastSeenMs <= options.activeWindowMs;

  const list = () => ({
    collectors: [...byId.values()].map((r) => ({
      id: r.id,
      name: r.name,
      localAttributes: r.localAttributes,
      enabled: true,
      createdAt: new Date(r.createdAtMs).toISOString(),
      updatedAt: new Date(r.updatedAtMs).toISOString(),
      ...(r.markedInactiveAtMs !== undefined
        ? { markedInactiveAt: new Date(r.markedInactiveAtMs).toISOString() }
        : {}),
    })),
  });

  return {
    handle(method, message, nowMs) {
      switch (method) {
        case "RegisterCollector":
          return register(message, nowMs);
        case "GetConfig":
          return getConfig(message, nowMs);
        case "UnregisterCollector":
          return unregister(message, nowMs);
        case "ListCollectors":
          return list();
        case "GetLimits":
          return options.limits ?? {};
      }
    },
    countRequest(method, id) {
      const counts = requestCounts.get(id) ?? {};
      counts[method] = (counts[method] ?? 0) + 1;
      requestCounts.set(id, counts);
    },
    collectors: (nowMs) =>
      [...byId.values()].map((r) => ({
        id: r.id,
        name: r.name,
        localAttributes: { ...r.localAttributes },
        registered: r.registered,
        active: isActive(r, nowMs),
        heartbeats: r.heartbeats,
        ...(r.lastSeenMs !== undefined ? { lastSeenMs: r.lastSeenMs } : {}),
        registrations: r.registrations,
        unregistrations: r.unregistrations,
        ...(r.markedInactiveAtMs !== undefined ? { markedInactiveAtMs: r.markedInactiveAtMs } : {}),
        ...(r.lastRemoteConfigStatus !== undefined
          ? { lastRemoteConfigStatus: r.lastRemoteConfigStatus }
          : {}),
        requests: { ...requestCounts.get(r.id) },
      })),
    setConfig(next) {
      content = next;
      hash = hashOf(next);
    },
    deleteCollector: (id) => byId.delete(id),
  };
}

/** Any stable server-chosen hash works; clients only echo it (background/fm-api.md section 6). */
function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * `localAttributes` or its proto name `local_attributes` (protojson accepts both), falling back to the
 * deprecated `attributes` older Alloy sent. Undefined when absent; invalid_argument when malformed.
 */
function localAttributesOf(message: Record<string, unknown>): Record<string, string> | undefined {
  const raw = message.localAttributes ?? message.local_attributes ?? message.attributes;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new ConnectError("invalid_argument", "localAttributes must be a map of strings");
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== "string")
      throw new ConnectError("invalid_argument", `localAttributes.${key} must be a string`);
    if (key.length > MAX_KEY)
      throw new ConnectError(
        "invalid_argument",
        `attribute key "${key.slice(0, 20)}…" is longer than ${MAX_KEY}`,
      );
    if (value.length > MAX_VALUE)
      throw new ConnectError("invalid_argument", `attribute ${key} has a value longer than ${MAX_VALUE}`);
    out[key] = value;
  }
  return out;
}

/** proto3 JSON enums arrive as the value name or its number (background/fm-api.md section 1.2). */
function remoteConfigStatusOf(message: Record<string, unknown>): string | undefined {
  const raw = message.remoteConfigStatus ?? message.remote_config_status;
  if (typeof raw !== "object" || raw === null) return undefined;
  const status = (raw as { status?: unknown }).status;
  const names = [
    "RemoteConfigStatuses_UNSET",
    "RemoteConfigStatuses_APPLIED",
    "RemoteConfigStatuses_APPLYING",
    "RemoteConfigStatuses_FAILED",
  ];
  if (typeof status === "number") return names[status];
  return typeof status === "string" ? status : undefined;
}
