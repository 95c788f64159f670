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
  /** Per level: [2 × level] = head, [2 × level + 1] = tail (one array: one object fewer to reach). */
  private ends: (T | null)[] = [];
  private readonly levels = new LevelBitmap();
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(node: T, level: number): void {
    const ends = this.ends;
    while (ends.length <= 2 * level + 1) ends.push(null);
    const tail = ends[2 * level + 1]!;
    node.qPrev = tail;
    node.qNext = null;
    node.qLevel = level;
    node.queued = true;
    if (tail === null) {
      ends[2 * level] = node;
      this.levels.set(level);
    } else {
      tail.qNext = node;
    }
    ends[2 * level + 1] = node;
    this.count++;
  }

  remove(node: T): void {
    const level = node.qLevel;
    const prev = node.qPrev;
    const next = node.qNext;
    const ends = this.ends;
    if (prev === null) ends[2 * level] = next;
    else prev.qNext = next;
    if (next === null) ends[2 * level + 1] = prev;
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
    return level < 0 ? null : this.ends[2 * level]!;
  }

  /** Removes every element (used when the set of eligible elements is rebuilt). */
  clear(): void {
    const ends = this.ends;
    for (let level = 0; 2 * level < ends.length; level++) {
      let node: T | null = ends[2 * level]!;
      while (node !== null) {
        const next: T | null = node.qNext;
        node.qPrev = null;
        node.qNext = null;
        node.queued = false;
        node = next;
      }
      if (ends[2 * level + 1] !== null) this.levels.clear(level);
      ends[2 * level] = null;
      ends[2 * level + 1] = null;
    }
    this.count = 0;
  }
}
