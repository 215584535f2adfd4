/**
 * The emulator carries its own copy of FM's messages (it ships without .proto files). This test holds that
 * copy to the .proto files Grafana publishes (test/fixtures/proto): every message, field, enum and
 * procedure the emulator serves must exist there with the same numbers, names and types.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { beforeAll, describe, expect, it } from "vitest";
import { PROCEDURES, wireRoot } from "../../src/emulator/wire-schema.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/proto/", import.meta.url));
const FILES = [
  "alloy-remote-config/api/collector/v1/collector.proto",
  "fleet-management-api/api/collector/v1/collector.proto",
  "fleet-management-api/api/pipeline/v1/pipeline.proto",
];

let published: protobuf.Root[] = [];

beforeAll(async () => {
  published = await Promise.all(
    FILES.map(async (f) => {
      const root = new protobuf.Root();
      await root.load(`${FIXTURES}${f}`);
      root.resolveAll();
      return root;
    }),
  );
});

function lookupPublished<T extends protobuf.ReflectionObject>(
  name: string,
  kind: new (...a: never[]) => T,
): T {
  for (const root of published) {
    const found = root.lookup(name);
    if (found instanceof kind) return found;
  }
  throw new Error(`${name} is not in the published protos`);
}

function fieldShape(f: protobuf.Field) {
  return {
    name: f.name,
    id: f.id,
    type: f.resolvedType ? f.resolvedType.fullName : f.type,
    repeated: f.repeated,
    map: f instanceof protobuf.MapField ? f.keyType : undefined,
    optional: f.options?.proto3_optional === true,
  };
}

function allOf<T>(ns: protobuf.NamespaceBase, kind: new (...a: never[]) => T): T[] {
  const out: T[] = [];
  for (const n of ns.nestedArray) {
    if (n instanceof kind) out.push(n);
    if (n instanceof protobuf.Namespace) out.push(...allOf(n, kind));
  }
  return out;
}

const ours = (kind: new (...a: never[]) => protobuf.ReflectionObject) =>
  ["collector", "pipeline"].flatMap((pkg) => allOf(wireRoot.lookup(pkg) as protobuf.Namespace, kind));

describe("the emulator's schema against the published protos", () => {
  it("declares every message with the published fields, numbers and types", () => {
    const types = ours(protobuf.Type) as protobuf.Type[];
    expect(types.length).toBeGreaterThan(40);
    for (const type of types) {
      const theirs = lookupPublished(type.fullName, protobuf.Type);
      expect(type.fieldsArray.map(fieldShape), type.fullName).toEqual(theirs.fieldsArray.map(fieldShape));
    }
  });

  it("declares every enum with the published values", () => {
    for (const e of ours(protobuf.Enum) as protobuf.Enum[])
      expect(e.values, e.fullName).toEqual(lookupPublished(e.fullName, protobuf.Enum).values);
  });

  it("routes every procedure to its published request and response types and idempotency", () => {
    const services = PROCEDURES.values();
    let checked = 0;
    for (const p of services) {
      if (!p.requestType) continue;
      const candidates = published
        .map((root) => root.lookup(p.service))
        .filter((s): s is protobuf.Service => s instanceof protobuf.Service)
        .map((s) => s.methods[p.method])
        .filter((m): m is protobuf.Method => m !== undefined);
      expect(candidates, `${p.service}/${p.method}`).toHaveLength(1);
      const m = candidates[0]!;
      m.resolve();
      expect(p.requestType.fullName).toBe(m.resolvedRequestType!.fullName);
      expect(p.responseType!.fullName).toBe(m.resolvedResponseType!.fullName);
      expect(p.idempotency).toBe(
        (m.options?.idempotency_level as string | undefined) ?? "IDEMPOTENCY_UNKNOWN",
      );
      checked++;
    }
    expect(checked).toBe(20);
  });
});
