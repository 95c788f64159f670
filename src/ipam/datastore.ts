import { AddressSlots, SLOT_ASSIGNED, SLOT_COOLING, SLOT_FREE } from './address-slots.ts';
import { formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr } from './cidr.ts';
import type { Clock } from './clock.ts';
import { CoolingFifo } from './cooling-fifo.ts';
import { DatastoreError } from './datastore-errors.ts';
import type {
  AddressSnapshot,
  AllocationView,
  Assignment,
  CidrKindUsage,
  CidrSnapshot,
  CidrUse,
  CoolingView,
  DatastoreOptions,
  DatastoreSnapshot,
  EniIdentity,
  EniSnapshot,
  EniSpec,
  EniSummary,
  InventoryCounters,
  IpStats,
  ReleasedAllocation,
  RemovalResult,
  RestorePlacement,
  Unassignment,
} from './datastore-types.ts';
import { routeTableId as defaultRouteTableId } from './instance-limits.ts';
import {
  type IpamKey,
  type IpamMetadata,
  MIGRATED_IF_NAME,
  MIGRATED_NETWORK_NAME,
} from './ipam-key.ts';
import { KeyIndex } from './key-index.ts';
import { KeyProbe } from './key-probe.ts';
import { LevelQueue, type Queued } from './level-queue.ts';
import { splitClockMs, unixNanos, unixTimeFromNanos } from './unix-time.ts';

/** CIDR kinds, used as indexes into the per-kind counters. */
const KIND_IP = 0;
const KIND_PREFIX = 1;
type Kind = typeof KIND_IP | typeof KIND_PREFIX;

/** Largest CIDR accepted (/16): EC2 only ever gives /32s and /28s; this bounds slot storage. */
const MIN_PREFIX_BITS = 16;

class EniRecord implements Queued<EniRecord> {
  qPrev: EniRecord | null = null;
  qNext: EniRecord | null = null;
  qLevel = 0;
  queued = false;
  readonly cidrs = new Map<string, CidrRecord>();
  /** Per kind: this ENI's CIDRs that have a free (assignable) address, filed by assigned count. */
  readonly queues: readonly [LevelQueue<CidrRecord>, LevelQueue<CidrRecord>] = [
    new LevelQueue<CidrRecord>(),
    new LevelQueue<CidrRecord>(),
  ];
  /** Per kind counters (index KIND_IP / KIND_PREFIX). */
  readonly total = new Int32Array(2);
  readonly assigned = new Int32Array(2);
  readonly cooling = new Int32Array(2);
  readonly cidrCount = new Int32Array(2);
  readonly zeroAssigned = new Int32Array(2);
  assignedAll = 0;
  coolingAll = 0;

  constructor(
    readonly id: string,
    readonly deviceNumber: number,
    readonly isPrimary: boolean,
    readonly isTrunk: boolean,
    readonly isEfa: boolean,
    readonly subnetId: string,
    readonly routeTableId: number,
    public excluded: boolean,
    readonly createTimeMs: number,
  ) {}
}

class CidrRecord implements Queued<CidrRecord> {
  qPrev: CidrRecord | null = null;
  qNext: CidrRecord | null = null;
  qLevel = 0;
  queued = false;
  assigned = 0;
  cooling = 0;
  /** Addresses that can be handed out now (neither assigned nor cooling). */
  free: number;
  /**
   * Free addresses, one bit per offset (set = free); the lowest set bit is handed out first.
   * CIDRs of up to 32 addresses (all that EC2 gives: /32 and /28) keep the bits inline in
   * `freeWord`, saving an object and a cache miss per operation; larger ones use `freeBits`.
   */
  private freeWord = 0;
  private readonly freeBits: Int32Array | null;
  /** No word below this one has a set bit (freeBits only). */
  private scanHint = 0;
  base = 0;

  constructor(
    readonly eni: EniRecord,
    readonly text: string,
    readonly network: number,
    readonly bits: number,
    readonly size: number,
    readonly kind: Kind,
  ) {
    this.free = size;
    if (size <= 32) {
      this.freeBits = null;
      this.freeWord = size === 32 ? -1 : (1 << size) - 1;
    } else {
      this.freeBits = new Int32Array(Math.ceil(size / 32));
      for (let w = 0; w < this.freeBits.length; w++) {
        const inWord = Math.min(32, size - w * 32);
        this.freeBits[w] = inWord === 32 ? -1 : (1 << inWord) - 1;
      }
    }
  }

