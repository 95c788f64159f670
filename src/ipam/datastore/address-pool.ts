import type { AddressFamily } from '../address-family.ts';
import { AddressSlots, SLOT_ASSIGNED, SLOT_COOLING, SLOT_FREE } from '../address-slots.ts';
import type { Clock } from '../clock.ts';
import { CoolingFifo } from '../cooling-fifo.ts';
import { DatastoreError } from '../datastore-errors.ts';
import type {
  Assignment,
  DatastoreOptions,
  EniSpec,
  ReleasedAllocation,
  RemovalResult,
  Unassignment,
} from '../datastore-types.ts';
import { routeTableId as defaultRouteTableId } from '../instance-limits.ts';
import {
  type IpamKey,
  type IpamMetadata,
  MIGRATED_IF_NAME,
  MIGRATED_NETWORK_NAME,
} from '../ipam-key.ts';
import { IPV4 } from '../ipv4-family.ts';
import { KeyIndex } from '../key-index.ts';
import { KeyProbe } from '../key-probe.ts';
import { LevelQueue } from '../level-queue.ts';
import { splitClockMs } from '../unix-time.ts';
import { CidrIndex } from './cidr-index.ts';
import { CidrRecord, EniRecord, KIND_IP, KIND_PREFIX, type Kind } from './records.ts';

/**
 * The datastore's state and everything that changes it on the way of a pod or of EC2 capacity:
 * ENIs and CIDRs in and out, assign, unassign and their undo, cooldown expiry. Restore
 * (restore.ts) and the read-only views (pool-views.ts, address-views.ts) are functions over this
 * state; the Datastore class (../datastore.ts) is the API and documents each operation.
 *
 * Assign, unassign and key lookup are O(1) in the pool size: a map from key to address slot, CIDRs
 * and ENIs filed by fill level so the allocator takes the lowest free address of the fullest
 * non-full CIDR on the fullest ENI (the primary ENI first, since it can never be released), and a
 * FIFO of cooling addresses. Every counter is maintained incrementally.
 */
export class AddressPool {
  readonly clock: Clock;
  readonly cooldownMs: number;
  readonly networkCard: number;
  readonly family: AddressFamily;
  modeKind: Kind;
  /**
   * Addresses of the other kind are assignable and counted too (prefix delegation falling back
   * to /32 secondary addresses when no /28 can be had): the mode's kind first on each ENI.
   */
  bothKinds = false;

  readonly enisById = new Map<string, EniRecord>();
  private primary: EniRecord | null = null;
  /** ENIs that can assign in the current mode (not excluded, a CIDR of the mode kind has a free address), by assigned count. */
  private readonly eniQueue = new LevelQueue<EniRecord>();
  /** The same for draining ENIs: asked only when the main queue is empty. */
  private readonly fallbackQueue = new LevelQueue<EniRecord>();
  readonly slots = new AddressSlots<CidrRecord>();
  private readonly keys = new KeyIndex(this.slots);
  /** The key of the request being served, prepared once (reused: a datastore call allocates none). */
  private readonly probe = new KeyProbe();
  readonly coolingFifo = new CoolingFifo();
  readonly cidrIndex: CidrIndex<CidrRecord>;

  /** Per kind, over counted ENIs (neither excluded nor draining: the GetIPStats view). */
  readonly modeTotal = new Int32Array(2);
  readonly modeAssigned = new Int32Array(2);
  readonly modeCooling = new Int32Array(2);
  /** The reference's own counters: every CIDR, every ENI. */
  allTotal = 0;
  allAssigned = 0;
  prefixCount = 0;
  freePrefixCount = 0;

  constructor(options: DatastoreOptions) {
    if (!(options.cooldownMs >= 0)) throw new RangeError('cooldownMs must be ≥ 0');
    this.clock = options.clock;
    this.cooldownMs = options.cooldownMs;
    this.networkCard = options.networkCard ?? 0;
    this.family = options.family ?? IPV4;
    this.cidrIndex = new CidrIndex(this.family);
    this.modeKind = options.prefixDelegation ? KIND_PREFIX : KIND_IP;
  }

