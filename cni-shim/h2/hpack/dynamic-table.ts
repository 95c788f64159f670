import type { HeaderField } from './header-field.ts';

/** What an entry costs in the table: its octets plus 32 (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

function entrySize([name, value]: HeaderField): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/**
 * The decoder's dynamic table (RFC 7541 §2.3.2, §4): the newest entry has the lowest index; adding
 * an entry or lowering the maximum size evicts the oldest entries until the table fits. An entry
 * larger than the maximum size empties the table and is not added.
 */
export class DynamicTable {
  /** Oldest first, so an addition is a push and an eviction a shift. */
  private readonly entries: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  constructor(maxSize: number) {
    this.maxSize = maxSize;
  }

  get length(): number {
    return this.entries.length;
  }

  /** The sum of the entries' sizes, in the table's accounting. */
  get octets(): number {
    return this.size;
  }

  /** Entry `index` counted from 1, the newest. */
  get(index: number): HeaderField | undefined {
    return this.entries[this.entries.length - index];
  }

  add(field: HeaderField): void {
    const size = entrySize(field);
    this.evictUntil(this.maxSize - size);
    if (size > this.maxSize) return;
    this.entries.push(field);
    this.size += size;
  }

  resize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictUntil(maxSize);
  }

  private evictUntil(room: number): void {
    while (this.size > Math.max(room, 0) && this.entries.length > 0) {
      this.size -= entrySize(this.entries.shift()!);
    }
  }
}
