import { describe, expect, it } from 'vitest';
import { MIGRATED_IF_NAME, MIGRATED_NETWORK_NAME } from '../../../../src/ipam/ipam-key.ts';
import { fill, key, meta, START, store } from './helpers.ts';

describe('assign', () => {
  it('returns address, ENI, device number and route table (254 for card 0 device 0)', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    const a = ds.assign(key('c1'), meta('a'));
    expect(a).toMatchObject({
      ip: '10.0.0.5',
      eniId: 'eni-1',
      deviceNumber: 0,
      routeTableId: 254,
      cidr: '10.0.0.5/32',
      isPrefix: false,
      existing: false,
      assignedAtMs: START,
    });
  });

  it('numbers route tables like the reference: device d → d+1, card c → 10000+100c+d', () => {
    const { ds } = store({ networkCard: 1 });
    ds.addEni({ id: 'eni-1', deviceNumber: 1 });
    ds.addEni({ id: 'eni-2', deviceNumber: 2, routeTableId: 77 });
    expect(ds.eni('eni-1')?.routeTableId).toBe(10101);
    expect(ds.eni('eni-2')?.routeTableId).toBe(77);
    const { ds: card0 } = store();
    card0.addEni({ id: 'eni-3', deviceNumber: 3 });
    expect(card0.eni('eni-3')?.routeTableId).toBe(4);
  });

  it('is idempotent by key: same address, nothing changes', () => {
    const { ds, clock } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.addCidr('eni-1', '10.0.0.6/32', false);
    const first = ds.assign(key('c1'), meta('a'));
    const before = ds.describe();
    clock.advance(5000);
    const again = ds.assign(key('c1'), meta('other-name'));
    expect(again.ip).toBe(first.ip);
    expect(again.existing).toBe(true);
    expect(again.assignedAtMs).toBe(START);
    expect(ds.describe()).toEqual(before);
    expect(ds.stats().assignedIPs).toBe(1);
  });

  it('keys differ by every field', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.1.0/28', false);
    const ips = new Set([
      ds.assign(key('c', 'eth0', 'n'), meta('a')).ip,
      ds.assign(key('c', 'eth1', 'n'), meta('a')).ip,
      ds.assign(key('c', 'eth0', 'm'), meta('a')).ip,
      ds.assign(key('d', 'eth0', 'n'), meta('a')).ip,
      // fields whose concatenation is equal must not collide
      ds.assign(key('ab', 'c', 'x'), meta('a')).ip,
      ds.assign(key('a', 'bc', 'x'), meta('a')).ip,
    ]);
    expect(ips.size).toBe(6);
  });

  it('hands out the lowest free address of a prefix first, in order', () => {
    const { ds } = store({ prefixDelegation: true, cooldownMs: 0 });
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.1.16/28', true);
    expect(fill(ds, 4)).toEqual(['10.0.1.16', '10.0.1.17', '10.0.1.18', '10.0.1.19']);
    ds.unassign(key('p1'));
    expect(ds.assign(key('x'), meta('x')).ip).toBe('10.0.1.17');
  });

  it('finds the lowest free address across words of a CIDR larger than 32 addresses', () => {
    const { ds } = store({ prefixDelegation: true, cooldownMs: 0 });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.4.0/26', true);
    fill(ds, 40);
    ds.unassign(key('p5'));
    expect(ds.assign(key('n1'), meta('n1')).ip).toBe('10.0.4.5');
    ds.unassign(key('p35'));
    expect(ds.assign(key('n2'), meta('n2')).ip).toBe('10.0.4.35');
    expect(ds.assign(key('n3'), meta('n3')).ip).toBe('10.0.4.40');
    expect(ds.stats().totalIPs).toBe(64);
  });

  it('throws when every address is used', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a'));
    expect(() => ds.assign(key('c2'), meta('b'))).toThrow(/no available IP/);
    expect(ds.stats().assignedIPs).toBe(1);
  });
});

