import type { InstanceTypeInfo } from '../ipam/instance-limits.ts';

/**
 * The EC2 operations ipamd needs, as the daemon sees them (the port). The SDK adapter
 * (src/aws/ec2-sdk.ts) implements it; daemon tests may implement it with a fake.
 *
 * Rules every implementation keeps:
 * - Every failure is an `Ec2Error` (src/aws/errors.ts) carrying a kind the daemon reacts to.
 * - There is no "describe everything": each Describe goes out with IDs, filters or pagination,
 *   so it draws from EC2's larger non-mutating bucket.
 * - Answers about what was just done come from EC2's response (EC2 is authoritative), e.g. the
 *   addresses an Assign call returns, so the daemon need not wait for IMDS.
 */

export type Tags = Readonly<Record<string, string>>;

/** An EC2 Describe filter. */
export interface Ec2Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** At least one filter: the type makes an unfiltered Describe impossible to ask for. */
export type Ec2Filters = readonly [Ec2Filter, ...Ec2Filter[]];

export interface EniPrivateIpv4 {
  readonly address: string;
  /** The ENI's own (primary) address, never given to pods. */
  readonly primary: boolean;
}

export interface EniAttachment {
  readonly attachmentId: string;
  readonly instanceId: string | undefined;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  /** 'attaching' | 'attached' | 'detaching' | 'detached' as EC2 reports it. */
  readonly status: string;
  readonly deleteOnTermination: boolean;
}

/** Copied from the primary ENI to new ones (CreateNetworkInterface ConnectionTrackingSpecification). */
export interface ConnectionTracking {
  readonly tcpEstablishedTimeout?: number;
  readonly udpStreamTimeout?: number;
  readonly udpTimeout?: number;
}

/** An ENI as EC2 describes it. */
export interface EniDescription {
  readonly eniId: string;
  /** Lower-case MAC, e.g. '0a:1b:2c:3d:4e:5f'. */
  readonly macAddress: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly description: string;
  /** 'available' | 'attaching' | 'in-use' | 'detaching' | … */
  readonly status: string;
  /** 'interface' | 'trunk' | 'efa' | 'efa-only' | 'branch' | …; 'interface' when EC2 omits it. */
  readonly interfaceType: string;
  /** The ENI's primary address first, then the secondaries in EC2's order. */
  readonly privateIpv4: readonly EniPrivateIpv4[];
  readonly primaryIpv4: string | undefined;
  /** /28 prefixes in CIDR form, e.g. '10.0.5.16/28'. */
  readonly ipv4Prefixes: readonly string[];
  readonly ipv6Addresses: readonly string[];
  /** e.g. '2600:1f14::/80'. */
  readonly ipv6Prefixes: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly tags: Tags;
  readonly attachment: EniAttachment | undefined;
  readonly connectionTracking: ConnectionTracking | undefined;
}

export interface SubnetDescription {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly cidrBlock: string;
  readonly availableIpAddressCount: number;
  readonly tags: Tags;
}

/** What a new ENI is created with beside its own primary address. */
export type EniAddressRequest =
  | { readonly kind: 'secondaryIpv4'; readonly count: number }
  | { readonly kind: 'ipv4Prefix'; readonly count: number }
  | { readonly kind: 'ipv6Address'; readonly count: number }
  | { readonly kind: 'none' };

export interface CreateEniRequest {
  readonly subnetId: string;
  /** Sent sorted (the reference sorts the primary ENI's groups). */
  readonly securityGroupIds: readonly string[];
  readonly addresses: EniAddressRequest;
  /** Caps `addresses.count` (IPv4Limit − 1 for the instance type); no cap when absent. */
  readonly maxAddressCount?: number;
  readonly connectionTracking?: ConnectionTracking;
}

export interface AllocateEniRequest extends Omit<CreateEniRequest, 'subnetId'> {
  /** Subnets to try in order (spec/ipamd.md §6.6); the first where create succeeds wins. */
  readonly subnetIds: readonly string[];
  readonly networkCardIndex: number;
}

/** A new ENI, attached to this instance with DeleteOnTermination set. */
export interface AllocatedEni {
  /** As CreateNetworkInterface answered (its addresses are EC2's authoritative answer). */
  readonly eni: EniDescription;
  readonly attachmentId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
}

/** 'freed': detached (if attached) and deleted; 'alreadyGone': EC2 did not know the ENI. */
export type FreeEniResult = 'freed' | 'alreadyGone';

export interface DescribeEnisResult {
  readonly enis: readonly EniDescription[];
  /** IDs EC2 said do not exist (quoted in InvalidNetworkInterfaceID.NotFound), pruned and retried. */
  readonly notFound: readonly string[];
}

export interface AssignOptions {
  /** Caps the count (IPv4Limit − 1 for the instance type); no cap when absent. */
  readonly maxCount?: number;
  /**
   * Retry once with a count of 1 when the first call fails (spec/ipamd.md §4.7); never after
   * PrivateIpAddressLimitExceeded or UnauthorizedOperation. Default true.
   */
  readonly retryWithOne?: boolean;
}

export type SubnetQuery =
  | { readonly vpcId: string; readonly availabilityZone: string }
  | { readonly subnetIds: readonly string[] };

