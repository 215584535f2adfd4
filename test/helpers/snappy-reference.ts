/**
 * A strict snappy block decoder written from google/snappy format_description.txt alone, sharing no code
 * with snappyjs or src/remote-write: the second, independent reader of the request bodies the tests
 * check. Strict where the format is: the preamble must be a varint below 2^32, a copy's offset must be
 * non-zero and reach no further back than the output so far, and the elements must inflate to exactly
 * the preamble's length, with nothing after them.
 */

export class SnappyFormatError extends Error {}

export interface ElementCounts {
  literals: number;
  copies1: number;
  copies2: number;
  copies4: number;
  /** The largest copy offset seen. */
  maxOffset: number;
}

export function referenceUncompress(block: Uint8Array, counts?: ElementCounts): Uint8Array {
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= block.length) throw new SnappyFormatError("truncated preamble");
    if (shift > 28) throw new SnappyFormatError("preamble longer than 5 bytes");
    const byte = block[pos++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (length > 2 ** 32 - 1) throw new SnappyFormatError("uncompressed length over 2^32 - 1");
  const out = new Uint8Array(length);
  let op = 0;
  const need = (n: number) => {
    if (pos + n > block.length) throw new SnappyFormatError(`element truncated at ${pos}`);
  };
  const littleEndian = (n: number) => {
    need(n);
    let value = 0;
    for (let i = 0; i < n; i++) value += block[pos + i]! * 2 ** (8 * i);
    pos += n;
    return value;
  };
  while (pos < block.length) {
    const tag = block[pos++]!;
    const kind = tag & 3;
    const upper = tag >>> 2;
    if (kind === 0) {
      const literalLength = (upper < 60 ? upper : littleEndian(upper - 59)) + 1;
      need(literalLength);
      if (op + literalLength > length) throw new SnappyFormatError("literal past the declared length");
      out.set(block.subarray(pos, pos + literalLength), op);
      pos += literalLength;
      op += literalLength;
      if (counts) counts.literals++;
      continue;
    }
    let copyLength: number;
    let offset: number;
    if (kind === 1) {
      copyLength = 4 + (upper & 7);
      offset = ((upper >>> 3) << 8) | littleEndian(1);
      if (counts) counts.copies1++;
    } else if (kind === 2) {
      copyLength = upper + 1;
      offset = littleEndian(2);
      if (counts) counts.copies2++;
    } else {
      copyLength = upper + 1;
      offset = littleEndian(4);
      if (counts) counts.copies4++;
    }
    if (offset === 0) throw new SnappyFormatError(`copy with offset 0 at ${pos}`);
    if (offset > op) throw new SnappyFormatError(`copy reaches ${offset} back from output position ${op}`);
    if (op + copyLength > length) throw new SnappyFormatError("copy past the declared length");
    if (counts) counts.maxOffset = Math.max(counts.maxOffset, offset);
    for (let i = 0; i < copyLength; i++, op++) out[op] = out[op - offset]!;
  }
  if (op !== length) throw new SnappyFormatError(`inflated to ${op} bytes, the preamble says ${length}`);
  return out;
}
