/**
 * A set of small non-negative integers ("levels") that answers "highest member" in a constant
 * number of word operations: a hierarchy of 32-bit words where a bit in layer k+1 says "word i of
 * layer k is non-zero". Three layers cover 32,768 levels, four cover a million, so every operation
 * touches at most a handful of words whatever the pool size. The allocator uses it to find the
 * fullest non-full ENI and CIDR without scanning.
 *
 * Every layer lives in one Int32Array, the top (single-word) layer first, so a bitmap is two
 * objects and a set of up to 32 levels (every /28 prefix's CIDR queue) is one word behind one
 * pointer: at large pools the allocator touches a random ENI's queues on each request, and each
 * separate object there was another cache miss (docs/benchmarks.md).
 */
export class LevelBitmap {
  /** The layers, top first: layer k (counted from the bottom) starts at starts[k]. */
  private words = new Int32Array(1);
  /** Start of each layer in `words`, bottom layer (one bit per level) first. */
  private starts: number[] = [0];
  /** Number of layers: with one, `starts` is never read. */
  private depth = 1;
  private capacity = 32;

  constructor(initialCapacity = 32) {
    if (initialCapacity > 32) this.build(initialCapacity);
  }

  private build(capacity: number): void {
    const sizes: number[] = [];
    let words = Math.ceil(capacity / 32);
    for (;;) {
      sizes.push(words);
      if (words === 1) break;
      words = Math.ceil(words / 32);
    }
    // Top layer at offset 0, then downwards, so the bottom layer is last.
    const starts = new Array<number>(sizes.length);
    let offset = 0;
    for (let k = sizes.length - 1; k >= 0; k--) {
      starts[k] = offset;
      offset += sizes[k]!;
    }
    this.words = new Int32Array(offset);
    this.starts = starts;
    this.depth = starts.length;
    this.capacity = sizes[0]! * 32;
  }

  /** Grows to hold `level`; rare (capacity doubles), so set() stays amortised O(1). */
  private grow(level: number): void {
    const old = this.words;
    const bottom = this.starts[0]!;
    const bottomWords = this.capacity / 32;
    let capacity = this.capacity;
    while (capacity <= level) capacity *= 2;
    this.build(capacity);
    for (let w = 0; w < bottomWords; w++) {
      let word = old[bottom + w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word);
        this.set(w * 32 + bit);
        word &= ~(1 << bit);
      }
    }
  }

  set(level: number): void {
    if (level >= this.capacity) this.grow(level);
    if (this.depth === 1) {
      const words = this.words;
      words[0] = words[0]! | (1 << level);
      return;
    }
    const { words, starts } = this;
    let index = level;
    for (let k = 0; k < starts.length; k++) {
      const at = starts[k]! + (index >>> 5);
      const before = words[at]!;
      words[at] = before | (1 << (index & 31));
      if (before !== 0) return;
      index >>>= 5;
    }
  }

  clear(level: number): void {
    if (level >= this.capacity) return;
    if (this.depth === 1) {
      const words = this.words;
      words[0] = words[0]! & ~(1 << level);
      return;
    }
    const { words, starts } = this;
    let index = level;
    for (let k = 0; k < starts.length; k++) {
      const at = starts[k]! + (index >>> 5);
      const after = words[at]! & ~(1 << (index & 31));
      words[at] = after;
      if (after !== 0) return;
      index >>>= 5;
    }
  }

  has(level: number): boolean {
    if (level >= this.capacity) return false;
    return (this.words[this.starts[0]! + (level >>> 5)]! & (1 << (level & 31))) !== 0;
  }

  /** The highest level in the set, or -1 when it is empty. */
  highest(): number {
    const words = this.words;
    // The top layer is words[0] whatever the depth.
    let word = words[0]!;
    if (word === 0) return -1;
    let index = 31 - Math.clz32(word);
    if (this.depth === 1) return index;
    const starts = this.starts;
    for (let k = starts.length - 2; k >= 0; k--) {
      word = words[starts[k]! + index]!;
      index = index * 32 + (31 - Math.clz32(word));
    }
    return index;
  }
}
