import type { IpamKey, IpamMetadata } from './ipam-key.ts';

/**
 * Per-address storage for the datastore. Every address of every CIDR owns one slot index; a
 * CIDR owns a contiguous run of slots, reused by the next CIDR of the same size after removal.
 *
 * Layout is chosen for the hot path at large pools: a slot's numbers sit together in one
 * Float64Array row and its references in one array row, so an assign or unassign touches two
 * cache lines instead of one per field (at 65,536 addresses a random slot is a cache and TLB
 * miss per line on the machines measured). Writing assigns in place allocates nothing.
 *
 * Tried and dropped: copying container IDs and pod names into a byte arena so the request's
 * strings die young. It removed the old-generation promotion of those strings but cost more in
 * per-character JavaScript loops (encode, compare, decode) than it saved, at every pool size.
 */

export const SLOT_FREE = 0;
export const SLOT_ASSIGNED = 1;
export const SLOT_COOLING = 2;

const NUM_STRIDE = 8;
const N_STATE = 0;
const N_ASSIGNED_MS = 1;
const N_ASSIGNED_SUB_NS = 2;
const N_UNASSIGNED_MS = 3;
const N_UNASSIGNED_SUB_NS = 4;
const N_INTERFACES = 5;
const N_KEY_HASH = 6;

const REF_STRIDE = 8;
const R_NETWORK = 0;
const R_IF_NAME = 1;
const R_NAMESPACE = 2;
const R_OWNER = 3;
const R_IP_TEXT = 4;
const R_CONTAINER_ID = 5;
const R_POD_NAME = 6;

export class AddressSlots<Owner> {
  private num = new Float64Array(0);
  private ref: unknown[] = [];
  private capacity = 0;
  private used = 0;
  private readonly spare = new Map<number, number[]>();

