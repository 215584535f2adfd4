/**
 * Keeps undici's HTTP parser on V8's baseline WebAssembly tier for the life of the process.
 *
 * undici parses HTTP/1.1 with llhttp compiled to WebAssembly, compiled when the first connection opens
 * (nodejs/undici lib/dispatcher/client-h1.js, lazyllhttp). V8 runs a wasm function in its baseline
 * compiler, Liftoff, first and recompiles it with TurboFan once it has spent a budget of "bytes executed"
 * (v8/v8 src/flags/flag-definitions.h, wasm_tiering_budget; 1,800,000 in Node 20's V8). llhttp's parser is
 * one very large function, so a handful of small answers spend that budget, and its recompilation took
 * 175 ms of CPU on a V8 worker thread and 29 MB of compiler memory (`node --trace-wasm-compilation-times`
 * reports it), in every process: in a 2-second, 2,000-collector `fm-fleet run`, a sixth of the process's
 * CPU and a fifth of its resident memory (bench/whole-process.ts). What this process parses are
 * answers of a few hundred bytes, where baseline code is fast enough, so the budget is raised out of
 * reach. The flag only decides when a wasm function is recompiled, never what it computes.
 *
 * createHttpTransport (http.ts), through which every HTTP request of the process goes, calls it before its
 * agent opens a connection: a wasm instance takes its budget when it is created. Setting the flag again
 * changes nothing. node:v8 setFlagsFromString
 * (https://nodejs.org/api/v8.html#v8setflagsfromstringflags) is the only way to set a V8 flag from inside
 * the process (Node leaves V8's flags unfrozen for it: nodejs/node src/node.cc,
 * --no-freeze-flags-after-init); a command line or NODE_OPTIONS (which refuses this flag) is not ours to
 * choose on a runner.
 */
import { setFlagsFromString } from "node:v8";

/** Just under the flag's int32 limit: about 2 GB of parser work before a recompilation. */
const HTTP_PARSER_TIERING_BUDGET = 2_000_000_000;

export function keepHttpParserOnBaselineTier(): void {
  setFlagsFromString(`--wasm-tiering-budget=${HTTP_PARSER_TIERING_BUDGET}`);
}
