// snappyjs 0.7 ships no types. Only what the project uses is declared.
declare module "snappyjs" {
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}

// The compressor behind snappyjs.compress(), used directly to compress into a reused buffer.
declare module "snappyjs/snappy_compressor.js" {
  export class SnappyCompressor {
    constructor(uncompressed: Uint8Array);
    maxCompressedLength(): number;
    /** Writes the block into `out` (at least maxCompressedLength() bytes); returns its length. */
    compressToBuffer(out: Uint8Array): number;
  }
}

// The decompressor behind snappyjs.uncompress(), used to inflate straight into a request buffer.
declare module "snappyjs/snappy_decompressor.js" {
  export class SnappyDecompressor {
    constructor(compressed: Uint8Array);
    /** The length the block inflates to, or -1 for a corrupt header. */
    readUncompressedLength(): number;
    /** Inflates into `out` from its index 0; false on a corrupt stream. */
    uncompressToBuffer(out: Uint8Array): boolean;
  }
}
