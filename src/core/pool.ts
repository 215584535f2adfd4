/**
 * Runs `work` over `items` with at most `concurrency` at a time, in order, until done or the signal aborts.
 * Registration uses it so 1,000 collectors are a steady stream behind the rate limiter, and each one's
 * first GetConfig follows its own Register closely (as Alloy does) instead of after everyone's.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
