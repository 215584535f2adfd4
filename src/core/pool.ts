/**
 * The one way this code base runs work concurrently: at most `concurrency` items at a time, in order,
 * until done or the signal aborts. Registration uses it so 1,000 collectors are a steady stream behind the
 * rate limiter (each collector's first GetConfig follows its own Register closely, as Alloy does), and the
 * metrics writer uses it to keep a bounded number of remote-write requests on the wire.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
