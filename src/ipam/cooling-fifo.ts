/**
 * Addresses in IP cooldown, oldest first. The cooldown period is the same for every address, so
 * the oldest entry always expires first and expiry only ever looks at the head: O(1) amortised.
 * Entries are (slot, unassigned-at) pairs in a growable ring; an entry whose slot has since been
 * reassigned, removed or re-cooled is recognised by the caller (its time no longer matches) and
 * skipped, so nothing has to be deleted from the middle.
 */
export class CoolingFifo {
  private slots = new Int32Array(64);
  private times = new Float64Array(64);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(slot: number, timeMs: number): void {
    if (this.count === this.slots.length) this.grow();
    const at = (this.head + this.count) & (this.slots.length - 1);
    this.slots[at] = slot;
    this.times[at] = timeMs;
    this.count++;
  }

  /** Slot of the oldest entry; only valid when size > 0. */
  peekSlot(): number {
    return this.slots[this.head]!;
  }

  peekTime(): number {
    return this.times[this.head]!;
  }

  shift(): void {
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const size = this.slots.length;
    const slots = new Int32Array(size * 2);
    const times = new Float64Array(size * 2);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) & (size - 1);
      slots[i] = this.slots[from]!;
      times[i] = this.times[from]!;
    }
    this.slots = slots;
    this.times = times;
    this.head = 0;
  }
}
