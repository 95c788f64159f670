import type { Clock } from '../ipam/clock.ts';
import type { Ec2ApiObserver } from './api-metrics.ts';
import { Ec2Error, toEc2Error } from './errors.ts';
import type { Ec2RateLimiter } from './rate-limiter.ts';

/**
 * Every EC2 request of the adapter goes through `Ec2Caller.send`: refuse an unbounded Describe,
 * wait for a client-side token, send, report the outcome, and turn any failure into an Ec2Error.
 */

const ID_LIST_KEYS = [
  'NetworkInterfaceIds',
  'InstanceIds',
  'SubnetIds',
  'InstanceTypes',
  'GroupIds',
  'VpcIds',
] as const;

/**
 * Whether a Describe input has filters, IDs or pagination. EC2 serves Describe calls with none of
 * them from a bucket half the size (EC2 documentation, "Request throttling for the Amazon EC2
 * API"), shared by the whole account.
 */
export function isBoundedDescribe(input: object): boolean {
  const record = input as Record<string, unknown>;
  const filters = record.Filters;
  if (Array.isArray(filters) && filters.length > 0) return true;
  for (const key of ID_LIST_KEYS) {
    const ids = record[key];
    if (Array.isArray(ids) && ids.length > 0) return true;
  }
  return record.MaxResults !== undefined || record.NextToken !== undefined;
}

interface WithMetadata {
  readonly $metadata?: { readonly attempts?: number };
}

function attemptsOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return (value as WithMetadata).$metadata?.attempts ?? 0;
}

export class Ec2Caller {
  constructor(
    private readonly limiter: Ec2RateLimiter,
    private readonly observer: Ec2ApiObserver,
    private readonly clock: Clock,
  ) {}

  /** Sends one EC2 action. `run` sends the SDK command built from `input`. */
  async send<T>(action: string, input: object, run: () => Promise<T>): Promise<T> {
    const isDescribe = action.startsWith('Describe');
    if (isDescribe && !isBoundedDescribe(input)) {
      // A programming error, not an EC2 answer: no port method may describe everything.
      throw new Ec2Error(action, {
        kind: 'other',
        code: 'UnboundedDescribe',
        message: 'a Describe call needs filters, IDs or pagination',
        httpStatus: undefined,
      });
    }
    const bucket = this.limiter.bucketFor(action, true);
    const rateLimitWaitMs = await this.limiter.acquire(action, true);
    const start = this.clock.now();
    try {
      const output = await run();
      this.observer.onCall({
        action,
        bucket,
        outcome: 'success',
        latencyMs: this.clock.now() - start,
        attempts: attemptsOf(output),
        rateLimitWaitMs,
      });
      return output;
    } catch (err) {
      const error = toEc2Error(action, err);
      this.observer.onCall({
        action,
        bucket,
        outcome: error.kind,
        errorCode: error.code,
        ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
        latencyMs: this.clock.now() - start,
        attempts: attemptsOf(err),
        rateLimitWaitMs,
      });
      throw error;
    }
  }
}