  // ---------------------------------------------------------------- ENIs and CIDRs

  addEni(spec: EniSpec): void {
    if (this.enisById.has(spec.id)) throw new DatastoreError('duplicate-eni');
    const eni = new EniRecord(
      spec.id,
      spec.deviceNumber,
      spec.isPrimary ?? false,
      spec.isTrunk ?? false,
      spec.isEfa ?? false,
      spec.subnetId ?? '',
      spec.routeTableId ?? defaultRouteTableId(spec.deviceNumber, this.networkCard),
      spec.excludedForPodIps ?? false,
      this.clock.now(),
    );
    eni.draining = spec.draining ?? false;
    this.enisById.set(spec.id, eni);
    if (eni.isPrimary && this.primary === null) this.primary = eni;
  }

  removeEni(eniId: string, force: boolean): RemovalResult {
    const eni = this.requireEni(eniId);
    if (eni.assignedAll > 0 && !force) throw new DatastoreError('eni-in-use');
    const released: ReleasedAllocation[] = [];
    for (const cidr of [...eni.cidrs.values()]) {
      this.releaseAll(cidr, released);
      this.dropCidr(cidr);
    }
    this.unqueueEni(eni);
    this.enisById.delete(eniId);
    if (this.primary === eni) this.primary = null;
    return { eniId, released };
  }

  setExcludedForPodIps(eniId: string, excluded: boolean): void {
    const eni = this.requireEni(eniId);
    this.setStanding(eni, excluded, eni.draining);
  }

  setDraining(eniId: string, draining: boolean): void {
    const eni = this.requireEni(eniId);
    this.setStanding(eni, eni.excluded, draining);
  }

  /** Changes whether the ENI is excluded or draining, moving its counts in or out of the stats. */
  private setStanding(eni: EniRecord, excluded: boolean, draining: boolean): void {
    if (eni.excluded === excluded && eni.draining === draining) return;
    const wasCounted = eni.counted;
    eni.excluded = excluded;
    eni.draining = draining;
    if (wasCounted !== eni.counted) {
      const sign = wasCounted ? -1 : 1;
      for (const kind of [KIND_IP, KIND_PREFIX] as const) {
        this.modeTotal[kind] = this.modeTotal[kind]! + sign * eni.total[kind]!;
        this.modeAssigned[kind] = this.modeAssigned[kind]! + sign * eni.assigned[kind]!;
        this.modeCooling[kind] = this.modeCooling[kind]! + sign * eni.cooling[kind]!;
      }
    }
    this.placeEni(eni);
  }

  addCidr(eniId: string, cidr: string, isPrefix: boolean): void {
    const family = this.family;
    const block = family.parseCidr(cidr);
    if (!block)
      throw new TypeError(`datastore: invalid ${family.name} CIDR ${JSON.stringify(cidr)}`);
    if (block.bits < family.minPrefixBits) {
      throw new RangeError(`datastore: CIDR ${cidr} is larger than /${family.minPrefixBits}`);
    }
    const eni = this.requireEni(eniId);
    if (this.cidrIndex.overlaps(block)) throw new DatastoreError('ip-already-in-store');
    const kind: Kind = isPrefix ? KIND_PREFIX : KIND_IP;
    const record = new CidrRecord(eni, block, kind);
    const size = record.size;
    record.base = this.slots.allocate(size, record);
    eni.cidrs.set(record.text, record);
    this.cidrIndex.add(record);

    eni.total[kind] = eni.total[kind]! + size;
    eni.cidrCount[kind] = eni.cidrCount[kind]! + 1;
    eni.zeroAssigned[kind] = eni.zeroAssigned[kind]! + 1;
    if (eni.counted) this.modeTotal[kind] = this.modeTotal[kind]! + size;
    this.allTotal += size;
    if (kind === KIND_PREFIX) {
      this.prefixCount++;
      this.freePrefixCount++;
    }
    this.placeCidr(record);
    this.placeEni(eni);
  }

