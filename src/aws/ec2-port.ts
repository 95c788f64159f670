import type { Ec2Filter, Ec2Filters } from '../ipam/eni/filters.ts';
import type { Tags } from '../ipam/eni/tags.ts';
import type { InstanceTypeInfo } from '../ipam/instance-limits.ts';

/**
 * The EC2 actions ipamd calls, one method per call, shaped like EC2 itself (as Cilium's ENI IPAM
 * tests against a raw EC2 API). What the daemon does with them — create → attach →
 * DeleteOnTermination → undo, free with back-offs, tagging, leaked-ENI cleanup, subnet choice —
 * are daemon workflows (src/daemon) over core rules (src/ipam/eni); nothing here decides.
 *
 * Rules every implementation keeps:
 * - Every failure is an `Ec2Error` (src/aws/errors.ts) carrying a kind the daemon reacts to; a
 *   not-found error lists the IDs EC2 quoted (`resourceIds`).
 * - There is no "describe everything": each Describe goes out with IDs or filters, so it draws
 *   from EC2's larger non-mutating bucket.
 * - Answers about what was just done come from EC2's response (EC2 is authoritative), e.g. the
 *   addresses an Assign call returns, so the daemon need not wait for IMDS.
 * - An empty list of things to act on makes no call.
 */

export type { Ec2Filter, Ec2Filters, Tags };

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

/** Where an ENI of this instance sits (DescribeInstances' NetworkInterfaces). */
export interface InstanceAttachment {
  readonly eniId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
}

/** What a new ENI is created with beside its own primary address. */
export type EniAddressRequest =
  | { readonly kind: 'secondaryIpv4'; readonly count: number }
  | { readonly kind: 'ipv4Prefix'; readonly count: number }
  | { readonly kind: 'ipv6Address'; readonly count: number }
  | { readonly kind: 'none' };

/** CreateNetworkInterface's parameters, as sent (the daemon computes every one of them). */
export interface CreateEniRequest {
  readonly subnetId: string;
  /** Sent sorted (the reference sorts the primary ENI's groups). */
  readonly securityGroupIds: readonly string[];
  readonly description: string;
  /** TagSpecifications for the network interface. */
  readonly tags: Tags;
  /** A count < 1 asks for none. */
  readonly addresses: EniAddressRequest;
  readonly connectionTracking?: ConnectionTracking;
}

export type SubnetQuery =
  | { readonly vpcId: string; readonly availabilityZone: string }
  | { readonly subnetIds: readonly string[] };

export interface Ec2Port {
  /** The instance this adapter acts for (DescribeInstances, AttachNetworkInterface). */
  readonly instanceId: string;

  // ---- describe -----------------------------------------------------------------------------
  /**
   * DescribeNetworkInterfaces NetworkInterfaceIds (empty list → no call). One unknown ID fails the
   * whole call with a not-found error quoting it (EC2's behaviour).
   */
  describeNetworkInterfaces(eniIds: readonly string[]): Promise<EniDescription[]>;
  /** DescribeNetworkInterfaces Filters, every page read (MaxResults 1000). */
  listNetworkInterfaces(filters: Ec2Filters): Promise<EniDescription[]>;
  /** DescribeSubnets by VPC and AZ, or by ID (unknown IDs are simply absent), every page read. */
  describeSubnets(query: SubnetQuery): Promise<SubnetDescription[]>;
  /** DescribeInstanceTypes for one type; undefined when EC2 gives no ENI/IP limits for it. */
  describeInstanceType(instanceType: string): Promise<InstanceTypeInfo | undefined>;
  /** DescribeInstances (filtered by this instance's ID): where each of its ENIs is attached. */
  describeInstanceAttachments(): Promise<InstanceAttachment[]>;

  // ---- ENIs ---------------------------------------------------------------------------------
  /** CreateNetworkInterface; resolves with the new ENI as EC2 answered. */
  createNetworkInterface(request: CreateEniRequest): Promise<EniDescription>;
  /** AttachNetworkInterface to this instance; resolves with the attachment ID. */
  attachNetworkInterface(
    eniId: string,
    deviceIndex: number,
    networkCardIndex: number,
  ): Promise<string>;
  /** ModifyNetworkInterfaceAttribute Attachment.DeleteOnTermination=true. */
  setDeleteOnTermination(eniId: string, attachmentId: string): Promise<void>;
  /** ModifyNetworkInterfaceAttribute Groups (sent sorted). */
  setSecurityGroups(eniId: string, securityGroupIds: readonly string[]): Promise<void>;
  /** DetachNetworkInterface (no Force). */
  detachNetworkInterface(attachmentId: string): Promise<void>;
  /** DeleteNetworkInterface. */
  deleteNetworkInterface(eniId: string): Promise<void>;
  /** CreateTags on one ENI (empty → no call). */
  createTags(eniId: string, tags: Tags): Promise<void>;

  // ---- addresses ----------------------------------------------------------------------------
  /** AssignPrivateIpAddresses SecondaryPrivateIpAddressCount; resolves with what EC2 assigned. */
  assignPrivateIpAddresses(eniId: string, count: number): Promise<string[]>;
  /** AssignPrivateIpAddresses Ipv4PrefixCount; resolves with the /28 prefixes EC2 assigned. */
  assignIpv4Prefixes(eniId: string, count: number): Promise<string[]>;
  /** UnassignPrivateIpAddresses PrivateIpAddresses (empty list → no call). */
  unassignPrivateIpAddresses(eniId: string, addresses: readonly string[]): Promise<void>;
  /** UnassignPrivateIpAddresses Ipv4Prefixes (empty list → no call). */
  unassignIpv4Prefixes(eniId: string, prefixes: readonly string[]): Promise<void>;
  /** AssignIpv6Addresses Ipv6PrefixCount=1; resolves with the prefixes EC2 assigned. */
  assignIpv6Prefix(eniId: string): Promise<string[]>;
  /** UnassignIpv6Addresses Ipv6Prefixes (empty list → no call). */
  unassignIpv6Prefixes(eniId: string, prefixes: readonly string[]): Promise<void>;
}
