import { Datastore } from '../ipam/datastore.ts';
import type {
  Assignment,
  RemovalResult,
  RestorePlacement,
  Unassignment,
} from '../ipam/datastore-types.ts';
import type { IpamKey, IpamMetadata } from '../ipam/ipam-key.ts';
import { splitClockMs, unixNanos } from '../ipam/unix-time.ts';
import { assignChange, coolChange, dropChange, freeChange } from './journal-records.ts';
import { entryOfAllocation } from './snapshot.ts';

/**
 * A Datastore that also records, in order, every change to what its checkpoint holds (assigned
 * and cooling addresses), each as the journal record that states the address's new state. The
 * CheckpointWriter takes them for its next commit: O(1) per change, where rendering the whole
 * checkpoint is O(pods).
 *
 * Every method of Datastore that changes assigned or cooling addresses is overridden here
 * (test/unit/checkpoint/journaled-datastore.test.ts fails for a new one that is not); the others
 * (ENIs and CIDRs coming, exclusion, the PD mode) change nothing the checkpoint holds.
 */
export class JournaledDatastore extends Datastore {
  private pending: string[] = [];

  /** The changes recorded since the last call, oldest first. */
  takeChanges(): string[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /** Puts back changes whose write failed, ahead of any recorded since (the order is kept). */
  restoreChanges(changes: readonly string[]): void {
    if (changes.length > 0) this.pending = [...changes, ...this.pending];
  }

  get pendingChanges(): number {
    return this.pending.length;
  }

  override assign(key: IpamKey, metadata: IpamMetadata): Assignment {
    const assignment = super.assign(key, metadata);
    if (!assignment.existing) this.recordAssigned(key);
    return assignment;
  }

  override unassign(key: IpamKey): Unassignment {
    const unassignment = super.unassign(key);
    // The datastore cools the address exactly when a cooldown is set (AddressPool.vacate).
    if (this.cooldownMs > 0) {
      const at = splitClockMs(unassignment.unassignedAtMs);
      this.pending.push(coolChange(unassignment.ip, unixNanos(at.ms, at.subMsNs)));
    } else {
      this.pending.push(freeChange(unassignment.ip));
    }
    return unassignment;
  }

  override undoAssign(assignment: Assignment): boolean {
    const undone = super.undoAssign(assignment);
    if (undone) this.pending.push(freeChange(assignment.ip));
    return undone;
  }

  override undoUnassign(unassignment: Unassignment): boolean {
    const undone = super.undoUnassign(unassignment);
    if (undone) this.recordAssigned(unassignment.key);
    return undone;
  }

  override removeEni(eniId: string, force: boolean): RemovalResult {
    const cidrs = this.hasEni(eniId) ? this.cidrsOf(eniId) : [];
    const result = super.removeEni(eniId, force);
    for (const { cidr } of cidrs) this.pending.push(dropChange(cidr));
    return result;
  }

  override removeCidr(eniId: string, cidr: string, force: boolean): RemovalResult {
    const result = super.removeCidr(eniId, cidr, force);
    this.pending.push(dropChange(cidr));
    return result;
  }

  override dropEmptyExcludedCidr(eniId: string, cidr: string): boolean {
    const dropped = super.dropEmptyExcludedCidr(eniId, cidr);
    if (dropped) this.pending.push(dropChange(cidr));
    return dropped;
  }

  override restoreAllocation(
    ip: string,
    key: IpamKey,
    metadata: IpamMetadata,
    assignedAtNs: bigint,
  ): RestorePlacement {
    const placement = super.restoreAllocation(ip, key, metadata, assignedAtNs);
    if (placement.placed) this.recordAssigned(key);
    return placement;
  }

  override restoreCooldowns(entries: readonly { ip: string; unassignedAtNs: bigint }[]): number {
    const restored = super.restoreCooldowns(entries);
    // Which entries were taken is not reported; restore runs once, so state every cooling address.
    if (restored > 0) {
      for (const c of this.coolingAddresses())
        this.pending.push(coolChange(c.ip, c.unassignedAtNs));
    }
    return restored;
  }

  private recordAssigned(key: IpamKey): void {
    const view = this.lookup(key);
    if (view) this.pending.push(assignChange(entryOfAllocation(view)));
  }
}
