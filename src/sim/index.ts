/**
 * The simulated AWS region (EC2 Query API, per-instance IMDS, control API) that the real AWS SDK
 * talks to over HTTP. See api.ts for the contract.
 */
import type { SimOptions, SimulatedRegion } from './api.ts';
import { SimRegion } from './region.ts';

export type * from './api.ts';
export { LATENCY_PROFILES } from './latency.ts';

/** Starts a region with a VPC, its default subnet and security group, and no instances yet. */
export function startSimulatedRegion(options: SimOptions = {}): Promise<SimulatedRegion> {
  return SimRegion.start(options);
}
