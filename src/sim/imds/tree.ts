import type { ImdsInstanceView, ImdsInterface } from '../model/imds-view.ts';
import type { RegionState } from '../model/region-state.ts';

/** A metadata directory: names map to values (files) or to further directories. */
export interface ImdsDirectory {
  readonly [name: string]: string | ImdsDirectory;
}

function hostname(ip: string, region: string): string {
  return `ip-${ip.replaceAll('.', '-')}.${region}.compute.internal`;
}

function interfaceDirectory(state: RegionState, eni: ImdsInterface): ImdsDirectory {
  const dir: Record<string, string> = {
    'device-number': String(eni.deviceNumber),
    'interface-id': eni.eniId,
    'local-hostname': hostname(eni.ipv4s[0] ?? '', state.region),
    'local-ipv4s': eni.ipv4s.join('\n'),
    mac: eni.mac,
    'owner-id': state.accountId,
    'security-group-ids': eni.securityGroupIds.join('\n'),
    'security-groups': eni.securityGroupNames.join('\n'),
    'subnet-id': eni.subnetId,
    'subnet-ipv4-cidr-block': eni.subnetCidr,
    'vpc-id': eni.vpcId,
    'vpc-ipv4-cidr-block': state.vpc.cidrs[0] ?? '',
    'vpc-ipv4-cidr-blocks': state.vpc.cidrs.join('\n'),
  };
  // IMDS lists these only when they apply: prefixes when there are any, the card on cards > 0.
  if (eni.ipv4Prefixes.length > 0) dir['ipv4-prefix'] = eni.ipv4Prefixes.join('\n');
  if (eni.networkCard > 0) dir['network-card'] = String(eni.networkCard);
  return dir;
}

/** The instance identity document, with the fields the SDK and ipamd read. */
export function identityDocument(state: RegionState, view: ImdsInstanceView): string {
  const { instance } = view;
  return JSON.stringify(
    {
      accountId: state.accountId,
      architecture: /^[a-z]+\d+g/.test(instance.instanceType) ? 'arm64' : 'x86_64',
      availabilityZone: instance.availabilityZone,
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: instance.imageId,
      instanceId: instance.id,
      instanceType: instance.instanceType,
      kernelId: null,
      pendingTime: new Date(instance.launchedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      privateIp: instance.primaryEni.primaryIp,
      ramdiskId: null,
      region: state.region,
      version: '2017-09-30',
    },
    null,
    2,
  );
}

/** Everything under `/latest/` for one instance, as IMDS shows it at the view's moment. */
export function imdsTree(state: RegionState, view: ImdsInstanceView): ImdsDirectory {
  const { instance } = view;
  const primary = instance.primaryEni;
  const macs: Record<string, ImdsDirectory> = {};
  for (const eni of view.interfaces) macs[eni.mac] = interfaceDirectory(state, eni);
  const groupNames = primary.groupIds.map((id) => state.securityGroups.get(id)?.name ?? id);
  return {
    'meta-data': {
      'ami-id': instance.imageId,
      hostname: hostname(primary.primaryIp, state.region),
      'instance-id': instance.id,
      'instance-type': instance.instanceType,
      'local-hostname': hostname(primary.primaryIp, state.region),
      'local-ipv4': primary.primaryIp,
      mac: primary.macAddress,
      network: { interfaces: { macs } },
      placement: {
        'availability-zone': instance.availabilityZone,
        'availability-zone-id': state.subnets.get(instance.subnetId)?.availabilityZoneId ?? '',
        region: state.region,
      },
      'reservation-id': instance.reservationId,
      'security-groups': groupNames.join('\n'),
    },
    dynamic: {
      'instance-identity': { document: identityDocument(state, view) },
    },
  };
}

/**
 * The body IMDS answers for a path under `/latest/` ('meta-data/mac', 'meta-data/network/'), or
 * undefined for 404. A directory answers its listing, one name per line, subdirectories with a
 * trailing '/'.
 */
export function resolveImdsPath(tree: ImdsDirectory, path: string): string | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  let current: string | ImdsDirectory = tree;
  for (const segment of segments) {
    if (typeof current === 'string' || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment] as string | ImdsDirectory;
  }
  if (typeof current === 'string') return path.endsWith('/') ? undefined : current;
  return Object.keys(current)
    .sort()
    .map((name) => (typeof (current as ImdsDirectory)[name] === 'string' ? name : `${name}/`))
    .join('\n');
}
