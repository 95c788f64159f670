import type { AddressFamily } from './address-family.ts';
import type { Clock } from './clock.ts';
import { AddressPool } from './datastore/address-pool.ts';
import * as addressViews from './datastore/address-views.ts';
import * as poolViews from './datastore/pool-views.ts';
import * as restore from './datastore/restore.ts';
import type {
  AllocationView,
  Assignment,
  CidrUse,
  ContainingCidr,
  CoolingView,
  DatastoreOptions,
  DatastoreSnapshot,
  EniSpec,
  EniSummary,
  InventoryCounters,
  IpStats,
  RemovalResult,
  RestorePlacement,
  Unassignment,
} from './datastore-types.ts';
import type { IpamKey, IpamMetadata } from './ipam-key.ts';

/**
 * The address pool of one network card (the reference's DataStore): ENIs → CIDRs (secondary
 * addresses and prefixes) → addresses, with assignment by IPAM key, IP cooldown and the pool
 * statistics. One address family per datastore (IPv4 by default; IPv6 holds /80 prefixes).
 *
 * Assign, unassign and key lookup are O(1) in the pool size, and the allocator packs densely
 * (the lowest free address of the fullest non-full CIDR on the fullest ENI, the primary ENI
 * first) so that whole prefixes and ENIs become free to give back to EC2.
 *
 * Pure and synchronous: time comes only from the injected clock. Persistence is the caller's:
 * change the datastore, then commit a checkpoint; undoAssign/undoUnassign revert a change whose
 * checkpoint write failed.
 *
 * This class is the API; the work is in ./datastore/: the state and hot path (address-pool.ts),
 * restore (restore.ts) and the read-only views (pool-views.ts, address-views.ts).
 */
export class Datastore {
  readonly clock: Clock;
  readonly cooldownMs: number;
  readonly networkCard: number;
  readonly family: AddressFamily;
  private readonly pool: AddressPool;

  constructor(options: DatastoreOptions) {
    const pool = new AddressPool(options);
    this.pool = pool;
    this.clock = pool.clock;
    this.cooldownMs = pool.cooldownMs;
    this.networkCard = pool.networkCard;
    this.family = pool.family;
  }

  get prefixDelegation(): boolean {
    return poolViews.prefixDelegation(this.pool);
  }

  // ---------------------------------------------------------------- ENIs and CIDRs

  /** AddENI. Throws `data store: duplicate ENI` (callers ignore it). */
  addEni(spec: EniSpec): void {
    this.pool.addEni(spec);
  }

  /**
   * RemoveENIFromDataStore. Without force an ENI with assigned addresses is refused (`ENI is
   * used`); with force its addresses are unassigned and reported (the daemon counts them and
   * commits the checkpoint, which no longer lists them). Cooling addresses go with the ENI.
   */
  removeEni(eniId: string, force: boolean): RemovalResult {
    return this.pool.removeEni(eniId, force);
  }

  /** Marks or clears subnet exclusion: excluded ENIs give no addresses and leave the mode stats. */
  setExcludedForPodIps(eniId: string, excluded: boolean): void {
    this.pool.setExcludedForPodIps(eniId, excluded);
  }

  /**
   * Marks or clears an ENI that no longer matches the node's ENIConfig (custom networking): while
   * draining, its addresses leave the pool numbers (so the pool grows ENIs that match) and it
   * gives an address only when no other ENI has one free; the daemon frees it first once empty.
   */
  setDraining(eniId: string, draining: boolean): void {
    this.pool.setDraining(eniId, draining);
  }

  /**
   * AddIPv4CidrToStore (AddIPv6CidrToStore for an IPv6 datastore). `cidr` is normalised to
   * network form. Throws a TypeError for text that is not a CIDR of the datastore's family, a
   * RangeError for one shorter than the family allows, `unknown ENI`, or `IP already in data
   * store` when the CIDR (or one overlapping it) is already on any ENI of this datastore.
   */
  addCidr(eniId: string, cidr: string, isPrefix: boolean): void {
    this.pool.addCidr(eniId, cidr, isPrefix);
  }

