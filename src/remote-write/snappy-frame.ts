/**
 * Snappy block *fragments*: runs of snappy elements (literals and copies) that can be concatenated, in
 * any order and any subset, after one preamble into a valid snappy block, and whose literal bytes can be
 * rewritten in place without recompressing.
 *
 * The format (google/snappy format_description.txt): a block is the uncompressed length as a varint (the
 * preamble), then elements. A literal is a tag byte (low bits 00) holding len-1 in its upper six bits, or
 * 60..63 there and len-1 in the next 1..4 bytes, then the bytes themselves. A copy repeats `length` bytes
 * from `offset` bytes back in the output: tag 01 for length 4..11 and offset < 2048 (3 offset bits in the
 * tag, 8 in the next byte), tag 10 for length 1..64 and a 16-bit little-endian offset. An offset of 0, or
 * one past the start of the output, is invalid; nothing else restricts where a copy may point.
 *
 * Offsets are relative to the current output position, so a fragment whose copies only ever point back
 * into its own output decodes to the same bytes wherever it sits in the block: that is what makes the
 * fragments freely concatenable. The compressor below guarantees it by matching within one input only.
 *
 * The caller says which bytes it will rewrite later:
 * - variable bytes (a sample value) are rewritten before every use: they are always emitted inside a
 *   literal, and never the source of a copy, so a rewrite cannot leak into another place;
 * - tied runs are rewritten too, but byte k of every tied run always holds the same value (byte k of the
 *   timestamp varint that every sample of a request shares): a tied byte may be copied from byte k of
 *   an earlier tied run, so only the first occurrence of each has to be a literal.
 * Every other byte is fixed: it may be copied, and be the source of a copy.
 */

/** Byte runs the caller rewrites after compression, as (start, length) pairs. */
export interface RewrittenBytes {
  readonly variable: Uint32Array;
  /** Runs of at most 254 bytes. */
  readonly tied: Uint32Array;
}

export interface CompressedFragment {
  /** The elements; no preamble. */
  readonly bytes: Uint8Array;
  /** Bytes the elements inflate to. */
  readonly rawLength: number;
  /**
   * The literals, as triples (raw start, raw end, start of the literal's bytes in `bytes`): a byte at raw
   * position r inside a literal sits at `bytes[outStart + r - rawStart]`. A view into scratch space,
   * valid until the next compressFragment call.
   */
  readonly literals: Uint32Array;
}

/** google/snappy MaxCompressedLength: the most bytes `rawLength` input can take as a block. */
export function maxFragmentLength(rawLength: number): number {
  return 32 + rawLength + Math.floor(rawLength / 6);
}

// The shortest copy snappy can express, and the farthest a 2-byte offset reaches.
const MIN_MATCH = 4;
const MAX_OFFSET = 65_535;
/**
 * Candidates tried per position, and the match length that ends the search early: a fragment is
 * compressed once at start-up, so a deeper search than snappy's single probe pays, but frames repeat
 * the same long label runs many times, and comparing each of them in full would cost more than it wins.
 */
const CHAIN_DEPTH = 4;
const NICE_LENGTH = 64;
/**
 * Inside a longer match only its first and last few positions join the chains: the ones between would
 * mostly point at runs the chains already hold, and cost more time than they save bytes.
 */
const DENSE_MATCH = 8;
const HASH_BITS = 15;
const HASH_SHIFT = 32 - HASH_BITS;
/** The symbol of a variable byte: matches nothing, not even another variable byte. */
const NO_MATCH = 0xffff;

/** Scratch reused for every fragment; entries carry a generation base so the table is never cleared. */
const head = new Int32Array(1 << HASH_BITS);
let generation = 0;
let prev = new Int32Array(0);
let symbols = new Uint16Array(0);
let out = new Uint8Array(0);
let literals = new Uint32Array(0);
let literalCount = 0;

/**
 * Compresses `raw` into a self-contained fragment. The raw bytes of `rewritten` runs are copied into the
 * literals as they are, as placeholders for the caller to overwrite.
 */