  removeCidr(eniId: string, cidr: string, force: boolean): RemovalResult {
    const eni = this.requireEni(eniId);
    const record = eni.cidrs.get(this.normaliseCidrText(cidr));
    if (!record) throw new DatastoreError('unknown-ip');
    if (record.assigned > 0 && !force) throw new DatastoreError('ip-in-use');
    const released: ReleasedAllocation[] = [];
    this.releaseAll(record, released);
    this.dropCidr(record);
    this.placeEni(eni);
    return { eniId, released };
  }

  dropEmptyExcludedCidr(eniId: string, cidr: string): boolean {
    const eni = this.enisById.get(eniId);
    const record = eni?.cidrs.get(this.normaliseCidrText(cidr));
    if (!eni || !record || !eni.excluded || record.assigned > 0) return false;
    this.dropCidr(record);
    this.placeEni(eni);
    return true;
  }

  setPrefixDelegation(enabled: boolean): void {
    const kind: Kind = enabled ? KIND_PREFIX : KIND_IP;
    if (kind === this.modeKind) return;
    this.modeKind = kind;
    this.refileEnis();
  }

  setBothKinds(on: boolean): void {
    if (on === this.bothKinds) return;
    this.bothKinds = on;
    this.refileEnis();
  }

  /** Files every ENI again after what makes it assignable changed. */
  private refileEnis(): void {
    this.eniQueue.clear();
    this.fallbackQueue.clear();
    for (const eni of this.enisById.values()) this.placeEni(eni);
  }

  // ---------------------------------------------------------------- assignment

  assign(key: IpamKey, metadata: IpamMetadata): Assignment {
    const known = this.findSlot(key.networkName, key.containerID, key.ifName);
    if (known >= 0) return this.assignmentAt(known, key, true);
    this.expireCooldowns();
    const primary = this.primary;
    const eni =
      primary?.queued && !primary.inFallback
        ? primary
        : (this.eniQueue.top() ?? this.fallbackQueue.top());
    if (eni === null) throw new DatastoreError('no-available-ip');
    // Not bothKinds: a queued ENI always has a CIDR of the mode's kind with a free address.
    const cidr = eni.queues[this.modeKind].top() ?? eni.queues[1 - this.modeKind]!.top()!;
    const slot = cidr.base + cidr.takeLowestFree();
    const now = this.clock.now();
    // The probe still holds this key: nothing above loaded another.
    if (Number.isInteger(now)) this.occupy(slot, cidr, metadata, now, 0);
    else {
      const t = splitClockMs(now);
      this.occupy(slot, cidr, metadata, t.ms, t.subMsNs);
    }
    return this.assignmentAt(slot, key, false);
  }

  unassign(key: IpamKey): Unassignment {
    let slot = this.findSlot(key.networkName, key.containerID, key.ifName);
    let foundKey = key;
    if (slot < 0) {
      slot = this.findSlot(MIGRATED_NETWORK_NAME, key.containerID, MIGRATED_IF_NAME);
      if (slot < 0) throw new DatastoreError('unknown-pod');
      foundKey = {
        networkName: MIGRATED_NETWORK_NAME,
        containerID: key.containerID,
        ifName: MIGRATED_IF_NAME,
      };
    }
    const s = this.slots;
    // Read first: at large pools its line is a cache miss that then overlaps the CIDR record's.
    const ip = this.ipText(slot);
    const cidr = s.owner(slot);
    const eni = cidr.eni;
    const interfacesCount = s.interfacesCount(slot);
    const assignedAtMs = s.assignedMs(slot);
    const assignedAtSubMsNs = s.assignedSubMsNs(slot);
    const now = this.clock.now();
    // The probe holds the key found (the fallback's when that matched).
    this.vacate(slot, cidr, this.cooldownMs > 0, now, this.probe.hash);
    return {
      key: foundKey,
      ip,
      eniId: eni.id,
      deviceNumber: eni.deviceNumber,
      routeTableId: eni.routeTableId,
      cidr: cidr.text,
      isPrefix: cidr.kind === KIND_PREFIX,
      interfacesCount: interfacesCount === 0 ? 1 : interfacesCount,
      assignedAtMs,
      assignedAtSubMsNs,
      unassignedAtMs: now,
      generation: s.generation(slot),
      excludedCidrEmptied: eni.excluded && cidr.assigned === 0,
    };
  }

