import { HEX_ID_WORDS, unpackHexId } from './hex-id.ts';
import type { IpamKey, IpamMetadata } from './ipam-key.ts';
import type { KeyProbe } from './key-probe.ts';
import { NO_STRING_ID, StringTable } from './string-table.ts';

/**
 * Per-address storage for the datastore. Every address of every CIDR owns one slot index; a
 * CIDR owns a contiguous run of slots, reused by the next CIDR of the same size after removal.
 *
 * Layout is chosen for the hot path at large pools, where a random pod's data is a cache miss per
 * line touched. A slot is one 128-byte row of a single buffer, two adjacent cache lines (which
 * CPUs with an adjacent-line prefetcher fetch as a pair):
 * - line A: state, generation, assignment time, the owner's id, the interface count, 16-bit ids
 *   of the network and interface names (string-table.ts) and the container ID as words
 *   (hex-id.ts) — everything a DEL compares and reports;
 * - line B: the namespace's id, the pod name as Latin-1 bytes and the time a cooldown started —
 *   what an ADD writes besides.
 * A DEL therefore reads the key index and one line, and an ADD writes the row the DEL just read;
 * rows hold no pointers, so writing one costs no GC write barrier. What does not fit a row (a container ID of another
 * shape, a long or non-Latin-1 pod name, a name beyond the string table's bound) is kept exactly,
 * in a side map flagged in the row. No string the request came with is kept otherwise: strings
 * that live as long as their pods are what V8's young-generation GC copies twice and then marks.
 *
 * Tried and dropped: keeping the request's strings (above); a 64-byte row with a parallel array of
 * references (owner, names) and a separate name row, three lines per pod in three places; one
 * arena for every string with per-character encode, compare and decode on every request.
 */

export const SLOT_FREE = 0;
export const SLOT_ASSIGNED = 1;
export const SLOT_COOLING = 2;

const STATE_MASK = 3;
/** Flag in the state word: the container ID is in the row's words, not in the side map. */
const ID_PACKED = 4;
/** Flag in the state word: the slot has an entry in the side map. */
const HAS_SPILL = 8;

const ROW_BYTES = 128;
const F64_STRIDE = ROW_BYTES / 8;
const I32_STRIDE = ROW_BYTES / 4;
const U16_STRIDE = ROW_BYTES / 2;
// Line A: everything a DEL reads. Float64 fields (index within a row of 16), then Int32 fields
// (index within a row of 32; 0-1 hold the Float64 field).
const F_ASSIGNED_MS = 0;
const I_STATE = 2;
/** How many assignments the slot has had: undo checks it. */
const I_GENERATION = 3;
const I_ASSIGNED_SUB_NS = 4;
const I_OWNER = 5;
const I_INTERFACES = 6;
// Uint16 fields (index within a row of 64): string-table ids, NO_STRING_ID = in the side map.
const U_NETWORK = 14;
const U_IF_NAME = 15;
const I_CONTAINER_ID = 8; // HEX_ID_WORDS words, through the end of line A
// Line B: what an ADD writes besides, and the cooldown's start.
const F_UNASSIGNED_MS = 8;
const I_UNASSIGNED_SUB_NS = 18;
const U_NAMESPACE = 38;
// Bytes: the pod name's length, then its characters through the end of the row.
const B_NAME_LENGTH = 78;
const B_NAME_CHARS = 79;
/** Longest pod name kept in the row (longer ones go to the side map). */
export const ROW_POD_NAME_MAX = ROW_BYTES - B_NAME_CHARS;
/** Name length byte: the name is in the side map (too long, or a character above U+00FF). */
const NAME_SPILLED = 255;

/** A slot's fields that did not fit its row; '' for those that did. */
class Spill {
  networkName = '';
  ifName = '';
  podNamespace = '';
  containerID = '';
  podName = '';
}

export class AddressSlots<Owner> {
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private u16 = new Uint16Array(0);
  private u8 = new Uint8Array(0);
  /** Dotted text of each slot's address once formatted: 4 bytes a slot, apart from the rows. */
  private ipTexts: (string | undefined)[] = [];
  private readonly spills = new Map<number, Spill>();
  private readonly strings = new StringTable();
  /** owners[id]: the owner of each allocated run; ids of released runs are reused. */
  private readonly owners: (Owner | undefined)[] = [];
  private readonly freeOwnerIds: number[] = [];
  private capacity = 0;
  private used = 0;
  private readonly spare = new Map<number, number[]>();

