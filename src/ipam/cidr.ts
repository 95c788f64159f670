/**
 * IPv4 address and CIDR arithmetic on unsigned 32-bit integers. Used by config parsing, the
 * datastore, host networking and the simulator; it is the one place dotted quads are parsed.
 */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer (host bits zero). */
  readonly network: number;
  /** Prefix length, 0–32. */
  readonly bits: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses 'a.b.c.d' into an unsigned 32-bit integer, or returns undefined. Leading zeros are rejected as Go does. */
export function parseIpv4(text: string): number | undefined {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === '0') return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Mask for a prefix length, as an unsigned 32-bit integer. */
export function prefixMask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Parses 'a.b.c.d/n' and normalises it to network form (host bits cleared), like Go's
 * net.ParseCIDR followed by IPNet.String(). Returns undefined for anything else, IPv6 included.
 */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const parts = splitCidr(text, 32);
  if (!parts) return undefined;
  const ip = parseIpv4(parts.address);
  if (ip === undefined) return undefined;
  return { network: (ip & prefixMask(parts.bits)) >>> 0, bits: parts.bits };
}

/**
 * Splits CIDR text of either family into its address text and prefix length: decimal digits, no
 * more of them than `maxBits` has (so `/032` is refused), at most `maxBits`.
 */
export function splitCidr(
  text: string,
  maxBits: number,
): { readonly address: string; readonly bits: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const bitsText = text.slice(slash + 1);
  if (!/^\d+$/.test(bitsText) || bitsText.length > String(maxBits).length) return undefined;
  const bits = Number(bitsText);
  return bits > maxBits ? undefined : { address: text.slice(0, slash), bits };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.bits}`;
}

/** Number of addresses in a CIDR (2^(32−bits)). */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.bits);
}

export function cidrContains(cidr: Ipv4Cidr, ip: number): boolean {
  return (ip & prefixMask(cidr.bits)) >>> 0 === cidr.network;
}

/** Normalised string form of a CIDR, or undefined when it is not a valid IPv4 CIDR. */
export function normaliseIpv4Cidr(text: string): string | undefined {
  const cidr = parseIpv4Cidr(text);
  return cidr ? formatCidr(cidr) : undefined;
}

/** Dotted-quad netmask for a prefix length, e.g. 20 → '255.255.240.0'. */
export function formatMask(bits: number): string {
  return formatIpv4(prefixMask(bits));
}
