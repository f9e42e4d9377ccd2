/**
 * Min-heap of (deadline, key) used by the periodic sweep, so a sweep pops only what expired
 * instead of scanning every key. Entries are never updated in place: a rewrite pushes a new
 * entry and the sweep ignores entries whose deadline no longer matches the record's
 * ("lazy deletion"). The owner compacts when stale entries outnumber live ones.
 */
export interface HeapEntry {
  readonly deadline: number;
  readonly key: string;
}

export class ExpiryHeap {
  #items: HeapEntry[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(entry: HeapEntry): void {
    const items = this.#items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.deadline <= entry.deadline) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  peek(): HeapEntry | undefined {
    return this.#items[0];
  }

  pop(): HeapEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.deadline < items[left]!.deadline ? right : left;
      if (items[child]!.deadline >= last.deadline) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Rebuilds the heap from the entries `keep` accepts. */
  rebuild(keep: (entry: HeapEntry) => boolean): void {
    const live = this.#items.filter(keep);
    this.#items = [];
    for (const entry of live) this.push(entry);
  }
}
