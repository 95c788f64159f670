import type { KeyProbe } from './key-probe.ts';

/**
 * The IPAM-key index of a datastore: (networkName, containerID, ifName) → address slot, as an
 * open-addressing hash table (linear probing, backward-shift deletion) in one Int32Array of
 * (hash, slot + 1) pairs. A probe compares hashes inside the table and reads a slot's stored key
 * only on a hash match, so a lookup touches one or two cache lines of the table plus, on a hit,
 * the slot itself. Measured alternatives: a JS Map keyed by a concatenated string (~2 µs per
 * lookup: V8 hashes a fresh cons string slowly), and a table keeping hashes with the slots (every
 * probe then read a random slot row, which at 65,536 addresses is a cache and TLB miss).
 */

/** Where the index reads a slot's key. */
export interface KeyStore {
  keyMatches(slot: number, probe: KeyProbe): boolean;
}

export class KeyIndex {
  /** Pairs: [2i] = hash, [2i + 1] = slot + 1 (0 = empty). */
  private table = new Int32Array(128);
  private mask = 63;
  private count = 0;

  constructor(private readonly store: KeyStore) {}

  get size(): number {
    return this.count;
  }

  /** Slot holding the key, or -1. */
  find(probe: KeyProbe): number {
    const { table, mask, store } = this;
    const hash = probe.hash;
    let i = hash & mask;
    for (;;) {
      const entry = table[2 * i + 1]!;
      if (entry === 0) return -1;
      if (table[2 * i] === hash && store.keyMatches(entry - 1, probe)) {
        return entry - 1;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds a slot whose key is already stored and not yet in the index; `hash` is its key's. */
  insert(slot: number, hash: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(hash, slot + 1);
    this.count++;
  }

  /** Removes a slot that is in the index; `hash` is its key's. */
  remove(slot: number, hash: number): void {
    const { table, mask } = this;
    let i = hash & mask;
    while (table[2 * i + 1] !== slot + 1) {
      if (table[2 * i + 1] === 0) return; // not indexed: nothing to do
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later entries of the probe run into the hole so that no
    // tombstones are needed and probe runs stay short.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const entry = table[2 * j + 1]!;
      if (entry === 0) break;
      const hash = table[2 * j]!;
      const home = hash & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[2 * hole] = hash;
        table[2 * hole + 1] = entry;
        hole = j;
      }
    }
    table[2 * hole] = 0;
    table[2 * hole + 1] = 0;
    this.count--;
  }

  private place(hash: number, entry: number): void {
    const { table, mask } = this;
    let i = hash & mask;
    while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
    table[2 * i] = hash;
    table[2 * i + 1] = entry;
  }

  private grow(): void {
    const old = this.table;
    const buckets = old.length; // twice as many buckets as before
    this.table = new Int32Array(buckets * 2);
    this.mask = buckets - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] !== 0) this.place(old[i]!, old[i + 1]!);
    }
  }
}
