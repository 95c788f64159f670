import type { InstanceTypeInfo } from '../../ipam/instance-limits.ts';
import type { SubnetAddressSpace } from './address-space.ts';

/**
 * The records of the simulated region. Times are milliseconds on the region's clock. Every
 * change that IMDS reports carries the time it becomes visible there (`imdsVisibleAt`) and, once
 * undone, the time it disappears (`imdsHiddenAt`): that is how IMDS lags EC2 without timers.
 */

export type Tags = Map<string, string>;

export interface VpcRecord {
  readonly id: string;
  readonly cidrs: readonly string[];
  readonly tags: Tags;
}

export interface SubnetRecord {
  readonly id: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  readonly space: SubnetAddressSpace;
  readonly tags: Tags;
  readonly defaultForAz: boolean;
}

export interface SecurityGroupRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  readonly tags: Tags;
}

/** One IPv4 address or /28 prefix on an ENI, kept after removal until IMDS has caught up. */
export interface AddressRecord {
  readonly kind: 'ip' | 'prefix';
  /** '10.0.1.5' or '10.0.1.16/28'. */
  readonly value: string;
  readonly primary: boolean;
  readonly imdsVisibleAt: number;
  removedAt?: number;
  imdsHiddenAt?: number;
}

export interface EniRecord {
  readonly id: string;
  /** Creation order (DescribeNetworkInterfaces pages in this order). */
  readonly seq: number;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly macAddress: string;
  readonly primaryIp: string;
  readonly createdAt: number;
  description: string;
  groupIds: string[];
  sourceDestCheck: boolean;
  readonly tags: Tags;
  /** Live and recently removed addresses, in assignment order (the primary first). */
  addresses: AddressRecord[];
  /** The current attachment (attaching, attached or detaching); undefined when available. */
  attachment: AttachmentRecord | undefined;
  deleted: boolean;
}

export interface AttachmentRecord {
  readonly id: string;
  readonly eni: EniRecord;
  readonly instanceId: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  deleteOnTermination: boolean;
  readonly requestedAt: number;
  /** When 'attaching' becomes 'attached'. */
  readonly attachedAt: number;
  readonly imdsVisibleAt: number;
  /** Set by a detach: 'detaching' from then on. */
  detachRequestedAt?: number;
  /** When 'detaching' ends and the attachment is gone. */
  detachedAt?: number;
  imdsHiddenAt?: number;
}

export type InstanceState = 'running' | 'terminated';

export interface InstanceRecord {
  readonly id: string;
  readonly seq: number;
  readonly instanceType: string;
  readonly typeInfo: InstanceTypeInfo;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly reservationId: string;
  readonly imageId: string;
  readonly launchedAt: number;
  readonly primaryEni: EniRecord;
  state: InstanceState;
  readonly tags: Tags;
  /** Current attachments plus detached ones IMDS still shows (pruned once IMDS caught up). */
  attachments: AttachmentRecord[];
  /** Base URL of the instance's IMDS server; '' until it listens. */
  imdsEndpoint: string;
}

export type AttachmentStatus = 'attaching' | 'attached' | 'detaching' | 'detached';

/** The status of an attachment at `now`, computed from its timestamps. */
export function attachmentStatus(attachment: AttachmentRecord, now: number): AttachmentStatus {
  if (attachment.detachedAt !== undefined && now >= attachment.detachedAt) return 'detached';
  if (attachment.detachRequestedAt !== undefined) return 'detaching';
  return now >= attachment.attachedAt ? 'attached' : 'attaching';
}

/** Live (not removed) addresses of an ENI, in assignment order. */
export function liveAddresses(eni: EniRecord, kind?: 'ip' | 'prefix'): AddressRecord[] {
  return eni.addresses.filter(
    (a) => a.removedAt === undefined && (kind === undefined || a.kind === kind),
  );
}
