/**
 * Snappy block compression for request bodies. Remote write 1.0 requires the block format and forbids the
 * framed one (remote_write_spec.md, "Protocol"). snappyjs is pure JS, so the ncc bundle runs on every
 * runner OS and architecture, which the native `snappy` addon's per-platform binaries would not.
 */
import { compress, uncompress } from "snappyjs";

export function compressBlock(raw: Uint8Array): Uint8Array {
  return compress(raw);
}

/** Throws on a corrupt stream or one that would inflate past `maxLength` bytes. */
export function uncompressBlock(compressed: Uint8Array, maxLength?: number): Uint8Array {
  return uncompress(compressed, maxLength);
}

/**
 * The most bytes a snappy block can take for `rawLength` input bytes (google/snappy snappy.cc,
 * MaxCompressedLength: 32 + n + n/6). Planning batches on it guarantees the compressed size limit
 * without compressing twice.
 */
export function maxCompressedLength(rawLength: number): number {
  return 32 + rawLength + Math.floor(rawLength / 6);
}

/** The largest raw size whose compressed form always fits in `compressedLimit` bytes. */
export function maxRawLengthFor(compressedLimit: number): number {
  let raw = Math.max(0, Math.floor(((compressedLimit - 32) * 6) / 7));
  while (raw > 0 && maxCompressedLength(raw) > compressedLimit) raw--;
  while (maxCompressedLength(raw + 1) <= compressedLimit) raw++;
  return raw;
}
