import type { Datastore } from '../ipam/datastore.ts';
import { type CheckpointData, encodeCheckpoint } from './format.ts';

/** What a datastore's checkpoint file holds: its assigned addresses and its cooling ones. */
export function checkpointFromDatastore(datastore: Datastore): CheckpointData {
  return {
    allocations: datastore.allocations().map((a) => ({
      networkName: a.key.networkName,
      containerID: a.key.containerID,
      ifName: a.key.ifName,
      ipv4: a.ip,
      ipv6: '',
      allocationTimestamp: a.assignedAtNs,
      metadata: a.metadata,
    })),
    cooldown: datastore
      .coolingAddresses()
      .map((c) => ({ ipv4: c.ip, unassignedTimestamp: c.unassignedAtNs })),
  };
}

/** The checkpoint file text for a datastore; the render function a CheckpointWriter takes. */
export function renderCheckpoint(datastore: Datastore): string {
  return encodeCheckpoint(checkpointFromDatastore(datastore));
}
