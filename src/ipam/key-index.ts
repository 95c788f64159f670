import type { KeyProbe } from './key-probe.ts';

/**
 * The IPAM-key index of a datastore: (networkName, containerID, ifName) → address slot, as an
 * open-addressing hash table (linear probing, backward-shift deletion) of 32-bit entries in one
 * Int32Array. An entry packs, from the low bits up:
 * - the slot + 1 (0 = empty bucket), in `slotBits` bits, widened when a larger slot arrives;
 * - how far the entry sits from its home bucket, saturating at DISTANCE_FAR (the hash of such an
 *   entry is kept in a side map), which deletion needs to find each entry's home;
 * - the top bits of the key's hash as a tag, so a probe reads a slot's stored key only when the
 *   tags agree (a false match costs a read, never a wrong answer: the key is always compared).
 *
 * Why 32 bits and not a (hash, slot) pair: at 65,536 addresses the pairs took 1 MB and every
 * request read a random one of them; halved, the table stays in a 2 MB L2 cache even while the
 * requests stream through the address rows (docs/benchmarks.md). Growing the table needs each
 * key's full hash, which it asks the store for: O(n), and only when the table doubles.
 */

/** Where the index reads a slot's key. */
export interface KeyStore {
  keyMatches(slot: number, probe: KeyProbe): boolean;
  /** The hash `insert` was given for the slot's key (KeyProbe's, recomputed from the stored key). */
  keyHash(slot: number): number;
}

const DISTANCE_BITS = 5;
/** Distance field value meaning "at least this far: the hash is in `farHashes`". */
const DISTANCE_FAR = (1 << DISTANCE_BITS) - 1;
const INITIAL_SLOT_BITS = 10;

export class KeyIndex {
  private table = new Int32Array(64);
  private mask = 63;
  private count = 0;
  private slotBits = INITIAL_SLOT_BITS;
  /** Entry bits holding slot + 1. */
  private slotMask = (1 << INITIAL_SLOT_BITS) - 1;
  /** Entry (and hash) bits holding the tag: the hash's top bits. */
  private tagMask = tagMaskFor(INITIAL_SLOT_BITS);
  /** Hashes of entries DISTANCE_FAR or more from home, by slot: rare (long probe runs only). */
  private readonly farHashes = new Map<number, number>();

  constructor(private readonly store: KeyStore) {}

  get size(): number {
    return this.count;
  }

  /** Slot holding the key, or -1. */
  find(probe: KeyProbe): number {
    const { table, mask, store, slotMask, tagMask } = this;
    const hash = probe.hash;
    const tag = hash & tagMask;
    let i = hash & mask;
    for (;;) {
      const entry = table[i]!;
      if (entry === 0) return -1;
      if ((entry & tagMask) === tag) {
        const slot = (entry & slotMask) - 1;
        if (store.keyMatches(slot, probe)) return slot;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds a slot whose key is already stored and not yet in the index; `hash` is its key's. */
  insert(slot: number, hash: number): void {
    if (slot + 1 > this.slotMask) {
      let bits = this.slotBits;
      while ((1 << bits) - 1 < slot + 1) bits++;
      this.rebuild(this.mask + 1, bits);
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.rebuild((this.mask + 1) * 2, this.slotBits);
    this.place(slot, hash);
    this.count++;
  }

  /** Removes a slot that is in the index; `hash` is its key's. */
  remove(slot: number, hash: number): void {
    const { table, mask, slotMask, slotBits } = this;
    let i = hash & mask;
    for (;;) {
      const entry = table[i]!;
      if (entry === 0) return; // not indexed: nothing to do
      if ((entry & slotMask) === slot + 1) break;
      i = (i + 1) & mask;
    }
    if (this.distanceOf(table[i]!) === DISTANCE_FAR) this.farHashes.delete(slot);
    // Backward-shift deletion: pull later entries of the probe run into the hole so that no
    // tombstones are needed and probe runs stay short.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const entry = table[j]!;
      if (entry === 0) break;
      const home = this.homeOf(entry, j);
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        const distance = (hole - home) & mask;
        if (distance < DISTANCE_FAR && this.distanceOf(entry) === DISTANCE_FAR) {
          this.farHashes.delete((entry & slotMask) - 1);
        }
        table[hole] = withDistance(entry, Math.min(distance, DISTANCE_FAR), slotBits);
        hole = j;
      }
    }
    table[hole] = 0;
    this.count--;
  }

  private distanceOf(entry: number): number {
    return (entry >>> this.slotBits) & DISTANCE_FAR;
  }

  /** Home bucket of the entry found at bucket `at`. */
  private homeOf(entry: number, at: number): number {
    const distance = this.distanceOf(entry);
    if (distance < DISTANCE_FAR) return (at - distance) & this.mask;
    return this.farHashes.get((entry & this.slotMask) - 1)! & this.mask;
  }

  private place(slot: number, hash: number): void {
    const { table, mask } = this;
    let i = hash & mask;
    let distance = 0;
    while (table[i] !== 0) {
      i = (i + 1) & mask;
      distance++;
    }
    if (distance >= DISTANCE_FAR) {
      distance = DISTANCE_FAR;
      this.farHashes.set(slot, hash);
    }
    table[i] = (hash & this.tagMask) | (distance << this.slotBits) | (slot + 1);
  }

  /** Re-files every entry into `buckets` buckets with `slotBits`-bit slots, hashes from the store. */
  private rebuild(buckets: number, slotBits: number): void {
    const old = this.table;
    const oldSlotMask = this.slotMask;
    this.table = new Int32Array(buckets);
    this.mask = buckets - 1;
    this.slotBits = slotBits;
    this.slotMask = (1 << slotBits) - 1;
    this.tagMask = tagMaskFor(slotBits);
    this.farHashes.clear();
    for (let i = 0; i < old.length; i++) {
      const entry = old[i]!;
      if (entry !== 0) {
        const slot = (entry & oldSlotMask) - 1;
        this.place(slot, this.store.keyHash(slot));
      }
    }
  }
}

/** The bits above the slot and distance fields (none when the slot takes them all). */
function tagMaskFor(slotBits: number): number {
  const low = slotBits + DISTANCE_BITS;
  return low >= 32 ? 0 : ~0 << low;
}

function withDistance(entry: number, distance: number, slotBits: number): number {
  return (entry & ~(DISTANCE_FAR << slotBits)) | (distance << slotBits);
}
