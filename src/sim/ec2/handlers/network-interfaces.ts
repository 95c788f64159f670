import {
  createEni,
  deleteEni,
  setDeleteOnTermination,
  setSecurityGroups,
} from '../../model/enis.ts';
import type { RegionState } from '../../model/region-state.ts';
import { attachmentStatus, type EniRecord, liveAddresses } from '../../model/types.ts';
import {
  Ec2Error,
  invalidParameterCombination,
  invalidParameterValue,
  missingParameter,
} from '../errors.ts';
import { applyFilters, type FilterFields, parseFilters } from '../filters.ts';
import type { ActionHandler } from '../handler.ts';
import { paginate } from '../pagination.ts';
import { optionalCount, parseTagSpecifications } from '../param-rules.ts';
import { eniStatus, networkInterfaceFields } from '../shapes/network-interface.ts';
import { itemList, leaf, node } from '../xml.ts';

function eniFilters(state: RegionState): FilterFields<EniRecord> {
  const att = (eni: EniRecord) => eni.attachment;
  return {
    'network-interface-id': (eni) => [eni.id],
    'attachment.instance-id': (eni) => [att(eni)?.instanceId],
    'attachment.attachment-id': (eni) => [att(eni)?.id],
    'attachment.device-index': (eni) => [att(eni) && String(att(eni)!.deviceIndex)],
    'attachment.network-card-index': (eni) => [att(eni) && String(att(eni)!.networkCardIndex)],
    'attachment.status': (eni) => [att(eni) && attachmentStatus(att(eni)!, state.now())],
    'attachment.delete-on-termination': (eni) => [
      att(eni) && String(att(eni)!.deleteOnTermination),
    ],
    'attachment.instance-owner-id': (eni) => [att(eni) && state.accountId],
    status: (eni) => [eniStatus(eni)],
    'vpc-id': (eni) => [eni.vpcId],
    'subnet-id': (eni) => [eni.subnetId],
    description: (eni) => [eni.description],
    'availability-zone': (eni) => [eni.availabilityZone],
    'mac-address': (eni) => [eni.macAddress],
    'private-ip-address': (eni) => liveAddresses(eni, 'ip').map((a) => a.value),
    'addresses.private-ip-address': (eni) => liveAddresses(eni, 'ip').map((a) => a.value),
    'addresses.primary': (eni) => liveAddresses(eni, 'ip').map((a) => String(a.primary)),
    'ipv4-prefix': (eni) => liveAddresses(eni, 'prefix').map((a) => a.value),
    'group-id': (eni) => eni.groupIds,
    'group-name': (eni) => eni.groupIds.map((id) => state.securityGroups.get(id)?.name),
    'owner-id': () => [state.accountId],
    'interface-type': () => ['interface'],
    'requester-managed': () => ['false'],
    'source-dest-check': (eni) => [String(eni.sourceDestCheck)],
  };
}

const createNetworkInterface: ActionHandler = ({ params, state }) => {
  const subnetId = params.requiredString('SubnetId');
  const secondaryCount = optionalCount(params, 'SecondaryPrivateIpAddressCount');
  const prefixCount = optionalCount(params, 'Ipv4PrefixCount');
  const listed = params.structList('PrivateIpAddresses');
  const primaryFromList = listed
    .find((g) => g.boolean('Primary') === true)
    ?.string('PrivateIpAddress');
  const primaryIp = params.string('PrivateIpAddress') ?? primaryFromList;
  const secondaries = listed
    .map((g) => g.string('PrivateIpAddress'))
    .filter((ip): ip is string => ip !== undefined && ip !== primaryIp);
  const prefixes = params
    .structList('Ipv4Prefix')
    .map((g) => g.string('Ipv4Prefix'))
    .filter((p): p is string => p !== undefined);
  const wantsAddresses = (secondaryCount ?? 0) > 0 || secondaries.length > 0;
  const wantsPrefixes = (prefixCount ?? 0) > 0 || prefixes.length > 0;
  if (wantsAddresses && wantsPrefixes) {
    throw invalidParameterCombination(
      'You cannot specify both secondary private IP addresses and IPv4 prefixes in the same request.',
    );
  }
  if ((prefixCount ?? 0) > 0 && prefixes.length > 0) {
    throw invalidParameterCombination('You cannot specify both Ipv4PrefixCount and Ipv4Prefixes.');
  }
  if ((secondaryCount ?? 0) > 0 && secondaries.length > 0) {
    throw invalidParameterCombination(
      'You cannot specify both SecondaryPrivateIpAddressCount and PrivateIpAddresses.',
    );
  }
  if (
    (params.integer('Ipv6AddressCount') ?? 0) > 0 ||
    (params.integer('Ipv6PrefixCount') ?? 0) > 0
  ) {
    throw invalidParameterValue(`The subnet '${subnetId}' does not have an IPv6 CIDR block.`);
  }
  const eni = createEni(state, {
    subnetId,
    description: params.string('Description') ?? '',
    groupIds: params.list('SecurityGroupId'),
    ...(primaryIp !== undefined ? { primaryIp } : {}),
    secondaryAddressCount: secondaryCount ?? 0,
    secondaryAddresses: secondaries,
    prefixCount: prefixCount ?? 0,
    prefixes,
    tags: parseTagSpecifications(params, 'network-interface'),
  });
  return [node('networkInterface', networkInterfaceFields(state, eni))];
};

