import type { AddressFamily, AddressValue } from './address-family.ts';
import { splitCidr } from './cidr.ts';
import { formatIpv6, ipv6PrefixMask, parseIpv6 } from './ipv6.ts';

/**
 * How many addresses of an IPv6 CIDR get a datastore slot: its lowest 4,096. An IPv6 node holds
 * one /80 prefix per ENI, 2^48 addresses, and no slot table can hold those. It does not need to:
 * the reference (AssignPodIPv6Address) walks the prefix from its network address upward and
 * takes the first address with no entry, and so do we (lowest free address first), so the
 * addresses in use are always the lowest (assigned + cooling) ones. Assigned addresses are at
 * most max pods (~750 on the largest instance types; EKS recommends far fewer); the other ≥ 3,346
 * cover the addresses in IP cooldown, which with the default 30 s is a sustained churn of over
 * 110 pod deletions a second, far beyond what one node's kubelet starts and stops. A full window
 * fails an ADD as any exhausted pool does; no address above it is ever handed out. Cost: one
 * 128-byte slot row per address, 512 KiB per prefix, and a 512-byte free bitmap.
 */
export const IPV6_PREFIX_SLOTS = 4096;

/**
 * IPv6 for the datastore: addresses are 128-bit bigints (ipv6.ts), off the hot path only. The
 * largest CIDR accepted is a /64, a whole subnet (EC2 delegates /80 prefixes and /128 addresses).
 */
export const IPV6: AddressFamily = {
  name: 'IPv6',
  minPrefixBits: 64,
  parseAddress: parseIpv6,
  formatAddress: (value) => formatIpv6(v6(value)),
  parseCidr(text) {
    const parts = splitCidr(text, 128);
    const address = parts && parseIpv6(parts.address);
    if (!parts || address === undefined) return undefined;
    const bits = parts.bits;
    const network = address & ipv6PrefixMask(bits);
    const networkText = formatIpv6(network);
    return {
      text: `${networkText}/${bits}`,
      network,
      networkText,
      bits,
      slotCount: Math.min(2 ** (128 - bits), IPV6_PREFIX_SLOTS),
    };
  },
  networkOf: (address, bits) => v6(address) & ipv6PrefixMask(bits),
  offsetIn(cidr, address) {
    const value = v6(address);
    const network = v6(cidr.network);
    return (value & ipv6PrefixMask(cidr.bits)) === network ? Number(value - network) : -1;
  },
  addressText: (cidr, offset) => formatIpv6(v6(cidr.network) + BigInt(offset)),
  *subnets(cidr, bits) {
    const step = 1n << BigInt(128 - bits);
    const end = v6(cidr.network) + (1n << BigInt(128 - cidr.bits));
    for (let network = v6(cidr.network); network < end; network += step) yield network;
  },
};

function v6(value: AddressValue): bigint {
  if (typeof value !== 'bigint') throw new TypeError('IPv6 address family given an IPv4 value');
  return value;
}
