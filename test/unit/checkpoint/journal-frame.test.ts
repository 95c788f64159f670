import { describe, expect, it } from 'vitest';
import { encodeFrame, scanFrames } from '../../../src/checkpoint/journal-frame.ts';
import {
  assignChange,
  coolChange,
  decodeRecord,
  dropChange,
  encodeBase,
  encodeCommit,
  encodeHeader,
  freeChange,
} from '../../../src/checkpoint/journal-records.ts';

const HASH = 'ab'.repeat(32);
const bytes = (text: string) => Buffer.from(text, 'utf8');

function journal(count: number): string {
  let text = encodeFrame(encodeHeader(HASH));
  for (let i = 0; i < count; i++) text += encodeFrame(encodeCommit([freeChange(`10.0.0.${i}`)]));
  return text;
}

describe('journal records are framed with their length and checksum', () => {
  it('a frame is "<bytes> <crc32> <payload>\\n", the length in bytes (not characters)', () => {
    expect(encodeFrame('{"a":"é"}')).toMatch(/^10 [0-9a-f]{8} \{"a":"é"\}\n$/);
    const scan = scanFrames(bytes(`${encodeFrame('{"a":"é"}')}${encodeFrame('{}')}`));
    expect(scan.frames.map((f) => f.payload)).toEqual(['{"a":"é"}', '{}']);
    expect(scan.validEnd).toBe(scan.frames[1]!.end);
    expect(scan.recordAfterDamage).toBeUndefined();
  });

  it('every cut of the last record is a torn tail, never damage in the middle', () => {
    const text = bytes(journal(3));
    const lastStart = scanFrames(text).frames[3]!.offset;
    for (let cut = lastStart; cut < text.length; cut++) {
      const scan = scanFrames(text.subarray(0, cut));
      expect(scan.frames, `cut at ${cut}`).toHaveLength(3);
      expect(scan.validEnd).toBe(lastStart);
      expect(scan.recordAfterDamage).toBeUndefined();
    }
  });

  it('zeros or garbage after the last record (a size extended before its data) are a torn tail', () => {
    const text = bytes(journal(2));
    for (const tail of [Buffer.alloc(4096), bytes('12 00000000 {"changes":['), bytes('\n\n')]) {
      const scan = scanFrames(Buffer.concat([text, tail]));
      expect(scan.frames).toHaveLength(3);
      expect(scan.validEnd).toBe(text.length);
      expect(scan.recordAfterDamage).toBeUndefined();
    }
  });

  it('a flipped byte anywhere but in the last record is damage followed by a whole record', () => {
    const text = bytes(journal(3));
    const frames = scanFrames(text).frames;
    const lastStart = frames[3]!.offset;
    for (let at = 0; at < lastStart; at++) {
      const damaged = Buffer.from(text);
      damaged[at] = damaged[at]! ^ 0x04;
      const scan = scanFrames(damaged);
      const hit = frames.find((f) => at >= f.offset && at < f.end)!;
      expect(scan.validEnd, `byte ${at}`).toBe(hit.offset);
      expect(scan.recordAfterDamage, `byte ${at}`).toBeGreaterThan(hit.offset);
    }
  });
});

describe('journal record payloads', () => {
  it('round trip: header, base, commit with each kind of change', () => {
    expect(decodeRecord(encodeHeader(HASH))).toEqual({
      kind: 'base',
      snapshot: HASH,
      version: 'vpc-ipamd-journal/1',
    });
    expect(decodeRecord(encodeBase(HASH, 1234))).toEqual({
      kind: 'base',
      snapshot: HASH,
      from: 1234,
    });
    const entry = {
      networkName: 'aws-cni',
      containerID: 'c<1>',
      ifName: 'eth0',
      ipv4: '10.0.0.5',
      ipv6: '',
      allocationTimestamp: 1767225600000000123n,
      metadata: { k8sPodNamespace: 'default', k8sPodName: 'p', interfacesCount: 1 },
    };
    const record = decodeRecord(
      encodeCommit([
        assignChange(entry),
        coolChange('10.0.0.6', 1767225600000000456n),
        coolChange('2001:db8::1', 7n),
        freeChange('10.0.0.7'),
        dropChange('10.0.1.0/28'),
      ]),
    );
    expect(record.kind === 'commit' && record.changes.map((c) => c.kind)).toEqual([
      'assign',
      'cool',
      'cool',
      'free',
      'drop',
    ]);
    if (record.kind !== 'commit') return;
    expect(record.changes[0]).toMatchObject({ kind: 'assign', entry });
    expect(record.changes[1]).toEqual({
      kind: 'cool',
      entry: { ipv4: '10.0.0.6', ipv6: '', unassignedTimestamp: 1767225600000000456n },
    });
    expect(record.changes[2]).toEqual({
      kind: 'cool',
      entry: { ipv4: '', ipv6: '2001:db8::1', unassignedTimestamp: 7n },
    });
  });

  it.each([
    ['not JSON', '{"changes":', /invalid JSON/],
    ['not an object', '[]', /not an object/],
    ['neither kind', '{"x":1}', /neither a commit nor a base/],
    ['a short hash', '{"snapshot":"ab","from":1}', /neither a commit nor a base/],
    ['a member twice', `{"snapshot":"${HASH}","from":1,"from":2}`, /"from" appears twice/],
    ['an unknown member', `{"snapshot":"${HASH}","from":1,"x":1}`, /unknown member "x"/],
    ['a fractional offset', `{"snapshot":"${HASH}","from":1.5}`, /not a byte offset/],
    ['changes not a list', '{"changes":{}}', /not an array/],
    ['an unknown change', '{"changes":[{"grow":1}]}', /unknown change "grow"/],
    ['two changes in one', '{"changes":[{"free":"10.0.0.1","drop":"10.0.0.0/28"}]}', /exactly one/],
    ['a free that is no address', '{"changes":[{"free":"10.0.0"}]}', /not an address/],
    ['a drop that is no CIDR', '{"changes":[{"drop":"10.0.0.0/40"}]}', /not a CIDR/],
    [
      'an entry of the wrong type',
      '{"changes":[{"assign":{"allocationTimestamp":"x"}}]}',
      /allocationTimestamp: expected an integer/,
    ],
  ])('refuses %s', (_what, payload, message) => {
    expect(() => decodeRecord(payload)).toThrow(message);
  });
});
