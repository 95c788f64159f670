/**
 * An IP address family as the datastore sees it. A node is IPv4 or IPv6, never both, so one
 * datastore holds one family, chosen at construction; every address text it reads or writes and
 * every piece of address arithmetic goes through this seam (ipv4-family.ts, ipv6-family.ts).
 * The hot path never calls it: an address's text is formatted once per slot and kept.
 */

/**
 * An address as its family computes with it: an unsigned 32-bit integer for IPv4 (so IPv4 keeps
 * plain number arithmetic), a 128-bit bigint for IPv6. Values of one family are never mixed with
 * the other's; a family given the other's value throws.
 */
export type AddressValue = number | bigint;

/** A CIDR of one family, in network form. */
export interface FamilyCidr {
  /** Normalised text, e.g. `10.0.1.16/28` or `2600:1f13:fe3:2f00::/80`. */
  readonly text: string;
  /** The network address (host bits zero). */
  readonly network: AddressValue;
  readonly networkText: string;
  /** Prefix length. */
  readonly bits: number;
  /**
   * How many of its addresses, from the network address upward, the datastore gives a slot (and
   * so can hand out): all of them for IPv4, a bounded window for IPv6 (IPV6_PREFIX_SLOTS).
   */
  readonly slotCount: number;
}

export interface AddressFamily {
  readonly name: 'IPv4' | 'IPv6';
  /** Shortest prefix length the datastore accepts for a CIDR of this family. */
  readonly minPrefixBits: number;
  /** The value of address text, or undefined when it is not an address of this family. */
  parseAddress(text: string): AddressValue | undefined;
  /** Canonical text (Go's net.IP.String()). */
  formatAddress(value: AddressValue): string;
  /** A CIDR normalised to network form (as Go's net.ParseCIDR), or undefined. */
  parseCidr(text: string): FamilyCidr | undefined;
  /** The network address of length `bits` that holds `address`. */
  networkOf(address: AddressValue, bits: number): AddressValue;
  /**
   * How far `address` lies above the CIDR's network address, or −1 when the CIDR does not hold it.
   * Exact below 2^53 (beyond, still far past any slot).
   */
  offsetIn(cidr: FamilyCidr, address: AddressValue): number;
  /** Text of the address `offset` (< slotCount) above the CIDR's network address. */
  addressText(cidr: FamilyCidr, offset: number): string;
  /** Network addresses of the CIDRs of length `bits` (longer than the CIDR's) inside it. */
  subnets(cidr: FamilyCidr, bits: number): Iterable<AddressValue>;
}

/** Canonical text of an address of the family, or undefined when it is not one. */
export function normaliseAddress(family: AddressFamily, text: string): string | undefined {
  const value = family.parseAddress(text);
  return value === undefined ? undefined : family.formatAddress(value);
}
