/**
 * What a bench reports to `npm run bench` (bench/index.ts): one JSON line per figure on stdout, after its
 * own tables. Numbers keep four significant digits. A bench under bench/ records its figures here and
 * prints them last; this folder holds no bench of its own (bench/index.ts runs only bench/*.ts).
 */
export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** A target bench/index.ts checks and reports as met or not: "≤ 3", "< 200", "≥ 5". */
  target?: string;
  /** A limit the value is judged against in the bench's own table (e.g. the client's rate limit). */
  bound?: number;
  /** value ÷ bound. */
  ratio_to_bound?: number;
}

/** The figure's optional fields; numbers among them are rounded as the value is. */
export type FigureExtras = Pick<Figure, "target" | "bound" | "ratio_to_bound">;

export const round4 = (n: number): number => Number(n.toPrecision(4));

export interface FigureLog {
  /** Every figure recorded so far, in order. */
  readonly figures: readonly Figure[];
  record(name: string, value: number, unit: string, extras?: FigureExtras): void;
  /** Prints each figure as a JSON line: the last thing a bench prints. */
  print(): void;
}

export function figureLog(bench: string): FigureLog {
  const figures: Figure[] = [];
  return {
    figures,
    record(name, value, unit, extras = {}) {
      const { target, bound, ratio_to_bound } = extras;
      figures.push({
        bench,
        name,
        value: round4(value),
        unit,
        ...(target ? { target } : {}),
        ...(bound !== undefined ? { bound: round4(bound) } : {}),
        ...(ratio_to_bound !== undefined ? { ratio_to_bound: round4(ratio_to_bound) } : {}),
      });
    },
    print() {
      for (const f of figures) console.log(JSON.stringify(f));
    },
  };
}
