/**
 * Run counts and seeds for the property-based fuzz tests (issue 7 item 3). They run in `npm test` on a
 * 2-core CI machine, so the defaults are modest and fixed-seed: the same cases run everywhere and a failure
 * reproduces. To fuzz longer locally, raise the run count, and pick another seed to explore new cases:
 *
 *   FUZZ_RUNS=20000 npx vitest run test/unit/fuzz-blueprint.test.ts test/unit/fuzz-inputs.test.ts
 *   FUZZ_RUNS=20000 FUZZ_SEED=$RANDOM npx vitest run test/unit/fuzz-blueprint.test.ts
 *
 * FUZZ_RUNS sets the run count of every fuzz property. On failure fast-check prints the seed and the
 * counterexample path; rerun with FUZZ_SEED=<seed> (and the same FUZZ_RUNS) to replay it.
 */
function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, found "${raw}"`);
  return n;
}

export interface FuzzBudget {
  /** Options for fc.assert. */
  readonly params: { readonly numRuns: number; readonly seed: number };
  /** A test timeout that grows with the run count (vitest's default 20 s fits the default counts). */
  readonly timeoutMs: number;
}

/**
 * `defaultRuns` cases with `defaultSeed`, unless FUZZ_RUNS / FUZZ_SEED say otherwise. `perRunMs` is a
 * generous estimate of one case, used only to size the test timeout for long local runs.
 */
export function fuzzBudget(defaultRuns: number, defaultSeed: number, perRunMs = 20): FuzzBudget {
  const numRuns = envNumber("FUZZ_RUNS") ?? defaultRuns;
  const seed = envNumber("FUZZ_SEED") ?? defaultSeed;
  return { params: { numRuns, seed }, timeoutMs: Math.max(30_000, numRuns * perRunMs * 2) };
}
