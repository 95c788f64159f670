import { cidrSize, formatIpv4, type Ipv4Cidr } from '../../ipam/cidr.ts';
import type { SeededRandom } from '../random.ts';

/** Addresses in one /28 prefix, the unit of prefix delegation. */
const BLOCK = 16;

/**
 * The finite address space of one subnet, as EC2 hands it out. The first four addresses and the
 * last are reserved. Single addresses come from anywhere free (chosen at random, as EC2 scatters
 * them); a /28 prefix needs an aligned block of 16 with nothing in it, so scattered single
 * addresses fragment the subnet: prefixes can run out while single addresses still fit.
 */
export class SubnetAddressSpace {
  readonly cidr: Ipv4Cidr;
  private readonly size: number;
  private readonly used: Uint8Array;
  /** Addresses in use per aligned 16-block (reserved addresses count as used). */
  private readonly blockUse: Uint8Array;
  private free: number;
  private readonly random: SeededRandom;

  constructor(cidr: Ipv4Cidr, random: SeededRandom) {
    this.cidr = cidr;
    this.size = cidrSize(cidr);
    this.used = new Uint8Array(this.size);
    this.blockUse = new Uint8Array(Math.ceil(this.size / BLOCK));
    this.random = random;
    this.free = this.size;
    for (const offset of this.reservedOffsets()) this.mark(offset);
  }

  private reservedOffsets(): number[] {
    const offsets = [0, 1, 2, 3, this.size - 1];
    return [...new Set(offsets.filter((o) => o >= 0 && o < this.size))];
  }

  private mark(offset: number): void {
    this.used[offset] = 1;
    this.blockUse[Math.floor(offset / BLOCK)]! += 1;
    this.free -= 1;
  }

  private unmark(offset: number): void {
    this.used[offset] = 0;
    this.blockUse[Math.floor(offset / BLOCK)]! -= 1;
    this.free += 1;
  }

  private offsetOf(ip: number): number | undefined {
    const offset = ip - this.cidr.network;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }

  /** Free addresses (what DescribeSubnets reports as AvailableIpAddressCount). */
  availableAddresses(): number {
    return this.free;
  }

  /** Aligned /28 blocks with nothing in them. */
  freeBlocks(): number {
    let count = 0;
    for (let b = 0; b < this.blockUse.length; b++) if (this.isBlockFree(b)) count++;
    return count;
  }

  private isBlockFree(block: number): boolean {
    return this.blockUse[block] === 0 && (block + 1) * BLOCK <= this.size;
  }

  contains(ip: number): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  isReserved(ip: number): boolean {
    const offset = this.offsetOf(ip);
    return offset !== undefined && this.reservedOffsets().includes(offset);
  }

  /** Takes `count` free addresses (random positions), or nothing when fewer are free. */
  allocateAddresses(count: number): string[] | undefined {
    if (count > this.free) return undefined;
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      let offset = this.random.int(this.size);
      while (this.used[offset] === 1) offset = (offset + 1) % this.size;
      this.mark(offset);
      out.push(formatIpv4(this.cidr.network + offset));
    }
    return out;
  }

  /** Takes `count` free aligned /28 blocks (random ones), or nothing when fewer are free. */
  allocatePrefixes(count: number): string[] | undefined {
    const candidates: number[] = [];
    for (let b = 0; b < this.blockUse.length; b++) if (this.isBlockFree(b)) candidates.push(b);
    if (candidates.length < count) return undefined;
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const pick = i + this.random.int(candidates.length - i);
      const block = candidates[pick]!;
      candidates[pick] = candidates[i]!;
      for (let o = block * BLOCK; o < (block + 1) * BLOCK; o++) this.mark(o);
      out.push(`${formatIpv4(this.cidr.network + block * BLOCK)}/28`);
    }
    return out;
  }

  /** Takes one specific address; false when it is outside the subnet or not free. */
  claimAddress(ip: number): boolean {
    const offset = this.offsetOf(ip);
    if (offset === undefined || this.used[offset] === 1) return false;
    this.mark(offset);
    return true;
  }

  /** Takes one specific aligned /28 (given by its network address); false when any of it is in use. */
  claimPrefix(network: number): boolean {
    const offset = this.offsetOf(network);
    if (offset === undefined || offset % BLOCK !== 0) return false;
    const block = offset / BLOCK;
    if (!this.isBlockFree(block)) return false;
    for (let o = offset; o < offset + BLOCK; o++) this.mark(o);
    return true;
  }

  releaseAddress(ip: number): void {
    const offset = this.offsetOf(ip);
    if (offset !== undefined && this.used[offset] === 1) this.unmark(offset);
  }

  releasePrefix(network: number): void {
    const offset = this.offsetOf(network);
    if (offset === undefined || offset % BLOCK !== 0) return;
    for (let o = offset; o < offset + BLOCK && o < this.size; o++)
      if (this.used[o] === 1) this.unmark(o);
  }
}