const deleteNetworkInterface: ActionHandler = ({ params, state }) => {
  deleteEni(state, params.requiredString('NetworkInterfaceId'));
  return [leaf('return', true)];
};

const describeNetworkInterfaces: ActionHandler = ({ params, state }) => {
  const ids = [...new Set(params.list('NetworkInterfaceId'))];
  const filters = parseFilters(params);
  // Every ID is format-checked before any is looked up, as EC2 does; the first missing one is reported.
  for (const id of ids) if (!id.startsWith('eni-')) state.getEni(id);
  const candidates = ids.length > 0 ? ids.map((id) => state.getEni(id)) : [...state.enis.values()];
  const matching = applyFilters(candidates, filters, eniFilters(state), (eni) => eni.tags);
  const page = paginate(matching, (eni) => eni.seq, params, {
    min: 5,
    max: 1000,
    idParameter: 'NetworkInterfaceId',
  });
  return [
    itemList(
      'networkInterfaceSet',
      page.items.map((eni) => networkInterfaceFields(state, eni)),
    ),
    leaf('nextToken', page.nextToken),
  ];
};

const modifyNetworkInterfaceAttribute: ActionHandler = ({ params, state }) => {
  const eni = state.getEni(params.requiredString('NetworkInterfaceId'));
  const attachment = params.struct('Attachment');
  const groups = params.list('SecurityGroupId');
  const description = params.struct('Description');
  const sourceDestCheck = params.struct('SourceDestCheck');
  const given = [
    attachment && 'attachment',
    groups.length > 0 && 'groupSet',
    description && 'description',
    sourceDestCheck && 'sourceDestCheck',
  ].filter((x): x is string => typeof x === 'string');
  if (given.length === 0) throw invalidParameterCombination('No attributes specified.');
  if (given.length > 1) {
    throw invalidParameterCombination(
      `Fields for multiple attribute types specified: ${given.join(', ')}`,
    );
  }
  if (attachment) {
    const attachmentId = attachment.string('AttachmentId');
    if (!attachmentId) throw missingParameter('Attachment.AttachmentId');
    const deleteOnTermination = attachment.boolean('DeleteOnTermination');
    if (deleteOnTermination === undefined) throw missingParameter('Attachment.DeleteOnTermination');
    setDeleteOnTermination(state, eni, attachmentId, deleteOnTermination);
  } else if (groups.length > 0) {
    setSecurityGroups(state, eni, groups);
  } else if (description) {
    eni.description = description.string('Value') ?? '';
  } else if (sourceDestCheck) {
    const value = sourceDestCheck.boolean('Value');
    if (value === undefined) throw missingParameter('SourceDestCheck.Value');
    eni.sourceDestCheck = value;
  } else {
    throw new Ec2Error('InternalError', 'An internal error has occurred');
  }
  return [leaf('return', true)];
};

export const networkInterfaceActions: Readonly<Record<string, ActionHandler>> = {
  CreateNetworkInterface: createNetworkInterface,
  DeleteNetworkInterface: deleteNetworkInterface,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
};
