import type { TokenBucketSpec } from '../config/types.ts';
import type { Clock } from '../ipam/clock.ts';

export type { TokenBucketSpec };

/**
 * A token bucket refilled continuously from an injected clock, with no timers. EC2 throttles with
 * buckets like this (per account and region); the simulator uses it to throttle and the EC2
 * adapter uses it to stay under the account's limits on the client side.
 */
export class TokenBucket {
  readonly spec: TokenBucketSpec;
  private readonly clock: Clock;
  private tokens: number;
  private updatedAt: number;

  constructor(spec: TokenBucketSpec, clock: Clock) {
    if (!(spec.capacity > 0) || !(spec.refillPerSecond >= 0)) {
      throw new RangeError(
        `token bucket needs capacity > 0 and refill ≥ 0, got ${spec.capacity}/${spec.refillPerSecond}`,
      );
    }
    this.spec = spec;
    this.clock = clock;
    this.tokens = spec.capacity;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.updatedAt) {
      const gained = ((now - this.updatedAt) / 1000) * this.spec.refillPerSecond;
      this.tokens = Math.min(this.spec.capacity, this.tokens + gained);
    }
    this.updatedAt = now;
  }

  /** Tokens available now (fractional). */
  level(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes `count` tokens if they are all there; otherwise takes nothing and answers false. */
  tryTake(count = 1): boolean {
    this.refill();
    if (this.tokens + 1e-9 < count) return false;
    this.tokens = Math.max(0, this.tokens - count);
    return true;
  }

  /** Milliseconds until `count` tokens will be available (0 when they are now; Infinity if never). */
  msUntilAvailable(count = 1): number {
    this.refill();
    const missing = count - this.tokens;
    if (missing <= 1e-9) return 0;
    if (count > this.spec.capacity || this.spec.refillPerSecond === 0)
      return Number.POSITIVE_INFINITY;
    return Math.ceil((missing / this.spec.refillPerSecond) * 1000);
  }
}
