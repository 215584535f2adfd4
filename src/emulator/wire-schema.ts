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
import protobuf from "protobufjs";

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

export const COLLECTOR_METHODS = [
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
] as const;

export const PIPELINE_METHODS = [
  "GetPipeline",
  "GetPipelineID",
  "ListPipelines",
  "CreatePipeline",
  "UpdatePipeline",
  "UpsertPipeline",
  "DeletePipeline",
  "BulkDeletePipelines",
  "SyncPipelines",
] as const;

export type CollectorMethod = (typeof COLLECTOR_METHODS)[number];
export type PipelineMethod = (typeof PIPELINE_METHODS)[number];
/** Every procedure the emulator answers; GetLimits is the tenant API's. */
export type EmulatedMethod = CollectorMethod | PipelineMethod | "GetLimits";

export type Idempotency = "NO_SIDE_EFFECTS" | "IDEMPOTENT" | "IDEMPOTENCY_UNKNOWN";

export interface Procedure {
  readonly service: string;
  readonly method: EmulatedMethod;
  /** Undefined for the tenant API, which has no published schema: it is served as JSON only. */
  readonly requestType?: protobuf.Type;
  readonly responseType?: protobuf.Type;
  readonly idempotency: Idempotency;
}

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of ["google/protobuf/timestamp.proto", "google/protobuf/struct.proto"]) {
    const common = protobuf.common.get(file);
    if (!common) throw new Error(`protobufjs lacks ${file}`);
    root.addJSON(common.nested!);
  }
  protobuf.parse(SCHEMA, root);
  protobuf.parse(PIPELINE_SCHEMA, root);
  root.resolveAll();
  return root;
}

export const wireRoot = buildRoot();

/** Procedures by request path, e.g. `/collector.v1.CollectorService/GetConfig`. */
export const PROCEDURES: ReadonlyMap<string, Procedure> = (() => {
  const byPath = new Map<string, Procedure>();
  for (const serviceName of ["collector.v1.CollectorService", "pipeline.v1.PipelineService"]) {
    const service = wireRoot.lookupService(serviceName);
    for (const m of service.methodsArray) {
      byPath.set(`/${serviceName}/${m.name}`, {
        service: serviceName,
        method: m.name as EmulatedMethod,
        requestType: m.resolvedRequestType!,
        responseType: m.resolvedResponseType!,
        idempotency: (m.options?.idempotency_level as Idempotency | undefined) ?? "IDEMPOTENCY_UNKNOWN",
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