export function compressFragment(raw: Uint8Array, rewritten?: RewrittenBytes): CompressedFragment {
  const n = raw.length;
  prepare(n);
  const sym = symbols;
  const chain = prev;
  // A symbol is the byte plus, for tied bytes, their place in the run, so a tied byte only matches the
  // same place of another run; variable bytes and the padding past the end match nothing.
  sym.set(raw);
  if (rewritten) {
    const { variable, tied } = rewritten;
    for (let i = 0; i < tied.length; i += 2) {
      const start = tied[i]!;
      const length = tied[i + 1]!;
      if (start + length > n) throw new RangeError(`tied bytes ${start}..${start + length} past the end`);
      if (length > 254) throw new RangeError(`a tied run holds at most 254 bytes, got ${length}`);
      for (let k = 0; k < length; k++) sym[start + k] = raw[start + k]! | ((k + 1) << 8);
    }
    // After the tied runs, so a byte named in both is treated as variable.
    for (let i = 0; i < variable.length; i += 2) {
      const start = variable[i]!;
      const end = start + variable[i + 1]!;
      if (end > n) throw new RangeError(`variable bytes ${start}..${end} past the end (${n})`);
      sym.fill(NO_MATCH, start, end);
    }
  }
  sym.fill(NO_MATCH, n, n + MIN_MATCH);
  const base = generation;
  generation += n + 1;
  literalCount = 0;

  let op = 0;
  let litStart = 0;
  let p = clean(sym, 0, n);
  let match = p < n ? longest(sym, chain, p, base) : 0;
  while (p < n) {
    if (match === 0) {
      insert(sym, chain, p, base);
      p = clean(sym, p + 1, n);
      match = p < n ? longest(sym, chain, p, base) : 0;
      continue;
    }
    insert(sym, chain, p, base);
    const length = matchLength(match);
    op = emitLiteral(raw, litStart, p, op);
    op = emitCopy(out, op, matchOffset(match), length);
    const end = p + length;
    if (length <= DENSE_MATCH) {
      for (let k = p + 1; k < end; k++) if (clean(sym, k, n) === k) insert(sym, chain, k, base);
    } else {
      for (let k = p + 1; k < p + 4; k++) insert(sym, chain, k, base);
      for (let k = end - 4; k < end; k++) if (clean(sym, k, n) === k) insert(sym, chain, k, base);
    }
    litStart = end;
    p = clean(sym, end, n);
    match = p < n ? longest(sym, chain, p, base) : 0;
  }
  op = emitLiteral(raw, litStart, n, op);

  return {
    bytes: out.slice(0, op),
    rawLength: n,
    literals: literals.subarray(0, 3 * literalCount),
  };
}

function prepare(n: number): void {
  if (symbols.length < n + MIN_MATCH) {
    symbols = new Uint16Array(n + MIN_MATCH + 1024);
    prev = new Int32Array(symbols.length);
  }
  const need = maxFragmentLength(n);
  if (out.length < need) out = new Uint8Array(need);
  if (generation > 0x7fff_ffff - n - 2) {
    head.fill(0);
    generation = 0;
  }
}

/**
 * The first position from p whose MIN_MATCH symbols hold no variable byte (only such a position can
 * start or be the source of a match), or n when there is none.
 */
function clean(sym: Uint16Array, p: number, n: number): number {
  while (p + MIN_MATCH <= n) {
    if (sym[p + 3] === NO_MATCH) p += 4;
    else if (sym[p + 2] === NO_MATCH) p += 3;
    else if (sym[p + 1] === NO_MATCH) p += 2;
    else if (sym[p] === NO_MATCH) p += 1;
    else return p;
  }
  return n;
}

function hashAt(sym: Uint16Array, p: number): number {
  const key = sym[p]! ^ (sym[p + 1]! << 5) ^ (sym[p + 2]! << 11) ^ Math.imul(sym[p + 3]!, 0x9e3779b1);
  return Math.imul(key, 0x1e35a7bd) >>> HASH_SHIFT;
}

/** Adds position p to the chains. Windows over a variable byte are added too: they never verify. */
function insert(sym: Uint16Array, chain: Int32Array, p: number, base: number): void {
  const h = hashAt(sym, p);
  chain[p] = head[h]!;
  head[h] = base + p + 1;
}

