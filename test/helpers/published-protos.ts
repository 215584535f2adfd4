/**
 * Service descriptors for the official Connect client, built at run time from the `.proto` files Grafana
 * publishes (test/fixtures/proto): protobufjs parses each file, this helper writes the equivalent
 * google.protobuf.FileDescriptorProto, and @bufbuild/protobuf turns it into a registry. protobufjs's own
 * `toDescriptor` is not used: it writes relative type names and renames map entries, which
 * @bufbuild/protobuf rightly refuses.
 */
import { fileURLToPath } from "node:url";
import { create, createFileRegistry, type DescService, type FileRegistry } from "@bufbuild/protobuf";
import {
  DescriptorProtoSchema,
  EnumDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  FileDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import protobuf from "protobufjs";

const FIXTURES = fileURLToPath(new URL("../fixtures/proto/", import.meta.url));

const WELL_KNOWN: Readonly<Record<string, string>> = {
  ".google.protobuf.Timestamp": "google/protobuf/timestamp.proto",
  ".google.protobuf.Struct": "google/protobuf/struct.proto",
  ".google.protobuf.Value": "google/protobuf/struct.proto",
  ".google.protobuf.ListValue": "google/protobuf/struct.proto",
};

const SCALARS: Readonly<Record<string, FieldDescriptorProto_Type>> = {
  double: FieldDescriptorProto_Type.DOUBLE,
  float: FieldDescriptorProto_Type.FLOAT,
  int64: FieldDescriptorProto_Type.INT64,
  uint64: FieldDescriptorProto_Type.UINT64,
  int32: FieldDescriptorProto_Type.INT32,
  fixed64: FieldDescriptorProto_Type.FIXED64,
  fixed32: FieldDescriptorProto_Type.FIXED32,
  bool: FieldDescriptorProto_Type.BOOL,
  string: FieldDescriptorProto_Type.STRING,
  bytes: FieldDescriptorProto_Type.BYTES,
  uint32: FieldDescriptorProto_Type.UINT32,
  sfixed32: FieldDescriptorProto_Type.SFIXED32,
  sfixed64: FieldDescriptorProto_Type.SFIXED64,
  sint32: FieldDescriptorProto_Type.SINT32,
  sint64: FieldDescriptorProto_Type.SINT64,
};

const IDEMPOTENCY: Readonly<Record<string, MethodOptions_IdempotencyLevel>> = {
  NO_SIDE_EFFECTS: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS,
  IDEMPOTENT: MethodOptions_IdempotencyLevel.IDEMPOTENT,
  IDEMPOTENCY_UNKNOWN: MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN,
};

/** protoc's json_name: underscores dropped, the letter after each one upper-cased. */
const jsonName = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const entryName = (field: string) => `${jsonName(field).replace(/^./, (c) => c.toUpperCase())}Entry`;

function fieldType(
  type: string,
  resolved: protobuf.Type | protobuf.Enum | null,
): Pick<FieldDescriptorProto, "type" | "typeName"> {
  const scalar = SCALARS[type];
  if (scalar !== undefined) return { type: scalar, typeName: "" };
  if (resolved instanceof protobuf.Enum)
    return { type: FieldDescriptorProto_Type.ENUM, typeName: resolved.fullName };
  if (resolved instanceof protobuf.Type)
    return { type: FieldDescriptorProto_Type.MESSAGE, typeName: resolved.fullName };
  throw new Error(`unresolved type ${type}`);
}

function enumProto(e: protobuf.Enum): EnumDescriptorProto {
  return create(EnumDescriptorProtoSchema, {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
  });
}

function messageProto(t: protobuf.Type, deps: Set<string>): DescriptorProto {
  const nestedType: DescriptorProto[] = [];
  const oneofs = t.oneofsArray.map((o) => o.name);
  const field = t.fieldsArray.map((f) => {
    const resolved = f.resolvedType;
    if (resolved && WELL_KNOWN[resolved.fullName]) deps.add(WELL_KNOWN[resolved.fullName]!);
    const base = { name: f.name, number: f.id, jsonName: jsonName(f.name) };
    if (f instanceof protobuf.MapField) {
      const entry = entryName(f.name);
      nestedType.push(
        create(DescriptorProtoSchema, {
          name: entry,
          options: { mapEntry: true },
          field: [
            {
              name: "key",
              number: 1,
              jsonName: "key",
              label: FieldDescriptorProto_Label.OPTIONAL,
              ...fieldType(f.keyType, null),
            },
            {
              name: "value",
              number: 2,
              jsonName: "value",
              label: FieldDescriptorProto_Label.OPTIONAL,
              ...fieldType(f.type, resolved),
            },
          ],
        }),
      );
      return create(FieldDescriptorProtoSchema, {
        ...base,
        label: FieldDescriptorProto_Label.REPEATED,
        type: FieldDescriptorProto_Type.MESSAGE,
        typeName: `${t.fullName}.${entry}`,
      });
    }
    const proto3Optional = f.options?.proto3_optional === true;
    return create(FieldDescriptorProtoSchema, {
      ...base,
      label: f.repeated ? FieldDescriptorProto_Label.REPEATED : FieldDescriptorProto_Label.OPTIONAL,
      ...fieldType(f.type, resolved),
      ...(f.partOf ? { oneofIndex: oneofs.indexOf(f.partOf.name) } : {}),
      ...(proto3Optional ? { proto3Optional: true } : {}),
    });
  });
  for (const nested of t.nestedArray) {
    if (nested instanceof protobuf.Type) nestedType.push(messageProto(nested, deps));
  }
  return create(DescriptorProtoSchema, {
    name: t.name,
    field,
    nestedType,
    enumType: t.nestedArray.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum).map(enumProto),
    oneofDecl: oneofs.map((name) => ({ name })),
  });
}

