import { describe, expect, it } from 'vitest';
import { ROW_POD_NAME_MAX } from '../../../../src/ipam/address-slots.ts';
import { enisIntrospection } from '../../../../src/ipam/datastore-view.ts';
import { COOLDOWN, fill, key, meta, START, store } from './helpers.ts';

/** A datastore whose one ENI (eni-1) has one address, 10.0.0.5 (a /32). */
function oneAddress(options: Parameters<typeof store>[0] = {}) {
  const made = store(options);
  made.ds.addEni({ id: 'eni-1', deviceNumber: 0 });
  made.ds.addCidr('eni-1', '10.0.0.5/32', false);
  return made;
}

describe('undo after a failed checkpoint write', () => {
  it('undoAssign frees the address at once (no cooldown) and restores the stats', () => {
    const { ds } = oneAddress();
    const before = ds.describe();
    const a = ds.assign(key('c1'), meta('a'));
    expect(ds.undoAssign(a)).toBe(true);
    expect(ds.describe()).toEqual(before);
    expect(ds.stats()).toMatchObject({ assignedIPs: 0, coolingIPs: 0 });
    expect(ds.assign(key('c2'), meta('b')).ip).toBe('10.0.0.5');
  });

  it('undoAssign of an idempotent repeat, or of a key that moved on, does nothing', () => {
    const { ds, clock } = oneAddress({ cooldownMs: 0 });
    ds.assign(key('c1'), meta('a'));
    const repeat = ds.assign(key('c1'), meta('a'));
    expect(ds.undoAssign(repeat)).toBe(false);
    expect(ds.stats().assignedIPs).toBe(1);
    const first = ds.lookup(key('c1'))!;
    ds.unassign(key('c1'));
    clock.advance(5);
    ds.assign(key('c1'), meta('a'));
    const stale = {
      ...repeat,
      existing: false,
      assignedAtMs: Number(first.assignedAtNs / 1_000_000n),
    };
    expect(ds.undoAssign(stale)).toBe(false);
    expect(ds.stats().assignedIPs).toBe(1);
  });

  it('undoUnassign puts the pod back with its metadata and original time, out of cooldown', () => {
    const { ds, clock } = oneAddress();
    ds.assign(key('c1'), meta('a', 'ns', 2));
    const before = ds.describe();
    clock.advance(1000);
    const u = ds.unassign(key('c1'));
    expect(ds.undoUnassign(u)).toBe(true);
    expect(ds.describe()).toEqual(before);
    expect(ds.stats()).toMatchObject({ assignedIPs: 1, coolingIPs: 0 });
    // the stale cooldown entry must not free the address later
    clock.advance(COOLDOWN * 2);
    expect(ds.stats()).toMatchObject({ assignedIPs: 1, coolingIPs: 0 });
    expect(() => ds.assign(key('c2'), meta('b'))).toThrow(/no available/);
  });

  it('undoUnassign refuses when the address or key was taken meanwhile', () => {
    const { ds } = oneAddress({ cooldownMs: 0 });
    ds.assign(key('c1'), meta('a'));
    const u = ds.unassign(key('c1'));
    ds.assign(key('c2'), meta('b')); // takes 10.0.0.5 again
    expect(ds.undoUnassign(u)).toBe(false);
    const v = ds.unassign(key('c2'));
    ds.assign(key('c2'), meta('b'));
    ds.unassign(key('c2'));
    ds.assign(key('c2'), meta('b'));
    expect(ds.undoUnassign({ ...v, key: key('c2') })).toBe(false);
  });

  it('undoUnassign refuses once the address was assigned again, even if freed since', () => {
    const { ds } = oneAddress({ cooldownMs: 0 });
    ds.assign(key('c1'), meta('a'));
    const u = ds.unassign(key('c1'));
    ds.assign(key('c2'), meta('b'));
    ds.unassign(key('c2'));
    expect(ds.undoUnassign(u)).toBe(false);
    expect(ds.stats().assignedIPs).toBe(0);
  });

  it('undoUnassign refuses after its CIDR was removed and added again', () => {
    const { ds } = oneAddress({ cooldownMs: 0 });
    ds.assign(key('c1'), meta('a'));
    const u = ds.unassign(key('c1'));
    ds.removeCidr('eni-1', '10.0.0.5/32', false);
    ds.addCidr('eni-1', '10.0.0.5/32', false);
    expect(ds.undoUnassign(u)).toBe(false);
    expect(ds.stats().assignedIPs).toBe(0);
  });

  it('undoUnassign restores a long or non-Latin-1 pod name exactly', () => {
    const { ds } = oneAddress({ cooldownMs: 0 });
    for (const name of [
      'p'.repeat(ROW_POD_NAME_MAX),
      'p'.repeat(ROW_POD_NAME_MAX + 1),
      'p'.repeat(253),
      'pod-\u00e9',
      'pod-\u0161',
      '',
    ]) {
      ds.assign(key('c1'), meta(name, 'ns', 2));
      const before = ds.describe();
      const u = ds.unassign(key('c1'));
      expect(ds.undoUnassign(u)).toBe(true);
      expect(ds.describe()).toEqual(before);
      expect(ds.lookup(key('c1'))?.metadata.k8sPodName).toBe(name);
      ds.unassign(key('c1'));
    }
  });

  it('undoUnassign of the migrated key restores the migrated key', () => {
    const { ds } = oneAddress();
    ds.assign(key('abc', 'unknown', '_migrated-from-cri'), meta('a'));
    const u = ds.unassign(key('abc'));
    expect(ds.undoUnassign(u)).toBe(true);
    expect(ds.lookup(key('abc', 'unknown', '_migrated-from-cri'))?.ip).toBe('10.0.0.5');
  });
});

