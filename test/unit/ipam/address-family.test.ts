import { describe, expect, it } from 'vitest';
import { normaliseAddress } from '../../../src/ipam/address-family.ts';
import { IPV4 } from '../../../src/ipam/ipv4-family.ts';
import { formatIpv6, ipv6PrefixMask, parseIpv6 } from '../../../src/ipam/ipv6.ts';
import { IPV6, IPV6_PREFIX_SLOTS } from '../../../src/ipam/ipv6-family.ts';

describe('IPv6 text (as Go parses and prints it)', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['0:0:0:0:0:0:0:0', '::'],
    // a single zero group is written out, not compressed
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // the longest run is compressed; of equal runs, the first
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::a:b:c:d', 'fe80::a:b:c:d'],
    ['2600:1f14:abc:de00:1234::', '2600:1f14:abc:de00:1234::'],
    // a dotted IPv4 tail in the last 32 bits
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    // IPv4-mapped: RFC 5952 §5 (Go prints the bare dotted quad)
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['::FFFF:a00:1', '::ffff:10.0.0.1'],
  ])('%s → %s', (text, canonical) => {
    const value = parseIpv6(text);
    expect(value).toBeDefined();
    expect(formatIpv6(value!)).toBe(canonical);
    expect(parseIpv6(canonical)).toBe(value);
  });

  it.each([
    '',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::',
    '1::2:',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    // `::` must stand for at least one group
    '1:2:3:4:5:6:7::8',
    '12345::',
    'g::',
    '::1%eth0',
    ' ::1',
    '10.0.0.1',
    '1.2.3.4::',
    '::1.2.3',
    '::01.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
  ])('rejects %j', (text) => {
    expect(parseIpv6(text)).toBeUndefined();
  });

  it('prefix masks', () => {
    expect(ipv6PrefixMask(0)).toBe(0n);
    expect(ipv6PrefixMask(128)).toBe((1n << 128n) - 1n);
    expect(formatIpv6(ipv6PrefixMask(80))).toBe('ffff:ffff:ffff:ffff:ffff::');
  });
});

describe('address families', () => {
  it('IPv6 CIDRs normalise to network form; a /80 gets the bounded window of slots', () => {
    const block = IPV6.parseCidr('2600:1F14:0ABC:DE00:1234:5678::9/80')!;
    expect(block).toMatchObject({
      text: '2600:1f14:abc:de00:1234::/80',
      networkText: '2600:1f14:abc:de00:1234::',
      bits: 80,
      slotCount: IPV6_PREFIX_SLOTS,
    });
    expect(IPV6_PREFIX_SLOTS).toBe(4096);
    expect(IPV6.parseCidr('2001:db8::5/128')?.slotCount).toBe(1);
    expect(IPV6.parseCidr('2001:db8::/120')?.slotCount).toBe(256);
    for (const bad of [
      '2001:db8::/129',
      '2001:db8::',
      '10.0.0.0/24',
      '2001:db8::/a',
      '2001:db8::/',
    ]) {
      expect(IPV6.parseCidr(bad)).toBeUndefined();
    }
  });

  it('IPv4 CIDRs keep every address as a slot', () => {
    expect(IPV4.parseCidr('10.0.1.20/28')).toEqual({
      text: '10.0.1.16/28',
      network: 0x0a000110,
      networkText: '10.0.1.16',
      bits: 28,
      slotCount: 16,
    });
    for (const bad of ['2001:db8::/80', '10.0.0.0/032', '10.0.0.0/33', '10.0.0.0/+8']) {
      expect(IPV4.parseCidr(bad)).toBeUndefined();
    }
  });

  it('offsets, addresses at an offset, containment, subnets', () => {
    const v6 = IPV6.parseCidr('2001:db8:1:2:3::/80')!;
    expect(IPV6.addressText(v6, 0)).toBe('2001:db8:1:2:3::');
    expect(IPV6.addressText(v6, 4095)).toBe('2001:db8:1:2:3::fff');
    expect(IPV6.offsetIn(v6, parseIpv6('2001:db8:1:2:3::fff')!)).toBe(4095);
    // inside the /80 but far above the window: the true distance
    expect(IPV6.offsetIn(v6, parseIpv6('2001:db8:1:2:3:1::')!)).toBe(2 ** 32);
    expect(IPV6.offsetIn(v6, parseIpv6('2001:db8:1:2:4::')!)).toBe(-1);
    expect(IPV6.formatAddress(IPV6.networkOf(parseIpv6('2001:db8:1:2:3:4:5:6')!, 64))).toBe(
      '2001:db8:1:2::',
    );
    const small = IPV6.parseCidr('2001:db8::/126')!;
    expect([...IPV6.subnets(small, 128)].map((n) => IPV6.formatAddress(n))).toEqual([
      '2001:db8::',
      '2001:db8::1',
      '2001:db8::2',
      '2001:db8::3',
    ]);

    const v4 = IPV4.parseCidr('10.0.1.16/28')!;
    expect(IPV4.addressText(v4, 15)).toBe('10.0.1.31');
    expect(IPV4.offsetIn(v4, IPV4.parseAddress('10.0.1.20')!)).toBe(4);
    expect(IPV4.offsetIn(v4, IPV4.parseAddress('10.0.1.32')!)).toBe(-1);
    expect([...IPV4.subnets(IPV4.parseCidr('10.0.1.0/30')!, 31)]).toEqual([0x0a000100, 0x0a000102]);
  });

  it('normalises address text per family', () => {
    expect(normaliseAddress(IPV6, '2001:DB8:0::01')).toBe('2001:db8::1');
    expect(normaliseAddress(IPV6, '10.0.0.1')).toBeUndefined();
    expect(normaliseAddress(IPV4, '10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseAddress(IPV4, '2001:db8::1')).toBeUndefined();
  });

  it("refuses the other family's values (a programming error, named)", () => {
    expect(() => IPV4.formatAddress(1n)).toThrow(
      new TypeError('IPv4 address family given an IPv6 value'),
    );
    expect(() => IPV6.formatAddress(1)).toThrow(
      new TypeError('IPv6 address family given an IPv4 value'),
    );
  });
});
