import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoolingFifo } from '../../../../src/ipam/cooling-fifo.ts';
import { LevelBitmap } from '../../../../src/ipam/level-bitmap.ts';
import { LevelQueue, type Queued } from '../../../../src/ipam/level-queue.ts';

class Node implements Queued<Node> {
  qPrev: Node | null = null;
  qNext: Node | null = null;
  qLevel = 0;
  queued = false;
  constructor(readonly id: number) {}
}

describe('LevelBitmap', () => {
  it('answers the highest member across growth', () => {
    const b = new LevelBitmap();
    expect(b.highest()).toBe(-1);
    b.set(3);
    b.set(40_000);
    b.set(31);
    expect(b.highest()).toBe(40_000);
    b.clear(40_000);
    expect(b.highest()).toBe(31);
    expect(b.has(3)).toBe(true);
    b.clear(31);
    b.clear(3);
    expect(b.highest()).toBe(-1);
  });

  it('matches a sorted-set model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(5000)), { maxLength: 300, size: 'max' }),
        (ops) => {
          const b = new LevelBitmap();
          const model = new Set<number>();
          for (const [add, level] of ops) {
            if (add) {
              b.set(level);
              model.add(level);
            } else {
              b.clear(level);
              model.delete(level);
            }
            expect(b.highest()).toBe(model.size === 0 ? -1 : Math.max(...model));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('LevelQueue', () => {
  it('returns the first-filed element of the highest level', () => {
    const q = new LevelQueue<Node>();
    const [a, b, c] = [new Node(1), new Node(2), new Node(3)];
    q.insert(a, 2);
    q.insert(b, 5);
    q.insert(c, 5);
    expect(q.top()).toBe(b);
    q.place(b, 1);
    expect(q.top()).toBe(c);
    q.remove(c);
    expect(q.top()).toBe(a);
    expect(q.size).toBe(2);
    q.clear();
    expect(q.top()).toBeNull();
    expect(a.queued || b.queued).toBe(false);
  });

  it('matches a model under random operations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(9), fc.integer({ min: -1, max: 20 })), {
          maxLength: 200,
          size: 'max',
        }),
        (ops) => {
          const nodes = Array.from({ length: 10 }, (_, i) => new Node(i));
          const q = new LevelQueue<Node>();
          const model = new Map<number, { level: number; seq: number }>();
          let seq = 0;
          for (const [id, level] of ops) {
            const node = nodes[id]!;
            if (level < 0) {
              if (node.queued) q.remove(node);
              model.delete(id);
            } else {
              const before = model.get(id);
              q.place(node, level);
              if (!before || before.level !== level) model.set(id, { level, seq: seq++ });
            }
            let best: number | undefined;
            for (const [nid, v] of model) {
              const cur = best === undefined ? undefined : model.get(best)!;
              if (!cur || v.level > cur.level || (v.level === cur.level && v.seq < cur.seq))
                best = nid;
            }
            expect(q.top()?.id).toBe(best);
            expect(q.size).toBe(model.size);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('CoolingFifo', () => {
  it('keeps order across growth and wrap-around', () => {
    const f = new CoolingFifo();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 50; i++) f.push(next, next++);
      for (let i = 0; i < 30; i++) {
        expect(f.peekSlot()).toBe(expected);
        expect(f.peekTime()).toBe(expected++);
        f.shift();
      }
    }
    expect(f.size).toBe(200);
  });
});