  undoAssign(assignment: Assignment): boolean {
    if (assignment.existing) return false;
    const key = assignment.key;
    const slot = this.findSlot(key.networkName, key.containerID, key.ifName);
    if (slot < 0 || this.ipText(slot) !== assignment.ip) return false;
    const s = this.slots;
    if (
      s.assignedMs(slot) !== assignment.assignedAtMs ||
      s.assignedSubMsNs(slot) !== assignment.assignedAtSubMsNs
    ) {
      return false;
    }
    this.vacate(slot, s.owner(slot), false, this.clock.now(), this.probe.hash);
    return true;
  }

  undoUnassign(unassignment: Unassignment): boolean {
    const slot = this.slotOfIp(unassignment.ip);
    if (slot === undefined) return false;
    const s = this.slots;
    if (s.state(slot) === SLOT_ASSIGNED || s.generation(slot) !== unassignment.generation) {
      return false;
    }
    const key = unassignment.key;
    if (this.findSlot(key.networkName, key.containerID, key.ifName) >= 0) return false;
    const cidr = s.owner(slot);
    if (cidr.text !== unassignment.cidr || cidr.eni.id !== unassignment.eniId) return false;
    const metadata = s.metadataOf(slot);
    this.claim(slot, cidr);
    // The probe still holds the key: findSlot above loaded it and nothing since loaded another.
    this.occupy(slot, cidr, metadata, unassignment.assignedAtMs, unassignment.assignedAtSubMsNs);
    return true;
  }

  // ---------------------------------------------------------------- shared with restore and views

  /** Slot holding this key, or -1. Leaves the key in the probe (for occupy). */
  findSlot(networkName: string, containerID: string, ifName: string): number {
    return this.keys.find(this.probe.load(networkName, containerID, ifName));
  }

  requireEni(eniId: string): EniRecord {
    const eni = this.enisById.get(eniId);
    if (!eni) throw new DatastoreError('unknown-eni');
    return eni;
  }

  /** The slot's address text, formatted by the family on first use and kept. */
  ipText(slot: number): string {
    let text = this.slots.ipText(slot);
    if (text === undefined) {
      const cidr = this.slots.owner(slot);
      text = this.family.addressText(cidr.block, slot - cidr.base);
      this.slots.setIpText(slot, text);
    }
    return text;
  }

  /** The slot of an address, when a CIDR holds it within its slots. */
  slotOfIp(ip: string): number | undefined {
    const value = this.family.parseAddress(ip);
    if (value === undefined) return undefined;
    const cidr = this.cidrIndex.holding(value);
    if (!cidr) return undefined;
    const offset = this.family.offsetIn(cidr.block, value);
    return offset < cidr.size ? cidr.base + offset : undefined;
  }

  /** Files a CIDR in its ENI's queue for its kind according to its fill, or takes it out. */
  placeCidr(cidr: CidrRecord): void {
    const queue = cidr.eni.queues[cidr.kind];
    if (cidr.free > 0) queue.place(cidr, cidr.assigned);
    else if (cidr.queued) queue.remove(cidr);
  }

  /**
   * Files an ENI in the allocator by assigned count while it can assign in the current mode: a
   * draining ENI in the fallback queue, any other in the main one.
   */
  placeEni(eni: EniRecord): void {
    const queues = eni.queues;
    const free =
      queues[this.modeKind].size > 0 || (this.bothKinds && queues[1 - this.modeKind]!.size > 0);
    if (eni.excluded || !free) {
      this.unqueueEni(eni);
      return;
    }
    if (eni.queued && eni.inFallback !== eni.draining) this.unqueueEni(eni);
    (eni.draining ? this.fallbackQueue : this.eniQueue).place(eni, eni.assignedAll);
    eni.inFallback = eni.draining;
  }

