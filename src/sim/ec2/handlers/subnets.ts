import type { SecurityGroupRecord, SubnetRecord } from '../../model/types.ts';
import { Ec2Error } from '../errors.ts';
import { applyFilters, type FilterFields, parseFilters } from '../filters.ts';
import type { ActionHandler } from '../handler.ts';
import { paginate } from '../pagination.ts';
import { securityGroupFields, subnetFields } from '../shapes/subnet.ts';
import { itemList, leaf } from '../xml.ts';

const SUBNET_FILTERS: FilterFields<SubnetRecord> = {
  'subnet-id': (s) => [s.id],
  'vpc-id': (s) => [s.vpcId],
  'availability-zone': (s) => [s.availabilityZone],
  'availability-zone-id': (s) => [s.availabilityZoneId],
  'cidr-block': (s) => [s.cidr],
  cidr: (s) => [s.cidr],
  cidrBlock: (s) => [s.cidr],
  state: () => ['available'],
  'default-for-az': (s) => [String(s.defaultForAz)],
  defaultForAz: (s) => [String(s.defaultForAz)],
  'available-ip-address-count': (s) => [String(s.space.availableAddresses())],
};

/** Insertion order of a map's keys, the stable order Describe* pages in. */
function orderOf<T>(map: ReadonlyMap<string, T>): Map<string, number> {
  return new Map([...map.keys()].map((key, index) => [key, index]));
}

const describeSubnets: ActionHandler = ({ params, state }) => {
  const ids = [...new Set(params.list('SubnetId'))];
  for (const id of ids) if (!id.startsWith('subnet-')) state.getSubnet(id);
  const candidates =
    ids.length > 0 ? ids.map((id) => state.getSubnet(id)) : [...state.subnets.values()];
  const matching = applyFilters(candidates, parseFilters(params), SUBNET_FILTERS, (s) => s.tags);
  const order = orderOf(state.subnets);
  const page = paginate(matching, (s) => order.get(s.id) ?? 0, params, {
    min: 5,
    max: 1000,
    idParameter: 'SubnetId',
  });
  return [
    itemList(
      'subnetSet',
      page.items.map((s) => subnetFields(state, s)),
    ),
    leaf('nextToken', page.nextToken),
  ];
};

const GROUP_FILTERS: FilterFields<SecurityGroupRecord> = {
  'group-id': (g) => [g.id],
  'group-name': (g) => [g.name],
  'vpc-id': (g) => [g.vpcId],
  description: (g) => [g.description],
};

const describeSecurityGroups: ActionHandler = ({ params, state }) => {
  const ids = [...new Set(params.list('GroupId'))];
  const names = [...new Set(params.list('GroupName'))];
  let candidates = [...state.securityGroups.values()];
  if (ids.length > 0) candidates = ids.map((id) => state.getSecurityGroup(id));
  if (names.length > 0) {
    for (const name of names) {
      if (!candidates.some((g) => g.name === name)) {
        throw new Ec2Error(
          'InvalidGroup.NotFound',
          `The security group '${name}' does not exist in default VPC '${state.vpc.id}'`,
        );
      }
    }
    candidates = candidates.filter((g) => names.includes(g.name));
  }
  const matching = applyFilters(candidates, parseFilters(params), GROUP_FILTERS, (g) => g.tags);
  const order = orderOf(state.securityGroups);
  const page = paginate(matching, (g) => order.get(g.id) ?? 0, params, {
    min: 5,
    max: 1000,
    idParameter: 'GroupId',
  });
  return [
    itemList(
      'securityGroupInfo',
      page.items.map((g) => securityGroupFields(state, g)),
    ),
    leaf('nextToken', page.nextToken),
  ];
};

export const subnetActions: Readonly<Record<string, ActionHandler>> = {
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
};
