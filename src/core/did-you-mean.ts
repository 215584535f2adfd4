/**
 * "Did you mean …?" for a mistyped flag, command or shipped blueprint name: the closest known word within
 * an edit distance of 2, where swapping two neighbouring letters counts as one edit (the optimal string
 * alignment distance; Damerau, "A technique for computer detection and correction of spelling errors",
 * CACM 7(3), 1964).
 */

/** The most edits a suggestion may be away from what was typed. */
export const MAX_SUGGESTION_DISTANCE = 2;

/** Insertions, deletions, substitutions and transpositions of neighbours that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: distance between the first i chars of a and the first j chars of b.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known word closest to `typed`, or undefined when none is within MAX_SUGGESTION_DISTANCE (or `typed`
 * is itself known). Ties go to the word listed first.
 */
export function closestMatch(typed: string, known: readonly string[]): string | undefined {
  if (typed === "" || known.includes(typed)) return undefined;
  let best: { word: string; distance: number } | undefined;
  for (const word of known) {
    // Lengths that differ by more than the limit cannot be within it: skip the table.
    if (Math.abs(word.length - typed.length) > MAX_SUGGESTION_DISTANCE) continue;
    const distance = editDistance(typed, word);
    if (distance <= MAX_SUGGESTION_DISTANCE && (best === undefined || distance < best.distance))
      best = { word, distance };
  }
  return best?.word;
}