  private unqueueEni(eni: EniRecord): void {
    if (eni.queued) (eni.inFallback ? this.fallbackQueue : this.eniQueue).remove(eni);
  }

  /**
   * Takes a slot that is free or cooling out of that state so it can be assigned. Returns false
   * when it is assigned.
   */
  claim(slot: number, cidr: CidrRecord): boolean {
    const state = this.slots.state(slot);
    if (state === SLOT_ASSIGNED) return false;
    if (state === SLOT_COOLING) this.stopCooling(slot, cidr);
    else cidr.takeFree(slot - cidr.base);
    return true;
  }

  /**
   * Marks a slot (already taken out of the free set) assigned to the key in the probe, with every
   * counter.
   */
  occupy(
    slot: number,
    cidr: CidrRecord,
    metadata: IpamMetadata,
    ms: number,
    subMsNs: number,
  ): void {
    const s = this.slots;
    s.setState(slot, SLOT_ASSIGNED);
    s.setAssignedAt(slot, ms, subMsNs);
    const probe = this.probe;
    s.setAllocation(
      slot,
      probe,
      metadata.k8sPodNamespace,
      metadata.k8sPodName,
      metadata.interfacesCount,
    );
    this.keys.insert(slot, probe.hash);

    const eni = cidr.eni;
    const kind = cidr.kind;
    if (cidr.assigned === 0) {
      eni.zeroAssigned[kind] = eni.zeroAssigned[kind]! - 1;
      if (kind === KIND_PREFIX) this.freePrefixCount--;
    }
    cidr.assigned++;
    eni.assigned[kind] = eni.assigned[kind]! + 1;
    eni.assignedAll++;
    if (eni.counted) this.modeAssigned[kind] = this.modeAssigned[kind]! + 1;
    this.allAssigned++;
    this.placeCidr(cidr);
    this.placeEni(eni);
  }

  startCooling(slot: number, cidr: CidrRecord, ms: number, subMsNs: number): void {
    const s = this.slots;
    s.setState(slot, SLOT_COOLING);
    s.setUnassignedAt(slot, ms, subMsNs);
    const eni = cidr.eni;
    const kind = cidr.kind;
    cidr.cooling++;
    eni.cooling[kind] = eni.cooling[kind]! + 1;
    eni.coolingAll++;
    if (eni.counted) this.modeCooling[kind] = this.modeCooling[kind]! + 1;
    this.coolingFifo.push(slot, ms);
  }

  /** Frees every address whose cooldown has run out; looks only at the FIFO head. */
  expireCooldowns(): void {
    const fifo = this.coolingFifo;
    if (fifo.size === 0) return;
    const now = this.clock.now();
    const s = this.slots;
    while (fifo.size > 0) {
      const slot = fifo.peekSlot();
      const at = fifo.peekTime();
      if (s.state(slot) !== SLOT_COOLING || s.unassignedMs(slot) !== at) {
        fifo.shift();
        continue;
      }
      if (now - at < this.cooldownMs) return;
      fifo.shift();
      const cidr = s.owner(slot);
      this.stopCooling(slot, cidr);
      cidr.giveFree(slot - cidr.base);
      this.placeCidr(cidr);
      this.placeEni(cidr.eni);
    }
  }

  // ---------------------------------------------------------------- internals

