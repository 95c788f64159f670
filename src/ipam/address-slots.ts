/**
 * Per-address storage for the datastore: every address of every CIDR owns one slot index, and a
 * slot's fields live in parallel typed arrays (numbers) and plain arrays (strings), so assign and
 * unassign write in place instead of allocating an object per address. A CIDR owns a contiguous
 * run of slots; runs of a removed CIDR are reused by the next CIDR of the same size.
 */

export const SLOT_FREE = 0;
export const SLOT_ASSIGNED = 1;
export const SLOT_COOLING = 2;
export type SlotState = typeof SLOT_FREE | typeof SLOT_ASSIGNED | typeof SLOT_COOLING;

export class AddressSlots<Owner> {
  state = new Uint8Array(0);
  assignedMs = new Float64Array(0);
  assignedSubMsNs = new Int32Array(0);
  unassignedMs = new Float64Array(0);
  unassignedSubMsNs = new Int32Array(0);
  interfacesCount = new Float64Array(0);
  readonly networkName: string[] = [];
  readonly containerID: string[] = [];
  readonly ifName: string[] = [];
  readonly podNamespace: string[] = [];
  readonly podName: string[] = [];
  /** Dotted-quad text of the slot's address, cached because every reply needs it. */
  readonly ipText: string[] = [];
  readonly owner: (Owner | undefined)[] = [];

  private used = 0;
  private readonly spare = new Map<number, number[]>();

  /** Reserves `size` consecutive slots (all free, times unset) and returns the first index. */
  allocate(size: number, owner: Owner): number {
    const reusable = this.spare.get(size);
    const base = reusable?.pop() ?? this.used;
    if (base === this.used) {
      this.ensure(this.used + size);
      this.used += size;
    }
    for (let i = base; i < base + size; i++) {
      this.state[i] = SLOT_FREE;
      this.assignedMs[i] = Number.NaN;
      this.assignedSubMsNs[i] = 0;
      this.unassignedMs[i] = Number.NaN;
      this.unassignedSubMsNs[i] = 0;
      this.interfacesCount[i] = 0;
      this.ipText[i] = '';
      this.owner[i] = owner;
    }
    return base;
  }

  release(base: number, size: number): void {
    for (let i = base; i < base + size; i++) {
      this.state[i] = SLOT_FREE;
      this.owner[i] = undefined;
      this.networkName[i] = '';
      this.containerID[i] = '';
      this.ifName[i] = '';
      this.podNamespace[i] = '';
      this.podName[i] = '';
      this.ipText[i] = '';
    }
    let list = this.spare.get(size);
    if (!list) {
      list = [];
      this.spare.set(size, list);
    }
    list.push(base);
  }

  private ensure(needed: number): void {
    const capacity = this.state.length;
    if (needed <= capacity) return;
    let next = Math.max(64, capacity * 2);
    while (next < needed) next *= 2;
    this.state = grow(this.state, new Uint8Array(next));
    this.assignedMs = grow(this.assignedMs, new Float64Array(next));
    this.assignedSubMsNs = grow(this.assignedSubMsNs, new Int32Array(next));
    this.unassignedMs = grow(this.unassignedMs, new Float64Array(next));
    this.unassignedSubMsNs = grow(this.unassignedSubMsNs, new Int32Array(next));
    this.interfacesCount = grow(this.interfacesCount, new Float64Array(next));
    for (let i = capacity; i < next; i++) {
      this.networkName.push('');
      this.containerID.push('');
      this.ifName.push('');
      this.podNamespace.push('');
      this.podName.push('');
      this.ipText.push('');
      this.owner.push(undefined);
    }
  }
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
