import type { AddressFamily } from './address-family.ts';
import type { Clock } from './clock.ts';
import type { IpamKey, IpamMetadata } from './ipam-key.ts';

/** Public shapes of the datastore's inputs, results and views. */

export interface DatastoreOptions {
  readonly clock: Clock;
  /** IP_COOLDOWN_PERIOD in milliseconds; 0 disables the cooldown. */
  readonly cooldownMs: number;
  /** Network card this datastore serves (route table IDs depend on it). Default 0. */
  readonly networkCard?: number;
  /** Prefix delegation: assign from /28 prefixes (true) or /32 secondary IPs (false). */
  readonly prefixDelegation: boolean;
  /** The address family of every CIDR and address (a node is IPv4 or IPv6). Default IPv4. */
  readonly family?: AddressFamily;
}

export interface EniSpec {
  readonly id: string;
  readonly deviceNumber: number;
  readonly isPrimary?: boolean;
  readonly isTrunk?: boolean;
  readonly isEfa?: boolean;
  readonly subnetId?: string;
  /** Defaults to the reference's numbering for (deviceNumber, networkCard). */
  readonly routeTableId?: number;
  /**
   * The ENI's subnet is excluded from pod IPs (the reference's subnet discovery: tagged
   * `kubernetes.io/role/cni=0`, or for another cluster).
   */
  readonly excludedForPodIps?: boolean;
  /** The ENI no longer matches the node's ENIConfig (see Datastore.setDraining). */
  readonly draining?: boolean;
}

/** Where an address lives: what every assignment, unassignment and allocation view reports. */
export interface AddressPlacement {
  readonly ip: string;
  readonly eniId: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
  readonly cidr: string;
  readonly isPrefix: boolean;
}

/** Result of an assignment (AddNetwork's IPAllocationMetadata plus what the daemon needs). */
export interface Assignment extends AddressPlacement {
  readonly key: IpamKey;
  /** True when the key already had this address (idempotent repeat): nothing changed. */
  readonly existing: boolean;
  readonly assignedAtMs: number;
  readonly assignedAtSubMsNs: number;
}

/** Result of an unassignment (DelNetwork's IPAllocationMetadata plus what undo needs). */
export interface Unassignment extends AddressPlacement {
  /** The key the address was found under (the CRI-migration fallback key when that matched). */
  readonly key: IpamKey;
  /** The pod's interfacesCount; 0 (old checkpoints) is reported as 1. */
  readonly interfacesCount: number;
  readonly assignedAtMs: number;
  readonly assignedAtSubMsNs: number;
  readonly unassignedAtMs: number;
  /**
   * Which assignment of the address this was. The pod's fields stay in the address's slot after
   * the unassignment; undoUnassign restores them only while the address has not been assigned
   * again.
   */
  readonly generation: number;
  /**
   * The ENI is excluded from pod IPs and this CIDR has no assigned address left: the daemon may
   * drop it from the datastore (as the reference's UnassignPodIPAddress schedules) with
   * dropEmptyExcludedCidr.
   */
  readonly excludedCidrEmptied: boolean;
}

/** An address that a forced removal took away from its pod. */
export interface ReleasedAllocation {
  readonly key: IpamKey;
  readonly metadata: IpamMetadata;
  readonly ip: string;
  readonly cidr: string;
}

export interface RemovalResult {
  readonly eniId: string;
  /** Addresses force-unassigned (empty unless force was set and pods were on it). */
  readonly released: readonly ReleasedAllocation[];
}

/**
 * GetIPStats: over ENIs neither excluded nor draining and CIDRs of the current mode, except the
 * prefix counts.
 */
export interface IpStats {
  readonly totalIPs: number;
  readonly assignedIPs: number;
  /** Unassigned and still within IP cooldown. */
  readonly coolingIPs: number;
  /** All /28 prefixes, excluded ENIs included. */
  readonly totalPrefixes: number;
  /** Prefixes with no assigned address, any ENI. */
  readonly freePrefixes: number;
}

