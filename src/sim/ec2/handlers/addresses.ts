import { assignAddresses, unassignAddresses } from '../../model/addresses.ts';
import { invalidParameterCombination, missingParameter } from '../errors.ts';
import type { ActionHandler } from '../handler.ts';
import { positiveCount } from '../param-rules.ts';
import { itemList, leaf } from '../xml.ts';

const assignPrivateIpAddresses: ActionHandler = ({ params, state }) => {
  const eni = state.getEni(params.requiredString('NetworkInterfaceId'));
  const addressCount = positiveCount(params, 'SecondaryPrivateIpAddressCount');
  const prefixCount = positiveCount(params, 'Ipv4PrefixCount');
  const addresses = params.list('PrivateIpAddress');
  const prefixes = params.list('Ipv4Prefix');
  params.boolean('AllowReassignment');
  const ipKinds = (addressCount !== undefined ? 1 : 0) + (addresses.length > 0 ? 1 : 0);
  const prefixKinds = (prefixCount !== undefined ? 1 : 0) + (prefixes.length > 0 ? 1 : 0);
  if (ipKinds + prefixKinds === 0) {
    throw missingParameter(
      'SecondaryPrivateIpAddressCount, PrivateIpAddresses, Ipv4PrefixCount or Ipv4Prefixes',
    );
  }
  if (ipKinds + prefixKinds > 1) {
    throw invalidParameterCombination(
      'Specify only one of SecondaryPrivateIpAddressCount, PrivateIpAddresses, Ipv4PrefixCount or Ipv4Prefixes.',
    );
  }
  const taken = assignAddresses(state, eni, {
    addressCount: addressCount ?? 0,
    prefixCount: prefixCount ?? 0,
    addresses,
    prefixes,
  });
  return [
    leaf('networkInterfaceId', eni.id),
    itemList(
      'assignedPrivateIpAddressesSet',
      taken.addresses.map((ip) => [leaf('privateIpAddress', ip)]),
    ),
    itemList(
      'assignedIpv4PrefixSet',
      taken.prefixes.map((p) => [leaf('ipv4Prefix', p)]),
    ),
    leaf('return', true),
  ];
};

const unassignPrivateIpAddresses: ActionHandler = ({ params, state }) => {
  const eni = state.getEni(params.requiredString('NetworkInterfaceId'));
  const addresses = params.list('PrivateIpAddress');
  const prefixes = params.list('Ipv4Prefix');
  if (addresses.length === 0 && prefixes.length === 0) {
    throw missingParameter('PrivateIpAddress or Ipv4Prefix');
  }
  if (addresses.length > 0 && prefixes.length > 0) {
    throw invalidParameterCombination(
      'Specify either PrivateIpAddresses or Ipv4Prefixes, not both.',
    );
  }
  unassignAddresses(state, eni, addresses, prefixes);
  return [leaf('return', true)];
};

export const addressActions: Readonly<Record<string, ActionHandler>> = {
  AssignPrivateIpAddresses: assignPrivateIpAddresses,
  UnassignPrivateIpAddresses: unassignPrivateIpAddresses,
};
