import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../../src/checkpoint/errors.ts';
import {
  type CheckpointEntry,
  encodeCheckpoint,
  encodeEntry,
} from '../../../src/checkpoint/format.ts';
import { restoreCheckpoint } from '../../../src/checkpoint/restore.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { Datastore } from '../../../src/ipam/datastore.ts';
import { podVethName } from '../../../src/ipam/pod-veth-name.ts';
import { MemoryFs } from './memory-fs.ts';

const T0 = Date.UTC(2026, 0, 1);
const NS = (ms: number) => BigInt(ms) * 1_000_000n;
const PATH = '/run/aws-node/ipam.json';

function inventory(clock = new ManualClock(T0 + 60_000)) {
  const ds = new Datastore({ clock, cooldownMs: 30_000, prefixDelegation: true });
  ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
  ds.addEni({ id: 'eni-2', deviceNumber: 1 });
  ds.addCidr('eni-1', '10.0.1.0/28', true);
  ds.addCidr('eni-2', '10.0.2.0/28', true);
  ds.addCidr('eni-2', '10.0.3.7/32', false);
  return { ds, clock };
}

function alloc(id: string, ipv4: string, pod = id, ns = 'default'): CheckpointEntry {
  return {
    networkName: 'aws-cni',
    containerID: id,
    ifName: 'eth0',
    ipv4,
    ipv6: '',
    allocationTimestamp: NS(T0) + 123n,
    metadata: { k8sPodNamespace: ns, k8sPodName: pod, interfacesCount: 1 },
  };
}

const veth = (pod: string, ns = 'default') => podVethName('eni', ns, pod);

