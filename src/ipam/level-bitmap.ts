/**
 * A set of small non-negative integers ("levels") that answers "highest member" in a constant
 * number of word operations: a hierarchy of 32-bit words where a bit in layer k+1 says "word i of
 * layer k is non-zero". Three layers cover 32,768 levels, four cover a million, so every operation
 * touches at most a handful of words whatever the pool size. The allocator uses it to find the
 * fullest non-full ENI and CIDR without scanning.
 */
export class LevelBitmap {
  /** layers[0] holds one bit per level; the last layer is a single word. */
  private layers: Int32Array[] = [];
  private capacity = 0;

  constructor(initialCapacity = 32) {
    this.build(Math.max(32, initialCapacity));
  }

  private build(capacity: number): void {
    const layers: Int32Array[] = [];
    let words = Math.ceil(capacity / 32);
    for (;;) {
      layers.push(new Int32Array(words));
      if (words === 1) break;
      words = Math.ceil(words / 32);
    }
    this.layers = layers;
    this.capacity = layers[0]!.length * 32;
  }

  /** Grows to hold `level`; rare (capacity doubles), so set() stays amortised O(1). */
  private grow(level: number): void {
    const old = this.layers[0]!;
    let capacity = this.capacity;
    while (capacity <= level) capacity *= 2;
    this.build(capacity);
    for (let w = 0; w < old.length; w++) {
      let word = old[w]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word);
        this.set(w * 32 + bit);
        word &= ~(1 << bit);
      }
    }
  }

  set(level: number): void {
    if (level >= this.capacity) this.grow(level);
    let index = level;
    for (const layer of this.layers) {
      const word = index >>> 5;
      const before = layer[word]!;
      layer[word] = before | (1 << (index & 31));
      if (before !== 0) return;
      index = word;
    }
  }

  clear(level: number): void {
    if (level >= this.capacity) return;
    let index = level;
    for (const layer of this.layers) {
      const word = index >>> 5;
      const after = layer[word]! & ~(1 << (index & 31));
      layer[word] = after;
      if (after !== 0) return;
      index = word;
    }
  }

  has(level: number): boolean {
    if (level >= this.capacity) return false;
    return (this.layers[0]![level >>> 5]! & (1 << (level & 31))) !== 0;
  }

  /** The highest level in the set, or -1 when it is empty. */
  highest(): number {
    const layers = this.layers;
    let k = layers.length - 1;
    let word = layers[k]![0]!;
    if (word === 0) return -1;
    let index = 31 - Math.clz32(word);
    while (k > 0) {
      k--;
      word = layers[k]![index]!;
      index = index * 32 + (31 - Math.clz32(word));
    }
    return index;
  }
}