/**
 * The reference's internal counters, which count every CIDR of both kinds on every ENI (a /28
 * plus a /32 after a PD toggle → 17). They feed awscni_total_ip_addresses and /v1/enis.
 */
export interface InventoryCounters {
  readonly totalAddresses: number;
  readonly assignedAddresses: number;
  readonly prefixes: number;
}

/** Use of one kind of CIDR (/32 secondary IPs or /28 prefixes) on one ENI. */
export interface CidrKindUsage {
  readonly cidrs: number;
  /** Addresses in those CIDRs. */
  readonly capacity: number;
  readonly assigned: number;
  readonly cooling: number;
  /** CIDRs with no assigned address (freeable by the reference's decreaseDatastorePool). */
  readonly zeroAssignedCidrs: number;
}

/** What an ENI is, as every view of the datastore reports it. */
export interface EniIdentity {
  readonly id: string;
  readonly deviceNumber: number;
  readonly isPrimary: boolean;
  readonly isTrunk: boolean;
  readonly isEfa: boolean;
  readonly subnetId: string;
  readonly routeTableId: number;
  readonly excludedForPodIps: boolean;
  readonly draining: boolean;
  /** When the ENI was added to this datastore (clock ms); the 60 s minimum lifetime counts from it. */
  readonly createTimeMs: number;
}

export interface EniSummary extends EniIdentity {
  /** CIDR entries of both kinds. */
  readonly cidrCount: number;
  /** Assigned / cooling addresses in CIDRs of both kinds. */
  readonly assigned: number;
  readonly cooling: number;
  readonly secondaryIps: CidrKindUsage;
  readonly prefixes: CidrKindUsage;
  /** The kind the current mode assigns from (prefixes in PD mode). */
  readonly inMode: CidrKindUsage;
}

export interface CidrUse {
  readonly eniId: string;
  readonly cidr: string;
  readonly isPrefix: boolean;
  readonly assigned: number;
}

export interface AllocationView extends AddressPlacement {
  readonly key: IpamKey;
  readonly metadata: IpamMetadata;
  readonly assignedAtNs: bigint;
}

export interface CoolingView {
  readonly ip: string;
  readonly eniId: string;
  readonly cidr: string;
  readonly unassignedAtNs: bigint;
}

/** The CIDR that holds an address. */
export interface ContainingCidr {
  readonly eniId: string;
  readonly cidr: string;
  readonly isPrefix: boolean;
  /**
   * Whether the address has a slot in the CIDR: always for IPv4; for IPv6 when it is among the
   * CIDR's lowest IPV6_PREFIX_SLOTS addresses (ipv6-family.ts), the only ones ever handed out.
   */
  readonly hasSlot: boolean;
}

export type RestorePlacement =
  | {
      readonly placed: true;
      readonly eniId: string;
      readonly cidr: string;
      readonly deviceNumber: number;
      readonly routeTableId: number;
    }
  | { readonly placed: false };

/** Full read-only copy of the datastore, in deterministic order (ENIs, CIDRs, addresses as added). */
export interface DatastoreSnapshot {
  readonly networkCard: number;
  readonly prefixDelegation: boolean;
  readonly inventory: InventoryCounters;
  readonly enis: readonly EniSnapshot[];
}

export interface EniSnapshot extends EniIdentity {
  readonly cidrs: readonly CidrSnapshot[];
}

export interface CidrSnapshot {
  readonly cidr: string;
  /** Network address and prefix length. */
  readonly network: string;
  readonly bits: number;
  readonly isPrefix: boolean;
  readonly size: number;
  /** Assigned and cooling addresses only, in address order. */
  readonly addresses: readonly AddressSnapshot[];
}

export interface AddressSnapshot {
  readonly ip: string;
  readonly state: 'assigned' | 'cooling';
  /** Present when assigned. */
  readonly key?: IpamKey;
  readonly metadata?: IpamMetadata;
  /** Undefined when never known (a cooldown restored from the checkpoint). */
  readonly assignedAtNs?: bigint;
  readonly unassignedAtNs?: bigint;
}