describe('views', () => {
  it('per-CIDR and per-ENI assigned counts for the metrics', () => {
    const { ds } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addEni({ id: 'eni-2', deviceNumber: 1 });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    ds.addCidr('eni-2', '10.0.2.0/28', true);
    fill(ds, 18);
    expect(ds.assignedPerCidr()).toEqual([
      { eniId: 'eni-1', cidr: '10.0.1.0/28', isPrefix: true, assigned: 16 },
      { eniId: 'eni-2', cidr: '10.0.2.0/28', isPrefix: true, assigned: 2 },
    ]);
    expect(ds.assignedPerEni()).toEqual([
      { eniId: 'eni-1', assigned: 16 },
      { eniId: 'eni-2', assigned: 2 },
    ]);
    expect(
      ds
        .allocations()
        .map((a) => a.ip)
        .slice(15),
    ).toEqual(['10.0.1.15', '10.0.2.0', '10.0.2.1']);
  });

  it('/v1/enis has the reference shape, scrubbed keys, Go times and sorted keys', () => {
    const { ds, clock } = store({ prefixDelegation: true });
    ds.addEni({ id: 'eni-b', deviceNumber: 1, subnetId: 'subnet-1' });
    ds.addEni({ id: 'eni-a', deviceNumber: 0, isPrimary: true, subnetId: 'subnet-1' });
    ds.addCidr('eni-a', '10.0.1.0/28', true);
    ds.addCidr('eni-b', '10.0.0.9/32', false);
    ds.assign(key('secret-container'), meta('web', 'prod', 1));
    ds.assign(key('c2'), { k8sPodNamespace: 'prod', k8sPodName: 'old', interfacesCount: 0 });
    clock.advance(1500);
    ds.unassign(key('c2'));
    const doc = enisIntrospection([{ networkCard: 0, snapshot: ds.describe() }]);
    expect(Object.keys(doc['0']!.ENIs)).toEqual(['eni-a', 'eni-b']);
    expect(JSON.stringify(doc)).toBe(
      JSON.stringify({
        '0': {
          TotalIPs: 17,
          AssignedIPs: 1,
          ENIs: {
            'eni-a': {
              ID: 'eni-a',
              IsPrimary: true,
              IsTrunk: false,
              IsEFA: false,
              DeviceNumber: 0,
              AvailableIPv4Cidrs: {
                '10.0.1.0/28': {
                  Cidr: { IP: '10.0.1.0', Mask: '////8A==' },
                  IPAddresses: {
                    '10.0.1.0': {
                      Address: '10.0.1.0',
                      IPAMKey: { networkName: 'aws-cni', containerID: '', ifName: '' },
                      IPAMMetadata: {
                        k8sPodNamespace: 'prod',
                        k8sPodName: 'web',
                        interfacesCount: 1,
                      },
                      AssignedTime: '2026-01-01T00:00:00Z',
                      UnassignedTime: '0001-01-01T00:00:00Z',
                    },
                    '10.0.1.1': {
                      Address: '10.0.1.1',
                      IPAMKey: { networkName: '', containerID: '', ifName: '' },
                      IPAMMetadata: { k8sPodNamespace: '', k8sPodName: '' },
                      AssignedTime: '2026-01-01T00:00:00Z',
                      UnassignedTime: '2026-01-01T00:00:01.5Z',
                    },
                  },
                  IsPrefix: true,
                  AddressFamily: '',
                },
              },
              IPv6Cidrs: {},
              IsExcludedForPodIPs: false,
              RouteTableID: 254,
              SubnetID: 'subnet-1',
            },
            'eni-b': {
              ID: 'eni-b',
              IsPrimary: false,
              IsTrunk: false,
              IsEFA: false,
              DeviceNumber: 1,
              AvailableIPv4Cidrs: {
                '10.0.0.9/32': {
                  Cidr: { IP: '10.0.0.9', Mask: '/////w==' },
                  IPAddresses: {},
                  IsPrefix: false,
                  AddressFamily: '',
                },
              },
              IPv6Cidrs: {},
              IsExcludedForPodIPs: false,
              RouteTableID: 2,
              SubnetID: 'subnet-1',
            },
          },
        },
      }),
    );
    expect(JSON.stringify(doc)).not.toContain('secret-container');
    expect(START).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });
});
