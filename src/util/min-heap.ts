/**
 * A binary min-heap of timed entries with lazy deletion: an entry is not removed when it stops
 * mattering, the owner's `valid` test drops it when it reaches the top. Timers of a busy link change
 * on every acknowledgement; this keeps the earliest one exact at O(log n) per change instead of a
 * scan of everything in flight per datagram.
 * @module
 */

export interface Timed {
  readonly at: number;
}

export class MinHeap<T extends Timed> {
  private readonly items: T[] = [];

  /** @param valid whether an entry still stands; invalid entries are discarded when they surface */
  constructor(private readonly valid: (entry: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(entry: T): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]!.at <= entry.at) break;
      a[i] = a[up]!;
      i = up;
    }
    a[i] = entry;
  }

  /** The earliest valid entry, or undefined (invalid entries above it are dropped on the way). */
  peek(): T | undefined {
    while (this.items.length > 0) {
      const top = this.items[0]!;
      if (this.valid(top)) return top;
      this.pop();
    }
    return undefined;
  }

  /** Time of the earliest valid entry, or Infinity. */
  earliest(): number {
    return this.peek()?.at ?? Infinity;
  }

  /** Removes and returns the earliest entry, valid or not. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]!.at < a[l]!.at ? r : l;
      if (a[c]!.at >= last.at) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}
