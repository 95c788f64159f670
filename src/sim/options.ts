import type { Clock } from '../ipam/clock.ts';
import { systemClock } from '../system-clock.ts';
import type { LatencyModel, SimOptions } from './api.ts';
import { resolveLatencyModel } from './latency.ts';

export interface ResolvedSimOptions {
  readonly region: string;
  readonly availabilityZone: string;
  readonly vpcCidr: string;
  readonly extraVpcCidrs: readonly string[];
  readonly subnetCidr: string;
  readonly latency: LatencyModel;
  readonly imdsLagMs: number;
  readonly buckets: NonNullable<SimOptions['buckets']>;
  readonly port: number;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly seed: number;
}

/**
 * Real-time sleep whose timer does not keep the process alive on its own: the servers do that
 * while the region is open, and a closed region should not hold a CLI open for a pending detach.
 */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
  });
}

/** SimOptions with every default filled in (see the comments in api.ts). */
export function resolveSimOptions(options: SimOptions = {}): ResolvedSimOptions {
  const region = options.region ?? 'us-west-2';
  const imdsLagMs = options.imdsLagMs ?? 0;
  if (!(imdsLagMs >= 0)) throw new RangeError(`imdsLagMs must be ≥ 0, got ${imdsLagMs}`);
  return {
    region,
    availabilityZone: options.availabilityZone ?? `${region}a`,
    vpcCidr: options.vpcCidr ?? '10.0.0.0/16',
    extraVpcCidrs: options.extraVpcCidrs ?? [],
    subnetCidr: options.subnetCidr ?? '10.0.0.0/20',
    latency: resolveLatencyModel(options.latency),
    imdsLagMs,
    buckets: options.buckets ?? 'ec2-defaults',
    port: options.port ?? 0,
    clock: options.clock ?? systemClock,
    sleep: options.sleep ?? realSleep,
    seed: options.seed ?? 1,
  };
}
