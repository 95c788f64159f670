import { describe, expect, it } from 'vitest';
import { COOLDOWN, fill, key, meta, store } from './helpers.ts';

describe('prefix delegation toggle: /32s and /28s side by side', () => {
  it('internal total counts both kinds (17); stats count the current mode only', () => {
    const { ds } = store({ prefixDelegation: false });
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    ds.addCidr('eni-1', '10.0.0.9/32', false);
    expect(ds.inventory()).toEqual({ totalAddresses: 17, assignedAddresses: 0, prefixes: 1 });
    expect(ds.stats()).toEqual({
      totalIPs: 1,
      assignedIPs: 0,
      coolingIPs: 0,
      totalPrefixes: 1,
      freePrefixes: 1,
    });
    ds.setPrefixDelegation(true);
    expect(ds.prefixDelegation).toBe(true);
    expect(ds.stats()).toEqual({
      totalIPs: 16,
      assignedIPs: 0,
      coolingIPs: 0,
      totalPrefixes: 1,
      freePrefixes: 1,
    });
  });

  it('assigns from the current kind only, and keeps old-kind pods until they leave', () => {
    const { ds, clock } = store({ prefixDelegation: false });
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.0.9/32', false);
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    expect(ds.assign(key('old'), meta('old')).ip).toBe('10.0.0.9');
    ds.setPrefixDelegation(true);
    expect(ds.assign(key('new'), meta('new')).ip).toBe('10.0.1.0');
    expect(ds.stats()).toMatchObject({ totalIPs: 16, assignedIPs: 1 });
    expect(ds.inventory()).toMatchObject({ totalAddresses: 17, assignedAddresses: 2 });
    const u = ds.unassign(key('old'));
    expect(u.isPrefix).toBe(false);
    expect(ds.stats()).toMatchObject({ totalIPs: 16, assignedIPs: 1, coolingIPs: 0 });
    ds.setPrefixDelegation(false);
    expect(ds.stats()).toMatchObject({ totalIPs: 1, assignedIPs: 0, coolingIPs: 1 });
    clock.advance(COOLDOWN);
    expect(ds.assign(key('again'), meta('again')).ip).toBe('10.0.0.9');
  });

  it('per-ENI usage is reported for both kinds and for the mode', () => {
    const { ds } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.9/32', false);
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    ds.addCidr('eni-1', '10.0.1.16/28', true);
    fill(ds, 3);
    const e = ds.eni('eni-1')!;
    expect(e.cidrCount).toBe(3);
    expect(e.secondaryIps).toEqual({
      cidrs: 1,
      capacity: 1,
      assigned: 0,
      cooling: 0,
      zeroAssignedCidrs: 1,
    });
    expect(e.prefixes).toEqual({
      cidrs: 2,
      capacity: 32,
      assigned: 3,
      cooling: 0,
      zeroAssignedCidrs: 1,
    });
    expect(e.inMode).toEqual(e.prefixes);
  });
});

describe('ENIs excluded from pod IPs', () => {
  function excludedStore() {
    const s = store({ prefixDelegation: true });
    s.ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    s.ds.addEni({ id: 'eni-x', deviceNumber: 1, excludedForPodIps: true });
    s.ds.addCidr('eni-1', '10.0.1.0/28', true);
    s.ds.addCidr('eni-x', '10.0.9.0/28', true);
    return s;
  }

  it('are skipped for assignment and for the mode stats, not for the prefix counts', () => {
    const { ds } = excludedStore();
    expect(ds.stats()).toEqual({
      totalIPs: 16,
      assignedIPs: 0,
      coolingIPs: 0,
      totalPrefixes: 2,
      freePrefixes: 2,
    });
    expect(ds.inventory().totalAddresses).toBe(32);
    const ips = fill(ds, 16);
    expect(ips.every((ip) => ip.startsWith('10.0.1.'))).toBe(true);
    expect(() => ds.assign(key('x'), meta('x'))).toThrow(/no available/);
  });

  it('toggling exclusion moves the ENI in and out of the stats and the allocator', () => {
    const { ds } = excludedStore();
    fill(ds, 16);
    ds.setExcludedForPodIps('eni-x', false);
    expect(ds.stats()).toMatchObject({ totalIPs: 32, assignedIPs: 16 });
    expect(ds.assign(key('x'), meta('x')).ip).toBe('10.0.9.0');
    ds.setExcludedForPodIps('eni-x', true);
    expect(ds.stats()).toMatchObject({ totalIPs: 16, assignedIPs: 16 });
    expect(ds.inventory()).toMatchObject({ totalAddresses: 32, assignedAddresses: 17 });
  });

  it('an emptied CIDR on an excluded ENI is reported and can be dropped (totals follow)', () => {
    const { ds } = excludedStore();
    ds.setExcludedForPodIps('eni-x', false);
    fill(ds, 17); // p16 lands on eni-x
    ds.setExcludedForPodIps('eni-x', true);
    expect(ds.dropEmptyExcludedCidr('eni-x', '10.0.9.0/28')).toBe(false); // still used
    const u = ds.unassign(key('p16'));
    expect(u.excludedCidrEmptied).toBe(true);
    expect(ds.unassign(key('p15')).excludedCidrEmptied).toBe(false);
    expect(ds.dropEmptyExcludedCidr('eni-x', '10.0.9.0/28')).toBe(true);
    expect(ds.dropEmptyExcludedCidr('eni-x', '10.0.9.0/28')).toBe(false);
    expect(ds.dropEmptyExcludedCidr('eni-1', '10.0.1.0/28')).toBe(false); // not excluded
    expect(ds.inventory()).toEqual({ totalAddresses: 16, assignedAddresses: 15, prefixes: 1 });
  });

  it('allocatable ENIs: not trunk, not excluded, not primary under custom networking, room left', () => {
    const { ds } = excludedStore();
    ds.addEni({ id: 'eni-t', deviceNumber: 2, isTrunk: true });
    ds.addEni({ id: 'eni-3', deviceNumber: 3 });
    ds.addCidr('eni-3', '10.0.3.0/28', true);
    ds.addCidr('eni-3', '10.0.3.16/28', true);
    expect(ds.allocatableEnis(2, false).map((e) => e.id)).toEqual(['eni-1']);
    expect(ds.allocatableEnis(3, false).map((e) => e.id)).toEqual(['eni-1', 'eni-3']);
    expect(ds.allocatableEnis(3, true).map((e) => e.id)).toEqual(['eni-3']);
  });
});
