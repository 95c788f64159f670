import type { AllocationView } from '../ipam/datastore-types.ts';
import { formatRfc3339Nano, splitClockMs } from '../ipam/unix-time.ts';
import { appendDurable } from './atomic-write.ts';
import { type CheckpointFs, nodeCheckpointFs } from './checkpoint-fs.ts';
import { addressFields, encodeEntry } from './format.ts';
import { encodeGoString } from './go-json.ts';
import { droppedPath } from './paths.ts';

/**
 * Why the daemon took allocations away while running: the ENI is no longer attached
 * ('eni-detached'), or EC2 no longer lists the address on its ENI ('address-gone').
 */
export type RemovalReason = 'eni-detached' | 'address-gone';

/**
 * Appends allocations a forced removal took from their pods to `<checkpoint>.dropped` (the same
 * JSON-lines side file the restore writes), durably, before the checkpoint that no longer holds
 * them is written: the checkpoint is evidence and nothing leaves it unrecorded.
 */
export async function recordRemovedAllocations(
  checkpointFile: string,
  removed: readonly AllocationView[],
  reason: RemovalReason,
  detail: string,
  nowMs: number,
  fs: CheckpointFs = nodeCheckpointFs,
): Promise<void> {
  if (removed.length === 0) return;
  const { ms, subMsNs } = splitClockMs(nowMs);
  const time = encodeGoString(formatRfc3339Nano(ms, subMsNs));
  const lines = removed.map((allocation) => {
    const entry = encodeEntry({
      ...allocation.key,
      ...addressFields(allocation.ip),
      allocationTimestamp: allocation.assignedAtNs,
      metadata: allocation.metadata,
    });
    return `{"entry":${entry},"reason":${encodeGoString(reason)},"detail":${encodeGoString(detail)},"time":${time}}\n`;
  });
  await appendDurable(droppedPath(checkpointFile), lines.join(''), fs);
}
