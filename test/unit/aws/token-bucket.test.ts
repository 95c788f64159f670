import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/aws/token-bucket.ts';
import { EC2_DEFAULT_BUCKETS, ec2BucketFor } from '../../../src/config/ec2-buckets.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';

describe('TokenBucket', () => {
  it('starts full, empties, and refills continuously (fractional rates too)', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 0.5 }, clock);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake(2)).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    expect(bucket.msUntilAvailable()).toBe(2000);
    clock.advance(1999);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  it('never holds more than its capacity', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 }, clock);
    clock.advance(60_000);
    expect(bucket.level()).toBe(2);
  });

  it('a failed take takes nothing', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1 }, clock);
    expect(bucket.tryTake(3)).toBe(false);
    expect(bucket.level()).toBe(2);
    expect(bucket.msUntilAvailable(3)).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects a bucket that could never give a token', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }, new ManualClock())).toThrow(
      /capacity > 0/,
    );
  });
});

describe('EC2 bucket table', () => {
  it('maps actions to their own bucket or a category', () => {
    expect(ec2BucketFor('AssignPrivateIpAddresses', true)).toBe('AssignPrivateIpAddresses');
    expect(ec2BucketFor('DescribeNetworkInterfaces', true)).toBe('NonMutating');
    expect(ec2BucketFor('DescribeNetworkInterfaces', false)).toBe('Unfiltered');
    expect(ec2BucketFor('AttachNetworkInterface', true)).toBe('Mutating');
    expect(EC2_DEFAULT_BUCKETS.Mutating).toEqual({ capacity: 50, refillPerSecond: 5 });
    expect(EC2_DEFAULT_BUCKETS.CreateTags).toEqual({ capacity: 100, refillPerSecond: 10 });
  });
});
