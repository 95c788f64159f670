import type {
  InstanceTypeInfo as SdkInstanceTypeInfo,
  NetworkInterface as SdkNetworkInterface,
  Subnet as SdkSubnet,
  Tag as SdkTag,
} from '@aws-sdk/client-ec2';
import type { Hypervisor, InstanceTypeInfo } from '../ipam/instance-limits.ts';
import type {
  ConnectionTracking,
  Ec2Filter,
  EniAttachment,
  EniDescription,
  EniPrivateIpv4,
  SubnetDescription,
  Tags,
} from './ec2-port.ts';

/** Translations between the SDK's shapes and the port's (no I/O). */

export function tagsFromSdk(tags: readonly SdkTag[] | undefined): Tags {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) {
    if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  }
  return out;
}

export function tagsToSdk(tags: Tags): SdkTag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function filtersToSdk(filters: readonly Ec2Filter[]): { Name: string; Values: string[] }[] {
  return filters.map((filter) => ({ Name: filter.name, Values: [...filter.values] }));
}

function connectionTrackingFromSdk(eni: SdkNetworkInterface): ConnectionTracking | undefined {
  const config = eni.ConnectionTrackingConfiguration;
  if (!config) return undefined;
  const out: { -readonly [K in keyof ConnectionTracking]: ConnectionTracking[K] } = {};
  if (config.TcpEstablishedTimeout !== undefined)
    out.tcpEstablishedTimeout = config.TcpEstablishedTimeout;
  if (config.UdpStreamTimeout !== undefined) out.udpStreamTimeout = config.UdpStreamTimeout;
  if (config.UdpTimeout !== undefined) out.udpTimeout = config.UdpTimeout;
  return Object.keys(out).length > 0 ? out : undefined;
}

function attachmentFromSdk(eni: SdkNetworkInterface): EniAttachment | undefined {
  const a = eni.Attachment;
  if (!a?.AttachmentId) return undefined;
  return {
    attachmentId: a.AttachmentId,
    instanceId: a.InstanceId,
    deviceIndex: a.DeviceIndex ?? 0,
    networkCardIndex: a.NetworkCardIndex ?? 0,
    status: a.Status ?? 'attached',
    deleteOnTermination: a.DeleteOnTermination ?? false,
  };
}

export function eniFromSdk(eni: SdkNetworkInterface): EniDescription {
  const addresses: EniPrivateIpv4[] = [];
  for (const entry of eni.PrivateIpAddresses ?? []) {
    if (entry.PrivateIpAddress) {
      addresses.push({ address: entry.PrivateIpAddress, primary: entry.Primary === true });
    }
  }
  // Some EC2 implementations leave the Primary flag out; the top-level PrivateIpAddress is the
  // ENI's primary address by definition.
  if (!addresses.some((a) => a.primary) && eni.PrivateIpAddress) {
    const index = addresses.findIndex((a) => a.address === eni.PrivateIpAddress);
    if (index >= 0) addresses.splice(index, 1);
    addresses.unshift({ address: eni.PrivateIpAddress, primary: true });
  }
  addresses.sort((a, b) => Number(b.primary) - Number(a.primary));
  return {
    eniId: eni.NetworkInterfaceId ?? '',
    macAddress: (eni.MacAddress ?? '').toLowerCase(),
    subnetId: eni.SubnetId ?? '',
    vpcId: eni.VpcId ?? '',
    availabilityZone: eni.AvailabilityZone ?? '',
    description: eni.Description ?? '',
    status: eni.Status ?? '',
    interfaceType: eni.InterfaceType ?? 'interface',
    privateIpv4: addresses,
    primaryIpv4: addresses.find((a) => a.primary)?.address,
    ipv4Prefixes: (eni.Ipv4Prefixes ?? []).flatMap((p) => (p.Ipv4Prefix ? [p.Ipv4Prefix] : [])),
    ipv6Addresses: (eni.Ipv6Addresses ?? []).flatMap((a) => (a.Ipv6Address ? [a.Ipv6Address] : [])),
    ipv6Prefixes: (eni.Ipv6Prefixes ?? []).flatMap((p) => (p.Ipv6Prefix ? [p.Ipv6Prefix] : [])),
    securityGroupIds: (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    tags: tagsFromSdk(eni.TagSet),
    attachment: attachmentFromSdk(eni),
    connectionTracking: connectionTrackingFromSdk(eni),
  };
}

export function subnetFromSdk(subnet: SdkSubnet): SubnetDescription {
  return {
    subnetId: subnet.SubnetId ?? '',
    vpcId: subnet.VpcId ?? '',
    availabilityZone: subnet.AvailabilityZone ?? '',
    cidrBlock: subnet.CidrBlock ?? '',
    availableIpAddressCount: subnet.AvailableIpAddressCount ?? 0,
    tags: tagsFromSdk(subnet.Tags),
  };
}

function hypervisorFromSdk(value: string | undefined): Hypervisor {
  return value === 'nitro' || value === 'xen' ? value : 'unknown';
}

/**
 * DescribeInstanceTypes → the static table's shape; undefined when EC2 gives no ENI or IP limit.
 * ENI limit = the default card's MaximumNetworkInterfaces when cards are listed (as the table
 * generator does; the reference's run-time path used the instance-wide figure: docs/compat.md).
 */
export function instanceTypeFromSdk(info: SdkInstanceTypeInfo): InstanceTypeInfo | undefined {
  const net = info.NetworkInfo;
  const ipv4Limit = net?.Ipv4AddressesPerInterface;
  if (!net?.MaximumNetworkInterfaces || !ipv4Limit) return undefined;
  const defaultCard = net.DefaultNetworkCardIndex ?? 0;
  const cards = (net.NetworkCards ?? [])
    .filter((c) => c.MaximumNetworkInterfaces !== undefined)
    .map((c) => ({
      networkCardIndex: c.NetworkCardIndex ?? 0,
      maximumNetworkInterfaces: c.MaximumNetworkInterfaces ?? 0,
    }))
    .sort((a, b) => a.networkCardIndex - b.networkCardIndex);
  const networkCards =
    cards.length > 0
      ? cards
      : [{ networkCardIndex: defaultCard, maximumNetworkInterfaces: net.MaximumNetworkInterfaces }];
  const eniLimit =
    networkCards.find((c) => c.networkCardIndex === defaultCard)?.maximumNetworkInterfaces ??
    net.MaximumNetworkInterfaces;
  return {
    eniLimit,
    ipv4Limit,
    defaultNetworkCardIndex: defaultCard,
    networkCards,
    hypervisor: hypervisorFromSdk(info.Hypervisor),
    bareMetal: info.BareMetal === true,
  };
}
