/**
 * Just enough of the protobuf wire format for remote write 1.0 (protobuf.dev "Encoding": varint, I64 and
 * LEN records). It builds the cached frames once per collector at start-up; the per-tick path in
 * encode.ts only copies them and patches sample bytes. Start-up still matters at 290,000 series, so strings
 * are written without a TextEncoder call (and its allocation) per label.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;

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

/** Bytes `text` takes in UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes, as TextEncoder writes it). */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/** Writes `text` as UTF-8 at `pos` (room for utf8Length bytes must exist); returns the position after it. */
export function writeUtf8(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buf[pos++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && isLowSurrogate(next)) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        buf[pos++] = 0xf0 | (cp >> 18);
        buf[pos++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[pos++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[pos++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    buf[pos++] = 0xe0 | (c >> 12);
    buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
    buf[pos++] = 0x80 | (c & 0x3f);
  }
  return pos;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
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
    const length = utf8Length(value);
    this.lenHeader(field, length);
    this.reserve(length);
    this.pos = writeUtf8(this.buf, this.pos, value);
    return this;
  }

  /** The tag and length of a LEN field whose `length` bytes the caller writes next. */
  lenHeader(field: number, length: number): this {
    this.tag(field, WIRE_LEN);
    this.reserve(10);
    this.pos = writeVarint(this.buf, this.pos, length);
    return this;
  }

  /** A single byte, for fixed tags and lengths known to be below 128. */
  byte(value: number): this {
    this.reserve(1);
    this.buf[this.pos++] = value;
    return this;
  }

  /** Skips `length` bytes (left zero in a fresh buffer) for the caller to fill in later; returns where they start. */
  skip(length: number): number {
    this.reserve(length);
    const at = this.pos;
    this.buf.fill(0, at, at + length);
    this.pos += length;
    return at;
  }

  /** Empties the writer, keeping its buffer for reuse. */
  reset(): this {
    this.pos = 0;
    return this;
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

  /** What was written, as a view valid until the next write or reset. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
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