/** Loads one published .proto file (path under test/fixtures/proto) into a registry. */
export async function loadPublishedProto(relativePath: string): Promise<FileRegistry> {
  const root = new protobuf.Root();
  const file = `${FIXTURES}${relativePath}`;
  await root.load(file, { keepCase: true });
  root.resolveAll();
  const mine = (o: protobuf.ReflectionObject) => o.filename === file;
  const all: protobuf.ReflectionObject[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const n of ns.nestedArray) {
      all.push(n);
      if (n instanceof protobuf.Namespace && !(n instanceof protobuf.Type)) walk(n);
    }
  };
  walk(root);
  const deps = new Set<string>();
  const messageType = all
    .filter((o): o is protobuf.Type => o instanceof protobuf.Type && mine(o))
    .map((t) => messageProto(t, deps));
  const enumType = all
    .filter((o): o is protobuf.Enum => o instanceof protobuf.Enum && mine(o))
    .map(enumProto);
  const services = all.filter((o): o is protobuf.Service => o instanceof protobuf.Service && mine(o));
  const pkg = services[0]?.parent?.fullName.replace(/^\./, "") ?? "";
  const fileProto = create(FileDescriptorProtoSchema, {
    name: relativePath,
    package: pkg,
    syntax: "proto3",
    dependency: [...deps],
    messageType,
    enumType,
    service: services.map((s) => ({
      name: s.name,
      method: s.methodsArray.map((m) => {
        const level = m.options?.idempotency_level as string | undefined;
        return {
          name: m.name,
          inputType: m.resolvedRequestType!.fullName,
          outputType: m.resolvedResponseType!.fullName,
          ...(level ? { options: { idempotencyLevel: IDEMPOTENCY[level] } } : {}),
        };
      }),
    })),
  });
  const wellKnown = [file_google_protobuf_timestamp, file_google_protobuf_struct];
  return createFileRegistry(fileProto, (name) => wellKnown.find((f) => f.proto.name === name));
}

export interface PublishedServices {
  /** grafana/alloy-remote-config: the collector RPCs (Register, GetConfig, Unregister). */
  readonly collector: DescService;
  /** grafana/fleet-management-api: the management RPCs of the same collector.v1.CollectorService. */
  readonly management: DescService;
  readonly pipeline: DescService;
  readonly registries: readonly FileRegistry[];
}

export async function loadPublishedServices(): Promise<PublishedServices> {
  const arc = await loadPublishedProto("alloy-remote-config/api/collector/v1/collector.proto");
  const fmCollector = await loadPublishedProto("fleet-management-api/api/collector/v1/collector.proto");
  const fmPipeline = await loadPublishedProto("fleet-management-api/api/pipeline/v1/pipeline.proto");
  const service = (r: FileRegistry, name: string) => {
    const s = r.getService(name);
    if (!s) throw new Error(`${name} not found`);
    return s;
  };
  return {
    collector: service(arc, "collector.v1.CollectorService"),
    management: service(fmCollector, "collector.v1.CollectorService"),
    pipeline: service(fmPipeline, "pipeline.v1.PipelineService"),
    registries: [arc, fmCollector, fmPipeline],
  };
}
