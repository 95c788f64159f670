import type { TokenBucketSpec } from './types.ts';

/**
 * EC2's documented account-level request buckets (EC2 developer guide, "Request throttling for
 * the Amazon EC2 API"). Actions with their own bucket are keyed
 * by action name; the rest share a category bucket: 'NonMutating' (Describe* with a filter or
 * pagination), 'Unfiltered' (Describe* with neither) and 'Mutating' (other mutating actions,
 * e.g. Attach/DetachNetworkInterface). The simulator throttles with these; the EC2 adapter's
 * client-side buckets default to them.
 */
export const EC2_DEFAULT_BUCKETS: Readonly<Record<string, TokenBucketSpec>> = Object.freeze({
  AssignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  UnassignPrivateIpAddresses: { capacity: 100, refillPerSecond: 5 },
  AssignIpv6Addresses: { capacity: 100, refillPerSecond: 5 },
  UnassignIpv6Addresses: { capacity: 100, refillPerSecond: 5 },
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  ModifyNetworkInterfaceAttribute: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  NonMutating: { capacity: 100, refillPerSecond: 20 },
  Unfiltered: { capacity: 50, refillPerSecond: 10 },
  Mutating: { capacity: 50, refillPerSecond: 5 },
});

/**
 * Name of the bucket an EC2 call draws from. `filteredOrPaginated` matters only for Describe*:
 * a Describe with neither filters, IDs nor pagination lands in the smaller 'Unfiltered' bucket.
 */
export function ec2BucketFor(action: string, filteredOrPaginated: boolean): string {
  if (action in EC2_DEFAULT_BUCKETS) return action;
  if (action.startsWith('Describe')) return filteredOrPaginated ? 'NonMutating' : 'Unfiltered';
  return 'Mutating';
}
