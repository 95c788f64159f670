import type { RegionState } from './region-state.ts';
import { attachmentStatus, liveAddresses } from './types.ts';

/** A JSON-friendly picture of the whole region, for `GET /_sim/state`, debugging and demos. */
export function dumpState(state: RegionState): Record<string, unknown> {
  const now = state.now();
  return {
    now: new Date(now).toISOString(),
    region: state.region,
    accountId: state.accountId,
    imdsLagMs: state.imdsLagMs,
    vpc: { id: state.vpc.id, cidrs: state.vpc.cidrs },
    subnets: [...state.subnets.values()].map((s) => ({
      id: s.id,
      cidr: s.cidr,
      availabilityZone: s.availabilityZone,
      availableIpAddressCount: s.space.availableAddresses(),
      freePrefixBlocks: s.space.freeBlocks(),
      tags: Object.fromEntries(s.tags),
    })),
    securityGroups: [...state.securityGroups.values()].map((g) => ({ id: g.id, name: g.name })),
    instances: [...state.instances.values()].map((i) => ({
      id: i.id,
      instanceType: i.instanceType,
      state: i.state,
      subnetId: i.subnetId,
      imdsEndpoint: i.imdsEndpoint,
      primaryEniId: i.primaryEni.id,
      attachments: i.attachments
        .filter((a) => state.attachments.get(a.id) === a)
        .map((a) => ({
          attachmentId: a.id,
          eniId: a.eni.id,
          deviceIndex: a.deviceIndex,
          networkCardIndex: a.networkCardIndex,
          status: attachmentStatus(a, now),
          deleteOnTermination: a.deleteOnTermination,
        })),
    })),
    networkInterfaces: [...state.enis.values()].map((e) => ({
      id: e.id,
      subnetId: e.subnetId,
      macAddress: e.macAddress,
      description: e.description,
      status: e.attachment ? 'in-use' : 'available',
      attachmentId: e.attachment?.id,
      instanceId: e.attachment?.instanceId,
      privateIpAddresses: liveAddresses(e, 'ip').map((a) => a.value),
      ipv4Prefixes: liveAddresses(e, 'prefix').map((a) => a.value),
      securityGroupIds: e.groupIds,
      tags: Object.fromEntries(e.tags),
    })),
    lastHookError: state.hooks.lastError,
  };
}
