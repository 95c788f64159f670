import type { Datastore } from '../ipam/datastore.ts';
import type { AllocationView } from '../ipam/datastore-types.ts';
import {
  addressFields,
  type CheckpointData,
  type CheckpointEntry,
  encodeCheckpoint,
} from './format.ts';

/** The checkpoint entry of an assigned address (the key flattened into it, as the reference). */
export function entryOfAllocation(a: AllocationView): CheckpointEntry {
  return {
    networkName: a.key.networkName,
    containerID: a.key.containerID,
    ifName: a.key.ifName,
    ...addressFields(a.ip),
    allocationTimestamp: a.assignedAtNs,
    metadata: a.metadata,
  };
}

/**
 * What a datastore's checkpoint file holds: its assigned addresses and its cooling ones, each in
 * the field of the datastore's family (`ipv4` or `ipv6`).
 */
export function checkpointFromDatastore(datastore: Datastore): CheckpointData {
  return {
    allocations: datastore.allocations().map(entryOfAllocation),
    cooldown: datastore
      .coolingAddresses()
      .map((c) => ({ ...addressFields(c.ip), unassignedTimestamp: c.unassignedAtNs })),
  };
}

/** The checkpoint file text for a datastore (the snapshot the journal's records follow). */
export function renderCheckpoint(datastore: Datastore): string {
  return encodeCheckpoint(checkpointFromDatastore(datastore));
}