  state(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_STATE]!;
  }
  setState(slot: number, state: number): void {
    this.num[slot * NUM_STRIDE + N_STATE] = state;
  }

  /** NaN when never assigned (a cooldown restored from a checkpoint). */
  assignedMs(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_ASSIGNED_MS]!;
  }
  assignedSubMsNs(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_ASSIGNED_SUB_NS]!;
  }
  setAssignedAt(slot: number, ms: number, subMsNs: number): void {
    const row = slot * NUM_STRIDE;
    this.num[row + N_ASSIGNED_MS] = ms;
    this.num[row + N_ASSIGNED_SUB_NS] = subMsNs;
  }

  unassignedMs(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_UNASSIGNED_MS]!;
  }
  unassignedSubMsNs(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_UNASSIGNED_SUB_NS]!;
  }
  setUnassignedAt(slot: number, ms: number, subMsNs: number): void {
    const row = slot * NUM_STRIDE;
    this.num[row + N_UNASSIGNED_MS] = ms;
    this.num[row + N_UNASSIGNED_SUB_NS] = subMsNs;
  }

  interfacesCount(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_INTERFACES]!;
  }

  keyHash(slot: number): number {
    return this.num[slot * NUM_STRIDE + N_KEY_HASH]!;
  }

  networkName(slot: number): string {
    return this.ref[slot * REF_STRIDE + R_NETWORK] as string;
  }
  ifName(slot: number): string {
    return this.ref[slot * REF_STRIDE + R_IF_NAME] as string;
  }
  podNamespace(slot: number): string {
    return this.ref[slot * REF_STRIDE + R_NAMESPACE] as string;
  }
  containerID(slot: number): string {
    return this.ref[slot * REF_STRIDE + R_CONTAINER_ID] as string;
  }
  podName(slot: number): string {
    return this.ref[slot * REF_STRIDE + R_POD_NAME] as string;
  }
  owner(slot: number): Owner {
    return this.ref[slot * REF_STRIDE + R_OWNER] as Owner;
  }
  ipText(slot: number): string {
    return this.ref[slot * REF_STRIDE + R_IP_TEXT] as string;
  }
  setIpText(slot: number, text: string): void {
    this.ref[slot * REF_STRIDE + R_IP_TEXT] = text;
  }

  /** The IPAM key stored in an assigned slot. */
  keyOf(slot: number): IpamKey {
    const row = slot * REF_STRIDE;
    return {
      networkName: this.ref[row + R_NETWORK] as string,
      containerID: this.ref[row + R_CONTAINER_ID] as string,
      ifName: this.ref[row + R_IF_NAME] as string,
    };
  }

  /** The pod metadata stored in an assigned slot. */
  metadataOf(slot: number): IpamMetadata {
    const row = slot * REF_STRIDE;
    return {
      k8sPodNamespace: this.ref[row + R_NAMESPACE] as string,
      k8sPodName: this.ref[row + R_POD_NAME] as string,
      interfacesCount: this.num[slot * NUM_STRIDE + N_INTERFACES]!,
    };
  }

  /** Writes an assignment's key and pod fields (the caller passes interned low-cardinality strings). */
  setAllocation(
    slot: number,
    networkName: string,
    containerID: string,
    ifName: string,
    keyHash: number,
    podNamespace: string,
    podName: string,
    interfacesCount: number,
  ): void {
    const row = slot * REF_STRIDE;
    this.ref[row + R_NETWORK] = networkName;
    this.ref[row + R_IF_NAME] = ifName;
    this.ref[row + R_NAMESPACE] = podNamespace;
    this.ref[row + R_CONTAINER_ID] = containerID;
    this.ref[row + R_POD_NAME] = podName;
    const n = slot * NUM_STRIDE;
    this.num[n + N_INTERFACES] = interfacesCount;
    this.num[n + N_KEY_HASH] = keyHash;
  }

  /** Whether the slot holds exactly this key (its hash already matched). */
  keyMatches(slot: number, networkName: string, containerID: string, ifName: string): boolean {
    const row = slot * REF_STRIDE;
    return (
      this.ref[row + R_CONTAINER_ID] === containerID &&
      this.ref[row + R_NETWORK] === networkName &&
      this.ref[row + R_IF_NAME] === ifName
    );
  }

  /** Reserves `size` consecutive free slots (times unset) and returns the first index. */
  allocate(size: number, owner: Owner): number {
    const reusable = this.spare.get(size);
    const base = reusable?.pop() ?? this.used;
    if (base === this.used) {
      this.ensure(this.used + size);
      this.used += size;
    }
    for (let slot = base; slot < base + size; slot++) {
      const n = slot * NUM_STRIDE;
      this.num[n + N_STATE] = SLOT_FREE;
      this.num[n + N_ASSIGNED_MS] = Number.NaN;
      this.num[n + N_ASSIGNED_SUB_NS] = 0;
      this.num[n + N_UNASSIGNED_MS] = Number.NaN;
      this.num[n + N_UNASSIGNED_SUB_NS] = 0;
      this.num[n + N_INTERFACES] = 0;
      this.num[n + N_KEY_HASH] = 0;
      const r = slot * REF_STRIDE;
      for (let i = 0; i < REF_STRIDE; i++) this.ref[r + i] = '';
      this.ref[r + R_OWNER] = owner;
    }
    return base;
  }

  release(base: number, size: number): void {
    for (let slot = base; slot < base + size; slot++) {
      this.num[slot * NUM_STRIDE + N_STATE] = SLOT_FREE;
      const r = slot * REF_STRIDE;
      for (let i = 0; i < REF_STRIDE; i++) this.ref[r + i] = '';
    }
    let list = this.spare.get(size);
    if (!list) {
      list = [];
      this.spare.set(size, list);
    }
    list.push(base);
  }

  private ensure(needed: number): void {
    if (needed <= this.capacity) return;
    let next = Math.max(64, this.capacity * 2);
    while (next < needed) next *= 2;
    const num = new Float64Array(next * NUM_STRIDE);
    num.set(this.num);
    this.num = num;
    for (let i = this.capacity * REF_STRIDE; i < next * REF_STRIDE; i++) this.ref.push('');
    this.capacity = next;
  }
}
