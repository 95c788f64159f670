import { TokenBucket, type TokenBucketSpec } from '../aws/token-bucket.ts';
import { EC2_DEFAULT_BUCKETS, ec2BucketFor } from '../config/ec2-buckets.ts';
import type { Clock } from '../ipam/clock.ts';
import type { SimOptions } from './api.ts';
import type { QueryParams } from './ec2/query-params.ts';

/** ID-list parameters that make a Describe* call "filtered" for EC2's bucket choice. */
const ID_LISTS = [
  'NetworkInterfaceId',
  'InstanceId',
  'SubnetId',
  'GroupId',
  'GroupName',
  'InstanceType',
  'VpcId',
];

/** Whether a call carries filters, IDs or pagination (EC2's larger 'NonMutating' bucket). */
export function isFilteredOrPaginated(params: QueryParams): boolean {
  if (params.has('Filter') || params.has('MaxResults') || params.has('NextToken')) return true;
  return ID_LISTS.some((name) => params.list(name).length > 0);
}

/**
 * EC2's account-wide request buckets (one per bucket name, shared by every instance and client
 * of the region), refilled lazily from the region's clock.
 */
export class AccountThrottle {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly specs: Readonly<Record<string, TokenBucketSpec>> | undefined;
  private readonly clock: Clock;

  constructor(option: SimOptions['buckets'], clock: Clock) {
    this.clock = clock;
    this.specs =
      option === 'off'
        ? undefined
        : { ...EC2_DEFAULT_BUCKETS, ...(option === 'ec2-defaults' ? {} : option) };
  }

  /** Takes one token for the call; false = EC2 answers RequestLimitExceeded. */
  admit(action: string, params: QueryParams): boolean {
    if (!this.specs) return true;
    return this.bucket(ec2BucketFor(action, isFilteredOrPaginated(params)))?.tryTake() ?? true;
  }

  /** Levels of the buckets used so far, for the state dump. */
  levels(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, bucket] of this.buckets) out[name] = Math.floor(bucket.level() * 100) / 100;
    return out;
  }

  /** Every bucket full again. */
  reset(): void {
    this.buckets.clear();
  }

  private bucket(name: string): TokenBucket | undefined {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      const spec = this.specs?.[name];
      if (!spec) return undefined;
      bucket = new TokenBucket(spec, this.clock);
      this.buckets.set(name, bucket);
    }
    return bucket;
  }
}
