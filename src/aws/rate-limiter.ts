import { EC2_DEFAULT_BUCKETS, ec2BucketFor } from '../config/ec2-buckets.ts';
import type { Clock } from '../ipam/clock.ts';
import { systemClock } from '../system-clock.ts';
import { TokenBucket, type TokenBucketSpec } from './token-bucket.ts';

/**
 * Client-side token buckets in front of the EC2 SDK, one per EC2 bucket name (an action with its
 * own bucket, or a shared category; src/config/ec2-buckets.ts). A caller short of a token WAITS
 * for it — bounded API use (docs/architecture.md) means spreading calls out, not failing them — and the
 * wait is returned so it can be observed. Waiters on one bucket are served in arrival order.
 */

type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Ec2RateLimiterOptions {
  /** Overrides per bucket name (Config.ec2RateLimits); missing names keep EC2's documented defaults. */
  readonly buckets?: Readonly<Record<string, TokenBucketSpec>>;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
}

export class Ec2RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  // The promise each bucket's most recent waiter settles on: a newcomer queues behind it.
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly clock: Clock;
  private readonly sleep: Sleep;

  constructor(options: Ec2RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    const specs = { ...EC2_DEFAULT_BUCKETS, ...(options.buckets ?? {}) };
    for (const [name, spec] of Object.entries(specs)) {
      this.buckets.set(name, new TokenBucket(spec, this.clock));
    }
  }

  /** The bucket an action draws from (`bounded`: a Describe with filters, IDs or pagination). */
  bucketFor(action: string, bounded = true): string {
    return ec2BucketFor(action, bounded);
  }

  /**
   * Waits until the action's bucket has a token and takes it. Resolves with the milliseconds
   * spent waiting (0 when a token was there).
   */
  acquire(action: string, bounded = true): Promise<number> {
    const name = this.bucketFor(action, bounded);
    const bucket = this.buckets.get(name);
    if (!bucket) return Promise.resolve(0);
    const start = this.clock.now();
    const previous = this.tails.get(name) ?? Promise.resolve();
    const mine = previous.then(() => this.take(bucket, name)).then(() => this.clock.now() - start);
    // A rejected waiter must not poison the queue behind it.
    const tail = mine.catch(() => undefined);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return mine;
  }

  private async take(bucket: TokenBucket, name: string): Promise<void> {
    while (!bucket.tryTake()) {
      const wait = bucket.msUntilAvailable();
      if (!Number.isFinite(wait)) {
        throw new RangeError(`EC2 rate-limit bucket ${name} never refills (refillPerSecond 0)`);
      }
      await this.sleep(Math.max(1, wait));
    }
  }

  /** Tokens left per bucket name (fractional), e.g. for a gauge. */
  levels(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, bucket] of this.buckets) out[name] = bucket.level();
    return out;
  }

  /** The spec in force per bucket name. */
  specs(): Record<string, TokenBucketSpec> {
    const out: Record<string, TokenBucketSpec> = {};
    for (const [name, bucket] of this.buckets) out[name] = bucket.spec;
    return out;
  }
}
