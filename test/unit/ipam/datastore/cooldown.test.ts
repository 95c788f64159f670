import { describe, expect, it } from 'vitest';
import { COOLDOWN, fill, key, meta, START, store } from './helpers.ts';

describe('IP cooldown', () => {
  it('an unassigned /32 cannot be handed out until the period has passed', () => {
    const { ds, clock } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a'));
    ds.unassign(key('c1'));
    expect(ds.stats()).toMatchObject({ totalIPs: 1, assignedIPs: 0, coolingIPs: 1 });
    expect(() => ds.assign(key('c2'), meta('b'))).toThrow(/no available/);
    clock.advance(COOLDOWN - 1);
    expect(() => ds.assign(key('c2'), meta('b'))).toThrow(/no available/);
    clock.advance(1);
    expect(ds.stats().coolingIPs).toBe(0);
    expect(ds.assign(key('c2'), meta('b')).ip).toBe('10.0.0.5');
  });

  it('skips cooling addresses inside a prefix and hands out the next free one', () => {
    const { ds, clock } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    fill(ds, 3);
    ds.unassign(key('p0'));
    expect(ds.assign(key('n1'), meta('n1')).ip).toBe('10.0.1.3');
    clock.advance(COOLDOWN);
    expect(ds.assign(key('n2'), meta('n2')).ip).toBe('10.0.1.0');
  });

  it('cooling addresses count as available in the stats (total − assigned) but are counted', () => {
    const { ds } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    fill(ds, 4);
    ds.unassign(key('p0'));
    ds.unassign(key('p1'));
    expect(ds.stats()).toEqual({
      totalIPs: 16,
      assignedIPs: 2,
      coolingIPs: 2,
      totalPrefixes: 1,
      freePrefixes: 0,
    });
  });

  it('an ENI with a cooling address reports it (it must not be freed yet)', () => {
    const { ds, clock } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 1 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a'));
    ds.unassign(key('c1'));
    expect(ds.eni('eni-1')).toMatchObject({ assigned: 0, cooling: 1 });
    expect(ds.freeableEniExists()).toBe(true); // CheckFreeableENIexists looks at assigned only
    clock.advance(COOLDOWN);
    expect(ds.eni('eni-1')).toMatchObject({ assigned: 0, cooling: 0 });
  });

  it('a cooling /32 is still a freeable CIDR (the decrease path may release it)', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.addCidr('eni-1', '10.0.0.6/32', false);
    ds.assign(key('c1'), meta('a'));
    ds.assign(key('c2'), meta('b'));
    ds.unassign(key('c1'));
    expect(ds.freeableCidrs('eni-1')).toEqual([{ cidr: '10.0.0.5/32', isPrefix: false }]);
    ds.removeCidr('eni-1', '10.0.0.5/32', false);
    expect(ds.stats()).toMatchObject({ totalIPs: 1, assignedIPs: 1, coolingIPs: 0 });
  });

  it('expires in unassign order, whatever the addresses', () => {
    const { ds, clock } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    fill(ds, 16);
    for (const i of [9, 2, 14]) {
      ds.unassign(key(`p${i}`));
      clock.advance(10_000);
    }
    // t = 30 s after the first unassign: only .9 is free again
    expect(ds.assign(key('n1'), meta('n1')).ip).toBe('10.0.1.9');
    expect(() => ds.assign(key('n2'), meta('n2'))).toThrow(/no available/);
    clock.advance(10_000);
    expect(ds.assign(key('n2'), meta('n2')).ip).toBe('10.0.1.2');
  });

  it('with cooldown 0 an address is reusable at once and never counted as cooling', () => {
    const { ds } = store({ cooldownMs: 0 });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a'));
    ds.unassign(key('c1'));
    expect(ds.stats().coolingIPs).toBe(0);
    expect(ds.assign(key('c2'), meta('b')).ip).toBe('10.0.0.5');
  });

  it('keeps the unassigned time for the cooldown view', () => {
    const { ds, clock } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a'));
    clock.advance(2000);
    ds.unassign(key('c1'));
    expect(ds.coolingAddresses()).toEqual([
      {
        ip: '10.0.0.5',
        eniId: 'eni-1',
        cidr: '10.0.0.5/32',
        unassignedAtNs: BigInt(START + 2000) * 1_000_000n,
      },
    ]);
  });

  it('restores cooldowns: expired, unknown and non-free entries are skipped; latest time wins', () => {
    const { ds, clock } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    ds.assign(key('c1'), meta('a')); // 10.0.1.0
    clock.advance(60_000);
    const ns = (ms: number) => BigInt(ms) * 1_000_000n;
    const now = START + 60_000;
    const restored = ds.restoreCooldowns([
      { ip: '10.0.1.1', unassignedAtNs: ns(now - 10_000) },
      { ip: '10.0.1.2', unassignedAtNs: ns(now - 40_000) }, // expired
      { ip: '10.9.9.9', unassignedAtNs: ns(now) }, // no CIDR
      { ip: '10.0.1.0', unassignedAtNs: ns(now) }, // assigned
      { ip: '10.0.1.3', unassignedAtNs: ns(now - 29_000) },
      { ip: '10.0.1.3', unassignedAtNs: ns(now - 5_000) },
    ]);
    expect(restored).toBe(2);
    expect(ds.stats().coolingIPs).toBe(2);
    expect(ds.assign(key('n'), meta('n')).ip).toBe('10.0.1.2');
    clock.advance(20_000);
    expect(ds.coolingAddresses().map((c) => c.ip)).toEqual(['10.0.1.3']);
  });
});
