import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordRemovedAllocations } from '../../../src/checkpoint/evidence.ts';
import {
  type CheckpointEntry,
  CheckpointFormatError,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../../src/checkpoint/format.ts';
import { restoreCheckpoint } from '../../../src/checkpoint/restore.ts';
import { renderCheckpoint } from '../../../src/checkpoint/snapshot.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { Datastore } from '../../../src/ipam/datastore.ts';
import type { AllocationView } from '../../../src/ipam/datastore-types.ts';
import { IPV6 } from '../../../src/ipam/ipv6-family.ts';
import { podVethName } from '../../../src/ipam/pod-veth-name.ts';
import { MemoryFs } from './memory-fs.ts';

const golden = (name: string) =>
  readFileSync(new URL(`../../fixtures/checkpoint/${name}`, import.meta.url), 'utf8');

const T0 = Date.UTC(2026, 0, 1); // 1767225600000 ms
const NS = (ms: number) => BigInt(ms) * 1_000_000n;
const PATH = '/run/aws-node/ipam.json';
const PREFIX = '2600:1f14:abc:de00:1234::/80';
const key = (containerID: string) => ({ networkName: 'aws-cni', containerID, ifName: 'eth0' });
const meta = (name: string) => ({
  k8sPodNamespace: 'default',
  k8sPodName: name,
  interfacesCount: 1,
});

function v6Store(clock: ManualClock) {
  const ds = new Datastore({ clock, cooldownMs: 30_000, prefixDelegation: true, family: IPV6 });
  ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
  ds.addCidr('eni-1', PREFIX, true);
  return ds;
}

function entry(id: string, address: { ipv4?: string; ipv6?: string }): CheckpointEntry {
  return {
    networkName: 'aws-cni',
    containerID: id,
    ifName: 'eth0',
    ipv4: address.ipv4 ?? '',
    ipv6: address.ipv6 ?? '',
    allocationTimestamp: NS(T0) + 123n,
    metadata: { k8sPodNamespace: 'default', k8sPodName: id, interfacesCount: 1 },
  };
}

describe('IPv6 checkpoint (golden file, byte for byte)', () => {
  it('an IPv6 datastore writes `ipv6` for allocations and cooldowns, never `ipv4`', () => {
    const clock = new ManualClock(T0);
    const ds = v6Store(clock);
    ds.assign(key('c1'), meta('a'));
    ds.assign(key('c2'), meta('b'));
    ds.assign(key('c3'), meta('c'));
    clock.advance(5000);
    ds.unassign(key('c2'));
    clock.advance(5000);
    ds.unassign(key('c3'));
    expect(renderCheckpoint(ds)).toBe(golden('ipv6-with-cooldown.json'));
    clock.advance(30_000);
    expect(renderCheckpoint(ds)).toBe(
      '{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"aws-cni","containerID":"c1","ifName":"eth0","ipv6":"2600:1f14:abc:de00:1234::","allocationTimestamp":1767225600000000000,"metadata":{"k8sPodNamespace":"default","k8sPodName":"a","interfacesCount":1}}]}\n',
    );
  });

  it('decodes `ipv6` in cooldown entries and round-trips the file', () => {
    const text = golden('ipv6-with-cooldown.json');
    const decoded = decodeCheckpoint(text);
    expect(decoded.allocations[0]!.entry).toMatchObject({
      ipv4: '',
      ipv6: '2600:1f14:abc:de00:1234::',
    });
    expect(decoded.cooldown[0]).toEqual({
      ipv4: '',
      ipv6: '2600:1f14:abc:de00:1234::1',
      unassignedTimestamp: NS(T0 + 5000),
    });
    expect(
      encodeCheckpoint({
        allocations: decoded.allocations.map((a) => a.entry),
        cooldown: decoded.cooldown,
      }),
    ).toBe(text);
  });

  it('a cooldown entry with both fields keeps both; a wrong type is named', () => {
    expect(
      encodeCheckpoint({
        allocations: [],
        cooldown: [{ ipv4: '10.0.0.1', ipv6: '2001:db8::1', unassignedTimestamp: 5n }],
      }),
    ).toContain('"cooldown":[{"ipv4":"10.0.0.1","ipv6":"2001:db8::1","unassignedTimestamp":5}]');
    expect(() => decodeCheckpoint('{"cooldown":[{"ipv6":1}]}')).toThrow(
      new CheckpointFormatError('cooldown[0].ipv6: expected a string, found number 1'),
    );
  });
});

describe('IPv6 restore', () => {
  it('restores allocations and cooldowns from the file, whatever the spelling, and rewrites it', async () => {
    const fs = new MemoryFs();
    fs.files.set(
      PATH,
      encodeCheckpoint({
        allocations: [entry('a', { ipv6: '2600:1F14:ABC:DE00:1234:0:0:7' })],
        cooldown: [
          { ipv4: '', ipv6: '2600:1f14:abc:de00:1234::', unassignedTimestamp: NS(T0 + 50_000) },
          { ipv4: '', ipv6: '2600:1f14:abc:de00:1234::1', unassignedTimestamp: NS(T0 + 1000) },
        ],
      }),
    );
    const clock = new ManualClock(T0 + 60_000);
    const ds = v6Store(clock);
    const report = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: [podVethName('eni', 'default', 'a')],
      fs,
    });
    expect(report.dropped).toEqual([]);
    expect(report.restored.map((r) => [r.ip, r.eniId, r.cidr])).toEqual([
      ['2600:1f14:abc:de00:1234::7', 'eni-1', PREFIX],
    ]);
    expect(ds.lookup(key('a'))?.assignedAtNs).toBe(NS(T0) + 123n);
    // ::0 still cools (from the file); ::1's cooldown ran out long ago
    expect(report.cooldownsRestored).toBe(1);
    expect(ds.assign(key('n'), meta('n')).ip).toBe('2600:1f14:abc:de00:1234::1');
    expect(fs.files.get(PATH)).toContain('"ipv6":"2600:1f14:abc:de00:1234::7"');
  });

  it('drops what it cannot place, with the reason and a detail naming the address', async () => {
    const fs = new MemoryFs();
    const stale = entry('gone', { ipv6: '2600:1f14:abc:de00:1234::3' });
    fs.files.set(
      PATH,
      encodeCheckpoint({
        allocations: [
          entry('v4', { ipv4: '10.0.1.5' }),
          entry('above', { ipv6: '2600:1f14:abc:de00:1234::1000' }),
          entry('bad', { ipv6: '2600::zz' }),
          entry('far', { ipv6: '2600:1f14:abc:de00:9999::1' }),
          entry('none', {}),
          stale,
        ],
        cooldown: [],
      }),
    );
    const ds = v6Store(new ManualClock(T0 + 60_000));
    const live = ['v4', 'above', 'bad', 'far', 'none'].map((p) => podVethName('eni', 'default', p));
    const report = await restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: live, fs });
    expect(report.restored).toEqual([]);
    expect(report.dropped.map((d) => [d.entry.containerID, d.reason, d.detail])).toEqual([
      ['v4', 'not-on-any-cidr', 'IPv4 allocation 10.0.1.5; this datastore holds IPv6 only'],
      [
        'above',
        'above-address-window',
        `2600:1f14:abc:de00:1234::1000 is in ${PREFIX} but above the lowest 4096 addresses this datastore hands out from a prefix`,
      ],
      ['bad', 'not-on-any-cidr', 'unparseable IPv6 address "2600::zz"'],
      [
        'far',
        'not-on-any-cidr',
        'no CIDR on this network card holds 2600:1f14:abc:de00:9999::1 (presuming stale/dead)',
      ],
      ['none', 'not-on-any-cidr', 'allocation has no address'],
      ['gone', 'stale-veth', expect.stringContaining('(pod default/gone)')],
    ]);
    // the stale pod's ip rules go, and its address cools instead of being handed out at once
    expect(report.rulesToPrune).toEqual(['2600:1f14:abc:de00:1234::3']);
    expect(ds.coolingAddresses().map((c) => c.ip)).toEqual(['2600:1f14:abc:de00:1234::3']);
    expect(fs.files.get(`${PATH}.dropped`)!.trimEnd().split('\n')).toHaveLength(6);
  });

  it('an IPv4 datastore names the IPv6 entries it cannot hold and the addresses it cannot parse', async () => {
    const fs = new MemoryFs();
    fs.files.set(
      PATH,
      encodeCheckpoint({
        allocations: [
          entry('six', { ipv6: '2001:db8::1' }),
          entry('bad', { ipv4: '10.0.1.05' }),
          entry('far', { ipv4: '192.168.0.1' }),
        ],
        cooldown: [],
      }),
    );
    const ds = new Datastore({
      clock: new ManualClock(T0),
      cooldownMs: 30_000,
      prefixDelegation: true,
    });
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    const report = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: undefined,
      fs,
    });
    expect(report.dropped.map((d) => d.detail)).toEqual([
      'IPv6 allocation 2001:db8::1; this datastore holds IPv4 only',
      'unparseable IPv4 address "10.0.1.05"',
      'no CIDR on this network card holds 192.168.0.1 (presuming stale/dead)',
    ]);
  });
});

describe('evidence of removed allocations', () => {
  const view = (ip: string): AllocationView => ({
    key: key('c1'),
    metadata: meta('a'),
    ip,
    eniId: 'eni-1',
    deviceNumber: 0,
    routeTableId: 254,
    cidr: '',
    isPrefix: true,
    assignedAtNs: NS(T0),
  });

  it('writes each address in the field of its family', async () => {
    const fs = new MemoryFs();
    await recordRemovedAllocations(
      PATH,
      [view('2600:1f14:abc:de00:1234::5'), view('10.0.1.5')],
      'eni-detached',
      'gone',
      T0,
      fs,
    );
    const [six, four] = fs.files.get(`${PATH}.dropped`)!.trimEnd().split('\n');
    expect(six).toContain(
      '"ifName":"eth0","ipv6":"2600:1f14:abc:de00:1234::5","allocationTimestamp"',
    );
    expect(six).not.toContain('"ipv4"');
    expect(four).toContain('"ifName":"eth0","ipv4":"10.0.1.5","allocationTimestamp"');
    expect(four).not.toContain('"ipv6"');
  });
});