describe('restore from the checkpoint (in memory)', () => {
  it('missing file: a fresh node, nothing written', async () => {
    const fs = new MemoryFs();
    const { ds } = inventory();
    const report = await restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: [], fs });
    expect(report).toEqual({
      fresh: true,
      restored: [],
      dropped: [],
      rulesToPrune: [],
      cooldownsRestored: 0,
    });
    expect(fs.files.size).toBe(0);
  });

  it('restores allocations on any CIDR kind, with key, metadata and exact time', async () => {
    const fs = new MemoryFs();
    const text = encodeCheckpoint({
      allocations: [
        alloc('a', '10.0.1.3'),
        alloc('b', '10.0.3.7'),
        {
          ...alloc('c', '10.0.2.9'),
          metadata: { k8sPodNamespace: '', k8sPodName: '', interfacesCount: 0 },
        },
      ],
      cooldown: [],
    });
    fs.files.set(PATH, text);
    const { ds } = inventory();
    const report = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: ['lo', 'eth0', veth('a'), `vlan${veth('b').slice(3)}`],
      fs,
    });
    expect(report.fresh).toBe(false);
    expect(report.dropped).toEqual([]);
    expect(report.restored.map((r) => [r.ip, r.eniId, r.deviceNumber, r.routeTableId])).toEqual([
      ['10.0.1.3', 'eni-1', 0, 254],
      ['10.0.3.7', 'eni-2', 1, 2],
      ['10.0.2.9', 'eni-2', 1, 2],
    ]);
    expect(
      ds.lookup({ networkName: 'aws-cni', containerID: 'a', ifName: 'eth0' })?.assignedAtNs,
    ).toBe(NS(T0) + 123n);
    expect(ds.inventory().assignedAddresses).toBe(3);
    // rewritten: same content, in datastore order (ENI, CIDR, address)
    expect(fs.files.get(PATH)).toBe(
      encodeCheckpoint({
        allocations: [
          alloc('a', '10.0.1.3'),
          {
            ...alloc('c', '10.0.2.9'),
            metadata: { k8sPodNamespace: '', k8sPodName: '', interfacesCount: 0 },
          },
          alloc('b', '10.0.3.7'),
        ],
        cooldown: [],
      }),
    );
    expect(fs.files.has(`${PATH}.dropped`)).toBe(false);
  });

  it('host links unknown (host networking disabled): no entry is judged stale by its veth', async () => {
    const fs = new MemoryFs();
    fs.files.set(
      PATH,
      encodeCheckpoint({
        allocations: [alloc('a', '10.0.1.3'), alloc('z', '10.9.9.9')],
        cooldown: [],
      }),
    );
    const { ds } = inventory();
    const report = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: undefined,
      fs,
    });
    expect(report.restored.map((r) => r.ip)).toEqual(['10.0.1.3']);
    // Still dropped (with evidence) when the address is on no CIDR; never for a missing veth.
    expect(report.dropped.map((d) => d.reason)).toEqual(['not-on-any-cidr']);
    expect(report.rulesToPrune).toEqual([]);
  });

  it('drops stale veths and unknown IPs into <file>.dropped, fsynced BEFORE the rewrite', async () => {
    const fs = new MemoryFs();
    const stale = alloc('gone', '10.0.1.4', 'deleted-pod');
    const unknown = alloc('far', '192.168.0.1');
    const v6 = { ...alloc('six', ''), ipv6: '2001:db8::1' };
    fs.files.set(
      PATH,
      encodeCheckpoint({ allocations: [alloc('a', '10.0.1.3'), stale, unknown, v6], cooldown: [] }),
    );
    const { ds } = inventory();
    const report = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: [veth('a'), veth('far'), veth('six')],
      fs,
    });
    expect(report.restored.map((r) => r.ip)).toEqual(['10.0.1.3']);
    expect(report.dropped.map((d) => [d.entry.containerID, d.reason])).toEqual([
      ['gone', 'stale-veth'],
      ['far', 'not-on-any-cidr'],
      ['six', 'not-on-any-cidr'],
    ]);
    expect(report.rulesToPrune).toEqual(['10.0.1.4']);
    expect(report.droppedFile).toBe(`${PATH}.dropped`);

    const lines = fs.files.get(`${PATH}.dropped`)!.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const first = JSON.parse(lines[0]!);
    expect(first.reason).toBe('stale-veth');
    expect(first.time).toBe('2026-01-01T00:01:00Z');
    expect(lines[0]).toContain(`"entry":${encodeEntry(stale)}`);
    expect(lines[1]).toContain(`"entry":${encodeEntry(unknown)}`);

    const order = fs.log.filter((l) => /^(sync|rename|syncDir)/.test(l));
    const droppedSync = order.indexOf(`sync ${PATH}.dropped`);
    const rename = order.findIndex((l) => l.startsWith('rename'));
    expect(droppedSync).toBeGreaterThanOrEqual(0);
    expect(droppedSync).toBeLessThan(rename);

    // the stale pod's address starts a fresh cooldown instead of being handed out at once
    expect(ds.coolingAddresses().map((c) => c.ip)).toEqual(['10.0.1.4']);
    expect(report.cooldownsRestored).toBe(1);
  });

  it('appends to an existing .dropped file', async () => {
    const fs = new MemoryFs();
    fs.files.set(`${PATH}.dropped`, '{"old":true}\n');
    fs.files.set(
      PATH,
      encodeCheckpoint({ allocations: [alloc('far', '192.168.0.1')], cooldown: [] }),
    );
    const { ds } = inventory();
    await restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: [veth('far')], fs });
    expect(fs.files.get(`${PATH}.dropped`)!.split('\n')).toHaveLength(3);
    expect(fs.files.get(`${PATH}.dropped`)!.startsWith('{"old":true}\n{"entry":')).toBe(true);
  });

  it('if the .dropped file cannot be written the checkpoint is not rewritten', async () => {
    const fs = new MemoryFs();
    const text = encodeCheckpoint({ allocations: [alloc('far', '192.168.0.1')], cooldown: [] });
    fs.files.set(PATH, text);
    fs.failWith = (op, path) =>
      op === 'sync' && path.endsWith('.dropped') ? new Error('EIO') : undefined;
    const { ds } = inventory();
    const error = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: [],
      fs,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.kind).toBe('dropped-write');
    expect(error.message).toContain(PATH);
    expect(fs.files.get(PATH)).toBe(text);
  });

  it('an IP listed twice is an error naming both keys; nothing is restored', async () => {
    const fs = new MemoryFs();
    const text = encodeCheckpoint({
      allocations: [
        alloc('first', '10.0.1.3'),
        alloc('ok', '10.0.1.5'),
        alloc('second', '10.0.1.3'),
      ],
      cooldown: [],
    });
    fs.files.set(PATH, text);
    const { ds } = inventory();
    const error = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: [veth('first'), veth('ok'), veth('second')],
      fs,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.kind).toBe('duplicate-ip');
    expect(error.message).toContain(PATH);
    expect(error.message).toContain('datastore: IP already in data store');
    expect(error.message).toContain('containerID="first"');
    expect(error.message).toContain('containerID="second"');
    expect(ds.inventory().assignedAddresses).toBe(0);
    expect(fs.files.get(PATH)).toBe(text);
  });

  it('a key listed twice is an error naming both addresses', async () => {
    const fs = new MemoryFs();
    fs.files.set(
      PATH,
      encodeCheckpoint({
        allocations: [alloc('x', '10.0.1.3'), alloc('x', '10.0.1.4')],
        cooldown: [],
      }),
    );
    const { ds } = inventory();
    const error = await restoreCheckpoint({
      path: PATH,
      datastore: ds,
      liveLinkNames: [veth('x')],
      fs,
    }).catch((e) => e);
    expect(error.kind).toBe('duplicate-key');
    expect(error.message).toMatch(/10\.0\.1\.3.*10\.0\.1\.4/);
  });

  it('restores cooldowns: live ones kept, expired and unknown ones discarded', async () => {
    const fs = new MemoryFs();
    const clock = new ManualClock(T0 + 60_000);
    fs.files.set(
      PATH,
      encodeCheckpoint({
        allocations: [],
        cooldown: [
          { ipv4: '10.0.1.1', unassignedTimestamp: NS(T0 + 50_000) },
          { ipv4: '10.0.1.2', unassignedTimestamp: NS(T0 + 10_000) },
          { ipv4: '10.9.9.9', unassignedTimestamp: NS(T0 + 55_000) },
        ],
      }),
    );
    const { ds } = inventory(clock);
    const report = await restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: [], fs });
    expect(report.cooldownsRestored).toBe(1);
    expect(ds.stats().coolingIPs).toBe(1);
    const taken = [0, 1, 2].map(
      (i) =>
        ds.assign(
          { networkName: 'n', containerID: `c${i}`, ifName: 'e' },
          { k8sPodNamespace: '', k8sPodName: '', interfacesCount: 0 },
        ).ip,
    );
    expect(taken).toEqual(['10.0.1.0', '10.0.1.2', '10.0.1.3']);
    expect(fs.files.get(PATH)).toContain(
      '"cooldown":[{"ipv4":"10.0.1.1","unassignedTimestamp":1767225650000000000}]',
    );
    clock.advance(20_000);
    expect(
      ds.assign(
        { networkName: 'n', containerID: 'c9', ifName: 'e' },
        { k8sPodNamespace: '', k8sPodName: '', interfacesCount: 0 },
      ).ip,
    ).toBe('10.0.1.1');
  });

  it('a failed rewrite is an error naming the file', async () => {
    const fs = new MemoryFs();
    fs.files.set(PATH, encodeCheckpoint({ allocations: [], cooldown: [] }));
    fs.failWith = (op) => (op === 'rename' ? new Error('EROFS') : undefined);
    const { ds } = inventory();
    await expect(
      restoreCheckpoint({ path: PATH, datastore: ds, liveLinkNames: [], fs }),
    ).rejects.toThrow(`checkpoint ${PATH}: cannot rewrite after restore: EROFS`);
  });
});