  /**
   * DelIPv4CidrFromStore. Throws `unknown ENI`, `unknown IP` (CIDR not on that ENI), or `IP is
   * used` when an address is assigned and not forced. Cooling addresses do not block removal.
   */
  removeCidr(eniId: string, cidr: string, force: boolean): RemovalResult {
    return this.pool.removeCidr(eniId, cidr, force);
  }

  /**
   * Drops a CIDR of a subnet-excluded ENI once nothing is assigned in it (the reference's
   * UnassignPodIPAddress schedules it; the daemon does after an unassign reported
   * excludedCidrEmptied). Re-checks both conditions; returns whether it removed the CIDR. Unlike
   * the reference, the totals follow.
   */
  dropEmptyExcludedCidr(eniId: string, cidr: string): boolean {
    return this.pool.dropEmptyExcludedCidr(eniId, cidr);
  }

  /** Switches between /28-prefix and /32 assignment: O(ENIs), the per-kind counters are kept. */
  setPrefixDelegation(enabled: boolean): void {
    this.pool.setPrefixDelegation(enabled);
  }

  /**
   * Also assigns from, and counts in the stats, CIDRs of the other kind (prefix delegation with no
   * /28 left in any subnet falls back to /32 secondary addresses on the same ENIs); on each ENI
   * the mode's kind is used first. O(ENIs).
   */
  setAssignsBothKinds(on: boolean): void {
    this.pool.setBothKinds(on);
  }

  get assignsBothKinds(): boolean {
    return this.pool.bothKinds;
  }

  // ---------------------------------------------------------------- assignment

  /**
   * AssignPodIPv4Address. A key that already has an address gets the same one back (`existing`,
   * nothing changes). Otherwise the lowest free address of the fullest non-full CIDR of the
   * current mode on the fullest ENI (primary first, excluded ENIs skipped, draining ENIs only when
   * no other has a free address); cooling addresses are never handed out. Throws `AssignPodIPAddress: no available IP/Prefix addresses`.
   */
  assign(key: IpamKey, metadata: IpamMetadata): Assignment {
    return this.pool.assign(key, metadata);
  }

  /**
   * UnassignPodIPAddress. Falls back to the CRI-migration key (`_migrated-from-cri`, same
   * containerID, `unknown`). Starts the address's cooldown. Throws `datastore: unknown pod`.
   */
  unassign(key: IpamKey): Unassignment {
    return this.pool.unassign(key);
  }

  /**
   * Reverts an assignment whose checkpoint write failed: the address becomes free again at once
   * (no cooldown, it was never handed to a pod). No-op (false) for an idempotent repeat or when
   * the key no longer holds that address.
   */
  undoAssign(assignment: Assignment): boolean {
    return this.pool.undoAssign(assignment);
  }

  /**
   * Reverts an unassignment whose checkpoint write failed: the address goes back to its key with
   * the pod fields still in its slot and the original assignment time, leaving cooldown. False
   * when that is no longer possible (address assigned again since, even if freed again, or
   * removed; key holds another address).
   */
  undoUnassign(unassignment: Unassignment): boolean {
    return this.pool.undoUnassign(unassignment);
  }

  /** The address a key holds, without assigning. */
  lookup(key: IpamKey): AllocationView | undefined {
    return addressViews.lookup(this.pool, key);
  }

  // ---------------------------------------------------------------- restore

  /** The CIDR holding an address of the datastore's family, if any (any kind, any ENI). */
  containingCidr(ip: string): ContainingCidr | undefined {
    return restore.containingCidr(this.pool, ip);
  }

  /**
   * Recreates a checkpointed allocation on the CIDR holding `ip` (any kind, excluded ENIs too)
   * with its original key, metadata and time. `{placed:false}` when no CIDR holds it within its
   * slots. Throws `IP already in data store` when the address is assigned, `duplicate-key` when
   * the key is.
   */
  restoreAllocation(
    ip: string,
    key: IpamKey,
    metadata: IpamMetadata,
    assignedAtNs: bigint,
  ): RestorePlacement {
    return restore.restoreAllocation(this.pool, ip, key, metadata, assignedAtNs);
  }