  takeLowestFree(): number {
    const bitsArray = this.freeBits;
    if (bitsArray === null) {
      const word = this.freeWord;
      if (word === 0) throw new Error(`datastore invariant: CIDR ${this.text} has no free address`);
      const bit = 31 - Math.clz32(word & -word);
      this.freeWord = word & ~(1 << bit);
      this.free--;
      return bit;
    }
    for (let w = this.scanHint; w < bitsArray.length; w++) {
      const word = bitsArray[w]!;
      if (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        bitsArray[w] = word & ~(1 << bit);
        this.scanHint = w;
        this.free--;
        return w * 32 + bit;
      }
    }
    throw new Error(`datastore invariant: CIDR ${this.text} has no free address`);
  }

  takeFree(offset: number): void {
    const bitsArray = this.freeBits;
    if (bitsArray === null) this.freeWord &= ~(1 << offset);
    else {
      const w = offset >>> 5;
      bitsArray[w] = bitsArray[w]! & ~(1 << (offset & 31));
    }
    this.free--;
  }

  giveFree(offset: number): void {
    const bitsArray = this.freeBits;
    if (bitsArray === null) this.freeWord |= 1 << offset;
    else {
      const w = offset >>> 5;
      bitsArray[w] = bitsArray[w]! | (1 << (offset & 31));
      if (w < this.scanHint) this.scanHint = w;
    }
    this.free++;
  }
}

/**
 * The address pool of one network card (spec/ipamd.md §5): ENIs → CIDRs (/32 secondary IPs and
 * /28 prefixes) → addresses, with assignment by IPAM key, IP cooldown and the pool statistics.
 *
 * Assign, unassign and key lookup are O(1) in the pool size: a map from key to address slot, CIDRs
 * and ENIs filed by fill level so the allocator takes the lowest free address of the fullest
 * non-full CIDR on the fullest ENI (the primary ENI first, since it can never be released), and a
 * FIFO of cooling addresses. Every counter is maintained incrementally. The packing keeps whole
 * prefixes and ENIs empty so that they can be given back to EC2.
 *
 * Pure and synchronous: time comes only from the injected clock. Persistence is the caller's:
 * change the datastore, then commit a checkpoint; undoAssign/undoUnassign revert a change whose
 * checkpoint write failed.
 */
export class Datastore {
  readonly clock: Clock;
  readonly cooldownMs: number;
  readonly networkCard: number;
  private modeKind: Kind;

  private readonly enisById = new Map<string, EniRecord>();
  private primary: EniRecord | null = null;
  /** ENIs that can assign in the current mode (not excluded, a CIDR of the mode kind has a free address), by assigned count. */
  private readonly eniQueue = new LevelQueue<EniRecord>();
  private readonly slots = new AddressSlots<CidrRecord>();
  private readonly keys = new KeyIndex(this.slots);
  /** The key of the request being served, prepared once (reused: a datastore call allocates none). */
  private readonly probe = new KeyProbe();
  private readonly coolingFifo = new CoolingFifo();
  /** CIDRs by prefix length, then network address: finds the CIDR holding an IP. */
  private readonly cidrIndex = new Map<number, Map<number, CidrRecord>>();

  /** Per kind, over non-excluded ENIs (the GetIPStats view). */
  private readonly modeTotal = new Int32Array(2);
  private readonly modeAssigned = new Int32Array(2);
  private readonly modeCooling = new Int32Array(2);
  /** The reference's own counters: every CIDR, every ENI. */
  private allTotal = 0;
  private allAssigned = 0;
  private prefixCount = 0;
  private freePrefixCount = 0;

  constructor(options: DatastoreOptions) {
    if (!(options.cooldownMs >= 0)) throw new RangeError('cooldownMs must be ≥ 0');
    this.clock = options.clock;
    this.cooldownMs = options.cooldownMs;
    this.networkCard = options.networkCard ?? 0;
    this.modeKind = options.prefixDelegation ? KIND_PREFIX : KIND_IP;
  }

  get prefixDelegation(): boolean {
    return this.modeKind === KIND_PREFIX;
  }

