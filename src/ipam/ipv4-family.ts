import type { AddressFamily, AddressValue, FamilyCidr } from './address-family.ts';
import { formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr, prefixMask } from './cidr.ts';

/**
 * IPv4 for the datastore: addresses are unsigned 32-bit integers (cidr.ts), every address of a
 * CIDR gets a slot. The largest CIDR accepted is a /16: EC2 only ever gives /32s and /28s, and
 * the bound keeps slot storage (one row per address) small.
 */
export const IPV4: AddressFamily = {
  name: 'IPv4',
  minPrefixBits: 16,
  parseAddress: parseIpv4,
  formatAddress: (value) => formatIpv4(v4(value)),
  parseCidr(text) {
    const cidr = parseIpv4Cidr(text);
    if (!cidr) return undefined;
    return {
      text: formatCidr(cidr),
      network: cidr.network,
      networkText: formatIpv4(cidr.network),
      bits: cidr.bits,
      slotCount: 2 ** (32 - cidr.bits),
    };
  },
  networkOf: (address, bits) => (v4(address) & prefixMask(bits)) >>> 0,
  offsetIn(cidr, address) {
    const value = v4(address);
    return (value & prefixMask(cidr.bits)) >>> 0 === cidr.network ? value - v4(cidr.network) : -1;
  },
  addressText: (cidr, offset) => formatIpv4((v4(cidr.network) + offset) >>> 0),
  *subnets(cidr: FamilyCidr, bits: number) {
    const step = 2 ** (32 - bits);
    const end = v4(cidr.network) + 2 ** (32 - cidr.bits);
    for (let network = v4(cidr.network); network < end; network += step) yield network;
  },
};

function v4(value: AddressValue): number {
  if (typeof value !== 'number') throw new TypeError('IPv4 address family given an IPv6 value');
  return value;
}
