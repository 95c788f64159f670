import type { RegionState } from '../../model/region-state.ts';
import type { SecurityGroupRecord, SubnetRecord } from '../../model/types.ts';
import { itemList, leaf, type XmlFragment } from '../xml.ts';
import { tagSetXml } from './tags.ts';

export function subnetFields(state: RegionState, subnet: SubnetRecord): XmlFragment[] {
  return [
    leaf('subnetId', subnet.id),
    leaf('subnetArn', `arn:aws:ec2:${state.region}:${state.accountId}:subnet/${subnet.id}`),
    leaf('state', 'available'),
    leaf('ownerId', state.accountId),
    leaf('vpcId', subnet.vpcId),
    leaf('cidrBlock', subnet.cidr),
    itemList('ipv6CidrBlockAssociationSet', []),
    leaf('availableIpAddressCount', subnet.space.availableAddresses()),
    leaf('availabilityZone', subnet.availabilityZone),
    leaf('availabilityZoneId', subnet.availabilityZoneId),
    leaf('defaultForAz', subnet.defaultForAz),
    leaf('mapPublicIpOnLaunch', false),
    leaf('assignIpv6AddressOnCreation', false),
    leaf('ipv6Native', false),
    tagSetXml(subnet.tags),
  ];
}

export function securityGroupFields(state: RegionState, group: SecurityGroupRecord): XmlFragment[] {
  return [
    leaf('ownerId', state.accountId),
    leaf('groupId', group.id),
    leaf('groupName', group.name),
    leaf('groupDescription', group.description),
    leaf('vpcId', group.vpcId),
    leaf(
      'securityGroupArn',
      `arn:aws:ec2:${state.region}:${state.accountId}:security-group/${group.id}`,
    ),
    itemList('ipPermissions', []),
    itemList('ipPermissionsEgress', []),
    tagSetXml(group.tags),
  ];
}
