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
 * fragments freely concatenable. The compressor below guarantees it by copying within one input only.
 *
 * The input is a stream of *tokens*: byte strings the caller has numbered so that equal numbers mean
 * equal bytes (a protobuf label record, a record header, the tag bytes around a sample's value). Copies
 * are found token by token: a run of tokens equal to an earlier run becomes one copy, with no byte-level
 * search, which is what lets a fleet's frames be compressed at start-up in a few milliseconds. Two kinds of
 * bytes are rewritten after compression:
 * - a *variable* slot (a sample value) matches nothing, so it always lands in a literal and is never the
 *   source of a copy: a rewrite cannot leak into another place;
 * - a *patched* token (the timestamp varint every sample of a request shares) is rewritten with the same
 *   bytes in every occurrence, so its occurrences may be copied from one another, and only those that land
 *   in literals need writing.
 */

/** The tokens of one or more streams: token i's bytes are `bytes[start[i] .. start[i] + length[i])`. */
export interface TokenTable {
  readonly bytes: Uint8Array;
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly count: number;
  /** The token whose bytes are rewritten with the same value everywhere (see the header); -1 for none. */
  readonly patched: number;
}

/** In a stream, a variable slot of VARIABLE_BYTES bytes instead of a token. */
export const VARIABLE = -1;
export const VARIABLE_BYTES = 8;

export interface CompressedFragment {
  /** The elements; no preamble. */
  readonly bytes: Uint8Array;
  /** Bytes the elements inflate to. */
  readonly rawLength: number;
  /** Where each variable slot's bytes sit in `bytes`, in stream order. */
  readonly variableAt: Uint32Array;
  /** Where each literal occurrence of the patched token starts in `bytes`. */
  readonly patchedAt: Uint32Array;
}

// The farthest a 2-byte offset reaches, and the shortest copy worth making (a copy costs 2–3 bytes).
const MAX_OFFSET = 65_535;
const MIN_COPY = 4;
/**
 * Where to look for a run equal to the one at a position: the last occurrence of the same token, and the
 * same place in the last earlier segment (a record) that began with the same two tokens (the same record
 * header and metric name). The second finds the same series in the previous collector, which the first
 * misses when the token (a sample's tag bytes, say) recurs in every series in between. Looking further
 * back finds nothing better in a fleet's frames (bench/rw-frames.ts), so each position has two candidates.
 */

/**
 * Scratch reused by every call (the stream of one fragment at a time). Never empty: V8 keeps small typed
 * arrays on its heap and larger ones off it, and optimised code that saw one kind gives way on the other.
 */
let rawAt = new Int32Array(1 << 14);
let sameToken = new Int32Array(1 << 14);
let samePlace = new Int32Array(1 << 14);
let lastToken = new Int32Array(1 << 12);
let lastTokenStamp = new Int32Array(1 << 12);
let stamp = 0;
let out = new Uint8Array(1 << 16);
let variables = new Uint32Array(1 << 14);
let patches = new Uint32Array(1 << 14);
let variableCount = 0;
let patchCount = 0;

/**
 * Compresses the stream `tokens[0 .. count)` (token numbers of `table`, or VARIABLE) into a self-contained
 * fragment, whose arrays are views into scratch that the next call overwrites. `segments` (increasing stream positions) are where the stream's records start, if it has any.
 * Variable slots and the patched token hold zeros until the caller writes them.
 *
 * Each pass is a function of its own: V8 optimises a long loop while it runs, and code after the loop
 * that has not run yet would make that optimised code give way each time it is reached.
 */
export function compressTokens(
  table: TokenTable,
  tokens: Int32Array,
  count = tokens.length,
  segments: Int32Array = new Int32Array(0),
  segmentCount = segments.length,
): CompressedFragment {
  prepare(table, count);
  const raw = positions(table, tokens, count, ++stamp);
  places(table, tokens, count, segments, segmentCount);
  if (out.length < maxFragmentLength(raw)) out = new Uint8Array(maxFragmentLength(raw));
  const op = elements(table, tokens, count);
  // Views, not copies: the caller packs them into a frame of its own (frame-tokens.ts), and copies made
  // here would be garbage the size of every fleet's frames while the fleet starts.
  return {
    bytes: out.subarray(0, op),
    rawLength: raw,
    variableAt: variables.subarray(0, variableCount),
    patchedAt: patches.subarray(0, patchCount),
  };
}

/** Fills rawAt (each item's raw position) and sameToken (its token's previous occurrence); returns the raw length. */
function positions(table: TokenTable, tokens: Int32Array, count: number, now: number): number {
  const length = table.length;
  const at = rawAt;
  const byToken = sameToken;
  const tokenSeen = lastToken;
  const tokenStamp = lastTokenStamp;
  let raw = 0;
  for (let i = 0; i < count; i++) {
    at[i] = raw;
    const t = tokens[i]!;
    byToken[i] = -1;
    if (t !== VARIABLE) {
      raw += length[t]!;
      if (tokenStamp[t] === now) byToken[i] = tokenSeen[t]!;
      tokenSeen[t] = i;
      tokenStamp[t] = now;
    } else raw += VARIABLE_BYTES;
  }
  at[count] = raw;
  return raw;
}

/** Fills samePlace: for each item, the same place in the last earlier record that began alike. */
function places(
  table: TokenTable,
  tokens: Int32Array,
  count: number,
  segments: Int32Array,
  segmentCount: number,
): void {
  const byPlace = samePlace;
  byPlace.fill(-1, 0, count);
  const lastByHead = new Map<number, number>();
  for (let s = 0; s < segmentCount; s++) {
    const start = segments[s]!;
    const end = s + 1 < segmentCount ? segments[s + 1]! : count;
    const head = end - start >= 2 ? tokens[start]! * table.count + tokens[start + 1]! : -1;
    const previous = head >= 0 ? lastByHead.get(head) : undefined;
    if (head >= 0) lastByHead.set(head, s);
    if (previous === undefined) continue;
    const from = segments[previous]!;
    const span = segments[previous + 1]! - from;
    for (let i = start; i < end; i++) byPlace[i] = i - start < span ? from + i - start : -1;
  }
}

/** Writes the elements into `out`; returns their length. */
function elements(table: TokenTable, tokens: Int32Array, count: number): number {
  const at = rawAt;
  const byToken = sameToken;
  const byPlace = samePlace;
  let op = 0;
  variableCount = 0;
  patchCount = 0;
  // The literal owed so far: items literalFrom .. i, less the first `literalSkip` bytes of the first.
  let literalFrom = 0;
  let literalSkip = 0;
  let i = 0;
  while (i < count) {
    if (tokens[i] === VARIABLE) {
      i++;
      continue;
    }
    // The longer run of tokens equal to the one at i, from either candidate.
    const here = at[i]!;
    let bestEnd = i;
    let bestFrom = -1;
    for (let candidate = 0; candidate < 2; candidate++) {
      const j = candidate === 0 ? byPlace[i]! : byToken[i]!;
      if (j < 0 || here - at[j]! > MAX_OFFSET) continue;
      // From i itself: the same place in another record may hold another token.
      let k = i;
      while (k < count && tokens[k] !== VARIABLE && tokens[j + k - i] === tokens[k]) k++;
      if (at[k]! > at[bestEnd]!) {
        bestEnd = k;
        bestFrom = j;
      }
    }
    if (bestFrom < 0) {
      i++;
      continue;
    }
    // A token seen for the first time (a collector's ID, in its first series) would be a literal whole,
    // but it may begin like the source's token there (the previous collector's ID, one digit apart): the
    // copy goes on to the first differing byte, and only the rest is literal.
    const prefix =
      bestEnd < count && tokens[bestEnd] !== VARIABLE && byToken[bestEnd]! < 0
        ? commonPrefix(table, tokens[bestEnd]!, tokens[bestFrom + bestEnd - i]!)
        : 0;
    const bytes = at[bestEnd]! - here + prefix;
    if (bytes < MIN_COPY) {
      i++;
      continue;
    }
    op = literal(table, tokens, literalFrom, literalSkip, i, op);
    op = copy(op, here - at[bestFrom]!, bytes);
    literalFrom = bestEnd;
    literalSkip = prefix;
    i = prefix > 0 ? bestEnd + 1 : bestEnd;
  }
  return literal(table, tokens, literalFrom, literalSkip, count, op);
}

/**
 * At least google/snappy MaxCompressedLength (32 + n + n/6), the most bytes `rawLength` input can take as
 * a block; n/4 rather than n/6, as a shift: optimised code guessing that a division comes out whole would
 * give way each time it does not.
 */
export function maxFragmentLength(rawLength: number): number {
  return 32 + rawLength + (rawLength >>> 2);
}

function prepare(table: TokenTable, count: number): void {
  if (rawAt.length < count + 1) {
    const size = Math.max(count + 1, 2 * rawAt.length);
    rawAt = new Int32Array(size);
    sameToken = new Int32Array(size);
    samePlace = new Int32Array(size);
    variables = new Uint32Array(size);
    patches = new Uint32Array(size);
  }
  if (lastToken.length < table.count) {
    const size = Math.max(table.count, 2 * lastToken.length);
    lastToken = new Int32Array(size);
    lastTokenStamp = new Int32Array(size);
    lastTokenStamp.fill(stamp);
  }
  if (stamp >= 0x7fff_ffff) {
    lastTokenStamp.fill(0);
    stamp = 0;
  }
}

/**
 * Bytes two tokens begin with alike; 0 when either is rewritten later (a variable slot, the patched
 * token), whose bytes a copy must never carry into another place.
 */
function commonPrefix(table: TokenTable, a: number, b: number): number {
  if (a === VARIABLE || b === VARIABLE || a === table.patched || b === table.patched) return 0;
  const { bytes, start, length } = table;
  const sa = start[a]!;
  const sb = start[b]!;
  const n = Math.min(length[a]!, length[b]!);
  let k = 0;
  while (k < n && bytes[sa + k] === bytes[sb + k]) k++;
  return k;
}

/**
 * Writes the stream's items `from .. to` as one literal, less the first `skip` bytes of the first (a copy
 * wrote them); nothing when empty. Returns the new end.
 */
function literal(
  table: TokenTable,
  tokens: Int32Array,
  from: number,
  skip: number,
  to: number,
  op: number,
): number {
  const total = rawAt[to]! - rawAt[from]! - skip;
  // Empty when a copy's prefix covered the whole of the one token left.
  if (to <= from || total === 0) return op;
  op = literalHeader(op, total);
  const { bytes, start, length, patched } = table;
  for (let i = from; i < to; i++) {
    const token = tokens[i]!;
    if (token === VARIABLE) {
      variables[variableCount++] = op;
      out.fill(0, op, op + VARIABLE_BYTES);
      op += VARIABLE_BYTES;
      continue;
    }
    if (token === patched) patches[patchCount++] = op;
    const s = start[token]! + skip;
    const n = length[token]! - skip;
    skip = 0;
    if (n <= 16) for (let k = 0; k < n; k++) out[op + k] = bytes[s + k]!;
    else out.set(bytes.subarray(s, s + n), op);
    op += n;
  }
  return op;
}

function literalHeader(op: number, length: number): number {
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
  return op;
}

/** Writes copies of `length` bytes from `offset` back (1 ≤ offset ≤ 65535), as few elements as fit. */
function copy(op: number, offset: number, length: number): number {
  // Chunks of 64, leaving at least 4 for the last element (the shortest copy with a 1-byte offset).
  while (length >= 68) {
    op = shortCopy(op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = shortCopy(op, offset, 60);
    length -= 60;
  }
  return shortCopy(op, offset, length);
}

function shortCopy(op: number, offset: number, length: number): number {
  if (length >= 4 && length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}
