import { EC2Client } from '@aws-sdk/client-ec2';
import { ManualClock } from '../../../src/ipam/clock.ts';
import type { SimulatedRegion } from '../../../src/sim/api.ts';

/** The real SDK client pointed at a simulated region, with dummy credentials and no retries. */
export function ec2For(sim: SimulatedRegion, maxAttempts = 1): EC2Client {
  return new EC2Client({
    endpoint: sim.ec2Endpoint,
    region: sim.region,
    credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' },
    maxAttempts,
  });
}

/** What an SDK call rejected with: EC2's code (the exception name), message and HTTP status. */
export async function ec2Failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the EC2 call to fail, but it succeeded');
}

/**
 * Simulated time: a ManualClock plus a `sleep` that resolves only when the test moves the clock
 * past the sleeper's wake-up time (the region's background transition hooks wait on it).
 */
export class ManualTime {
  readonly clock = new ManualClock();
  private waiters: { at: number; resolve: () => void }[] = [];

  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (ms <= 0) resolve();
      else this.waiters.push({ at: this.clock.now() + ms, resolve });
    });

  /** Moves the clock and wakes every sleeper that is now due; then lets their callbacks run. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    const now = this.clock.now();
    const due = this.waiters.filter((w) => w.at <= now);
    this.waiters = this.waiters.filter((w) => w.at > now);
    for (const waiter of due) waiter.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Zero response latency, fixed transition latencies: state changes happen only when the test says. */
export function fixedTransitions(attachMs: number, detachMs: number) {
  return {
    defaultAction: { minMs: 0, maxMs: 0 },
    attach: { minMs: attachMs, maxMs: attachMs },
    detach: { minMs: detachMs, maxMs: detachMs },
  };
}
