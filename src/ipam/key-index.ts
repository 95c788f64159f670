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
  keyHash(slot: number): number;
  keyMatches(slot: number, networkName: string, containerID: string, ifName: string): boolean;
}

/** Strings longer than this are hashed on a sample of their characters (all compared on a hit). */
const FULL_HASH_LENGTH = 24;

export class KeyIndex {
  /** Pairs: [2i] = hash, [2i + 1] = slot + 1 (0 = empty). */
  private table = new Int32Array(128);
  private mask = 63;
  private count = 0;

  constructor(private readonly store: KeyStore) {}

  get size(): number {
    return this.count;
  }

  /**
   * Hash of a key; deterministic (no per-process seed). Long strings (container IDs are 64 hex
   * digits) contribute their length and 24 characters from the start, middle and end: enough to
   * spread runtime-generated IDs, and a poor spread only lengthens probes, never confuses keys.
   */
  static hash(networkName: string, containerID: string, ifName: string): number {
    let h = mix(0x811c9dc5, containerID);
    h = mix(h, networkName);
    h = mix(h, ifName);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** Slot holding the key, or -1. */
  find(networkName: string, containerID: string, ifName: string, hash: number): number {
    const { table, mask, store } = this;
    let i = hash & mask;
    for (;;) {
      const entry = table[2 * i + 1]!;
      if (entry === 0) return -1;
      if (table[2 * i] === hash && store.keyMatches(entry - 1, networkName, containerID, ifName)) {
        return entry - 1;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds a slot whose key (and its hash) is already stored and not yet in the index. */
  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(this.store.keyHash(slot), slot + 1);
    this.count++;
  }

  /** Removes a slot that is in the index. */
  remove(slot: number): void {
    const { table, mask } = this;
    let i = this.store.keyHash(slot) & mask;
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

function mix(seed: number, text: string): number {
  const length = text.length;
  let h = Math.imul(seed ^ length, 0x01000193);
  if (length <= FULL_HASH_LENGTH) {
    for (let i = 0; i < length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }
  const middle = (length >>> 1) - 4;
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ text.charCodeAt(middle + i), 0x01000193);
    h = Math.imul(h ^ text.charCodeAt(length - 8 + i), 0x01000193);
  }
  return h;
}
