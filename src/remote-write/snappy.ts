/**
 * Snappy block compression for request bodies. Remote write 1.0 requires the block format and forbids the
 * framed one (remote_write_spec.md, "Protocol"). snappyjs is pure JS, so the ncc bundle runs on every
 * runner OS and architecture, which the native `snappy` addon's per-platform binaries would not.
 *
 * Ticks do not compress: their bodies are assembled from pre-compressed frames (compressed-template.ts).
 * This compresses what is built once (the metadata fragment) or once per process (the credentials check).
 */
import { compress, uncompress } from "snappyjs";

export function compressBlock(raw: Uint8Array): Uint8Array {
  return compress(raw);
}

/** Throws on a corrupt stream or one that would inflate past `maxLength` bytes. */
export function uncompressBlock(compressed: Uint8Array, maxLength?: number): Uint8Array {
  return uncompress(compressed, maxLength);
}
