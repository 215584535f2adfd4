import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length, varintSize, writeUtf8, writeVarint } from "../../src/remote-write/proto-writer.js";

describe("proto writer primitives", () => {
  it("writes UTF-8 exactly as TextEncoder does, lone surrogates included", () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 64 }), (text) => {
        const expected = encoder.encode(text);
        expect(utf8Length(text)).toBe(expected.length);
        const out = new Uint8Array(expected.length);
        expect(writeUtf8(out, 0, text)).toBe(expected.length);
        expect([...out]).toEqual([...expected]);
      }),
      { numRuns: 500 },
    );
  });

  it("writes varints as protobuf defines them, negative int64 as 10 bytes", () => {
    const encode = (n: number) => {
      const buf = new Uint8Array(10);
      return [...buf.subarray(0, writeVarint(buf, 0, n))];
    };
    expect(encode(0)).toEqual([0]);
    expect(encode(150)).toEqual([0x96, 0x01]); // protobuf.dev "Encoding" example
    expect(encode(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const bytes = encode(n);
        expect(bytes).toHaveLength(varintSize(n));
        let value = 0n;
        bytes.forEach((b, i) => (value |= BigInt(b & 0x7f) << BigInt(7 * i)));
        expect(BigInt.asIntN(64, value)).toBe(BigInt(n));
      }),
    );
  });
});
