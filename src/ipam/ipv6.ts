import { formatIpv4, parseIpv4 } from './cidr.ts';

/**
 * IPv6 address text and 128-bit values (bigint). Parsing accepts the IPv6 text Go's
 * net.ParseIP accepts (1–4 hex digits a group, one `::` standing for at least one zero group, a
 * dotted IPv4 tail in the last 32 bits; no zone). Formatting is RFC 5952's canonical form, as
 * Go's net.IP.String() prints it: lowercase, no leading zeros, the longest run of two or more zero
 * groups (the first of equal runs) written `::`. One difference: an IPv4-mapped address
 * (::ffff:0:0/96) is written `::ffff:a.b.c.d` (RFC 5952 §5) where Go prints the bare dotted quad,
 * so that the text stays IPv6 and parses back; EC2 never delegates such an address.
 */

const GROUPS = 8;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses IPv6 text into its 128-bit value, or returns undefined. */
export function parseIpv6(text: string): bigint | undefined {
  const groups = parseGroups(text);
  if (groups === undefined) return undefined;
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** Canonical text of a 128-bit value (0 ≤ value < 2^128). */
export function formatIpv6(value: bigint): string {
  if (value >> 32n === 0xffffn) {
    return `::ffff:${formatIpv4(Number(value & 0xffffffffn))}`;
  }
  const groups: number[] = [];
  for (let i = GROUPS - 1; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let runStart = -1;
  let runLength = 1; // a single zero group is written out, not compressed
  for (let i = 0; i < GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < GROUPS && groups[end] === 0) end++;
    if (end - i > runLength) {
      runStart = i;
      runLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (runStart < 0) return hex(0, GROUPS);
  return `${hex(0, runStart)}::${hex(runStart + runLength, GROUPS)}`;
}

/** Mask of a prefix length (0–128) as a 128-bit value. */
export function ipv6PrefixMask(bits: number): bigint {
  return ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
}

/** The eight 16-bit groups of IPv6 text, `::` expanded; undefined when the text is not IPv6. */
function parseGroups(text: string): number[] | undefined {
  const ellipsis = text.indexOf('::');
  if (ellipsis >= 0 && text.indexOf('::', ellipsis + 1) >= 0) return undefined;
  const head = ellipsis < 0 ? text : text.slice(0, ellipsis);
  const tail = ellipsis < 0 ? '' : text.slice(ellipsis + 2);
  const before = fieldsOf(head, ellipsis < 0);
  const after = ellipsis < 0 ? [] : fieldsOf(tail, true);
  if (before === undefined || after === undefined) return undefined;
  const count = before.length + after.length;
  if (ellipsis < 0 ? count !== GROUPS : count >= GROUPS) return undefined;
  return [...before, ...new Array<number>(GROUPS - count).fill(0), ...after];
}

/**
 * The groups of a colon-separated run without `::` (empty text: none). `last`: the run ends the
 * address, so its final field may be a dotted IPv4 address (two groups).
 */
function fieldsOf(text: string, last: boolean): number[] | undefined {
  if (text === '') return [];
  const fields = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (last && i === fields.length - 1 && field.includes('.')) {
      const v4 = parseIpv4(field);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else if (HEX_GROUP.test(field)) {
      groups.push(Number.parseInt(field, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}
