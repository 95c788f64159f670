import { describe, expect, it } from 'vitest';
import { fill, key, meta, store } from './helpers.ts';

function podStore() {
  const s = store({ prefixDelegation: true });
  s.ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
  s.ds.addEni({ id: 'eni-2', deviceNumber: 1 });
  s.ds.addCidr('eni-1', '10.0.1.0/28', true);
  s.ds.addCidr('eni-2', '10.0.2.0/28', true);
  s.ds.addCidr('eni-2', '10.0.2.16/28', true);
  return s;
}

describe('removing CIDRs', () => {
  it('non-forced removal of an unused CIDR updates every counter', () => {
    const { ds } = podStore();
    expect(ds.removeCidr('eni-2', '10.0.2.16/28', false)).toEqual({ eniId: 'eni-2', released: [] });
    expect(ds.stats()).toEqual({
      totalIPs: 32,
      assignedIPs: 0,
      coolingIPs: 0,
      totalPrefixes: 2,
      freePrefixes: 2,
    });
    expect(ds.inventory()).toEqual({ totalAddresses: 32, assignedAddresses: 0, prefixes: 2 });
    expect(ds.cidrsOf('eni-2')).toEqual([{ cidr: '10.0.2.0/28', isPrefix: true }]);
  });

  it('accepts the CIDR in non-normalised form', () => {
    const { ds } = podStore();
    ds.removeCidr('eni-2', '10.0.2.20/28', false);
    expect(ds.cidrsOf('eni-2')).toHaveLength(1);
  });

  it('forced removal unassigns and reports the pods', () => {
    const { ds } = podStore();
    fill(ds, 18); // 16 on the primary's prefix, 2 on eni-2
    const result = ds.removeCidr('eni-2', '10.0.2.0/28', true);
    expect(result.released.map((r) => [r.ip, r.key.containerID, r.metadata.k8sPodName])).toEqual([
      ['10.0.2.0', 'p16', 'p16'],
      ['10.0.2.1', 'p17', 'p17'],
    ]);
    expect(ds.stats()).toMatchObject({ totalIPs: 32, assignedIPs: 16, coolingIPs: 0 });
    expect(ds.lookup(key('p16'))).toBeUndefined();
    expect(() => ds.unassign(key('p16'))).toThrow('datastore: unknown pod');
  });

  it('cooling addresses go with their CIDR', () => {
    const { ds } = podStore();
    fill(ds, 18);
    ds.unassign(key('p16'));
    ds.unassign(key('p17'));
    expect(ds.stats().coolingIPs).toBe(2);
    ds.removeCidr('eni-2', '10.0.2.0/28', false);
    expect(ds.stats()).toMatchObject({ coolingIPs: 0, totalIPs: 32 });
    expect(ds.coolingAddresses()).toEqual([]);
  });

  it('a re-added CIDR starts clean (no stale cooldown)', () => {
    const { ds } = podStore();
    fill(ds, 17);
    ds.unassign(key('p16'));
    ds.removeCidr('eni-2', '10.0.2.0/28', false);
    ds.removeCidr('eni-2', '10.0.2.16/28', false);
    ds.addCidr('eni-2', '10.0.2.0/28', true);
    expect(ds.stats().coolingIPs).toBe(0);
    expect(ds.assign(key('n'), meta('n')).ip).toBe('10.0.2.0');
  });
});

describe('removing ENIs', () => {
  it('non-forced removal of an ENI with pods fails; without pods it succeeds', () => {
    const { ds } = podStore();
    fill(ds, 17);
    expect(() => ds.removeEni('eni-2', false)).toThrow(
      'datastore: ENI is used and can not be deleted',
    );
    ds.unassign(key('p16'));
    expect(ds.removeEni('eni-2', false).released).toEqual([]);
    expect(ds.hasEni('eni-2')).toBe(false);
    expect(ds.eniCount).toBe(1);
    expect(ds.stats()).toEqual({
      totalIPs: 16,
      assignedIPs: 16,
      coolingIPs: 0,
      totalPrefixes: 1,
      freePrefixes: 0,
    });
  });

  it('forced removal releases every pod and the counters equal a recount (no double decrement)', () => {
    const { ds } = podStore();
    fill(ds, 20);
    ds.unassign(key('p19'));
    const result = ds.removeEni('eni-2', true);
    expect(result.released.map((r) => r.ip)).toEqual(['10.0.2.0', '10.0.2.1', '10.0.2.2']);
    expect(ds.inventory()).toEqual({ totalAddresses: 16, assignedAddresses: 16, prefixes: 1 });
    expect(ds.stats()).toEqual({
      totalIPs: 16,
      assignedIPs: 16,
      coolingIPs: 0,
      totalPrefixes: 1,
      freePrefixes: 0,
    });
    expect(ds.allocations()).toHaveLength(16);
  });

  it('the primary ENI can be removed and re-added', () => {
    const { ds } = podStore();
    ds.removeEni('eni-1', false);
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    expect(ds.assign(key('n'), meta('n')).eniId).toBe('eni-1');
  });

  it('after removal the allocator never returns addresses of the removed ENI', () => {
    const { ds } = podStore();
    ds.removeEni('eni-1', false);
    const ips = fill(ds, 32);
    expect(ips.every((ip) => ip.startsWith('10.0.2.'))).toBe(true);
    expect(() => ds.assign(key('x'), meta('x'))).toThrow(/no available/);
  });

  it('reports trunk, EFA and freeable ENIs', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-p', deviceNumber: 0, isPrimary: true });
    ds.addEni({ id: 'eni-t', deviceNumber: 1, isTrunk: true });
    ds.addEni({ id: 'eni-e', deviceNumber: 2, isEfa: true });
    expect(ds.trunkEni()).toBe('eni-t');
    expect(ds.efaEnis()).toEqual(['eni-e']);
    expect(ds.freeableEniExists()).toBe(false);
    ds.addEni({ id: 'eni-4', deviceNumber: 3 });
    ds.addCidr('eni-4', '10.0.0.4/32', false);
    expect(ds.freeableEniExists()).toBe(true);
    ds.assign(key('c'), meta('c'));
    expect(ds.freeableEniExists()).toBe(false);
  });
});