// A match packed in one small integer: length << 16 | offset (offsets are below 2^16, lengths 2^15).
const matchLength = (match: number) => match >>> 16;
const matchOffset = (match: number) => match & 0xffff;
/** Longer matches are cut here (and the rest found by the next search), so the packing holds. */
const MAX_LENGTH = 0x7fff;

/**
 * The longest earlier match for position p worth a copy (packed; 0 for none); p must not be in the
 * chains yet.
 */
function longest(sym: Uint16Array, chain: Int32Array, p: number, base: number): number {
  let bestLength = MIN_MATCH - 1;
  let bestOffset = 0;
  let entry = head[hashAt(sym, p)]!;
  for (let depth = CHAIN_DEPTH; depth > 0 && entry > base; depth--) {
    const q = entry - base - 1;
    if (p - q > MAX_OFFSET) break;
    if (sym[q + bestLength] === sym[p + bestLength]) {
      let length = 0;
      while (length < MAX_LENGTH && sym[q + length] === sym[p + length] && sym[p + length] !== NO_MATCH)
        length++;
      if (length > bestLength) {
        bestLength = length;
        bestOffset = p - q;
        if (length >= NICE_LENGTH) break;
      }
    }
    entry = chain[q]!;
  }
  if (bestOffset === 0) return 0;
  const match = (bestLength << 16) | bestOffset;
  return savings(match) >= 1 ? match : 0;
}

function emitLiteral(raw: Uint8Array, start: number, end: number, op: number): number {
  if (end <= start) return op;
  const length = end - start;
  const l = length - 1;
  if (length <= 60) out[op++] = l << 2;
  else if (l < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = l;
  } else if (l < 0x1_0000) {
    out[op++] = 61 << 2;
    out[op++] = l & 0xff;
    out[op++] = l >>> 8;
  } else if (l < 0x100_0000) {
    out[op++] = 62 << 2;
    out[op++] = l & 0xff;
    out[op++] = (l >>> 8) & 0xff;
    out[op++] = l >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = l & 0xff;
    out[op++] = (l >>> 8) & 0xff;
    out[op++] = (l >>> 16) & 0xff;
    out[op++] = l >>> 24;
  }
  if (literals.length < 3 * (literalCount + 1)) {
    const grown = new Uint32Array(Math.max(96, literals.length * 2));
    grown.set(literals);
    literals = grown;
  }
  literals[3 * literalCount] = start;
  literals[3 * literalCount + 1] = end;
  literals[3 * literalCount + 2] = op;
  literalCount++;
  if (length <= 32) for (let i = 0; i < length; i++) out[op + i] = raw[start + i]!;
  else out.set(raw.subarray(start, end), op);
  return op + length;
}

/** Bytes a (packed) match saves over keeping its bytes in a literal. */
function savings(match: number): number {
  const length = matchLength(match);
  return length - copyCost(length, matchOffset(match));
}

function copyCost(length: number, offset: number): number {
  let cost = 0;
  while (length >= 68) {
    cost += 3;
    length -= 64;
  }
  if (length > 64) {
    cost += 3;
    length -= 60;
  }
  return cost + (length < 12 && offset < 2048 ? 2 : 3);
}

/** Writes copies of `length` bytes from `offset` back (1 ≤ offset ≤ 65535), as few elements as fit. */
function emitCopy(buf: Uint8Array, op: number, offset: number, length: number): number {
  // Chunks of 64, leaving at least 4 for the last element (the shortest copy with a 1-byte offset).
  while (length >= 68) {
    op = emitShortCopy(buf, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = emitShortCopy(buf, op, offset, 60);
    length -= 60;
  }
  return emitShortCopy(buf, op, offset, length);
}

function emitShortCopy(buf: Uint8Array, op: number, offset: number, length: number): number {
  if (length >= 4 && length < 12 && offset < 2048) {
    buf[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    buf[op++] = offset & 0xff;
  } else {
    buf[op++] = 2 | ((length - 1) << 2);
    buf[op++] = offset & 0xff;
    buf[op++] = offset >>> 8;
  }
  return op;
}
