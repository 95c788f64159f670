import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION,
  type CheckpointEntry,
  CheckpointFormatError,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../../src/checkpoint/format.ts';
import { encodeGoString } from '../../../src/checkpoint/go-json.ts';
import { encodeJsonLossless, parseJsonLossless } from '../../../src/checkpoint/json-lossless.ts';
import {
  checkpointPath,
  DEFAULT_BACKING_STORE,
  droppedPath,
} from '../../../src/checkpoint/paths.ts';
import { renderCheckpoint } from '../../../src/checkpoint/snapshot.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { Datastore } from '../../../src/ipam/datastore.ts';

const golden = (name: string) =>
  readFileSync(new URL(`../../fixtures/checkpoint/${name}`, import.meta.url), 'utf8');

const T0 = Date.UTC(2026, 0, 1); // 1767225600000 ms

function entry(over: Partial<CheckpointEntry> & { ipv4: string }): CheckpointEntry {
  return {
    networkName: 'aws-cni',
    containerID: 'c1',
    ifName: 'eth0',
    ipv6: '',
    allocationTimestamp: BigInt(T0) * 1_000_000n,
    metadata: { k8sPodNamespace: 'default', k8sPodName: 'a', interfacesCount: 1 },
    ...over,
  };
}

describe('checkpoint paths', () => {
  it('card 0 uses the configured path, card N appends -nic-N.json', () => {
    expect(DEFAULT_BACKING_STORE).toBe('/var/run/aws-node/ipam.json');
    expect(checkpointPath(DEFAULT_BACKING_STORE, 0)).toBe('/var/run/aws-node/ipam.json');
    expect(checkpointPath(DEFAULT_BACKING_STORE, 1)).toBe('/var/run/aws-node/ipam-nic-1.json');
    expect(checkpointPath('/data/store.json', 12)).toBe('/data/store-nic-12.json');
    expect(checkpointPath('/data/store', 2)).toBe('/data/store-nic-2.json');
    expect(droppedPath('/var/run/aws-node/ipam.json')).toBe('/var/run/aws-node/ipam.json.dropped');
  });
});

describe('vpc-cni-ipam/1 encoding (golden files, byte for byte)', () => {
  it('empty', () => {
    expect(encodeCheckpoint({ allocations: [], cooldown: [] })).toBe(golden('empty.json'));
  });

  it('two allocations; interfacesCount omitted when 0; nanoseconds beyond 2^53 exact', () => {
    const text = encodeCheckpoint({
      allocations: [
        entry({
          containerID: '0a1b2c3d4e5f',
          ipv4: '10.0.1.5',
          metadata: {
            k8sPodNamespace: 'default',
            k8sPodName: 'nginx-7c5ddbdf54-abcde',
            interfacesCount: 1,
          },
        }),
        entry({
          containerID: 'ffee',
          ipv4: '10.0.1.6',
          allocationTimestamp: 1767225601123456789n,
          metadata: { k8sPodNamespace: 'kube-system', k8sPodName: 'coredns', interfacesCount: 0 },
        }),
      ],
      cooldown: [],
    });
    expect(text).toBe(golden('two-allocations.json'));
  });

  it('escapes strings as Go does (<, >, &, U+2028/9, \\b \\f, control characters; not DEL)', () => {
    const text = encodeCheckpoint({
      allocations: [
        entry({
          networkName: 'net<&>',
          containerID: 'id"quote\\back/slash',
          ifName: 'eth\u0001\n\t\b\f\r\u001f',
          ipv4: '10.0.1.7',
          metadata: {
            k8sPodNamespace: 'ns\u2028x\u2029',
            k8sPodName: 'é😀\u007f',
            interfacesCount: 2,
          },
        }),
      ],
      cooldown: [],
    });
    expect(text).toBe(golden('escaping.json'));
  });

  it('cooldown extension after allocations, only when non-empty', () => {
    const text = encodeCheckpoint({
      allocations: [entry({ ipv4: '10.0.1.0' })],
      cooldown: [
        { ipv4: '10.0.1.1', unassignedTimestamp: BigInt(T0 + 5000) * 1_000_000n },
        { ipv4: '10.0.1.2', unassignedTimestamp: BigInt(T0 + 10_000) * 1_000_000n },
      ],
    });
    expect(text).toBe(golden('with-cooldown.json'));
  });

  it('a datastore renders to the golden file', () => {
    const clock = new ManualClock(T0);
    const ds = new Datastore({ clock, cooldownMs: 30_000, prefixDelegation: true });
    ds.addEni({ id: 'eni-1', deviceNumber: 0, isPrimary: true });
    ds.addCidr('eni-1', '10.0.1.0/28', true);
    ds.assign(
      { networkName: 'aws-cni', containerID: 'c1', ifName: 'eth0' },
      { k8sPodNamespace: 'default', k8sPodName: 'a', interfacesCount: 1 },
    );
    ds.assign(
      { networkName: 'aws-cni', containerID: 'c2', ifName: 'eth0' },
      { k8sPodNamespace: 'default', k8sPodName: 'b', interfacesCount: 1 },
    );
    ds.assign(
      { networkName: 'aws-cni', containerID: 'c3', ifName: 'eth0' },
      { k8sPodNamespace: 'default', k8sPodName: 'c', interfacesCount: 1 },
    );
    clock.advance(5000);
    ds.unassign({ networkName: 'aws-cni', containerID: 'c2', ifName: 'eth0' });
    clock.advance(5000);
    ds.unassign({ networkName: 'aws-cni', containerID: 'c3', ifName: 'eth0' });
    expect(renderCheckpoint(ds)).toBe(golden('with-cooldown.json'));
    clock.advance(30_000);
    // cooldown over: the file is the reference's format exactly again
    expect(renderCheckpoint(ds)).not.toContain('cooldown');
  });

  it('go string escaping does not misread an escaped backslash before "u"', () => {
    expect(encodeGoString('\\ud800')).toBe('"\\\\ud800"');
    expect(encodeGoString('\ud800x')).toBe('"\\ufffdx"');
    expect(encodeGoString('😀')).toBe('"😀"');
  });
});

