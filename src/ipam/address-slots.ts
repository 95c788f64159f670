import { HEX_ID_WORDS, unpackHexId } from './hex-id.ts';
import type { IpamKey, IpamMetadata } from './ipam-key.ts';
import type { KeyProbe } from './key-probe.ts';

/**
 * Per-address storage for the datastore. Every address of every CIDR owns one slot index; a
 * CIDR owns a contiguous run of slots, reused by the next CIDR of the same size after removal.
 *
 * Layout is chosen for the hot path at large pools, where a random pod's slot is a cache and TLB
 * miss per line touched: a slot's numbers, its state and its container ID (as words, hex-id.ts)
 * share one 64-byte row of a single buffer, and its references (owner, interned names) one row
 * of an array. The pod name is copied into a 64-byte row of its own, read only by views, the
 * checkpoint and undo. A DEL therefore reads the key index, the number row and the reference
 * row, and no string the request of an ADD came with is kept: strings that live as long as their
 * pods are what V8's young-generation GC copies twice and then marks, which at 65,536 addresses
 * cost more than copying the name here. Writing assigns in place allocates nothing.
 *
 * Tried and dropped: keeping the request's strings (above); one arena for every string with
 * per-character encode, compare and decode on every request (slower at every size than it saved).
 */

export const SLOT_FREE = 0;
export const SLOT_ASSIGNED = 1;
export const SLOT_COOLING = 2;

const STATE_MASK = 3;
/** Flag in the state word: the container ID is in the row's words, not in the reference row. */
const ID_PACKED = 4;

const ROW_BYTES = 64;
const F64_STRIDE = ROW_BYTES / 8;
const I32_STRIDE = ROW_BYTES / 4;
// Float64 fields (index within a row of 8).
const F_ASSIGNED_MS = 0;
const F_UNASSIGNED_MS = 1;
// Int32 fields (index within a row of 16; 0-3 hold the two Float64 fields).
const I_STATE = 4;
/** How many assignments the slot has had: undo checks it. */
const I_GENERATION = 5;
const I_ASSIGNED_SUB_NS = 6;
const I_UNASSIGNED_SUB_NS = 7;
const I_CONTAINER_ID = 8; // HEX_ID_WORDS words, through the end of the row

const REF_STRIDE = 8;
const R_NETWORK = 0;
const R_IF_NAME = 1;
const R_NAMESPACE = 2;
const R_OWNER = 3;
const R_IP_TEXT = 4;
const R_CONTAINER_ID = 5; // '' when packed
const R_POD_NAME = 6; // '' unless the name does not fit its row
const R_INTERFACES = 7;

const NAME_STRIDE = 64;
const NAME_LENGTH = 0;
const NAME_CHARS = 1;
const NAME_MAX_LENGTH = NAME_STRIDE - NAME_CHARS;
/** Length byte: the name is in the reference row (too long, or a character above U+00FF). */
const NAME_IN_REF = 255;

export class AddressSlots<Owner> {
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private ref: unknown[] = [];
  private names = new Uint8Array(0);
  private capacity = 0;
  private used = 0;
  private readonly spare = new Map<number, number[]>();

  state(slot: number): number {
    return this.i32[slot * I32_STRIDE + I_STATE]! & STATE_MASK;
  }
  setState(slot: number, state: number): void {
    const at = slot * I32_STRIDE + I_STATE;
    this.i32[at] = (this.i32[at]! & ~STATE_MASK) | state;
  }

  /** NaN when never assigned (a cooldown restored from a checkpoint). */
  assignedMs(slot: number): number {
    return this.f64[slot * F64_STRIDE + F_ASSIGNED_MS]!;
  }
  assignedSubMsNs(slot: number): number {
    return this.i32[slot * I32_STRIDE + I_ASSIGNED_SUB_NS]!;
  }
  setAssignedAt(slot: number, ms: number, subMsNs: number): void {
    this.f64[slot * F64_STRIDE + F_ASSIGNED_MS] = ms;
    this.i32[slot * I32_STRIDE + I_ASSIGNED_SUB_NS] = subMsNs;
  }

  unassignedMs(slot: number): number {
    return this.f64[slot * F64_STRIDE + F_UNASSIGNED_MS]!;
  }
  unassignedSubMsNs(slot: number): number {
    return this.i32[slot * I32_STRIDE + I_UNASSIGNED_SUB_NS]!;
  }
  setUnassignedAt(slot: number, ms: number, subMsNs: number): void {
    this.f64[slot * F64_STRIDE + F_UNASSIGNED_MS] = ms;
    this.i32[slot * I32_STRIDE + I_UNASSIGNED_SUB_NS] = subMsNs;
  }

