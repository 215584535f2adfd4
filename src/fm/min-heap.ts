/**
 * A binary min-heap: the heartbeat scheduler's queue. One loop pops the earliest due collector, so 10,000
 * collectors cost one timer, not 10,000.
 */
export interface MinHeap<T> {
  push(item: T): void;
  peek(): T | undefined;
  pop(): T | undefined;
  readonly size: number;
  clear(): void;
}

export function createMinHeap<T>(less: (a: T, b: T) => boolean): MinHeap<T> {
  const items: T[] = [];
  const swap = (i: number, j: number) => {
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  };
  return {
    push(item) {
      items.push(item);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(items[i]!, items[parent]!)) break;
        swap(i, parent);
        i = parent;
      }
    },
    peek: () => items[0],
    pop() {
      const top = items[0];
      const last = items.pop();
      if (items.length > 0 && last !== undefined) {
        items[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let smallest = i;
          if (l < items.length && less(items[l]!, items[smallest]!)) smallest = l;
          if (r < items.length && less(items[r]!, items[smallest]!)) smallest = r;
          if (smallest === i) break;
          swap(i, smallest);
          i = smallest;
        }
      }
      return top;
    },
    get size() {
      return items.length;
    },
    clear() {
      items.length = 0;
    },
  };
}
