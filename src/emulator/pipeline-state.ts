/**
 * The FM emulator's pipelines and `pipeline.v1.PipelineService` over them, apart from HTTP
 * (grafana/fleet-management-api `api/pipeline/v1/pipeline.proto` and its comments):
 * - names are unique; IDs are server-assigned; Create refuses a taken name (already_exists), Update a
 *   missing pipeline (not_found); Upsert does either; all three can `validateOnly`;
 * - matchers are Alertmanager matchers, checked when a pipeline is written (invalid_argument);
 * - BulkDelete is atomic: one missing ID fails the call and deletes nothing;
 * - Sync upserts by name and deletes the pipelines of the same source (type and namespace) that the
 *   request no longer holds.
 * Choices where the proto is silent: a pipeline without `enabled` is enabled, one without `configType`
 * is an Alloy pipeline, and Update finds the pipeline by `id` when given, else by name.
 */
import type { Message } from "./codecs.js";
import { ConnectError } from "./connect-error.js";
import type { PipelineMethod } from "./wire-schema.js";
import {
  collectorMatchAttributes,
  matchesAll,
  MatcherError,
  parseMatchers,
  type Matcher,
} from "../fleet/matchers.js";

export type SourceType = "SOURCE_TYPE_GIT" | "SOURCE_TYPE_TERRAFORM" | "SOURCE_TYPE_GRAFANA";

export interface PipelineSource {
  readonly type: SourceType;
  readonly namespace: string;
}

/** A pipeline as the emulator's API and `fm-fleet emulate --pipelines` give it. */
export interface PipelineInput {
  readonly name: string;
  readonly contents: string;
  readonly matchers?: readonly string[];
  /** Default true. */
  readonly enabled?: boolean;
}

