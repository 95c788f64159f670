import type { RegionState } from '../../model/region-state.ts';
import { attachmentStatus, type InstanceRecord } from '../../model/types.ts';
import { itemList, leaf, node, type XmlFragment } from '../xml.ts';
import { isoTime, networkInterfaceFields, privateDnsName } from './network-interface.ts';
import { tagSetXml } from './tags.ts';

const STATE_CODES = { running: 16, terminated: 48 } as const;

/** One `<item>` of DescribeInstances' reservationSet: the reservation with its one instance. */
export function reservationFields(state: RegionState, instance: InstanceRecord): XmlFragment[] {
  const primary = instance.primaryEni;
  const groups = primary.groupIds.map((id) => [
    leaf('groupId', id),
    leaf('groupName', state.securityGroups.get(id)?.name ?? id),
  ]);
  const now = state.now();
  const interfaces =
    instance.state === 'running'
      ? instance.attachments
          .filter(
            (a) => state.attachments.get(a.id) === a && attachmentStatus(a, now) !== 'detached',
          )
          .sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex)
          .map((a) => networkInterfaceFields(state, a.eni, true))
      : [];
  const running = instance.state === 'running';
  const fields: XmlFragment[] = [
    leaf('instanceId', instance.id),
    leaf('imageId', instance.imageId),
    node('instanceState', [
      leaf('code', STATE_CODES[instance.state]),
      leaf('name', instance.state),
    ]),
    leaf('privateDnsName', running ? privateDnsName(primary.primaryIp, state.region) : ''),
    leaf('dnsName', ''),
    leaf('amiLaunchIndex', 0),
    leaf('instanceType', instance.instanceType),
    leaf('launchTime', isoTime(instance.launchedAt)),
    node('placement', [
      leaf('availabilityZone', instance.availabilityZone),
      leaf('availabilityZoneId', state.subnets.get(instance.subnetId)?.availabilityZoneId),
      leaf('groupName', ''),
      leaf('tenancy', 'default'),
    ]),
    node('monitoring', [leaf('state', 'disabled')]),
    leaf('subnetId', running ? instance.subnetId : undefined),
    leaf('vpcId', running ? instance.vpcId : undefined),
    leaf('privateIpAddress', running ? primary.primaryIp : undefined),
    leaf('sourceDestCheck', true),
    itemList('groupSet', running ? groups : []),
    leaf('architecture', instance.instanceType.match(/^[a-z]+\d+g/) ? 'arm64' : 'x86_64'),
    leaf('rootDeviceType', 'ebs'),
    leaf('rootDeviceName', '/dev/xvda'),
    leaf('virtualizationType', 'hvm'),
    // DescribeInstances says 'xen' for Nitro instances too: its enum has only 'ovm' and 'xen'.
    leaf('hypervisor', 'xen'),
    tagSetXml(instance.tags),
    itemList('networkInterfaceSet', interfaces),
    leaf('ebsOptimized', false),
    leaf('enaSupport', true),
  ];
  return [
    leaf('reservationId', instance.reservationId),
    leaf('ownerId', state.accountId),
    itemList('groupSet', []),
    itemList('instancesSet', [fields]),
  ];
}
