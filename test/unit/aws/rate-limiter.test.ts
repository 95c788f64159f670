import { describe, expect, it } from 'vitest';
import { Ec2RateLimiter } from '../../../src/aws/rate-limiter.ts';
import { EC2_DEFAULT_BUCKETS } from '../../../src/config/ec2-buckets.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';

function setup(buckets: Record<string, { capacity: number; refillPerSecond: number }> = {}) {
  const clock = new ManualClock();
  const sleeps: number[] = [];
  const limiter = new Ec2RateLimiter({
    buckets,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return { clock, sleeps, limiter };
}

describe('Ec2RateLimiter', () => {
  it('defaults to EC2 documented buckets and maps actions onto them', () => {
    const { limiter } = setup();
    expect(limiter.specs()).toEqual(EC2_DEFAULT_BUCKETS);
    expect(limiter.bucketFor('AssignPrivateIpAddresses')).toBe('AssignPrivateIpAddresses');
    expect(limiter.bucketFor('AttachNetworkInterface')).toBe('Mutating');
    expect(limiter.bucketFor('DescribeNetworkInterfaces')).toBe('NonMutating');
    expect(limiter.bucketFor('DescribeNetworkInterfaces', false)).toBe('Unfiltered');
  });

  it('takes a token without waiting while the bucket has one', async () => {
    const { limiter, sleeps } = setup();
    for (let i = 0; i < 100; i++) expect(await limiter.acquire('CreateNetworkInterface')).toBe(0);
    expect(sleeps).toEqual([]);
    expect(limiter.levels().CreateNetworkInterface).toBe(0);
  });

  it('makes callers wait for a token (they never fail) and reports the wait', async () => {
    const { limiter, sleeps } = setup({ CreateTags: { capacity: 2, refillPerSecond: 4 } });
    expect(await limiter.acquire('CreateTags')).toBe(0);
    expect(await limiter.acquire('CreateTags')).toBe(0);
    expect(await limiter.acquire('CreateTags')).toBe(250);
    expect(await limiter.acquire('CreateTags')).toBe(250);
    expect(sleeps).toEqual([250, 250]);
  });

  it('serves concurrent waiters of one bucket in arrival order, other buckets independently', async () => {
    const { limiter, clock } = setup({ Mutating: { capacity: 1, refillPerSecond: 1 } });
    const order: string[] = [];
    const waits = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        limiter.acquire('AttachNetworkInterface').then((waited) => {
          order.push(name);
          return waited;
        }),
      ),
    );
    expect(order).toEqual(['a', 'b', 'c']);
    expect(waits).toEqual([0, 1000, 2000]);
    expect(clock.now() - Date.UTC(2026, 0, 1)).toBe(2000);
    expect(await limiter.acquire('DeleteNetworkInterface')).toBe(0);
  });

  it('overrides only the buckets it is given (Config.ec2RateLimits)', () => {
    const { limiter } = setup({ NonMutating: { capacity: 7, refillPerSecond: 0.5 } });
    expect(limiter.specs().NonMutating).toEqual({ capacity: 7, refillPerSecond: 0.5 });
    expect(limiter.specs().CreateTags).toEqual(EC2_DEFAULT_BUCKETS.CreateTags);
    expect(limiter.levels().NonMutating).toBe(7);
  });

  it('refuses to wait forever on a bucket that never refills', async () => {
    const { limiter } = setup({ Mutating: { capacity: 1, refillPerSecond: 0 } });
    await limiter.acquire('DetachNetworkInterface');
    await expect(limiter.acquire('DetachNetworkInterface')).rejects.toThrow(/never refills/);
    // The queue is not poisoned for later callers of other buckets.
    expect(await limiter.acquire('CreateTags')).toBe(0);
  });
});
