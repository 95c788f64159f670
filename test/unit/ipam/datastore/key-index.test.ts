import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex, type KeyStore } from '../../../../src/ipam/key-index.ts';
import { KeyProbe } from '../../../../src/ipam/key-probe.ts';

/** A store whose hashes the test chooses, so that collisions and wrap-around are frequent. */
class FakeStore implements KeyStore {
  readonly hashes: number[] = [];
  readonly keys: string[] = [];
  keyMatches(slot: number, probe: KeyProbe): boolean {
    return this.keys[slot] === `${probe.networkName}|${probe.containerID}|${probe.ifName}`;
  }
}

/** A probe for the key with a chosen hash. */
function probe(networkName: string, containerID: string, ifName: string, hash: number): KeyProbe {
  const p = new KeyProbe().load(networkName, containerID, ifName);
  p.hash = hash;
  return p;
}

describe('KeyIndex', () => {
  it('matches a Map under random inserts and removals with colliding hashes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(63), fc.integer({ min: -4, max: 4 })), {
          maxLength: 400,
          // fast-check's default size caps arrays at 10 elements whatever maxLength says
          size: 'max',
        }),
        (ops) => {
          const store = new FakeStore();
          const index = new KeyIndex(store);
          const model = new Map<string, number>();
          for (const [add, id, hash] of ops) {
            const containerID = `c${id}`;
            const k = `n|${containerID}|e`;
            // hashes in a tiny range, occasionally huge, so probe runs cluster and wrap
            const h = hash === 4 ? 0x7fffffff : hash === -4 ? -0x80000000 : hash;
            const slot = id;
            if (add && !model.has(k)) {
              store.hashes[slot] = h;
              store.keys[slot] = k;
              index.insert(slot, store.hashes[slot]!);
              model.set(k, slot);
            } else if (!add && model.has(k)) {
              index.remove(slot, store.hashes[slot]!);
              model.delete(k);
            }
            expect(index.size).toBe(model.size);
            const wrong: string[] = [];
            for (let other = 0; other < 64; other++) {
              const ok = `n|c${other}|e`;
              const expected = model.get(ok) ?? -1;
              const probeHash = expected >= 0 ? store.hashes[expected]! : 12345;
              const found = index.find(probe('n', `c${other}`, 'e', probeHash));
              if (found !== expected) wrong.push(`${ok}: ${found}, expected ${expected}`);
            }
            expect(wrong).toEqual([]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('grows past its initial size', () => {
    const store = new FakeStore();
    const index = new KeyIndex(store);
    for (let slot = 0; slot < 5000; slot++) {
      store.hashes[slot] = new KeyProbe().load('n', `c${slot}`, 'e').hash;
      store.keys[slot] = `n|c${slot}|e`;
      index.insert(slot, store.hashes[slot]!);
    }
    for (let slot = 0; slot < 5000; slot += 2) index.remove(slot, store.hashes[slot]!);
    for (let slot = 0; slot < 5000; slot++) {
      expect(index.find(probe('n', `c${slot}`, 'e', store.hashes[slot]!))).toBe(
        slot % 2 === 0 ? -1 : slot,
      );
    }
  });
});