export interface EmulatedPipeline {
  readonly id: string;
  readonly name: string;
  readonly contents: string;
  readonly matchers: readonly string[];
  readonly enabled: boolean;
  readonly configType: string;
  readonly source?: PipelineSource;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

interface PipelineRecord extends EmulatedPipeline {
  readonly parsed: readonly Matcher[];
  readonly metadata?: unknown;
}

export interface PipelineState {
  handle(method: PipelineMethod, message: Message, nowMs: number): object;
  /** The enabled pipelines whose matchers all hold for these attributes, in name order. */
  matching(attributes: Readonly<Record<string, string>>): EmulatedPipeline[];
  pipelines(): EmulatedPipeline[];
  /** Replaces pipelines of the given source as SyncPipelines would (test and CLI entry). */
  sync(source: PipelineSource, pipelines: readonly PipelineInput[], nowMs: number): void;
}

/** The name a request gives, "" when it gives none (decoded messages hold strings for string fields). */
const nameOf = (m: Message): string => (typeof m.name === "string" ? m.name : "");

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function createPipelineState(): PipelineState {
  const records = new Map<string, PipelineRecord>();
  let nextId = 1;

  const findByName = (name: string) => [...records.values()].find((p) => p.name === name);
  const requireId = (message: Message, field = "id"): string => {
    const id = message[field];
    if (typeof id !== "string" || id === "")
      throw new ConnectError("invalid_argument", `${field} is required`);
    return id;
  };
  const requireExisting = (id: string) => {
    const record = records.get(id);
    if (!record) throw new ConnectError("not_found", `pipeline with id "${id}" not found`);
    return record;
  };

  /** A validated record for `input`, with the given identity; nothing is stored. */
  const build = (input: Message, id: string, createdAtMs: number, nowMs: number): PipelineRecord => {
    const name = input.name;
    if (typeof name !== "string" || name === "")
      throw new ConnectError("invalid_argument", "pipeline.name is required");
    const contents = input.contents;
    if (typeof contents !== "string" || contents === "")
      throw new ConnectError("invalid_argument", `pipeline "${name}": contents is required`);
    const matchers = (input.matchers as string[] | undefined) ?? [];
    let parsed: Matcher[];
    try {
      parsed = parseMatchers(matchers);
    } catch (err) {
      if (err instanceof MatcherError)
        throw new ConnectError("invalid_argument", `pipeline "${name}": ${err.message}`);
      throw err;
    }
    const source = input.source as { type?: SourceType; namespace?: string } | undefined;
    const configType = input.configType as string | undefined;
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

  const toJson = (p: PipelineRecord) => ({
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

  const pipelineOf = (message: Message): Message => {
    const p = message.pipeline;
    if (typeof p !== "object" || p === null)
      throw new ConnectError("invalid_argument", "pipeline is required");
    return p as Message;
  };

  const create = (input: Message, validateOnly: boolean, nowMs: number) => {
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

  const update = (input: Message, existing: PipelineRecord, validateOnly: boolean, nowMs: number) => {
    const clash = findByName(nameOf(input));
    if (clash && clash.id !== existing.id)
      throw new ConnectError("already_exists", `pipeline "${clash.name}" already exists (id ${clash.id})`);
    const record = build(input, existing.id, existing.createdAtMs, nowMs);
    if (!validateOnly) records.set(record.id, record);
    return toJson(record);
  };

  const list = (message: Message) => {
    const local = (message.localAttributes as Record<string, string> | undefined) ?? {};
    const remote = (message.remoteAttributes as Record<string, string> | undefined) ?? {};
    const filterByAttributes = Object.keys(local).length > 0 || Object.keys(remote).length > 0;
    const attributes = collectorMatchAttributes({ id: "", localAttributes: local, remoteAttributes: remote });
    delete attributes["collector.ID"];
    return [...records.values()]
      .filter((p) => !filterByAttributes || matchesAll(p.parsed, attributes))
      .filter((p) => message.configType === undefined || p.configType === message.configType)
      .filter((p) => message.enabled === undefined || p.enabled === message.enabled)
      .sort(byName)
      .map(toJson);
  };

  const bulkDelete = (message: Message) => {
    const ids = [...new Set((message.ids as string[] | undefined) ?? [])];
    if (ids.length === 0) throw new ConnectError("invalid_argument", "ids must be non-empty");
    const missing = ids.filter((id) => !records.has(id));
    if (missing.length > 0)
      throw new ConnectError("not_found", `pipelines not found: ${missing.join(", ")}; nothing was deleted`);
    for (const id of ids) records.delete(id);
    return {};
  };

  const sync = (message: Message, nowMs: number) => {
    const source = message.source as { type?: SourceType; namespace?: string } | undefined;
    if (!source?.type || !source.namespace)
      throw new ConnectError("invalid_argument", "source with a type and a namespace is required");
    const incoming = (message.pipelines as Message[] | undefined) ?? [];
    const names = new Set<string>();
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

  const handle = (method: PipelineMethod, message: Message, nowMs: number): object => {
    const validateOnly = message.validateOnly === true;
    switch (method) {
      case "GetPipeline":
        return toJson(requireExisting(requireId(message)));
      case "GetPipelineID": {
        const name = requireId(message, "name");
        const p = findByName(name);
        if (!p) throw new ConnectError("not_found", `pipeline "${name}" not found`);
        return { id: p.id };
      }
      case "ListPipelines":
        return { pipelines: list(message) };
      case "CreatePipeline":
        return create(pipelineOf(message), validateOnly, nowMs);
      case "UpdatePipeline": {
        const input = pipelineOf(message);
        const existing =
          typeof input.id === "string" && input.id !== "" ? records.get(input.id) : findByName(nameOf(input));
        if (!existing)
          throw new ConnectError(
            "not_found",
            `pipeline ${JSON.stringify(input.id ?? input.name ?? "")} not found`,
          );
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

  const view = ({ parsed: _parsed, metadata: _metadata, ...p }: PipelineRecord): EmulatedPipeline => p;

  return {
    handle,
    matching: (attributes) =>
      [...records.values()]
        .filter((p) => p.enabled && matchesAll(p.parsed, attributes))
        .sort(byName)
        .map(view),
    pipelines: () => [...records.values()].sort(byName).map(view),
    sync(source, pipelines, nowMs) {
      sync(
        {
          source,
          pipelines: pipelines.map((p) => ({
            name: p.name,
            contents: p.contents,
            matchers: [...(p.matchers ?? [])],
            enabled: p.enabled !== false,
          })),
        },
        nowMs,
      );
    },
  };
}
