import { knownInstanceTypes, lookupInstanceType } from '../../../ipam/instance-limits.ts';
import type { RegionState } from '../../model/region-state.ts';
import { attachmentStatus, type InstanceRecord, liveAddresses } from '../../model/types.ts';
import { Ec2Error } from '../errors.ts';
import { applyFilters, type FilterFields, parseFilters } from '../filters.ts';
import type { ActionHandler } from '../handler.ts';
import { paginate } from '../pagination.ts';
import { reservationFields } from '../shapes/instance.ts';
import { instanceTypeFields } from '../shapes/instance-type.ts';
import { itemList, leaf } from '../xml.ts';

function instanceFilters(state: RegionState): FilterFields<InstanceRecord> {
  const current = (instance: InstanceRecord) =>
    instance.attachments.filter(
      (a) => state.attachments.get(a.id) === a && attachmentStatus(a, state.now()) !== 'detached',
    );
  return {
    'instance-id': (i) => [i.id],
    'instance-type': (i) => [i.instanceType],
    'instance-state-name': (i) => [i.state],
    'instance-state-code': (i) => [i.state === 'running' ? '16' : '48'],
    'vpc-id': (i) => [i.vpcId],
    'subnet-id': (i) => [i.subnetId],
    'availability-zone': (i) => [i.availabilityZone],
    'private-ip-address': (i) => [i.primaryEni.primaryIp],
    'network-interface.network-interface-id': (i) => current(i).map((a) => a.eni.id),
    'network-interface.attachment.attachment-id': (i) => current(i).map((a) => a.id),
    'network-interface.addresses.private-ip-address': (i) =>
      current(i).flatMap((a) => liveAddresses(a.eni, 'ip').map((r) => r.value)),
    'owner-id': () => [state.accountId],
    'reservation-id': (i) => [i.reservationId],
  };
}

const describeInstances: ActionHandler = ({ params, state }) => {
  const ids = [...new Set(params.list('InstanceId'))];
  const filters = parseFilters(params);
  for (const id of ids) if (!id.startsWith('i-')) state.getInstance(id);
  const candidates =
    ids.length > 0 ? ids.map((id) => state.getInstance(id)) : [...state.instances.values()];
  const matching = applyFilters(candidates, filters, instanceFilters(state), (i) => i.tags);
  const page = paginate(matching, (i) => i.seq, params, {
    min: 5,
    max: 1000,
    idParameter: 'InstanceId',
  });
  return [
    itemList(
      'reservationSet',
      page.items.map((instance) => reservationFields(state, instance)),
    ),
    leaf('nextToken', page.nextToken),
  ];
};

interface TypeEntry {
  readonly index: number;
  readonly name: string;
}

const describeInstanceTypes: ActionHandler = ({ params }) => {
  const requested = [...new Set(params.list('InstanceType'))];
  const missing = requested.filter((name) => !lookupInstanceType(name));
  if (missing.length > 0) {
    throw new Ec2Error(
      'InvalidInstanceType',
      `The following supplied instance types do not exist: [${missing.join(', ')}]`,
    );
  }
  const all = knownInstanceTypes();
  const names = requested.length > 0 ? requested : all;
  const entries: TypeEntry[] = names.map((name) => ({ index: all.indexOf(name), name }));
  const matching = applyFilters(entries, parseFilters(params), {
    'instance-type': (e) => [e.name],
    hypervisor: (e) => [lookupInstanceType(e.name)?.hypervisor],
    'bare-metal': (e) => [String(lookupInstanceType(e.name)?.bareMetal ?? false)],
    'network-info.maximum-network-interfaces': (e) => [
      String(lookupInstanceType(e.name)?.eniLimit),
    ],
    'network-info.ipv4-addresses-per-interface': (e) => [
      String(lookupInstanceType(e.name)?.ipv4Limit),
    ],
  });
  const page = paginate(matching, (e) => e.index, params, { min: 5, max: 100, defaultSize: 100 });
  return [
    itemList(
      'instanceTypeSet',
      page.items.map((e) => instanceTypeFields(e.name, lookupInstanceType(e.name)!)),
    ),
    leaf('nextToken', page.nextToken),
  ];
};

export const instanceActions: Readonly<Record<string, ActionHandler>> = {
  DescribeInstances: describeInstances,
  DescribeInstanceTypes: describeInstanceTypes,
};
