import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { uncompressBody } from "../../src/emulator/rw-decode.js";
import { compressBlock, uncompressBlock } from "../../src/remote-write/snappy.js";

/** The framed format's stream identifier ("sNaPpY"); remote write 1.0 forbids that format. */
const FRAMED_MAGIC = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59];

describe("snappy block compression", () => {
  it("round-trips any bytes, and snappyjs' own decoder reads them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (raw) => {
        const compressed = compressBlock(raw);
        expect(Buffer.from(uncompressBlock(compressed)).equals(Buffer.from(raw))).toBe(true);
        expect(Buffer.from(uncompressBody(compressed)).equals(Buffer.from(raw))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("writes the block format: a varint length first, never the framed stream header", () => {
    const raw = new Uint8Array(300).fill(7);
    const compressed = compressBlock(raw);
    expect([...compressed.subarray(0, 2)]).toEqual([0xac, 0x02]); // 300 as a varint
    expect([...compressed.subarray(0, FRAMED_MAGIC.length)]).not.toEqual(FRAMED_MAGIC);
  });

  it("refuses a corrupt stream", () => {
    expect(() => uncompressBlock(Uint8Array.of(0x05, 0xff, 0xff))).toThrow();
  });
});
