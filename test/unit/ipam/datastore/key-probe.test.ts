import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEX_ID_WORDS, packHexId, unpackHexId } from '../../../../src/ipam/hex-id.ts';
import { KeyProbe } from '../../../../src/ipam/key-probe.ts';

const hexId = fc.stringMatching(/^[0-9a-f]{64}$/);

describe('hex container IDs', () => {
  it('pack into eight words and unpack to the same text', () => {
    fc.assert(
      fc.property(hexId, (id) => {
        const words = new Int32Array(HEX_ID_WORDS + 2);
        expect(packHexId(id, words, 2)).toBe(true);
        expect(unpackHexId(words, 2)).toBe(id);
      }),
    );
  });

  it('packs distinct IDs into distinct words', () => {
    fc.assert(
      fc.property(hexId, hexId, (a, b) => {
        const wa = new Int32Array(HEX_ID_WORDS);
        const wb = new Int32Array(HEX_ID_WORDS);
        packHexId(a, wa, 0);
        packHexId(b, wb, 0);
        expect(wa.every((w, i) => w === wb[i])).toBe(a === b);
      }),
    );
  });

  it('refuses every other shape: wrong length, upper case, non-hex, non-ASCII', () => {
    const words = new Int32Array(HEX_ID_WORDS);
    const good = '0123456789abcdef'.repeat(4);
    expect(packHexId(good, words, 0)).toBe(true);
    for (const bad of [
      good.slice(1),
      `${good}0`,
      '',
      good.toUpperCase(),
      `${good.slice(0, 63)}g`,
      `${good.slice(0, 63)}-`,
      `${good.slice(0, 63)}\u0130`,
      `${good.slice(0, 63)}\u0161`, // 0x161 & 0x7f = 'a': must not alias a digit
      `x${good.slice(1)}`,
    ]) {
      expect(packHexId(bad, words, 0), bad).toBe(false);
    }
  });
});

describe('KeyProbe', () => {
  it('hashes deterministically and separates fields', () => {
    const hash = (n: string, c: string, i: string) => new KeyProbe().load(n, c, i).hash;
    expect(hash('aws-cni', 'abc', 'eth0')).toBe(hash('aws-cni', 'abc', 'eth0'));
    expect(hash('aws-cni', 'abc', 'eth0')).not.toBe(hash('aws-cni', 'abd', 'eth0'));
    expect(hash('ab', 'c', 'x')).not.toBe(hash('a', 'bc', 'x'));
    const long = 'f'.repeat(64);
    expect(hash('n', long, 'e')).not.toBe(hash('n', `${long.slice(1)}0`, 'e'));
    const longText = 'z'.repeat(80);
    expect(hash('n', longText, 'e')).not.toBe(hash('n', `${longText.slice(1)}y`, 'e'));
  });

  it('packs only runtime-shaped IDs and keeps the strings it was loaded with', () => {
    const probe = new KeyProbe();
    const id = 'a'.repeat(64);
    probe.load('aws-cni', id, 'eth0');
    expect(probe.packed).toBe(true);
    expect(unpackHexId(probe.words, 0)).toBe(id);
    probe.load('_migrated-from-cri', 'cri-o-id', 'unknown');
    expect(probe.packed).toBe(false);
    expect([probe.networkName, probe.containerID, probe.ifName]).toEqual([
      '_migrated-from-cri',
      'cri-o-id',
      'unknown',
    ]);
  });
});