  /**
   * Puts free addresses back into the cooldown they were in (oldest first). Entries already
   * expired, on no known CIDR, or for an address that is not free are skipped. Returns how many
   * were restored.
   */
  restoreCooldowns(entries: readonly { ip: string; unassignedAtNs: bigint }[]): number {
    return restore.restoreCooldowns(this.pool, entries);
  }

  // ---------------------------------------------------------------- views

  /** GetIPStats for the current mode. */
  stats(): IpStats {
    return poolViews.stats(this.pool);
  }

  /** The reference's internal counters (both CIDR kinds, every ENI). */
  inventory(): InventoryCounters {
    return poolViews.inventory(this.pool);
  }

  get eniCount(): number {
    return this.pool.enisById.size;
  }

  hasEni(eniId: string): boolean {
    return this.pool.enisById.has(eniId);
  }

  eni(eniId: string): EniSummary | undefined {
    return poolViews.eniSummary(this.pool, eniId);
  }

  /** Every ENI in the order added. */
  enis(): EniSummary[] {
    return poolViews.eniSummaries(this.pool);
  }

  /** GetENICIDRs: the ENI's CIDRs in the order added. */
  cidrsOf(eniId: string): { cidr: string; isPrefix: boolean }[] {
    return poolViews.cidrsOf(this.pool, eniId);
  }

  /**
   * CIDRs of an ENI with no assigned address, any kind (what the reference's
   * decreaseDatastorePool may release); a /32 whose address is cooling still qualifies unless
   * `includeCooling` is false (then EC2 cannot hand a just-freed pod address to another node
   * before its cooldown ends).
   */
  freeableCidrs(
    eniId: string,
    options: { readonly includeCooling?: boolean } = {},
  ): { cidr: string; isPrefix: boolean }[] {
    return poolViews.freeableCidrs(this.pool, eniId, options.includeCooling ?? true);
  }

  /**
   * GetAllocatableENIs: not trunk, not excluded or draining, not primary under custom networking, fewer than
   * `maxCidrsPerEni` CIDR entries (both kinds counted).
   */
  allocatableEnis(maxCidrsPerEni: number, customNetworking: boolean): EniSummary[] {
    return poolViews.allocatableEnis(this.pool, maxCidrsPerEni, customNetworking);
  }

  trunkEni(): string | undefined {
    return poolViews.trunkEni(this.pool);
  }

  efaEnis(): string[] {
    return poolViews.efaEnis(this.pool);
  }

  /** CheckFreeableENIexists: a non-primary, non-trunk, non-EFA ENI with nothing assigned. */
  freeableEniExists(): boolean {
    return poolViews.freeableEniExists(this.pool);
  }

  /** For awscni_assigned_ip_per_cidr. */
  assignedPerCidr(): CidrUse[] {
    return poolViews.assignedPerCidr(this.pool);
  }

  /** For awscni_assigned_ip_per_eni. */
  assignedPerEni(): { eniId: string; assigned: number }[] {
    return poolViews.assignedPerEni(this.pool);
  }

  /** AllocatedIPs: every assigned address, in ENI / CIDR / address order. */
  allocations(): AllocationView[] {
    return addressViews.allocations(this.pool);
  }

  /** Addresses in cooldown now, in ENI / CIDR / address order. */
  coolingAddresses(): CoolingView[] {
    return addressViews.coolingAddresses(this.pool);
  }

  /** A full copy of the state, derived from the address slots alone (not from the counters). */
  describe(): DatastoreSnapshot {
    return addressViews.describe(this.pool);
  }

  /**
   * When the earliest address still in cooldown becomes assignable again (clock ms), or undefined
   * when nothing cools. O(1) amortised.
   */
  nextCooldownEnd(): number | undefined {
    return addressViews.nextCooldownEnd(this.pool);
  }
}
