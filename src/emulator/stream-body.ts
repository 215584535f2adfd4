/**
 * Bodies the emulator never holds in memory: a run of one repeated byte, written chunk by chunk as fast as
 * the client reads it (waiting for `drain`), so an endless body or a multi-megabyte hash costs the emulator
 * one shared chunk, whatever the client does.
 */
import type { ServerResponse } from "node:http";

const CHUNK_BYTES = 64 * 1024;
const chunks = new Map<number, Buffer>();

function chunkOf(byte: number): Buffer {
  let chunk = chunks.get(byte);
  if (!chunk) {
    chunk = Buffer.alloc(CHUNK_BYTES, byte);
    chunks.set(byte, chunk);
  }
  return chunk;
}

/**
 * Writes `head`, then `count` copies of `byte` (Infinity: until the client goes away), then `tail`, and
 * ends the response. Resolves once the body is written or the connection is gone.
 */
export function streamRepeated(
  res: ServerResponse,
  parts: { head?: Uint8Array; byte: number; count: number; tail?: Uint8Array },
): Promise<void> {
  const chunk = chunkOf(parts.byte);
  let left = parts.count;
  return new Promise((resolve) => {
    const done = () => {
      res.off("close", done);
      resolve();
    };
    res.on("close", done);
    // A client that leaves mid-body makes the socket error; the response is over, nothing to report.
    res.on("error", () => undefined);
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!res.destroyed) res.end(parts.tail, done);
    };
    if (parts.head && parts.head.length > 0 && !res.write(parts.head)) res.once("drain", pump);
    else pump();
  });
}
