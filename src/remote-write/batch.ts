/**
 * Splitting a tick into requests. SPEC section 6 keeps each request under ~2 MB compressed; a request
 * holds whole collectors, so a collector's series always travel together and a failed request loses
 * whole collectors' samples, never a random subset.
 */

export interface BatchRange {
  /** First item index, inclusive. */
  readonly start: number;
  /** Last item index, exclusive. */
  readonly end: number;
}

/**
 * Groups consecutive items so that each group's summed size stays within `budget`. An item larger than
 * the budget on its own still gets a group (alone): it cannot be split.
 */
export function planBatches(sizes: readonly number[], budget: number): BatchRange[] {
  const batches: BatchRange[] = [];
  let start = 0;
  let used = 0;
  sizes.forEach((size, i) => {
    if (i > start && used + size > budget) {
      batches.push({ start, end: i });
      start = i;
      used = 0;
    }
    used += size;
  });
  if (sizes.length > start) batches.push({ start, end: sizes.length });
  return batches;
}
