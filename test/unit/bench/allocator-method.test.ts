import { describe, expect, it } from 'vitest';
import { pairRatios, sweepTurns } from '../../../bench/allocator.ts';

// How the allocator benchmark pairs its rounds: the scaling ratio's two rounds must come from the
// same fork and follow each other, in sweeps of both directions.
describe('allocator benchmark method', () => {
  const order = [16, 65_536, 256, 4_096, 11_760];

  it('visits every (size, fork) once per sweep, every other sweep backwards', () => {
    const forwards = sweepTurns(order, 3, 0);
    expect(forwards).toHaveLength(15);
    expect(new Set(forwards.map((t) => `${t.size}#${t.fork}`)).size).toBe(15);
    expect(forwards.slice(0, 5)).toEqual(order.map((size) => ({ size, fork: 0 })));
    expect(sweepTurns(order, 3, 1)).toEqual([...forwards].reverse());
    expect(sweepTurns(order, 3, 2)).toEqual(forwards);
  });

  it('puts the two sizes of each fork next to each other in every sweep', () => {
    for (let round = 0; round < 4; round++) {
      const turns = sweepTurns(order, 3, round);
      for (let fork = 0; fork < 3; fork++) {
        const small = turns.findIndex((t) => t.size === 16 && t.fork === fork);
        const large = turns.findIndex((t) => t.size === 65_536 && t.fork === fork);
        expect(Math.abs(small - large), `round ${round}, fork ${fork}`).toBe(1);
      }
    }
  });

  it('divides each large round by the small round of the same fork and sweep', () => {
    const large = [
      [12, 30],
      [50, 70],
    ];
    const small = [
      [10, 20],
      [40, 100],
    ];
    expect(pairRatios(large, small)).toEqual([1.2, 1.5, 1.25, 0.7]);
  });
});
