/**
 * Snappy block compression for request bodies. Remote write 1.0 requires the block format and forbids the
 * framed one (remote_write_spec.md, "Protocol"). snappyjs is pure JS, so the ncc bundle runs on every
 * runner OS and architecture, which the native `snappy` addon's per-platform binaries would not.
 */
import { uncompress } from "snappyjs";
import { SnappyCompressor } from "snappyjs/snappy_compressor.js";
import { SnappyDecompressor } from "snappyjs/snappy_decompressor.js";

/**
 * snappyjs.compress() allocates a worst-case output buffer per call and then copies the result out of it;
 * at 10,000 collectors that is ~100 MB of short-lived buffers per tick. Compressing into one reused
 * buffer leaves a single exact-size copy per request.
 */
let scratch = new Uint8Array(0);

export function compressBlock(raw: Uint8Array): Uint8Array {
  const compressor = new SnappyCompressor(raw);
  const bound = compressor.maxCompressedLength();
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const length = compressor.compressToBuffer(scratch);
  return scratch.slice(0, length);
}

/** Throws on a corrupt stream or one that would inflate past `maxLength` bytes. */
export function uncompressBlock(compressed: Uint8Array, maxLength?: number): Uint8Array {
  return uncompress(compressed, maxLength);
}

/**
 * Inflates `compressed` into `out` at `at` (which must have room) and returns the inflated length, without
 * allocating the result. Throws on a corrupt stream.
 */
export function uncompressInto(compressed: Uint8Array, out: Uint8Array, at: number): number {
  const decompressor = new SnappyDecompressor(compressed);
  const length = decompressor.readUncompressedLength();
  if (
    length < 0 ||
    at + length > out.length ||
    !decompressor.uncompressToBuffer(out.subarray(at, at + length))
  )
    throw new Error("corrupt snappy block");
  return length;
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