  /** Unassigns a slot (`keyHash`: its key's): into cooldown, or straight back to free. */
  private vacate(
    slot: number,
    cidr: CidrRecord,
    cool: boolean,
    now: number,
    keyHash: number,
  ): void {
    const s = this.slots;
    this.keys.remove(slot, keyHash);
    const eni = cidr.eni;
    const kind = cidr.kind;
    cidr.assigned--;
    if (cidr.assigned === 0) {
      eni.zeroAssigned[kind] = eni.zeroAssigned[kind]! + 1;
      if (kind === KIND_PREFIX) this.freePrefixCount++;
    }
    eni.assigned[kind] = eni.assigned[kind]! - 1;
    eni.assignedAll--;
    if (eni.counted) this.modeAssigned[kind] = this.modeAssigned[kind]! - 1;
    this.allAssigned--;
    if (cool) {
      if (Number.isInteger(now)) this.startCooling(slot, cidr, now, 0);
      else {
        const t = splitClockMs(now);
        this.startCooling(slot, cidr, t.ms, t.subMsNs);
      }
    } else {
      s.setState(slot, SLOT_FREE);
      cidr.giveFree(slot - cidr.base);
    }
    this.placeCidr(cidr);
    this.placeEni(eni);
  }

  /** Leaves cooldown (its FIFO entry goes stale and is skipped later). */
  private stopCooling(slot: number, cidr: CidrRecord): void {
    const eni = cidr.eni;
    const kind = cidr.kind;
    cidr.cooling--;
    eni.cooling[kind] = eni.cooling[kind]! - 1;
    eni.coolingAll--;
    if (eni.counted) this.modeCooling[kind] = this.modeCooling[kind]! - 1;
    this.slots.setState(slot, SLOT_FREE);
  }

  /** Force-unassigns every assigned address of a CIDR (no cooldown: the CIDR is going away). */
  private releaseAll(cidr: CidrRecord, released: ReleasedAllocation[]): void {
    if (cidr.assigned === 0) return;
    const s = this.slots;
    const now = this.clock.now();
    for (let slot = cidr.base; slot < cidr.base + cidr.size; slot++) {
      if (s.state(slot) !== SLOT_ASSIGNED) continue;
      const key = s.keyOf(slot);
      released.push({ key, metadata: s.metadataOf(slot), ip: this.ipText(slot), cidr: cidr.text });
      const hash = this.probe.load(key.networkName, key.containerID, key.ifName).hash;
      this.vacate(slot, cidr, false, now, hash);
    }
  }

  /** Removes a CIDR with nothing assigned in it, with every counter. */
  private dropCidr(cidr: CidrRecord): void {
    const eni = cidr.eni;
    const kind = cidr.kind;
    const s = this.slots;
    if (cidr.cooling > 0) {
      for (let slot = cidr.base; slot < cidr.base + cidr.size; slot++) {
        if (s.state(slot) === SLOT_COOLING) this.stopCooling(slot, cidr);
      }
    }
    eni.total[kind] = eni.total[kind]! - cidr.size;
    eni.cidrCount[kind] = eni.cidrCount[kind]! - 1;
    eni.zeroAssigned[kind] = eni.zeroAssigned[kind]! - 1;
    if (eni.counted) this.modeTotal[kind] = this.modeTotal[kind]! - cidr.size;
    this.allTotal -= cidr.size;
    if (kind === KIND_PREFIX) {
      this.prefixCount--;
      this.freePrefixCount--;
    }
    if (cidr.queued) eni.queues[kind].remove(cidr);
    eni.cidrs.delete(cidr.text);
    this.cidrIndex.delete(cidr);
    s.release(cidr.base, cidr.size);
  }

  private assignmentAt(slot: number, key: IpamKey, existing: boolean): Assignment {
    const cidr = this.slots.owner(slot);
    const eni = cidr.eni;
    return {
      key,
      ip: this.ipText(slot),
      eniId: eni.id,
      deviceNumber: eni.deviceNumber,
      routeTableId: eni.routeTableId,
      cidr: cidr.text,
      isPrefix: cidr.kind === KIND_PREFIX,
      existing,
      assignedAtMs: this.slots.assignedMs(slot),
      assignedAtSubMsNs: this.slots.assignedSubMsNs(slot),
    };
  }

  /** A CIDR's text in the form it is filed under (unparseable text stays as it is: no match). */
  private normaliseCidrText(text: string): string {
    return this.family.parseCidr(text)?.text ?? text;
  }
}
