import { Ec2Error } from '../ec2/errors.ts';
import {
  addressLimitExceeded,
  addToEni,
  insufficientAddresses,
  returnToSubnet,
  takeFromSubnet,
} from './addresses.ts';
import { unattachedIpv4Limit } from './limits.ts';
import type { RegionState } from './region-state.ts';
import { type EniRecord, liveAddresses } from './types.ts';

export interface NewEni {
  readonly subnetId: string;
  readonly description?: string;
  /** Empty → the VPC's default security group. */
  readonly groupIds?: readonly string[];
  readonly primaryIp?: string;
  readonly secondaryAddressCount?: number;
  readonly secondaryAddresses?: readonly string[];
  readonly prefixCount?: number;
  readonly prefixes?: readonly string[];
  readonly tags?: ReadonlyMap<string, string>;
  /** IMDS lag for the ENI's initial addresses (0 for an instance's primary ENI at launch). */
  readonly imdsLagMs?: number;
}

/** CreateNetworkInterface: a primary address plus the requested secondaries or prefixes, all or nothing. */
export function createEni(state: RegionState, request: NewEni): EniRecord {
  const subnet = state.getSubnet(request.subnetId);
  const groupIds = [
    ...new Set(request.groupIds?.length ? request.groupIds : [state.defaultSecurityGroupId]),
  ];
  for (const id of groupIds) state.getSecurityGroup(id);
  const slots =
    1 +
    (request.secondaryAddressCount ?? 0) +
    (request.secondaryAddresses?.length ?? 0) +
    (request.prefixCount ?? 0) +
    (request.prefixes?.length ?? 0);
  if (slots > unattachedIpv4Limit()) throw addressLimitExceeded();

  const primary = takeFromSubnet(
    subnet,
    request.primaryIp !== undefined ? { addresses: [request.primaryIp] } : { addressCount: 1 },
  );
  const primaryIp = primary.addresses[0];
  if (primaryIp === undefined) throw insufficientAddresses();
  let rest: ReturnType<typeof takeFromSubnet>;
  try {
    rest = takeFromSubnet(subnet, {
      addresses: request.secondaryAddresses ?? [],
      addressCount: request.secondaryAddressCount ?? 0,
      prefixes: request.prefixes ?? [],
      prefixCount: request.prefixCount ?? 0,
    });
  } catch (error) {
    returnToSubnet(subnet, primary.addresses, []);
    throw error;
  }

  const lagMs = request.imdsLagMs ?? state.imdsLagMs;
  const eni: EniRecord = {
    id: state.ids.next('eni'),
    seq: state.nextSeq(),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    macAddress: state.ids.mac(),
    primaryIp,
    createdAt: state.now(),
    description: request.description ?? '',
    groupIds,
    sourceDestCheck: true,
    tags: new Map(request.tags ?? []),
    addresses: [
      { kind: 'ip', value: primaryIp, primary: true, imdsVisibleAt: state.now() + lagMs },
    ],
    attachment: undefined,
    deleted: false,
  };
  addToEni(state, eni, rest, lagMs);
  state.enis.set(eni.id, eni);
  return eni;
}

/** DeleteNetworkInterface: only an ENI with no attachment at all (not even detaching) can go. */
export function deleteEni(state: RegionState, id: string): void {
  const eni = state.getEni(id);
  if (eni.attachment) {
    throw new Ec2Error(
      'InvalidNetworkInterface.InUse',
      `The network interface '${id}' is currently in use.`,
    );
  }
  destroyEni(state, eni);
}

/** Returns an ENI's addresses to its subnet and forgets it. */
export function destroyEni(state: RegionState, eni: EniRecord): void {
  const subnet = state.subnets.get(eni.subnetId);
  if (subnet) {
    const live = liveAddresses(eni);
    returnToSubnet(
      subnet,
      live.filter((a) => a.kind === 'ip').map((a) => a.value),
      live.filter((a) => a.kind === 'prefix').map((a) => a.value),
    );
  }
  eni.deleted = true;
  state.enis.delete(eni.id);
}

/** ModifyNetworkInterfaceAttribute with SecurityGroupId.N: replaces the ENI's groups. */
export function setSecurityGroups(
  state: RegionState,
  eni: EniRecord,
  groupIds: readonly string[],
): void {
  for (const id of groupIds) state.getSecurityGroup(id);
  eni.groupIds = [...new Set(groupIds)];
}

/** ModifyNetworkInterfaceAttribute with Attachment.*: the attachment must be this ENI's current one. */
export function setDeleteOnTermination(
  state: RegionState,
  eni: EniRecord,
  attachmentId: string,
  deleteOnTermination: boolean,
): void {
  const attachment = state.getAttachment(attachmentId);
  if (attachment.eni !== eni) {
    throw new Ec2Error(
      'InvalidAttachmentID.NotFound',
      `The attachment ID '${attachmentId}' does not exist for network interface '${eni.id}'`,
    );
  }
  attachment.deleteOnTermination = deleteOnTermination;
}
