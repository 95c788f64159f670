import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../src/sim/faults.ts';
import { LATENCY_PROFILES, LatencySampler, resolveLatencyModel } from '../../../src/sim/latency.ts';
import { SeededRandom } from '../../../src/sim/random.ts';

describe('FaultInjector', () => {
  it('applies the first matching fault, uses up counts, and clears', () => {
    const faults = new FaultInjector(new SeededRandom(1));
    faults.inject({ action: 'A', code: 'One', count: 1 });
    faults.inject({ action: '*', code: 'Any', count: 2 });
    expect(faults.check('A')?.code).toBe('One');
    expect(faults.check('A')?.code).toBe('Any');
    expect(faults.check('B')?.code).toBe('Any');
    expect(faults.check('A')).toBeUndefined();
    faults.inject({ action: 'A', code: 'Forever' });
    expect(faults.check('A')?.httpStatus).toBe(400);
    expect(faults.check('A')?.code).toBe('Forever');
    faults.clear();
    expect(faults.check('A')).toBeUndefined();
  });

  it('uses EC2 statuses by code', () => {
    const faults = new FaultInjector(new SeededRandom(1));
    for (const [code, status] of [
      ['RequestLimitExceeded', 503],
      ['InternalError', 500],
      ['UnauthorizedOperation', 403],
      ['InsufficientCidrBlocks', 400],
    ] as const) {
      faults.inject({ action: 'X', code, count: 1 });
      expect(faults.check('X')?.httpStatus).toBe(status);
    }
  });
});

describe('latency', () => {
  it('draws within the ranges, reproducibly', () => {
    const a = new LatencySampler(LATENCY_PROFILES.realistic, new SeededRandom(3));
    const b = new LatencySampler(LATENCY_PROFILES.realistic, new SeededRandom(3));
    for (let i = 0; i < 50; i++) {
      const create = a.action('CreateNetworkInterface');
      expect(create).toBe(b.action('CreateNetworkInterface'));
      expect(create).toBeGreaterThanOrEqual(300);
      expect(create).toBeLessThanOrEqual(800);
      const detach = a.detach();
      expect(detach).toBe(b.detach());
      expect(detach).toBeGreaterThanOrEqual(2000);
      expect(detach).toBeLessThanOrEqual(3000);
      b.action('x');
      a.action('x');
    }
  });

  it("'none' is zero everywhere; an unknown profile name is an error", () => {
    const none = new LatencySampler(resolveLatencyModel('none'), new SeededRandom(1));
    expect([none.action('CreateNetworkInterface'), none.attach(), none.detach()]).toEqual([
      0, 0, 0,
    ]);
    expect(() => resolveLatencyModel('slow' as 'fast')).toThrow(RangeError);
    expect(resolveLatencyModel(undefined)).toBe(LATENCY_PROFILES.fast);
  });
});