describe('restore refuses unusable files and leaves them untouched (real filesystem)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ckpt-restore-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['corrupt JSON', '{"version":"vpc-cni-ipam/1","allocations":[{"networ', 'invalid'],
    ['wrong version', '{"version":"vpc-cni-ipam/2","allocations":[]}\n', 'version'],
    [
      'wrong types',
      '{"version":"vpc-cni-ipam/1","allocations":[{"allocationTimestamp":"x"}]}\n',
      'invalid',
    ],
    ['empty file', '', 'invalid'],
  ])('%s', async (_name, content, kind) => {
    const path = join(dir, 'ipam.json');
    await writeFile(path, content);
    const before = await stat(path);
    const { ds } = inventory();
    const error = await restoreCheckpoint({ path, datastore: ds, liveLinkNames: [] }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.kind).toBe(kind);
    expect(error.message).toContain(path);
    const after = await stat(path);
    expect(await readFile(path, 'utf8')).toBe(content);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(dir)).toEqual(['ipam.json']);
  });

  it('an unreadable path (a directory) is an error naming it', async () => {
    const { ds } = inventory();
    const error = await restoreCheckpoint({ path: dir, datastore: ds, liveLinkNames: [] }).catch(
      (e) => e,
    );
    expect(error.kind).toBe('unreadable');
    expect(error.message).toContain(dir);
  });

  it('round trip on disk: restore what was written, then rewrite it identically', async () => {
    const path = join(dir, 'ipam.json');
    const text = encodeCheckpoint({
      allocations: [alloc('a', '10.0.1.3'), alloc('b', '10.0.2.0')],
      cooldown: [{ ipv4: '10.0.1.9', unassignedTimestamp: NS(T0 + 45_000) + 7n }],
    });
    await writeFile(path, text);
    const { ds } = inventory();
    await restoreCheckpoint({ path, datastore: ds, liveLinkNames: [veth('a'), veth('b')] });
    expect(await readFile(path, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['ipam.json']);
  });
});
