import type { FamilyCidr } from '../address-family.ts';
import { LevelQueue, type Queued } from '../level-queue.ts';

/** CIDR kinds, used as indexes into the per-kind counters. */
export const KIND_IP = 0;
export const KIND_PREFIX = 1;
export type Kind = typeof KIND_IP | typeof KIND_PREFIX;

/** One ENI of the pool: its CIDRs, the allocator's queues of them and its counters. */
export class EniRecord implements Queued<EniRecord> {
  qPrev: EniRecord | null = null;
  qNext: EniRecord | null = null;
  qLevel = 0;
  queued = false;
  readonly cidrs = new Map<string, CidrRecord>();
  /** Per kind: this ENI's CIDRs that have a free (assignable) address, filed by assigned count. */
  readonly queues: readonly [LevelQueue<CidrRecord>, LevelQueue<CidrRecord>] = [
    new LevelQueue<CidrRecord>(),
    new LevelQueue<CidrRecord>(),
  ];
  /** Per kind counters (index KIND_IP / KIND_PREFIX). */
  readonly total = new Int32Array(2);
  readonly assigned = new Int32Array(2);
  readonly cooling = new Int32Array(2);
  readonly cidrCount = new Int32Array(2);
  readonly zeroAssigned = new Int32Array(2);
  assignedAll = 0;
  coolingAll = 0;
  /**
   * The ENI no longer matches the node's ENIConfig (custom networking): its addresses leave the
   * pool numbers, and it gives addresses only when no other ENI has one free.
   */
  draining = false;
  /** Filed in the allocator's fallback queue (draining ENIs) rather than the main one. */
  inFallback = false;

  constructor(
    readonly id: string,
    readonly deviceNumber: number,
    readonly isPrimary: boolean,
    readonly isTrunk: boolean,
    readonly isEfa: boolean,
    readonly subnetId: string,
    readonly routeTableId: number,
    public excluded: boolean,
    readonly createTimeMs: number,
  ) {}

  /** Its addresses count in the pool numbers (GetIPStats): neither excluded nor draining. */
  get counted(): boolean {
    return !this.excluded && !this.draining;
  }
}

/**
 * One CIDR of an ENI: a contiguous run of address slots from `base` (its first `size` addresses;
 * all of them but for IPv6, see FamilyCidr.slotCount), its counters and its free set.
 */
export class CidrRecord implements Queued<CidrRecord> {
  qPrev: CidrRecord | null = null;
  qNext: CidrRecord | null = null;
  qLevel = 0;
  queued = false;
  assigned = 0;
  cooling = 0;
  /** Addresses that can be handed out now (neither assigned nor cooling). */
  free: number;
  /** Normalised CIDR text (the block's, kept here beside the counters the hot path reads). */
  readonly text: string;
  /** Addresses with a slot. */
  readonly size: number;
  /**
   * Free addresses, one bit per offset (set = free); the lowest set bit is handed out first.
   * CIDRs of up to 32 addresses (all that EC2 gives for IPv4: /32 and /28) keep the bits inline in
   * `freeWord`, saving an object and a cache miss per operation; larger ones use `freeBits`.
   */
  private freeWord = 0;
  private readonly freeBits: Int32Array | null;
  /** No word below this one has a set bit (freeBits only). */
  private scanHint = 0;
  base = 0;

  constructor(
    readonly eni: EniRecord,
    readonly block: FamilyCidr,
    readonly kind: Kind,
  ) {
    this.text = block.text;
    const size = block.slotCount;
    this.size = size;
    this.free = size;
    if (size <= 32) {
      this.freeBits = null;
      this.freeWord = size === 32 ? -1 : (1 << size) - 1;
    } else {
      this.freeBits = new Int32Array(Math.ceil(size / 32));
      for (let w = 0; w < this.freeBits.length; w++) {
        const inWord = Math.min(32, size - w * 32);
        this.freeBits[w] = inWord === 32 ? -1 : (1 << inWord) - 1;
      }
    }
  }

  takeLowestFree(): number {
    const bitsArray = this.freeBits;
    if (bitsArray === null) {
      const word = this.freeWord;
      if (word === 0) throw new Error(`datastore invariant: CIDR ${this.text} has no free address`);
      const bit = 31 - Math.clz32(word & -word);
      this.freeWord = word & ~(1 << bit);
      this.free--;
      return bit;
    }
    for (let w = this.scanHint; w < bitsArray.length; w++) {
      const word = bitsArray[w]!;
      if (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        bitsArray[w] = word & ~(1 << bit);
        this.scanHint = w;
        this.free--;
        return w * 32 + bit;
      }
    }
    throw new Error(`datastore invariant: CIDR ${this.text} has no free address`);
  }

  takeFree(offset: number): void {
    const bitsArray = this.freeBits;
    if (bitsArray === null) this.freeWord &= ~(1 << offset);
    else {
      const w = offset >>> 5;
      bitsArray[w] = bitsArray[w]! & ~(1 << (offset & 31));
    }
    this.free--;
  }

  giveFree(offset: number): void {
    const bitsArray = this.freeBits;
    if (bitsArray === null) this.freeWord |= 1 << offset;
    else {
      const w = offset >>> 5;
      bitsArray[w] = bitsArray[w]! | (1 << (offset & 31));
      if (w < this.scanHint) this.scanHint = w;
    }
    this.free++;
  }
}
