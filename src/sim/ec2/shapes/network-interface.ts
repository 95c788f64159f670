import type { RegionState } from '../../model/region-state.ts';
import {
  type AttachmentRecord,
  attachmentStatus,
  type EniRecord,
  liveAddresses,
} from '../../model/types.ts';
import { itemList, leaf, node, type XmlFragment } from '../xml.ts';
import { tagSetXml } from './tags.ts';

/** 'ip-10-0-1-5.us-west-2.compute.internal', EC2's private DNS name for an address. */
export function privateDnsName(ip: string, region: string): string {
  return `ip-${ip.replaceAll('.', '-')}.${region}.compute.internal`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
}

/** The ENI's status as DescribeNetworkInterfaces reports it. */
export function eniStatus(eni: EniRecord): 'available' | 'in-use' {
  return eni.attachment ? 'in-use' : 'available';
}

export function attachmentXml(
  state: RegionState,
  attachment: AttachmentRecord,
  withInstance: boolean,
): XmlFragment {
  return node('attachment', [
    leaf('attachmentId', attachment.id),
    withInstance ? leaf('instanceId', attachment.instanceId) : leaf('instanceId', undefined),
    withInstance ? leaf('instanceOwnerId', state.accountId) : leaf('instanceOwnerId', undefined),
    leaf('deviceIndex', attachment.deviceIndex),
    leaf('networkCardIndex', attachment.networkCardIndex),
    leaf('status', attachmentStatus(attachment, state.now())),
    leaf('attachTime', isoTime(attachment.requestedAt)),
    leaf('deleteOnTermination', attachment.deleteOnTermination),
  ]);
}

/**
 * The fields of one ENI, as the children of an `<item>` (DescribeNetworkInterfaces) or of
 * `<networkInterface>` (CreateNetworkInterface). `forInstance` gives the shorter shape nested in
 * DescribeInstances, whose attachment does not repeat the instance.
 */
export function networkInterfaceFields(
  state: RegionState,
  eni: EniRecord,
  forInstance = false,
): XmlFragment[] {
  const ips = liveAddresses(eni, 'ip');
  const prefixes = liveAddresses(eni, 'prefix');
  const groups = eni.groupIds.map((id) => {
    const group = state.securityGroups.get(id);
    return [leaf('groupId', id), leaf('groupName', group?.name ?? id)];
  });
  const fields: XmlFragment[] = [
    leaf('networkInterfaceId', eni.id),
    leaf('subnetId', eni.subnetId),
    leaf('vpcId', eni.vpcId),
  ];
  if (!forInstance) {
    const subnet = state.subnets.get(eni.subnetId);
    fields.push(
      leaf('availabilityZone', eni.availabilityZone),
      leaf('availabilityZoneId', subnet?.availabilityZoneId),
    );
  }
  fields.push(
    leaf('description', eni.description),
    leaf('ownerId', state.accountId),
    forInstance ? leaf('requesterManaged', undefined) : leaf('requesterManaged', false),
    leaf('status', eniStatus(eni)),
    leaf('macAddress', eni.macAddress),
    leaf('privateIpAddress', eni.primaryIp),
    leaf('privateDnsName', privateDnsName(eni.primaryIp, state.region)),
    leaf('sourceDestCheck', eni.sourceDestCheck),
    leaf('interfaceType', 'interface'),
    itemList('groupSet', groups),
  );
  if (eni.attachment) fields.push(attachmentXml(state, eni.attachment, !forInstance));
  if (!forInstance) fields.push(tagSetXml(eni.tags));
  fields.push(
    itemList(
      'privateIpAddressesSet',
      ips.map((a) => [
        leaf('privateIpAddress', a.value),
        leaf('privateDnsName', privateDnsName(a.value, state.region)),
        leaf('primary', a.primary),
      ]),
    ),
    itemList('ipv6AddressesSet', []),
  );
  if (prefixes.length > 0) {
    fields.push(
      itemList(
        'ipv4PrefixSet',
        prefixes.map((p) => [leaf('ipv4Prefix', p.value)]),
      ),
    );
  }
  return fields;
}
