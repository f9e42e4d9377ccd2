/**
 * A sorted set of strings kept as a list of bounded, sorted blocks (the layout of Python's
 * `sortedcontainers`): insert and delete cost a binary search plus a splice of one block, and
 * a prefix listing visits only the keys that match. With one flat sorted array, each insert
 * into a million keys would move half a million references.
 *
 * Strings compare by UTF-16 code units, so every key starting with a prefix is contiguous.
 */
const MAX_BLOCK = 512;

export class SortedKeys {
  #blocks: string[][] = [];
  /** Last key of each block, for the block-level binary search. */
  #maxes: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(key: string): void {
    if (this.#blocks.length === 0) {
      this.#blocks.push([key]);
      this.#maxes.push(key);
      this.#size = 1;
      return;
    }
    let b = lowerBound(this.#maxes, key);
    if (b === this.#blocks.length) b -= 1;
    const block = this.#blocks[b]!;
    const i = lowerBound(block, key);
    if (block[i] === key) return;
    block.splice(i, 0, key);
    this.#size += 1;
    if (i === block.length - 1) this.#maxes[b] = key;
    if (block.length > MAX_BLOCK) {
      const half = block.splice(MAX_BLOCK >> 1);
      this.#blocks.splice(b + 1, 0, half);
      this.#maxes.splice(b, 1, block[block.length - 1]!, half[half.length - 1]!);
    }
  }

  delete(key: string): boolean {
    const b = lowerBound(this.#maxes, key);
    if (b === this.#blocks.length) return false;
    const block = this.#blocks[b]!;
    const i = lowerBound(block, key);
    if (block[i] !== key) return false;
    block.splice(i, 1);
    this.#size -= 1;
    if (block.length === 0) {
      this.#blocks.splice(b, 1);
      this.#maxes.splice(b, 1);
    } else if (i === block.length) {
      this.#maxes[b] = block[block.length - 1]!;
    }
    return true;
  }

  /** Keys starting with `prefix`, in order; stops at the first key past the prefix range. */
  *withPrefix(prefix: string): Generator<string> {
    let b = lowerBound(this.#maxes, prefix);
    if (b === this.#blocks.length) return;
    let i = lowerBound(this.#blocks[b]!, prefix);
    for (; b < this.#blocks.length; b++, i = 0) {
      const block = this.#blocks[b]!;
      for (; i < block.length; i++) {
        const key = block[i]!;
        if (!key.startsWith(prefix)) return;
        yield key;
      }
    }
  }

  clear(): void {
    this.#blocks = [];
    this.#maxes = [];
    this.#size = 0;
  }
}

function lowerBound(sorted: readonly string[], target: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
