import type { AddressFamily, AddressValue, FamilyCidr } from '../address-family.ts';

/**
 * A pool's CIDRs by prefix length, then network address: finds the CIDR holding an address, and
 * whether a new CIDR overlaps one already held, in one map probe per prefix length in use (EC2
 * gives two lengths per family). Off the hot path: restore, undo and adding CIDRs use it.
 */
export class CidrIndex<Entry extends { readonly block: FamilyCidr }> {
  private readonly byBits = new Map<number, Map<AddressValue, Entry>>();

  constructor(private readonly family: AddressFamily) {}

  add(entry: Entry): void {
    const { bits, network } = entry.block;
    let byNetwork = this.byBits.get(bits);
    if (!byNetwork) {
      byNetwork = new Map();
      this.byBits.set(bits, byNetwork);
    }
    byNetwork.set(network, entry);
  }

  delete(entry: Entry): void {
    this.byBits.get(entry.block.bits)?.delete(entry.block.network);
  }

  /** The entry whose CIDR holds `address`, if any. */
  holding(address: AddressValue): Entry | undefined {
    for (const [bits, byNetwork] of this.byBits) {
      const entry = byNetwork.get(this.family.networkOf(address, bits));
      if (entry) return entry;
    }
    return undefined;
  }

  /** Whether any CIDR held shares an address with `cidr`. */
  overlaps(cidr: FamilyCidr): boolean {
    const family = this.family;
    for (const [otherBits, byNetwork] of this.byBits) {
      if (byNetwork.size === 0) continue;
      if (otherBits <= cidr.bits) {
        if (byNetwork.has(family.networkOf(cidr.network, otherBits))) return true;
        continue;
      }
      // Smaller CIDRs inside the new one: probe each candidate network or scan the existing
      // ones, whichever is fewer.
      if (2 ** (otherBits - cidr.bits) <= byNetwork.size) {
        for (const network of family.subnets(cidr, otherBits)) {
          if (byNetwork.has(network)) return true;
        }
      } else {
        for (const network of byNetwork.keys())
          if (family.offsetIn(cidr, network) >= 0) return true;
      }
    }
    return false;
  }
}
