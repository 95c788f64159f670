/**
 * Where each network card's checkpoint lives (the reference's AWS_VPC_K8S_CNI_BACKING_STORE, with
 * `-nic-N` for card N > 0).
 */

/** AWS_VPC_K8S_CNI_BACKING_STORE's default. */
export const DEFAULT_BACKING_STORE = '/var/run/aws-node/ipam.json';

/**
 * Card 0 uses the configured path; card N > 0 strips a trailing `.json` and appends
 * `-nic-N.json` (`/var/run/aws-node/ipam-nic-1.json`).
 */
export function checkpointPath(backingStore: string, networkCard: number): string {
  if (networkCard === 0) return backingStore;
  const stem = backingStore.endsWith('.json')
    ? backingStore.slice(0, -'.json'.length)
    : backingStore;
  return `${stem}-nic-${networkCard}.json`;
}

/** Side file keeping allocations a restore could not place (JSON lines). */
export function droppedPath(checkpoint: string): string {
  return `${checkpoint}.dropped`;
}

/**
 * The journal beside the snapshot: every change since the snapshot, one durable record per commit
 * (docs/compat.md, "Checkpoint journal"). The reference never reads it.
 */
export function journalPath(checkpoint: string): string {
  return `${checkpoint}.journal`;
}

/** Where a journal that does not continue the snapshot is kept instead of being replayed. */
export function unmatchedJournalPath(checkpoint: string): string {
  return `${journalPath(checkpoint)}.unmatched`;
}
