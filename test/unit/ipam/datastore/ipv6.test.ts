import { describe, expect, it } from 'vitest';
import {
  ERR_IP_ALREADY_IN_STORE,
  ERR_NO_AVAILABLE_IP,
} from '../../../../src/ipam/datastore-errors.ts';
import { IPV6, IPV6_PREFIX_SLOTS } from '../../../../src/ipam/ipv6-family.ts';
import { COOLDOWN, fill, key, meta, START, store } from './helpers.ts';

const PREFIX = '2600:1f14:abc:de00:1234::/80';

/** An IPv6 datastore as the reference runs one: prefix delegation, one /80 on the primary ENI. */
function v6Store(cooldownMs = COOLDOWN) {
  const made = store({ prefixDelegation: true, cooldownMs, family: IPV6 });
  made.ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
  made.ds.addCidr('eni-1', PREFIX, true);
  return made;
}

describe('IPv6 datastore', () => {
  it('holds a /80 as its lowest IPV6_PREFIX_SLOTS addresses', () => {
    const { ds } = v6Store();
    expect(ds.family.name).toBe('IPv6');
    expect(ds.cidrsOf('eni-1')).toEqual([{ cidr: PREFIX, isPrefix: true }]);
    expect(ds.stats()).toEqual({
      totalIPs: IPV6_PREFIX_SLOTS,
      assignedIPs: 0,
      coolingIPs: 0,
      totalPrefixes: 1,
      freePrefixes: 1,
    });
    const [cidr] = ds.describe().enis[0]!.cidrs;
    expect(cidr).toMatchObject({ network: '2600:1f14:abc:de00:1234::', bits: 80, size: 4096 });
  });

  it('hands out the lowest free address from the network address upward, densely', () => {
    const { ds } = v6Store(0);
    expect(fill(ds, 3)).toEqual([
      '2600:1f14:abc:de00:1234::',
      '2600:1f14:abc:de00:1234::1',
      '2600:1f14:abc:de00:1234::2',
    ]);
    ds.unassign(key('p1'));
    expect(ds.assign(key('x'), meta('x')).ip).toBe('2600:1f14:abc:de00:1234::1');
    fill(ds, 40, 'q');
    expect(ds.lookup(key('q39'))?.ip).toBe('2600:1f14:abc:de00:1234::2a');
  });

  it('assign reports the placement; a repeat is idempotent; unassign cools the address', () => {
    const { ds, clock } = v6Store();
    const first = ds.assign(key('c1'), meta('a'));
    expect(first).toMatchObject({
      ip: '2600:1f14:abc:de00:1234::',
      eniId: 'eni-1',
      deviceNumber: 0,
      routeTableId: 254,
      cidr: PREFIX,
      isPrefix: true,
      existing: false,
      assignedAtMs: START,
    });
    clock.advance(1000);
    expect(ds.assign(key('c1'), meta('a'))).toMatchObject({ ip: first.ip, existing: true });
    expect(ds.stats().assignedIPs).toBe(1);

    const gone = ds.unassign(key('c1'));
    expect(gone).toMatchObject({ ip: first.ip, cidr: PREFIX, unassignedAtMs: START + 1000 });
    expect(ds.coolingAddresses().map((c) => c.ip)).toEqual([first.ip]);
    // cooling: the next pod gets the next address, not this one
    expect(ds.assign(key('c2'), meta('b')).ip).toBe('2600:1f14:abc:de00:1234::1');
    clock.advance(COOLDOWN);
    expect(ds.coolingAddresses()).toEqual([]);
    expect(ds.assign(key('c3'), meta('c')).ip).toBe(first.ip);
  });

  it('undo of an assign and of an unassign', () => {
    const { ds } = v6Store();
    const a = ds.assign(key('c1'), meta('a'));
    expect(ds.undoAssign(a)).toBe(true);
    expect(ds.lookup(key('c1'))).toBeUndefined();
    const b = ds.assign(key('c2'), meta('b'));
    const u = ds.unassign(key('c2'));
    expect(ds.undoUnassign(u)).toBe(true);
    expect(ds.lookup(key('c2'))?.ip).toBe(b.ip);
  });

  it('a full window fails an ADD as any exhausted pool does', () => {
    const { ds } = v6Store(0);
    const ips = fill(ds, IPV6_PREFIX_SLOTS);
    expect(ips.at(-1)).toBe('2600:1f14:abc:de00:1234::fff');
    expect(() => ds.assign(key('one-more'), meta('x'))).toThrow(ERR_NO_AVAILABLE_IP);
  });

  it('finds the CIDR of IPv6 text in any spelling; an address above the window has no slot', () => {
    const { ds } = v6Store();
    expect(ds.containingCidr('2600:1F14:ABC:DE00:1234:0:0:5')).toEqual({
      eniId: 'eni-1',
      cidr: PREFIX,
      isPrefix: true,
      hasSlot: true,
    });
    expect(ds.containingCidr('2600:1f14:abc:de00:1234::1000')?.hasSlot).toBe(false);
    expect(ds.containingCidr('2600:1f14:abc:de00:1235::')).toBeUndefined();
    expect(ds.containingCidr('10.0.0.1')).toBeUndefined();
  });

  it('restores an allocation and a cooldown given as IPv6 text', () => {
    const { ds } = v6Store();
    const at = BigInt(START - 5000) * 1_000_000n + 7n;
    expect(ds.restoreAllocation('2600:1f14:abc:de00:1234:0:0:9', key('r1'), meta('r'), at)).toEqual(
      {
        placed: true,
        eniId: 'eni-1',
        cidr: PREFIX,
        deviceNumber: 0,
        routeTableId: 254,
      },
    );
    expect(ds.lookup(key('r1'))).toMatchObject({
      ip: '2600:1f14:abc:de00:1234::9',
      assignedAtNs: at,
    });
    expect(ds.restoreAllocation('2600:1f14:abc:de00:1234::1000', key('r2'), meta('r'), at)).toEqual(
      {
        placed: false,
      },
    );
    expect(() =>
      ds.restoreAllocation('2600:1f14:abc:de00:1234::9', key('r3'), meta('r'), at),
    ).toThrow(ERR_IP_ALREADY_IN_STORE);
    const cooled = ds.restoreCooldowns([
      { ip: '2600:1f14:abc:de00:1234::', unassignedAtNs: BigInt(START - 1000) * 1_000_000n },
      { ip: '2600:1f14:abc:de00:1234::1000', unassignedAtNs: BigInt(START - 1000) * 1_000_000n },
    ]);
    expect(cooled).toBe(1);
    expect(ds.assign(key('n'), meta('n')).ip).toBe('2600:1f14:abc:de00:1234::1');
  });

  it('refuses overlapping CIDRs (a /128 inside the /80, the /80 again, a /64 around it)', () => {
    const { ds } = v6Store();
    ds.addEni({ id: 'eni-2', deviceNumber: 1 });
    for (const cidr of [
      '2600:1f14:abc:de00:1234::77/128',
      '2600:1f14:abc:de00:1234:ffff:ffff:ffff/128',
      '2600:1f14:abc:de00:1234:0:0:0/80',
      '2600:1f14:abc:de00::/64',
    ]) {
      expect(() => ds.addCidr('eni-2', cidr, cidr.endsWith('/80'))).toThrow(
        ERR_IP_ALREADY_IN_STORE,
      );
    }
    ds.addCidr('eni-2', '2600:1f14:abc:de00:1235::/80', true);
    ds.addCidr('eni-2', '2600:1f14:abc:de00:1236::1/128', false);
    // a /80 around an existing /128 is refused too
    expect(() => ds.addCidr('eni-2', '2600:1f14:abc:de00:1236::/80', true)).toThrow(
      ERR_IP_ALREADY_IN_STORE,
    );
    expect(ds.stats().totalPrefixes).toBe(2);
  });

  it('removes a CIDR named in any spelling', () => {
    const { ds } = v6Store();
    ds.assign(key('c1'), meta('a'));
    const removed = ds.removeCidr('eni-1', '2600:1F14:ABC:DE00:1234:0:0:0/80', true);
    expect(removed.released.map((r) => r.ip)).toEqual(['2600:1f14:abc:de00:1234::']);
    expect(ds.cidrsOf('eni-1')).toEqual([]);
  });

  it('refuses text of the other family and CIDRs larger than /64, with messages naming them', () => {
    const { ds } = v6Store();
    expect(() => ds.addCidr('eni-1', '10.0.1.0/28', true)).toThrow(
      new TypeError('datastore: invalid IPv6 CIDR "10.0.1.0/28"'),
    );
    expect(() => ds.addCidr('eni-1', '2600:1f14:abc::/48', true)).toThrow(
      new RangeError('datastore: CIDR 2600:1f14:abc::/48 is larger than /64'),
    );
    const { ds: v4 } = store();
    v4.addEni({ id: 'eni-1', deviceNumber: 0 });
    expect(() => v4.addCidr('eni-1', PREFIX, true)).toThrow(
      new TypeError(`datastore: invalid IPv4 CIDR "${PREFIX}"`),
    );
    expect(() => v4.addCidr('eni-1', '10.0.0.0/15', true)).toThrow(
      new RangeError('datastore: CIDR 10.0.0.0/15 is larger than /16'),
    );
  });
});
