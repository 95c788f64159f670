import { LevelBitmap } from './level-bitmap.ts';

/** The intrusive links a queued element carries, so queue operations allocate nothing. */
export interface Queued<T> {
  qPrev: T | null;
  qNext: T | null;
  /** Level the element is filed under; meaningful only while `queued`. */
  qLevel: number;
  queued: boolean;
}

/**
 * Elements filed by level (for the allocator: how many addresses are assigned), answering "first
 * element of the highest level" in O(1). Each level is a FIFO list threaded through the elements
 * themselves; a LevelBitmap finds the highest non-empty level. Ties go to the element filed
 * earliest at that level, which keeps the choice deterministic.
 */
export class LevelQueue<T extends Queued<T>> {
  private heads: (T | null)[] = [];
  private tails: (T | null)[] = [];
  private readonly levels = new LevelBitmap();
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(node: T, level: number): void {
    while (this.heads.length <= level) {
      this.heads.push(null);
      this.tails.push(null);
    }
    const tail = this.tails[level]!;
    node.qPrev = tail;
    node.qNext = null;
    node.qLevel = level;
    node.queued = true;
    if (tail === null) {
      this.heads[level] = node;
      this.levels.set(level);
    } else {
      tail.qNext = node;
    }
    this.tails[level] = node;
    this.count++;
  }

  remove(node: T): void {
    const level = node.qLevel;
    const prev = node.qPrev;
    const next = node.qNext;
    if (prev === null) this.heads[level] = next;
    else prev.qNext = next;
    if (next === null) this.tails[level] = prev;
    else next.qPrev = prev;
    if (prev === null && next === null) this.levels.clear(level);
    node.qPrev = null;
    node.qNext = null;
    node.queued = false;
    this.count--;
  }

  /** Files the element under `level`, inserting or moving it as needed. */
  place(node: T, level: number): void {
    if (node.queued) {
      if (node.qLevel === level) return;
      this.remove(node);
    }
    this.insert(node, level);
  }

  /** First element of the highest level, or null when empty. */
  top(): T | null {
    const level = this.levels.highest();
    return level < 0 ? null : this.heads[level]!;
  }

  /** Removes every element (used when the set of eligible elements is rebuilt). */
  clear(): void {
    for (let level = 0; level < this.heads.length; level++) {
      let node: T | null = this.heads[level]!;
      while (node !== null) {
        const next: T | null = node.qNext;
        node.qPrev = null;
        node.qNext = null;
        node.queued = false;
        node = next;
      }
      if (this.tails[level] !== null) this.levels.clear(level);
      this.heads[level] = null;
      this.tails[level] = null;
    }
    this.count = 0;
  }
}