  /** How many slots keep a field outside their row (see Spill). */
  get spillCount(): number {
    return this.spills.size;
  }

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
    return this.i32[slot * I32_STRIDE + I_INTERFACES]!;
  }

  networkName(slot: number): string {
    const id = this.u16[slot * U16_STRIDE + U_NETWORK]!;
    return id === NO_STRING_ID ? this.spilled(slot).networkName : this.strings.text(id);
  }
  ifName(slot: number): string {
    const id = this.u16[slot * U16_STRIDE + U_IF_NAME]!;
    return id === NO_STRING_ID ? this.spilled(slot).ifName : this.strings.text(id);
  }
  podNamespace(slot: number): string {
    const id = this.u16[slot * U16_STRIDE + U_NAMESPACE]!;
    return id === NO_STRING_ID ? this.spilled(slot).podNamespace : this.strings.text(id);
  }
  /** The stored container ID (a new string when it is kept as words). */
  containerID(slot: number): string {
    const row = slot * I32_STRIDE;
    return (this.i32[row + I_STATE]! & ID_PACKED) !== 0
      ? unpackHexId(this.i32, row + I_CONTAINER_ID)
      : this.spilled(slot).containerID;
  }
  /** The stored pod name (a new string unless it did not fit its row). */
  podName(slot: number): string {
    const at = slot * ROW_BYTES;
    const length = this.u8[at + B_NAME_LENGTH]!;
    if (length === NAME_SPILLED) return this.spilled(slot).podName;
    return String.fromCharCode(...this.u8.subarray(at + B_NAME_CHARS, at + B_NAME_CHARS + length));
  }
  /** Changes with every assignment of the slot. */
  generation(slot: number): number {
    return this.i32[slot * I32_STRIDE + I_GENERATION]!;
  }
  owner(slot: number): Owner {
    return this.owners[this.i32[slot * I32_STRIDE + I_OWNER]!]!;
  }
  /** The address's dotted text once formatted, else undefined. */
  ipText(slot: number): string | undefined {
    return this.ipTexts[slot];
  }
  setIpText(slot: number, text: string): void {
    this.ipTexts[slot] = text;
  }

  /** The IPAM key stored in an assigned slot. */
  keyOf(slot: number): IpamKey {
    return {
      networkName: this.networkName(slot),
      containerID: this.containerID(slot),
      ifName: this.ifName(slot),
    };
  }

  /** The pod metadata stored in an assigned slot. */
  metadataOf(slot: number): IpamMetadata {
    return {
      k8sPodNamespace: this.podNamespace(slot),
      k8sPodName: this.podName(slot),
      interfacesCount: this.interfacesCount(slot),
    };
  }

  /**
   * Writes an assignment's key (from the probe it was looked up with) and pod fields into the
   * slot's row, anything that does not fit into the side map. Allocates nothing when all fits.
   */
  setAllocation(
    slot: number,
    probe: KeyProbe,
    podNamespace: string,
    podName: string,
    interfacesCount: number,
  ): void {
    const i32 = this.i32;
    const n = slot * I32_STRIDE;
    const u = slot * U16_STRIDE;
    const stateWord = i32[n + I_STATE]!;
    // A spill from the slot's previous assignment goes; this one makes its own if it needs one.
    if ((stateWord & HAS_SPILL) !== 0) this.spills.delete(slot);
    let flags = stateWord & STATE_MASK;
    let spill: Spill | null = null;

    i32[n + I_GENERATION] = (i32[n + I_GENERATION]! + 1) | 0;
    i32[n + I_INTERFACES] = interfacesCount;
    if (probe.packed) {
      flags |= ID_PACKED;
      i32.set(probe.words, n + I_CONTAINER_ID);
    } else {
      spill = new Spill();
      spill.containerID = probe.containerID;
    }
    const strings = this.strings;
    const u16 = this.u16;
    const networkId = strings.idOf(probe.networkName);
    u16[u + U_NETWORK] = networkId;
    if (networkId === NO_STRING_ID) {
      spill ??= new Spill();
      spill.networkName = probe.networkName;
    }
    const ifNameId = strings.idOf(probe.ifName);
    u16[u + U_IF_NAME] = ifNameId;
    if (ifNameId === NO_STRING_ID) {
      spill ??= new Spill();
      spill.ifName = probe.ifName;
    }
    const namespaceId = strings.idOf(podNamespace);
    u16[u + U_NAMESPACE] = namespaceId;
    if (namespaceId === NO_STRING_ID) {
      spill ??= new Spill();
      spill.podNamespace = podNamespace;
    }
    if (!this.storeName(slot, podName)) {
      spill ??= new Spill();
      spill.podName = podName;
    }
    if (spill !== null) {
      flags |= HAS_SPILL;
      this.spills.set(slot, spill);
    }
    i32[n + I_STATE] = flags;
  }

  /** Copies a name into the slot's row, when it fits. */
  private storeName(slot: number, name: string): boolean {
    const at = slot * ROW_BYTES;
    const u8 = this.u8;
    const length = name.length;
    if (length <= ROW_POD_NAME_MAX) {
      let wide = 0;
      for (let i = 0; i < length; i++) {
        const code = name.charCodeAt(i);
        wide |= code;
        u8[at + B_NAME_CHARS + i] = code;
      }
      if (wide <= 0xff) {
        u8[at + B_NAME_LENGTH] = length;
        return true;
      }
    }
    u8[at + B_NAME_LENGTH] = NAME_SPILLED;
    return false;
  }

  /** Whether the slot holds exactly the probe's key (its hash already matched). */
  keyMatches(slot: number, probe: KeyProbe): boolean {
    const i32 = this.i32;
    const n = slot * I32_STRIDE;
    const stateWord = i32[n + I_STATE]!;
    if (probe.packed) {
      if ((stateWord & ID_PACKED) === 0) return false;
      const words = probe.words;
      for (let w = 0; w < HEX_ID_WORDS; w++) {
        if (i32[n + I_CONTAINER_ID + w] !== words[w]) return false;
      }
    } else if (
      (stateWord & ID_PACKED) !== 0 ||
      this.spilled(slot).containerID !== probe.containerID
    ) {
      return false;
    }
    return this.networkName(slot) === probe.networkName && this.ifName(slot) === probe.ifName;
  }

  /** Reserves `size` consecutive free slots (times unset) and returns the first index. */
  allocate(size: number, owner: Owner): number {
    const reusable = this.spare.get(size);
    const base = reusable?.pop() ?? this.used;
    if (base === this.used) {
      this.ensure(this.used + size);
      this.used += size;
    }
    const ownerId = this.freeOwnerIds.pop() ?? this.owners.length;
    this.owners[ownerId] = owner;
    const i32 = this.i32;
    for (let slot = base; slot < base + size; slot++) {
      const n = slot * I32_STRIDE;
      // A new generation: an undo from the CIDR that last had this slot must not match.
      const generation = (i32[n + I_GENERATION]! + 1) | 0;
      i32.fill(0, n, n + I32_STRIDE);
      i32[n + I_GENERATION] = generation;
      i32[n + I_OWNER] = ownerId;
      this.f64[slot * F64_STRIDE + F_ASSIGNED_MS] = Number.NaN;
      this.f64[slot * F64_STRIDE + F_UNASSIGNED_MS] = Number.NaN;
      this.ipTexts[slot] = undefined;
    }
    return base;
  }

  release(base: number, size: number): void {
    const ownerId = this.i32[base * I32_STRIDE + I_OWNER]!;
    this.owners[ownerId] = undefined;
    this.freeOwnerIds.push(ownerId);
    for (let slot = base; slot < base + size; slot++) {
      const at = slot * I32_STRIDE + I_STATE;
      if ((this.i32[at]! & HAS_SPILL) !== 0) this.spills.delete(slot);
      this.i32[at] = SLOT_FREE;
      this.ipTexts[slot] = undefined;
    }
    let list = this.spare.get(size);
    if (!list) {
      list = [];
      this.spare.set(size, list);
    }
    list.push(base);
  }

  private spilled(slot: number): Spill {
    return this.spills.get(slot) ?? NOTHING_SPILLED;
  }

  private ensure(needed: number): void {
    if (needed <= this.capacity) return;
    let next = Math.max(64, this.capacity * 2);
    while (next < needed) next *= 2;
    const buffer = new ArrayBuffer(next * ROW_BYTES);
    const u8 = new Uint8Array(buffer);
    u8.set(this.u8);
    this.u8 = u8;
    this.u16 = new Uint16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    for (let i = this.capacity; i < next; i++) this.ipTexts.push(undefined);
    this.capacity = next;
  }
}

/** What a slot without a side-map entry has there: nothing. */
const NOTHING_SPILLED: Readonly<Spill> = Object.freeze(new Spill());
