import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv4Cidr } from '../../../src/ipam/cidr.ts';
import { SubnetAddressSpace } from '../../../src/sim/model/address-space.ts';
import { SeededRandom } from '../../../src/sim/random.ts';

function space(cidr: string, seed = 1): SubnetAddressSpace {
  return new SubnetAddressSpace(parseIpv4Cidr(cidr)!, new SeededRandom(seed));
}

const ip = (text: string) => parseIpv4(text)!;

describe('SubnetAddressSpace', () => {
  it('reserves the first four addresses and the last', () => {
    const s = space('10.1.0.0/28');
    expect(s.availableAddresses()).toBe(11);
    for (const reserved of ['10.1.0.0', '10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.15']) {
      expect(s.isReserved(ip(reserved))).toBe(true);
      expect(s.claimAddress(ip(reserved))).toBe(false);
    }
    const all = s.allocateAddresses(11)!;
    expect(new Set(all).size).toBe(11);
    expect(s.allocateAddresses(1)).toBeUndefined();
    expect(s.availableAddresses()).toBe(0);
  });

  it('a /28 subnet has no room for a /28 prefix; a /24 has 14 (blocks 0 and 15 hold reserved addresses)', () => {
    expect(space('10.1.0.0/28').freeBlocks()).toBe(0);
    const s = space('10.1.0.0/24');
    expect(s.freeBlocks()).toBe(14);
    const prefixes = s.allocatePrefixes(14)!;
    expect(prefixes).toHaveLength(14);
    for (const p of prefixes) expect(Number(p.split('/')[0]!.split('.')[3]) % 16).toBe(0);
    expect(s.allocatePrefixes(1)).toBeUndefined();
    expect(s.availableAddresses()).toBe(256 - 5 - 14 * 16);
  });

  it('one used address makes its block unusable for a prefix', () => {
    const s = space('10.1.0.0/24');
    expect(s.claimAddress(ip('10.1.0.37'))).toBe(true);
    expect(s.freeBlocks()).toBe(13);
    expect(s.claimPrefix(ip('10.1.0.32'))).toBe(false);
    s.releaseAddress(ip('10.1.0.37'));
    expect(s.claimPrefix(ip('10.1.0.32'))).toBe(true);
    expect(s.claimAddress(ip('10.1.0.40'))).toBe(false);
    s.releasePrefix(ip('10.1.0.32'));
    expect(s.claimAddress(ip('10.1.0.40'))).toBe(true);
  });

  it('refuses unaligned or outside prefixes and outside addresses', () => {
    const s = space('10.1.0.0/24');
    expect(s.claimPrefix(ip('10.1.0.40'))).toBe(false);
    expect(s.claimPrefix(ip('10.1.1.0'))).toBe(false);
    expect(s.claimAddress(ip('10.1.1.5'))).toBe(false);
    expect(s.contains(ip('10.1.1.5'))).toBe(false);
  });

  it('a failed allocation takes nothing', () => {
    const s = space('10.1.0.0/24');
    s.claimAddress(ip('10.1.0.20'));
    const before = s.availableAddresses();
    expect(s.allocatePrefixes(14)).toBeUndefined();
    expect(s.allocateAddresses(1000)).toBeUndefined();
    expect(s.availableAddresses()).toBe(before);
  });

  it('the same seed gives the same addresses', () => {
    expect(space('10.1.0.0/20', 5).allocateAddresses(20)).toEqual(
      space('10.1.0.0/20', 5).allocateAddresses(20),
    );
  });

  it('counts stay exact through any sequence of allocations and releases (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('ip', 'prefix', 'free'),
            n: fc.integer({ min: 1, max: 5 }),
          }),
          { maxLength: 60, size: 'max' },
        ),
        fc.integer(),
        (ops, seed) => {
          const s = space('10.2.0.0/24', seed);
          const ips: string[] = [];
          const prefixes: string[] = [];
          for (const { op, n } of ops) {
            if (op === 'ip') ips.push(...(s.allocateAddresses(n) ?? []));
            else if (op === 'prefix') prefixes.push(...(s.allocatePrefixes(n) ?? []));
            else {
              for (const a of ips.splice(0, n)) s.releaseAddress(ip(a));
              for (const p of prefixes.splice(0, 1)) s.releasePrefix(ip(p.split('/')[0]!));
            }
          }
          expect(new Set(ips).size).toBe(ips.length);
          expect(s.availableAddresses()).toBe(256 - 5 - ips.length - prefixes.length * 16);
        },
      ),
    );
  });
});