describe('dense allocation', () => {
  it('fills the fullest non-full prefix on the fullest ENI, so others stay empty', () => {
    const { ds } = store({ prefixDelegation: true, cooldownMs: 0 });
    ds.addEni({ id: 'eni-a', deviceNumber: 1 });
    ds.addEni({ id: 'eni-b', deviceNumber: 2 });
    ds.addCidr('eni-a', '10.0.1.0/28', true);
    ds.addCidr('eni-a', '10.0.1.16/28', true);
    ds.addCidr('eni-b', '10.0.2.0/28', true);
    // eni-a first (filed first at level 0), then it stays the fullest
    const ips = fill(ds, 20);
    expect(ips.slice(0, 16).every((ip) => ip.startsWith('10.0.1.'))).toBe(true);
    expect(ips.slice(0, 16)).toContain('10.0.1.0');
    expect(ips.slice(16, 20).every((ip) => ip.startsWith('10.0.1.'))).toBe(true);
    expect(ds.eni('eni-b')?.assigned).toBe(0);
    expect(ds.stats().freePrefixes).toBe(1);
  });

  it('after churn, new pods go to the fuller prefix, not the emptier one', () => {
    const { ds } = store({ prefixDelegation: true, cooldownMs: 0 });
    ds.addEni({ id: 'eni-a', deviceNumber: 1 });
    ds.addCidr('eni-a', '10.0.1.0/28', true);
    ds.addCidr('eni-a', '10.0.1.16/28', true);
    fill(ds, 32);
    // empty most of the second prefix, a little of the first
    for (let i = 16; i < 30; i++) ds.unassign(key(`p${i}`));
    for (let i = 0; i < 3; i++) ds.unassign(key(`p${i}`));
    // first prefix has 13 assigned, second 2: new pods refill the first
    const next = fill(ds, 3, 'n');
    expect(next.sort()).toEqual(['10.0.1.0', '10.0.1.1', '10.0.1.2']);
  });

  it('prefers the fullest ENI', () => {
    const { ds } = store({ cooldownMs: 0 });
    ds.addEni({ id: 'eni-a', deviceNumber: 1 });
    ds.addEni({ id: 'eni-b', deviceNumber: 2 });
    for (let i = 1; i <= 3; i++) ds.addCidr('eni-a', `10.0.1.${i}/32`, false);
    for (let i = 1; i <= 3; i++) ds.addCidr('eni-b', `10.0.2.${i}/32`, false);
    fill(ds, 3); // eni-a full
    ds.assign(key('b'), meta('b')); // eni-b gets one
    ds.unassign(key('p0')); // eni-a: 2 assigned, eni-b: 1
    expect(ds.assign(key('n'), meta('n')).eniId).toBe('eni-a');
  });

  it('uses the primary ENI first: it can never be released', () => {
    const { ds } = store({ cooldownMs: 0 });
    ds.addEni({ id: 'eni-sec', deviceNumber: 1 });
    ds.addEni({ id: 'eni-pri', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-sec', '10.0.2.1/32', false);
    ds.addCidr('eni-sec', '10.0.2.2/32', false);
    ds.addCidr('eni-pri', '10.0.1.1/32', false);
    ds.addCidr('eni-pri', '10.0.1.2/32', false);
    expect(fill(ds, 3).map((ip) => ip.slice(0, 7))).toEqual(['10.0.1.', '10.0.1.', '10.0.2.']);
  });

  it('only assigns from CIDRs of the current mode', () => {
    const { ds } = store({ prefixDelegation: false });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    expect(() => ds.assign(key('c'), meta('c'))).toThrow(/no available/);
    ds.addCidr('eni-1', '10.0.0.9/32', false);
    expect(ds.assign(key('c'), meta('c')).ip).toBe('10.0.0.9');
  });

  it('is deterministic: the same operations give the same addresses', () => {
    const run = () => {
      const { ds, clock } = store({ prefixDelegation: true });
      ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
      ds.addEni({ id: 'eni-2', deviceNumber: 1 });
      ds.addCidr('eni-1', '10.0.1.0/28', true);
      ds.addCidr('eni-2', '10.0.2.0/28', true);
      ds.addCidr('eni-2', '10.0.2.16/28', true);
      const out: string[] = [];
      const live: string[] = [];
      let seed = 7;
      for (let i = 0; i < 300; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        if (live.length > 40 || (live.length > 0 && seed % 3 === 0)) {
          const [victim] = live.splice(seed % live.length, 1);
          out.push(`-${ds.unassign(key(victim!)).ip}`);
        } else {
          live.push(`p${i}`);
          out.push(ds.assign(key(`p${i}`), meta(`p${i}`)).ip);
        }
        clock.advance(3000);
      }
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe('unassign', () => {
  it('returns ENI, IP, device, route table and interfacesCount', () => {
    const { ds, clock } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 2 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), meta('a', 'ns', 3));
    clock.advance(1000);
    expect(ds.unassign(key('c1'))).toMatchObject({
      ip: '10.0.0.5',
      eniId: 'eni-1',
      deviceNumber: 2,
      routeTableId: 3,
      interfacesCount: 3,
      key: key('c1'),
      unassignedAtMs: START + 1000,
      excludedCidrEmptied: false,
    });
    expect(() => ds.unassign(key('c1'))).toThrow('datastore: unknown pod');
  });

  it('reports interfacesCount 0 (old checkpoints) as 1', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.assign(key('c1'), { k8sPodNamespace: 'ns', k8sPodName: 'a', interfacesCount: 0 });
    expect(ds.lookup(key('c1'))?.metadata.interfacesCount).toBe(0);
    const u = ds.unassign(key('c1'));
    expect(u.interfacesCount).toBe(1);
  });

  it('falls back to the CRI-migration key (_migrated-from-cri, same container, unknown)', () => {
    const { ds } = store({ cooldownMs: 0 });
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    ds.addCidr('eni-1', '10.0.0.6/32', false);
    ds.assign(key('abc', MIGRATED_IF_NAME, MIGRATED_NETWORK_NAME), meta('a'));
    expect(() => ds.unassign(key('other'))).toThrow('datastore: unknown pod');
    const u = ds.unassign(key('abc', 'eth0', 'aws-cni'));
    expect(u.ip).toBe('10.0.0.5');
    expect(u.key).toEqual(key('abc', MIGRATED_IF_NAME, MIGRATED_NETWORK_NAME));
    // the exact key wins over the fallback
    ds.assign(key('abc', MIGRATED_IF_NAME, MIGRATED_NETWORK_NAME), meta('a'));
    ds.assign(key('abc'), meta('b'));
    expect(ds.unassign(key('abc')).key).toEqual(key('abc'));
  });

  it('lookup finds a key without assigning', () => {
    const { ds } = store();
    ds.addEni({ id: 'eni-1', deviceNumber: 0 });
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    expect(ds.lookup(key('c1'))).toBeUndefined();
    ds.assign(key('c1'), meta('a'));
    expect(ds.lookup(key('c1'))).toMatchObject({
      ip: '10.0.0.5',
      assignedAtNs: BigInt(START) * 1_000_000n,
    });
  });
});
