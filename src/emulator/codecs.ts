/**
 * The two Connect unary codecs, `application/json` (proto3 JSON) and `application/proto` (binary), and the
 * GET form of side-effect-free procedures (connectrpc.com/docs/protocol, "Unary-Request" and
 * "Unary-Get-Request"). Whatever the codec, a request is decoded into its canonical proto3 JSON object
 * (lowerCamelCase names, defaults omitted, enums as names, timestamps as RFC 3339), which is all the
 * emulator's handlers see; an answer is encoded back from such an object.
 */
import { gunzipSync } from "node:zlib";
import type protobuf from "protobufjs";
import protojson from "protobufjs/ext/protojson.js";
import { ConnectError } from "./connect-error.js";

export type Codec = "json" | "proto";

export type Message = Record<string, unknown>;

export const CONTENT_TYPE: Readonly<Record<Codec, string>> = {
  json: "application/json",
  proto: "application/proto",
};

/** A codec the request names but the emulator cannot read: the server answers 415 (Connect protocol). */
export class UnsupportedCodecError extends Error {
  override readonly name = "UnsupportedCodecError";
}

/** The codec of a POST, from its Content-Type (parameters such as charset ignored). */
export function codecOfContentType(header: string | undefined): Codec {
  const mediaType = (header ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/json") return "json";
  if (mediaType === "application/proto") return "proto";
  throw new UnsupportedCodecError(
    `unsupported content type "${mediaType}": send application/json or application/proto`,
  );
}

/** Content-Encoding of a POST or `compression` of a GET: identity or gzip. */
export function decompress(body: Buffer, encoding: string | undefined): Buffer {
  const coding = (encoding ?? "identity").trim().toLowerCase();
  if (coding === "identity" || coding === "") return body;
  // Servers must not try to decompress an empty body (Connect protocol).
  if (coding === "gzip") return body.length === 0 ? body : gunzipSync(body);
  throw new ConnectError("unimplemented", `unsupported compression "${coding}": supported: identity, gzip`);
}

/**
 * The request of a Connect GET: `encoding` and `message` (percent-encoded, or URL-safe base64 with
 * `base64=1`), optional `connect=v1` and `compression`; unknown parameters are allowed.
 */
export function readGetQuery(query: URLSearchParams): { codec: Codec; body: Buffer } {
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
export function decodeMessage(type: protobuf.Type, codec: Codec, body: Buffer): Message {
  let message: protobuf.Message;
  if (codec === "json") {
    const object = parseJsonObject(body.toString("utf8"));
    try {
      // protojson accepts lowerCamelCase and proto names, as protojson in Go does, and ignores unknown
      // fields (connect-go decodes with DiscardUnknown).
      message = protojson.fromJson(type, object, { ignoreUnknownFields: true });
    } catch (err) {
      throw new ConnectError("invalid_argument", `invalid ${type.name}: ${describeProtoError(type, err)}`);
    }
  } else {
    try {
      message = type.decode(body);
    } catch (err) {
      throw new ConnectError(
        "invalid_argument",
        `invalid binary ${type.name}: ${describeProtoError(type, err)}`,
      );
    }
  }
  return protojson.toJson(type, message) as Message;
}

export function encodeMessage(type: protobuf.Type, codec: Codec, value: object): Buffer {
  const message = protojson.fromJson(type, value);
  return codec === "json"
    ? Buffer.from(JSON.stringify(protojson.toJson(type, message)), "utf8")
    : Buffer.from(type.encode(message).finish());
}

/** The bare JSON message of Connect unary: an object, `{}` when empty. */
export function parseJsonObject(text: string): Message {
  // connect-go: "zero-length payload is not a valid JSON object".
  if (text.trim() === "")
    throw new ConnectError("invalid_argument", "zero-length payload is not a valid JSON object");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConnectError("invalid_argument", "the body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConnectError("invalid_argument", "the body must be a JSON object");
  return parsed as Message;
}

/** protobufjs names the field by its full path (".collector.v1.Collector.id: expected string"): keep the field. */
function describeProtoError(type: protobuf.Type, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${type.fullName}.`) ? message.slice(type.fullName.length + 1) : message;
}