  interfacesCount(slot: number): number {
    return this.ref[slot * REF_STRIDE + R_INTERFACES] as number;
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
  /** The stored container ID (a new string when it is kept as words). */
  containerID(slot: number): string {
    const row = slot * I32_STRIDE;
    return (this.i32[row + I_STATE]! & ID_PACKED) !== 0
      ? unpackHexId(this.i32, row + I_CONTAINER_ID)
      : (this.ref[slot * REF_STRIDE + R_CONTAINER_ID] as string);
  }
  /** The stored pod name (a new string unless it did not fit its row). */
  podName(slot: number): string {
    const at = slot * NAME_STRIDE;
    const length = this.names[at + NAME_LENGTH]!;
    if (length === NAME_IN_REF) return this.ref[slot * REF_STRIDE + R_POD_NAME] as string;
    return String.fromCharCode(...this.names.subarray(at + NAME_CHARS, at + NAME_CHARS + length));
  }
  /** Changes with every assignment of the slot. */
  generation(slot: number): number {
    return this.i32[slot * I32_STRIDE + I_GENERATION]!;
  }
  owner(slot: number): Owner {
    return this.ref[slot * REF_STRIDE + R_OWNER] as Owner;
  }
  /**
   * The address's dotted text once formatted, else undefined: a pointer test, so that a DEL does
   * not read the string itself (at 65,536 addresses one more cache miss).
   */
  ipText(slot: number): string | undefined {
    return this.ref[slot * REF_STRIDE + R_IP_TEXT] as string | undefined;
  }
  setIpText(slot: number, text: string): void {
    this.ref[slot * REF_STRIDE + R_IP_TEXT] = text;
  }

  /** The IPAM key stored in an assigned slot. */
  keyOf(slot: number): IpamKey {
    const row = slot * REF_STRIDE;
    return {
      networkName: this.ref[row + R_NETWORK] as string,
      containerID: this.containerID(slot),
      ifName: this.ref[row + R_IF_NAME] as string,
    };
  }

  /** The pod metadata stored in an assigned slot. */
  metadataOf(slot: number): IpamMetadata {
    const row = slot * REF_STRIDE;
    return {
      k8sPodNamespace: this.ref[row + R_NAMESPACE] as string,
      k8sPodName: this.podName(slot),
      interfacesCount: this.ref[row + R_INTERFACES] as number,
    };
  }

  /**
   * Writes an assignment's key (from the probe it was looked up with, with the stored copies of
   * its low-cardinality names) and pod fields.
   */
  setAllocation(
    slot: number,
    probe: KeyProbe,
    networkName: string,
    ifName: string,
    podNamespace: string,
    podName: string,
    interfacesCount: number,
  ): void {
    const row = slot * REF_STRIDE;
    const ref = this.ref;
    ref[row + R_NETWORK] = networkName;
    ref[row + R_IF_NAME] = ifName;
    ref[row + R_NAMESPACE] = podNamespace;
    ref[row + R_INTERFACES] = interfacesCount;
    ref[row + R_POD_NAME] = this.storeName(slot, podName) ? '' : podName;
    const i32 = this.i32;
    const n = slot * I32_STRIDE;
    i32[n + I_GENERATION] = (i32[n + I_GENERATION]! + 1) | 0;
    if (probe.packed) {
      i32[n + I_STATE] = i32[n + I_STATE]! | ID_PACKED;
      i32.set(probe.words, n + I_CONTAINER_ID);
      ref[row + R_CONTAINER_ID] = '';
    } else {
      i32[n + I_STATE] = i32[n + I_STATE]! & ~ID_PACKED;
      ref[row + R_CONTAINER_ID] = probe.containerID;
    }
  }

  /** Copies a name into the slot's name row, when it fits. */
  private storeName(slot: number, name: string): boolean {
    const at = slot * NAME_STRIDE;
    const names = this.names;
    const length = name.length;
    if (length <= NAME_MAX_LENGTH) {
      let wide = 0;
      for (let i = 0; i < length; i++) {
        const code = name.charCodeAt(i);
        wide |= code;
        names[at + NAME_CHARS + i] = code;
      }
      if (wide <= 0xff) {
        names[at + NAME_LENGTH] = length;
        return true;
      }
    }
    names[at + NAME_LENGTH] = NAME_IN_REF;
    return false;
  }

  /** Whether the slot holds exactly the probe's key (its hash already matched). */
  keyMatches(slot: number, probe: KeyProbe): boolean {
    const i32 = this.i32;
    const n = slot * I32_STRIDE;
    const row = slot * REF_STRIDE;
    const ref = this.ref;
    if (probe.packed) {
      if ((i32[n + I_STATE]! & ID_PACKED) === 0) return false;
      const words = probe.words;
      for (let w = 0; w < HEX_ID_WORDS; w++) {
        if (i32[n + I_CONTAINER_ID + w] !== words[w]) return false;
      }
    } else if (
      (i32[n + I_STATE]! & ID_PACKED) !== 0 ||
      ref[row + R_CONTAINER_ID] !== probe.containerID
    ) {
      return false;
    }
    return ref[row + R_NETWORK] === probe.networkName && ref[row + R_IF_NAME] === probe.ifName;
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
      const n = slot * I32_STRIDE;
      // A new generation: an undo from the CIDR that last had this slot must not match.
      const generation = (this.i32[n + I_GENERATION]! + 1) | 0;
      this.i32.fill(0, n, n + I32_STRIDE);
      this.i32[n + I_GENERATION] = generation;
      this.f64[slot * F64_STRIDE + F_ASSIGNED_MS] = Number.NaN;
      this.f64[slot * F64_STRIDE + F_UNASSIGNED_MS] = Number.NaN;
      const r = slot * REF_STRIDE;
      for (let i = 0; i < REF_STRIDE; i++) this.ref[r + i] = '';
      this.ref[r + R_OWNER] = owner;
      this.ref[r + R_IP_TEXT] = undefined;
      this.ref[r + R_INTERFACES] = 0;
      this.names[slot * NAME_STRIDE + NAME_LENGTH] = 0;
    }
    return base;
  }

  release(base: number, size: number): void {
    for (let slot = base; slot < base + size; slot++) {
      this.setState(slot, SLOT_FREE);
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
    const buffer = new ArrayBuffer(next * ROW_BYTES);
    const f64 = new Float64Array(buffer);
    f64.set(this.f64);
    this.f64 = f64;
    this.i32 = new Int32Array(buffer);
    const names = new Uint8Array(next * NAME_STRIDE);
    names.set(this.names);
    this.names = names;
    for (let i = this.capacity * REF_STRIDE; i < next * REF_STRIDE; i++) this.ref.push('');
    this.capacity = next;
  }
}