  // ---------------------------------------------------------------- ENIs and CIDRs

  /** AddENI. Throws `data store: duplicate ENI` (callers ignore it). */
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
    this.enisById.set(spec.id, eni);
    if (eni.isPrimary && this.primary === null) this.primary = eni;
  }

  /**
   * RemoveENIFromDataStore. Without force an ENI with assigned addresses is refused (`ENI is
   * used`); with force its addresses are unassigned and reported (the daemon counts them and
   * commits the checkpoint, which no longer lists them). Cooling addresses go with the ENI.
   */
  removeEni(eniId: string, force: boolean): RemovalResult {
    const eni = this.requireEni(eniId);
    if (eni.assignedAll > 0 && !force) throw new DatastoreError('eni-in-use');
    const released: ReleasedAllocation[] = [];
    for (const cidr of [...eni.cidrs.values()]) {
      this.releaseAll(cidr, released);
      this.dropCidr(cidr);
    }
    if (eni.queued) this.eniQueue.remove(eni);
    this.enisById.delete(eniId);
    if (this.primary === eni) this.primary = null;
    return { eniId, released };
  }

  /** Marks or clears subnet exclusion: excluded ENIs give no addresses and leave the mode stats. */
  setExcludedForPodIps(eniId: string, excluded: boolean): void {
    const eni = this.requireEni(eniId);
    if (eni.excluded === excluded) return;
    const sign = excluded ? -1 : 1;
    for (const kind of [KIND_IP, KIND_PREFIX] as const) {
      this.modeTotal[kind] = this.modeTotal[kind]! + sign * eni.total[kind]!;
      this.modeAssigned[kind] = this.modeAssigned[kind]! + sign * eni.assigned[kind]!;
      this.modeCooling[kind] = this.modeCooling[kind]! + sign * eni.cooling[kind]!;
    }
    eni.excluded = excluded;
    this.placeEni(eni);
  }

  /**
   * AddIPv4CidrToStore. `cidr` is normalised to network form. Throws `unknown ENI`, or `IP already
   * in data store` when the CIDR (or one overlapping it) is already on any ENI of this datastore.
   */
  addCidr(eniId: string, cidr: string, isPrefix: boolean): void {
    const parsed = parseIpv4Cidr(cidr);
    if (!parsed) throw new TypeError(`datastore: invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
    if (parsed.bits < MIN_PREFIX_BITS) {
      throw new RangeError(`datastore: CIDR ${cidr} is larger than /${MIN_PREFIX_BITS}`);
    }
    const eni = this.requireEni(eniId);
    if (this.overlaps(parsed.network, parsed.bits)) throw new DatastoreError('ip-already-in-store');
    const kind: Kind = isPrefix ? KIND_PREFIX : KIND_IP;
    const size = 2 ** (32 - parsed.bits);
    const record = new CidrRecord(eni, formatCidr(parsed), parsed.network, parsed.bits, size, kind);
    record.base = this.slots.allocate(size, record);
    eni.cidrs.set(record.text, record);
    let byNetwork = this.cidrIndex.get(parsed.bits);
    if (!byNetwork) {
      byNetwork = new Map();
      this.cidrIndex.set(parsed.bits, byNetwork);
    }
    byNetwork.set(parsed.network, record);

    eni.total[kind] = eni.total[kind]! + size;
    eni.cidrCount[kind] = eni.cidrCount[kind]! + 1;
    eni.zeroAssigned[kind] = eni.zeroAssigned[kind]! + 1;
    if (!eni.excluded) this.modeTotal[kind] = this.modeTotal[kind]! + size;
    this.allTotal += size;
    if (kind === KIND_PREFIX) {
      this.prefixCount++;
      this.freePrefixCount++;
    }
    this.placeCidr(record);
    this.placeEni(eni);
  }

  /**
   * DelIPv4CidrFromStore. Throws `unknown ENI`, `unknown IP` (CIDR not on that ENI), or `IP is
   * used` when an address is assigned and not forced. Cooling addresses do not block removal.
   */
  removeCidr(eniId: string, cidr: string, force: boolean): RemovalResult {
    const eni = this.requireEni(eniId);
    const record = eni.cidrs.get(normaliseCidrText(cidr));
    if (!record) throw new DatastoreError('unknown-ip');
    if (record.assigned > 0 && !force) throw new DatastoreError('ip-in-use');
    const released: ReleasedAllocation[] = [];
    this.releaseAll(record, released);
    this.dropCidr(record);
    this.placeEni(eni);
    return { eniId, released };
  }

  /**
   * Drops a CIDR of a subnet-excluded ENI once nothing is assigned in it (spec/ipamd.md §5.4 step
   * 4; the daemon schedules it after an unassign reported excludedCidrEmptied). Re-checks both
   * conditions; returns whether it removed the CIDR. Unlike the reference, the totals follow.
   */
  dropEmptyExcludedCidr(eniId: string, cidr: string): boolean {
    const eni = this.enisById.get(eniId);
    const record = eni?.cidrs.get(normaliseCidrText(cidr));
    if (!eni || !record || !eni.excluded || record.assigned > 0) return false;
    this.dropCidr(record);
    this.placeEni(eni);
    return true;
  }

  /** Switches between /28-prefix and /32 assignment: O(ENIs), the per-kind counters are kept. */
  setPrefixDelegation(enabled: boolean): void {
    const kind: Kind = enabled ? KIND_PREFIX : KIND_IP;
    if (kind === this.modeKind) return;
    this.modeKind = kind;
    this.eniQueue.clear();
    for (const eni of this.enisById.values()) this.placeEni(eni);
  }

  // ---------------------------------------------------------------- assignment

  /**
   * AssignPodIPv4Address. A key that already has an address gets the same one back (`existing`,
   * nothing changes). Otherwise the lowest free address of the fullest non-full CIDR of the
   * current mode on the fullest ENI (primary first, excluded ENIs skipped); cooling addresses are
   * never handed out. Throws `AssignPodIPAddress: no available IP/Prefix addresses`.
   */
  assign(key: IpamKey, metadata: IpamMetadata): Assignment {
    const known = this.findSlot(key.networkName, key.containerID, key.ifName);
    if (known >= 0) return this.assignmentAt(known, key, true);
    this.expireCooldowns();
    const primary = this.primary;
    const eni = primary?.queued ? primary : this.eniQueue.top();
    if (eni === null) throw new DatastoreError('no-available-ip');
    const cidr = eni.queues[this.modeKind].top()!;
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

  /**
   * UnassignPodIPAddress. Falls back to the CRI-migration key (`_migrated-from-cri`, same
   * containerID, `unknown`). Starts the address's cooldown. Throws `datastore: unknown pod`.
   */
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

  /**
   * Reverts an assignment whose checkpoint write failed: the address becomes free again at once
   * (no cooldown, it was never handed to a pod). No-op (false) for an idempotent repeat or when
   * the key no longer holds that address.
   */
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

  /**
   * Reverts an unassignment whose checkpoint write failed: the address goes back to its key with
   * the pod fields still in its slot and the original assignment time, leaving cooldown. False
   * when that is no longer possible (address assigned again since, even if freed again, or
   * removed; key holds another address).
   */
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

  /** The address a key holds, without assigning. */
  lookup(key: IpamKey): AllocationView | undefined {
    const slot = this.findSlot(key.networkName, key.containerID, key.ifName);
    return slot < 0 ? undefined : this.allocationView(slot);
  }

  // ---------------------------------------------------------------- restore

  /** The CIDR holding an IPv4 address, if any (any kind, any ENI). */
  containingCidr(ip: string): { eniId: string; cidr: string; isPrefix: boolean } | undefined {
    const slot = this.slotOfIp(ip);
    if (slot === undefined) return undefined;
    const cidr = this.slots.owner(slot);
    return { eniId: cidr.eni.id, cidr: cidr.text, isPrefix: cidr.kind === KIND_PREFIX };
  }

  /**
   * Recreates a checkpointed allocation on the CIDR holding `ip` (any kind, excluded ENIs too)
   * with its original key, metadata and time. `{placed:false}` when no CIDR holds it. Throws `IP
   * already in data store` when the address is assigned, `duplicate-key` when the key is.
   */
  restoreAllocation(
    ip: string,
    key: IpamKey,
    metadata: IpamMetadata,
    assignedAtNs: bigint,
  ): RestorePlacement {
    const slot = this.slotOfIp(ip);
    if (slot === undefined) return { placed: false };
    if (this.slots.state(slot) === SLOT_ASSIGNED) throw new DatastoreError('ip-already-in-store');
    if (this.findSlot(key.networkName, key.containerID, key.ifName) >= 0) {
      throw new DatastoreError('duplicate-key');
    }
    const cidr = this.slots.owner(slot);
    this.claim(slot, cidr);
    const t = unixTimeFromNanos(assignedAtNs);
    // The probe still holds the key: findSlot above loaded it and nothing since loaded another.
    this.occupy(slot, cidr, metadata, t.ms, t.subMsNs);
    const eni = cidr.eni;
    return {
      placed: true,
      eniId: eni.id,
      cidr: cidr.text,
      deviceNumber: eni.deviceNumber,
      routeTableId: eni.routeTableId,
    };
  }

  /**
   * Puts free addresses back into the cooldown they were in (oldest first). Entries already
   * expired, on no known CIDR, or for an address that is not free are skipped. Returns how many
   * were restored.
   */
  restoreCooldowns(entries: readonly { ip: string; unassignedAtNs: bigint }[]): number {
    if (this.cooldownMs <= 0) return 0;
    const now = this.clock.now();
    // The latest time wins for an address listed twice (the longer cooldown is the safe one).
    const latest = new Map<string, bigint>();
    for (const e of entries) {
      const seen = latest.get(e.ip);
      if (seen === undefined || e.unassignedAtNs > seen) latest.set(e.ip, e.unassignedAtNs);
    }
    const sorted = [...latest]
      .map(([ip, ns]) => ({ ip, at: unixTimeFromNanos(ns) }))
      .sort((a, b) => a.at.ms - b.at.ms || a.at.subMsNs - b.at.subMsNs);
    let restored = 0;
    for (const { ip, at } of sorted) {
      if (now - at.ms >= this.cooldownMs) continue;
      const slot = this.slotOfIp(ip);
      if (slot === undefined || this.slots.state(slot) !== SLOT_FREE) continue;
      const cidr = this.slots.owner(slot);
      cidr.takeFree(slot - cidr.base);
      this.startCooling(slot, cidr, at.ms, at.subMsNs);
      this.placeCidr(cidr);
      this.placeEni(cidr.eni);
      restored++;
    }
    return restored;
  }

  // ---------------------------------------------------------------- views

  /** GetIPStats for the current mode. */
  stats(): IpStats {
    this.expireCooldowns();
    const kind = this.modeKind;
    return {
      totalIPs: this.modeTotal[kind]!,
      assignedIPs: this.modeAssigned[kind]!,
      coolingIPs: this.modeCooling[kind]!,
      totalPrefixes: this.prefixCount,
      freePrefixes: this.freePrefixCount,
    };
  }

  /** The reference's internal counters (both CIDR kinds, every ENI). */
  inventory(): InventoryCounters {
    return {
      totalAddresses: this.allTotal,
      assignedAddresses: this.allAssigned,
      prefixes: this.prefixCount,
    };
  }

  get eniCount(): number {
    return this.enisById.size;
  }

  hasEni(eniId: string): boolean {
    return this.enisById.has(eniId);
  }

  eni(eniId: string): EniSummary | undefined {
    const eni = this.enisById.get(eniId);
    if (!eni) return undefined;
    this.expireCooldowns();
    return this.summarise(eni);
  }

  /** Every ENI in the order added. */
  enis(): EniSummary[] {
    this.expireCooldowns();
    return [...this.enisById.values()].map((eni) => this.summarise(eni));
  }

  /** GetENICIDRs: the ENI's CIDRs in the order added. */
  cidrsOf(eniId: string): { cidr: string; isPrefix: boolean }[] {
    const eni = this.requireEni(eniId);
    return [...eni.cidrs.values()].map((c) => ({ cidr: c.text, isPrefix: c.kind === KIND_PREFIX }));
  }

  /**
   * CIDRs of an ENI with no assigned address, any kind (spec/ipamd.md §4.8); a /32 whose address
   * is cooling still qualifies unless `includeCooling` is false (then EC2 cannot hand a just-freed
   * pod address to another node before its cooldown ends).
   */
  freeableCidrs(
    eniId: string,
    options: { readonly includeCooling?: boolean } = {},
  ): { cidr: string; isPrefix: boolean }[] {
    const eni = this.requireEni(eniId);
    const includeCooling = options.includeCooling ?? true;
    if (!includeCooling) this.expireCooldowns();
    const out: { cidr: string; isPrefix: boolean }[] = [];
    for (const c of eni.cidrs.values()) {
      if (c.assigned === 0 && (includeCooling || c.cooling === 0)) {
        out.push({ cidr: c.text, isPrefix: c.kind === KIND_PREFIX });
      }
    }
    return out;
  }

  /**
   * GetAllocatableENIs (spec/ipamd.md §4.7): not trunk, not excluded, not primary under custom
   * networking, fewer than `maxCidrsPerEni` CIDR entries (both kinds counted).
   */
  allocatableEnis(maxCidrsPerEni: number, customNetworking: boolean): EniSummary[] {
    this.expireCooldowns();
    const out: EniSummary[] = [];
    for (const eni of this.enisById.values()) {
      if (eni.isTrunk || eni.excluded || (customNetworking && eni.isPrimary)) continue;
      if (eni.cidrs.size >= maxCidrsPerEni) continue;
      out.push(this.summarise(eni));
    }
    return out;
  }

  trunkEni(): string | undefined {
    for (const eni of this.enisById.values()) if (eni.isTrunk) return eni.id;
    return undefined;
  }

  efaEnis(): string[] {
    return [...this.enisById.values()].filter((e) => e.isEfa).map((e) => e.id);
  }

  /** CheckFreeableENIexists: a non-primary, non-trunk, non-EFA ENI with nothing assigned. */
  freeableEniExists(): boolean {
    for (const eni of this.enisById.values()) {
      if (!eni.isPrimary && !eni.isTrunk && !eni.isEfa && eni.assignedAll === 0) return true;
    }
    return false;
  }

  /** For awscni_assigned_ip_per_cidr. */
  assignedPerCidr(): CidrUse[] {
    const out: CidrUse[] = [];
    for (const eni of this.enisById.values()) {
      for (const c of eni.cidrs.values()) {
        out.push({
          eniId: eni.id,
          cidr: c.text,
          isPrefix: c.kind === KIND_PREFIX,
          assigned: c.assigned,
        });
      }
    }
    return out;
  }

  /** For awscni_assigned_ip_per_eni. */
  assignedPerEni(): { eniId: string; assigned: number }[] {
    return [...this.enisById.values()].map((e) => ({ eniId: e.id, assigned: e.assignedAll }));
  }

  /** AllocatedIPs: every assigned address, in ENI / CIDR / address order. */
  allocations(): AllocationView[] {
    const out: AllocationView[] = [];
    const s = this.slots;
    for (const eni of this.enisById.values()) {
      for (const c of eni.cidrs.values()) {
        if (c.assigned === 0) continue;
        for (let slot = c.base; slot < c.base + c.size; slot++) {
          if (s.state(slot) === SLOT_ASSIGNED) out.push(this.allocationView(slot));
        }
      }
    }
    return out;
  }

  /** Addresses in cooldown now, in ENI / CIDR / address order. */
  coolingAddresses(): CoolingView[] {
    this.expireCooldowns();
    const out: CoolingView[] = [];
    const s = this.slots;
    for (const eni of this.enisById.values()) {
      for (const c of eni.cidrs.values()) {
        if (c.cooling === 0) continue;
        for (let slot = c.base; slot < c.base + c.size; slot++) {
          if (s.state(slot) !== SLOT_COOLING) continue;
          out.push({
            ip: this.ipText(slot),
            eniId: eni.id,
            cidr: c.text,
            unassignedAtNs: unixNanos(s.unassignedMs(slot), s.unassignedSubMsNs(slot)),
          });
        }
      }
    }
    return out;
  }

  /** A full copy of the state, derived from the address slots alone (not from the counters). */
  describe(): DatastoreSnapshot {
    this.expireCooldowns();
    const s = this.slots;
    const enis: EniSnapshot[] = [];
    for (const eni of this.enisById.values()) {
      const cidrs: CidrSnapshot[] = [];
      for (const c of eni.cidrs.values()) {
        const addresses: AddressSnapshot[] = [];
        for (let slot = c.base; slot < c.base + c.size; slot++) {
          const state = s.state(slot);
          if (state === SLOT_ASSIGNED) {
            const view = this.allocationView(slot);
            addresses.push({
              ip: view.ip,
              state: 'assigned',
              key: view.key,
              metadata: view.metadata,
              assignedAtNs: view.assignedAtNs,
            });
          } else if (state === SLOT_COOLING) {
            const assignedMs = s.assignedMs(slot);
            addresses.push({
              ip: this.ipText(slot),
              state: 'cooling',
              ...(Number.isNaN(assignedMs)
                ? {}
                : { assignedAtNs: unixNanos(assignedMs, s.assignedSubMsNs(slot)) }),
              unassignedAtNs: unixNanos(s.unassignedMs(slot), s.unassignedSubMsNs(slot)),
            });
          }
        }
        cidrs.push({
          cidr: c.text,
          network: formatIpv4(c.network),
          bits: c.bits,
          isPrefix: c.kind === KIND_PREFIX,
          size: c.size,
          addresses,
        });
      }
      enis.push({
        ...this.identity(eni),
        cidrs,
      });
    }
    return {
      networkCard: this.networkCard,
      prefixDelegation: this.prefixDelegation,
      inventory: this.inventory(),
      enis,
    };
  }

  // ---------------------------------------------------------------- internals

  /** Slot holding this key, or -1. Leaves the key in the probe (for occupy). */
  private findSlot(networkName: string, containerID: string, ifName: string): number {
    return this.keys.find(this.probe.load(networkName, containerID, ifName));
  }

  private requireEni(eniId: string): EniRecord {
    const eni = this.enisById.get(eniId);
    if (!eni) throw new DatastoreError('unknown-eni');
    return eni;
  }

  private ipText(slot: number): string {
    let text = this.slots.ipText(slot);
    if (text === undefined) {
      const cidr = this.slots.owner(slot);
      text = formatIpv4((cidr.network + (slot - cidr.base)) >>> 0);
      this.slots.setIpText(slot, text);
    }
    return text;
  }

  private slotOfIp(ip: string): number | undefined {
    const value = parseIpv4(ip);
    if (value === undefined) return undefined;
    for (const [bits, byNetwork] of this.cidrIndex) {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      const cidr = byNetwork.get((value & mask) >>> 0);
      if (cidr) return cidr.base + (value - cidr.network);
    }
    return undefined;
  }

  private overlaps(network: number, bits: number): boolean {
    for (const [otherBits, byNetwork] of this.cidrIndex) {
      if (byNetwork.size === 0) continue;
      if (otherBits <= bits) {
        const mask = (0xffffffff << (32 - otherBits)) >>> 0;
        if (byNetwork.has((network & mask) >>> 0)) return true;
      } else {
        // Smaller CIDRs inside the new one: probe each candidate network or scan the existing
        // ones, whichever is fewer.
        const candidates = 2 ** (otherBits - bits);
        const end = network + 2 ** (32 - bits);
        if (candidates <= byNetwork.size) {
          const step = 2 ** (32 - otherBits);
          for (let n = network; n < end; n += step) if (byNetwork.has(n)) return true;
        } else {
          for (const other of byNetwork.keys()) if (other >= network && other < end) return true;
        }
      }
    }
    return false;
  }

  /** Files a CIDR in its ENI's queue for its kind according to its fill, or takes it out. */
  private placeCidr(cidr: CidrRecord): void {
    const queue = cidr.eni.queues[cidr.kind];
    if (cidr.free > 0) queue.place(cidr, cidr.assigned);
    else if (cidr.queued) queue.remove(cidr);
  }

  /** Files an ENI in the allocator by assigned count while it can assign in the current mode. */
  private placeEni(eni: EniRecord): void {
    if (!eni.excluded && eni.queues[this.modeKind].size > 0) {
      this.eniQueue.place(eni, eni.assignedAll);
    } else if (eni.queued) {
      this.eniQueue.remove(eni);
    }
  }

  /**
   * Takes a slot that is free or cooling out of that state so it can be assigned. Returns false
   * when it is assigned.
   */
  private claim(slot: number, cidr: CidrRecord): boolean {
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
  private occupy(
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
    if (!eni.excluded) this.modeAssigned[kind] = this.modeAssigned[kind]! + 1;
    this.allAssigned++;
    this.placeCidr(cidr);
    this.placeEni(eni);
  }

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
    if (!eni.excluded) this.modeAssigned[kind] = this.modeAssigned[kind]! - 1;
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

  private startCooling(slot: number, cidr: CidrRecord, ms: number, subMsNs: number): void {
    const s = this.slots;
    s.setState(slot, SLOT_COOLING);
    s.setUnassignedAt(slot, ms, subMsNs);
    const eni = cidr.eni;
    const kind = cidr.kind;
    cidr.cooling++;
    eni.cooling[kind] = eni.cooling[kind]! + 1;
    eni.coolingAll++;
    if (!eni.excluded) this.modeCooling[kind] = this.modeCooling[kind]! + 1;
    this.coolingFifo.push(slot, ms);
  }

  /** Leaves cooldown (its FIFO entry goes stale and is skipped later). */
  private stopCooling(slot: number, cidr: CidrRecord): void {
    const eni = cidr.eni;
    const kind = cidr.kind;
    cidr.cooling--;
    eni.cooling[kind] = eni.cooling[kind]! - 1;
    eni.coolingAll--;
    if (!eni.excluded) this.modeCooling[kind] = this.modeCooling[kind]! - 1;
    this.slots.setState(slot, SLOT_FREE);
  }

  /** Frees every address whose cooldown has run out; looks only at the FIFO head. */
  /**
   * When the earliest address still in cooldown becomes assignable again (clock ms), or undefined
   * when nothing cools. O(1) amortised: after expiry the FIFO head is a live cooling entry.
   */
  nextCooldownEnd(): number | undefined {
    this.expireCooldowns();
    return this.coolingFifo.size > 0 ? this.coolingFifo.peekTime() + this.cooldownMs : undefined;
  }

  private identity(eni: EniRecord): EniIdentity {
    return {
      id: eni.id,
      deviceNumber: eni.deviceNumber,
      isPrimary: eni.isPrimary,
      isTrunk: eni.isTrunk,
      isEfa: eni.isEfa,
      subnetId: eni.subnetId,
      routeTableId: eni.routeTableId,
      excludedForPodIps: eni.excluded,
      createTimeMs: eni.createTimeMs,
    };
  }

  private expireCooldowns(): void {
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
    if (!eni.excluded) this.modeTotal[kind] = this.modeTotal[kind]! - cidr.size;
    this.allTotal -= cidr.size;
    if (kind === KIND_PREFIX) {
      this.prefixCount--;
      this.freePrefixCount--;
    }
    if (cidr.queued) eni.queues[kind].remove(cidr);
    eni.cidrs.delete(cidr.text);
    this.cidrIndex.get(cidr.bits)?.delete(cidr.network);
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

  private allocationView(slot: number): AllocationView {
    const s = this.slots;
    const cidr = s.owner(slot);
    const eni = cidr.eni;
    return {
      key: s.keyOf(slot),
      metadata: s.metadataOf(slot),
      ip: this.ipText(slot),
      eniId: eni.id,
      deviceNumber: eni.deviceNumber,
      routeTableId: eni.routeTableId,
      cidr: cidr.text,
      isPrefix: cidr.kind === KIND_PREFIX,
      assignedAtNs: unixNanos(s.assignedMs(slot), s.assignedSubMsNs(slot)),
    };
  }

  private summarise(eni: EniRecord): EniSummary {
    const usage = (kind: Kind): CidrKindUsage => ({
      cidrs: eni.cidrCount[kind]!,
      capacity: eni.total[kind]!,
      assigned: eni.assigned[kind]!,
      cooling: eni.cooling[kind]!,
      zeroAssignedCidrs: eni.zeroAssigned[kind]!,
    });
    const secondaryIps = usage(KIND_IP);
    const prefixes = usage(KIND_PREFIX);
    return {
      ...this.identity(eni),
      cidrCount: eni.cidrs.size,
      assigned: eni.assignedAll,
      cooling: eni.coolingAll,
      secondaryIps,
      prefixes,
      inMode: this.modeKind === KIND_PREFIX ? prefixes : secondaryIps,
    };
  }
}

function normaliseCidrText(text: string): string {
  const parsed = parseIpv4Cidr(text);
  return parsed ? formatCidr(parsed) : text;
}
