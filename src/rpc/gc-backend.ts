import type { PodGcRequest, PodGcResult } from '../ipam/pod-allocation.ts';
import type { GarbageCollectReply, GarbageCollectRequest } from '../wire/gc-messages.ts';

/** vpcipamd.PodAllocations.GarbageCollect to and from the allocator's terms. */

export function gcRequestOf(message: GarbageCollectRequest): PodGcRequest {
  return {
    networkName: message.NetworkName,
    validAttachments: message.ValidAttachments.map((a) => ({
      containerID: a.ContainerID,
      ifName: a.IfName,
    })),
  };
}

export function gcReplyOf(result: PodGcResult): GarbageCollectReply {
  return {
    Released: result.released.map((address) => ({
      IPv4Addr: address.ipv4,
      IPv6Addr: '',
      DeviceNumber: address.deviceNumber,
      RouteTableId: address.routeTableId,
    })),
    KeptRecent: result.keptRecent,
  };
}