export interface LeakedEniCleanupReport {
  readonly deleted: readonly string[];
  /** Candidates that got a fresh createdAt tag (it was missing or unreadable) and were kept. */
  readonly tagged: readonly string[];
  /** Candidates kept for another reason (too young, not ours). */
  readonly skipped: readonly string[];
  readonly failed: readonly { readonly eniId: string; readonly error: Error }[];
}

export interface Ec2Port {
  /** The instance this adapter acts for (tags, description, attachments). */
  readonly instanceId: string;

  // ---- describe -----------------------------------------------------------------------------
  /**
   * The ENIs with these IDs, in one call (empty list → no call). IDs EC2 reports as not found are
   * dropped and the call repeated; other failures are retried up to 12 tries.
   */
  describeNetworkInterfaces(eniIds: readonly string[]): Promise<DescribeEnisResult>;
  /** One ENI, or undefined when EC2 does not know it. */
  describeNetworkInterface(eniId: string): Promise<EniDescription | undefined>;
  /** Every ENI matching the filters, all pages read (MaxResults 1000). */
  listNetworkInterfaces(filters: Ec2Filters): Promise<EniDescription[]>;
  /** Subnets of a VPC in an AZ, or by ID (unknown IDs are simply absent), all pages read. */
  describeSubnets(query: SubnetQuery): Promise<SubnetDescription[]>;
  /** Limits of an instance type missing from the static table; undefined when EC2 lacks them. */
  describeInstanceType(instanceType: string): Promise<InstanceTypeInfo | undefined>;

  // ---- ENI lifecycle ------------------------------------------------------------------------
  /**
   * CreateNetworkInterface with description `aws-K8S-<instance-id>` and the creation tags
   * (instance_id, createdAt, cluster tags, ADDITIONAL_ENI_TAGS). A count < 1 asks for none.
   */
  createNetworkInterface(request: CreateEniRequest): Promise<EniDescription>;
  /** Lowest DeviceIndex in 0..99 unused on this instance's network card (DescribeInstances). */
  findFreeDeviceIndex(networkCardIndex: number): Promise<number>;
  /** AttachNetworkInterface; resolves with the attachment ID. */
  attachNetworkInterface(
    eniId: string,
    deviceIndex: number,
    networkCardIndex: number,
  ): Promise<string>;
  /** ModifyNetworkInterfaceAttribute Attachment.DeleteOnTermination=true. */
  setDeleteOnTermination(eniId: string, attachmentId: string): Promise<void>;
  /**
   * Create (trying each subnet in order) → free device index → attach (the new ENI is deleted
   * if that fails) → DeleteOnTermination (the ENI is freed if that fails).
   */
  allocateEni(request: AllocateEniRequest): Promise<AllocatedEni>;
  /**
   * Re-reads the ENI from EC2 (unknown → 'alreadyGone'), detaches it with the detach back-off,
   * pauses 2 s, deletes it with the delete back-off. Refuses an ENI attached to another
   * instance or at device 0 of card 0 (the primary).
   */
  freeEni(eniId: string): Promise<FreeEniResult>;
  /** DetachNetworkInterface with the detach back-off; an unknown attachment counts as detached. */
  detachNetworkInterface(attachmentId: string): Promise<void>;
  /** DeleteNetworkInterface with the delete back-off; an unknown ENI counts as deleted. */
  deleteNetworkInterface(eniId: string): Promise<void>;
  /** ModifyNetworkInterfaceAttribute Groups (sent sorted). */
  setSecurityGroups(eniId: string, securityGroupIds: readonly string[]): Promise<void>;

  // ---- addresses ----------------------------------------------------------------------------
  /** AssignPrivateIpAddresses SecondaryPrivateIpAddressCount; resolves with the addresses EC2 assigned. */
  assignPrivateIpv4Addresses(
    eniId: string,
    count: number,
    options?: AssignOptions,
  ): Promise<string[]>;
  /** AssignPrivateIpAddresses Ipv4PrefixCount; resolves with the /28 prefixes EC2 assigned. */
  assignIpv4Prefixes(eniId: string, count: number, options?: AssignOptions): Promise<string[]>;
  /** UnassignPrivateIpAddresses PrivateIpAddresses (empty list → no call). */
  unassignPrivateIpv4Addresses(eniId: string, addresses: readonly string[]): Promise<void>;
  /** UnassignPrivateIpAddresses Ipv4Prefixes (empty list → no call). */
  unassignIpv4Prefixes(eniId: string, prefixes: readonly string[]): Promise<void>;
  /** AssignIpv6Addresses Ipv6PrefixCount=1; resolves with the prefixes EC2 assigned. */
  assignIpv6Prefix(eniId: string): Promise<string[]>;
  /** UnassignIpv6Addresses Ipv6Prefixes (empty list → no call). */
  unassignIpv6Prefixes(eniId: string, prefixes: readonly string[]): Promise<void>;

  // ---- tags and cleanup ---------------------------------------------------------------------
  /** CreateTags with the CreateTags back-off (empty → no call). */
  tagNetworkInterface(eniId: string, tags: Tags): Promise<void>;
  /**
   * TagENI: sends the desired tags (all but createdAt) that `currentTags` lacks or has with
   * another value; resolves with what was sent (empty → no call).
   */
  ensureEniTags(eniId: string, currentTags: Tags): Promise<Tags>;
  /** One pass of the leaked-ENI cleanup in `vpcId` (spec/ipamd.md §6.5). */
  cleanUpLeakedEnis(vpcId: string): Promise<LeakedEniCleanupReport>;
}
