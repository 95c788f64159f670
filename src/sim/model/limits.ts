import { knownInstanceTypes, lookupInstanceType } from '../../ipam/instance-limits.ts';
import type { RegionState } from './region-state.ts';
import { type EniRecord, liveAddresses } from './types.ts';

let largestIpv4Limit: number | undefined;

/**
 * Addresses an ENI that is not attached may hold: the largest per-interface limit of any type
 * (EC2 checks the instance type's own limit once the ENI is attached to an instance).
 */
export function unattachedIpv4Limit(): number {
  if (largestIpv4Limit === undefined) {
    largestIpv4Limit = 0;
    for (const type of knownInstanceTypes()) {
      largestIpv4Limit = Math.max(largestIpv4Limit, lookupInstanceType(type)?.ipv4Limit ?? 0);
    }
  }
  return largestIpv4Limit;
}

/** IPv4 slots (addresses incl. the primary, one per /28 prefix) the ENI may hold where it is now. */
export function ipv4SlotLimit(state: RegionState, eni: EniRecord): number {
  const attachment = eni.attachment;
  if (!attachment) return unattachedIpv4Limit();
  const instance = state.instances.get(attachment.instanceId);
  return instance ? instance.typeInfo.ipv4Limit : unattachedIpv4Limit();
}

/** IPv4 slots in use: every live address (the primary included) and every live prefix. */
export function ipv4SlotsUsed(eni: EniRecord): number {
  return liveAddresses(eni).length;
}