describe('decoding like Go json.Unmarshal', () => {
  it('round-trips every golden file', () => {
    for (const name of [
      'empty.json',
      'two-allocations.json',
      'escaping.json',
      'with-cooldown.json',
    ]) {
      const text = golden(name);
      const decoded = decodeCheckpoint(text);
      expect(decoded.version).toBe(CHECKPOINT_VERSION);
      expect(
        encodeCheckpoint({
          allocations: decoded.allocations.map((a) => a.entry),
          cooldown: decoded.cooldown,
        }),
      ).toBe(text);
    }
  });

  it('keeps int64 nanoseconds exact', () => {
    const d = decodeCheckpoint(golden('two-allocations.json'));
    expect(d.allocations[1]!.entry.allocationTimestamp).toBe(1767225601123456789n);
  });

  it('matches field names case-insensitively, last one wins, ignores unknown fields and nulls', () => {
    const d = decodeCheckpoint(
      '{"VERSION":"x","version":"vpc-cni-ipam/1","extra":[1,{"a":null}],"allocations":[{"NetworkName":"n","networkname":"m","containerID":null,"ipv4":"10.0.0.1","allocationTimestamp":5,"metadata":null,"other":true}]}',
    );
    expect(d.version).toBe('vpc-cni-ipam/1');
    expect(d.allocations[0]!.entry).toEqual({
      networkName: 'm',
      containerID: '',
      ifName: '',
      ipv4: '10.0.0.1',
      ipv6: '',
      allocationTimestamp: 5n,
      metadata: { k8sPodNamespace: '', k8sPodName: '', interfacesCount: 0 },
    });
    expect(decodeCheckpoint('{"version":"vpc-cni-ipam/1","allocations":null}').allocations).toEqual(
      [],
    );
    expect(decodeCheckpoint('null').version).toBe('');
  });

  it.each([
    ['not JSON', 'garbage'],
    ['truncated', '{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"a"'],
    ['trailing data', '{"version":"vpc-cni-ipam/1","allocations":[]} x'],
    ['top-level array', '[]'],
    ['string for int', '{"allocations":[{"allocationTimestamp":"5"}]}'],
    ['float timestamp', '{"allocations":[{"allocationTimestamp":1.5}]}'],
    ['exponent timestamp', '{"allocations":[{"allocationTimestamp":1e3}]}'],
    ['int64 overflow', '{"allocations":[{"allocationTimestamp":9223372036854775808}]}'],
    ['number for string', '{"version":1}'],
    ['object for array', '{"allocations":{}}'],
    ['bad metadata', '{"allocations":[{"metadata":[]}]}'],
    ['bad cooldown', '{"cooldown":[{"ipv4":1}]}'],
    ['raw control character', '{"version":"a\u0001"}'],
    ['bad escape', '{"version":"\\x"}'],
  ])('rejects %s', (_name, text) => {
    expect(() => decodeCheckpoint(text)).toThrow(CheckpointFormatError);
  });

  it('the lossless reader re-encodes entries verbatim (order, duplicates, number text)', () => {
    const source = '{"b":1.50,"a":[true,false,null],"b":-0,"big":12345678901234567890}';
    expect(encodeJsonLossless(parseJsonLossless(source))).toBe(source);
    expect(encodeJsonLossless(parseJsonLossless(' { "x" : "<\\u0041>" } '))).toBe(
      '{"x":"\\u003cA\\u003e"}',
    );
  });
});
