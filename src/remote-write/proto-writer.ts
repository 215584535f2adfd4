/**
 * Just enough of the protobuf wire format for remote write 1.0 (protobuf.dev "Encoding": varint, I64 and
 * LEN records). It builds the cached label and metadata blocks once per series; the per-tick path in
 * encode.ts copies those blocks and patches sample bytes, so nothing here needs to be fast.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;

const utf8 = new TextEncoder();

/** Bytes a varint takes. Negative int64 values take 10 (two's complement, protobuf.dev "Encoding"). */
export function varintSize(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/**
 * Writes `value` (an integer within ±2^53) as a varint at `pos` and returns the position after it.
 * Arithmetic rather than bit operators: JS bit operators truncate to 32 bits and ms timestamps need 41.
 */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  if (value < 0) {
    let bits = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 9; i++) {
      buf[pos++] = Number(bits & 0x7fn) | 0x80;
      bits >>= 7n;
    }
    buf[pos++] = Number(bits);
    return pos;
  }
  while (value >= 128) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** A growable byte buffer with protobuf field writers. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  varintField(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.reserve(10);
    this.pos = writeVarint(this.buf, this.pos, value);
    return this;
  }

  doubleField(field: number, value: number): this {
    this.tag(field, WIRE_I64);
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
    return this;
  }

  /** A LEN field: a string, or an embedded message already encoded. */
  bytesField(field: number, bytes: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.reserve(10 + bytes.length);
    this.pos = writeVarint(this.buf, this.pos, bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, utf8.encode(value));
  }

  /** Bytes appended as they are (pre-encoded fields). */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private tag(field: number, wireType: number): void {
    this.reserve(5);
    this.pos = writeVarint(this.buf, this.pos, field * 8 + wireType);
  }

  private reserve(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}
