// snappyjs 0.7 ships no types. Only what the project uses is declared.
declare module "snappyjs" {
  export function compress(uncompressed: Uint8Array): Uint8Array;
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
