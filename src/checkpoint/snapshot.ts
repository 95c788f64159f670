import type { Datastore } from '../ipam/datastore.ts';
import { addressFields, type CheckpointData, encodeCheckpoint } from './format.ts';

/**
 * What a datastore's checkpoint file holds: its assigned addresses and its cooling ones, each in
 * the field of the datastore's family (`ipv4` or `ipv6`).
 */
export function checkpointFromDatastore(datastore: Datastore): CheckpointData {
  return {
    allocations: datastore.allocations().map((a) => ({
      networkName: a.key.networkName,
      containerID: a.key.containerID,
      ifName: a.key.ifName,
      ...addressFields(a.ip),
      allocationTimestamp: a.assignedAtNs,
      metadata: a.metadata,
    })),
    cooldown: datastore
      .coolingAddresses()
      .map((c) => ({ ...addressFields(c.ip), unassignedTimestamp: c.unassignedAtNs })),
  };
}

/** The checkpoint file text for a datastore; the render function a CheckpointWriter takes. */
export function renderCheckpoint(datastore: Datastore): string {
  return encodeCheckpoint(checkpointFromDatastore(datastore));
}
