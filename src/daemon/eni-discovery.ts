import type { Ec2Port, EniDescription } from '../aws/ec2-port.ts';
import type { ImdsEni, ImdsPort } from '../aws/imds-port.ts';
import { isEniManaged } from '../ipam/eni/tags.ts';
import type { EniToAdopt } from './eni-actions.ts';

/**
 * The ENIs attached to this instance, from IMDS (what the node sees) and EC2 (the authority):
 * one filtered DescribeNetworkInterfaces by attachment. EC2's addresses, tags and type win; an
 * ENI EC2 reports attached but IMDS does not list yet (IMDS lags by up to ~30 s) is still
 * included, so a restart right after an attach cannot lose its allocations (#3887; docs/compat.md).
 */
export interface DiscoveredEni extends EniToAdopt {
  readonly networkCard: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly managed: boolean;
  /** The EC2 view, when EC2 was asked (not in IMDS-only mode). */
  readonly ec2: EniDescription | undefined;
}

export interface DiscoveryOptions {
  readonly instanceId: string;
  readonly primaryMac: string;
  readonly manageUntaggedEni: boolean;
  /** ENABLE_IMDS_ONLY_MODE: no EC2 call, no tags. */
  readonly imdsOnly: boolean;
}

export async function discoverEnis(
  imds: ImdsPort,
  ec2: Pick<Ec2Port, 'listNetworkInterfaces'>,
  options: DiscoveryOptions,
): Promise<DiscoveredEni[]> {
  const fromImds = await imds.listEnis();
  const fromEc2 = options.imdsOnly
    ? []
    : await ec2.listNetworkInterfaces([
        { name: 'attachment.instance-id', values: [options.instanceId] },
      ]);
  return mergeDiscovery(fromImds, fromEc2, options);
}

/** Pure merge of the two views (exported for tests). */
export function mergeDiscovery(
  fromImds: readonly ImdsEni[],
  fromEc2: readonly EniDescription[],
  options: DiscoveryOptions,
): DiscoveredEni[] {
  const ec2ById = new Map(
    fromEc2
      .filter(
        (eni) =>
          eni.attachment?.instanceId === options.instanceId &&
          eni.attachment.status !== 'detaching',
      )
      .map((eni) => [eni.eniId, eni]),
  );
  const result: DiscoveredEni[] = [];
  for (const seen of fromImds) {
    const described = ec2ById.get(seen.eniId);
    ec2ById.delete(seen.eniId);
    const isPrimary = seen.isPrimary || seen.mac === options.primaryMac;
    result.push(
      described
        ? fromEc2View(described, options, seen)
        : {
            eniId: seen.eniId,
            mac: seen.mac,
            deviceNumber: isPrimary ? 0 : seen.deviceNumber,
            networkCard: seen.networkCard,
            isPrimary,
            subnetId: seen.subnetId,
            subnetCidr: seen.subnetIpv4Cidr,
            primaryIp: seen.ipv4Addresses[0] ?? '',
            secondaryIps: seen.ipv4Addresses.slice(1),
            prefixes: seen.ipv4Prefixes,
            tags: {},
            interfaceType: 'interface',
            managed: isEniManaged({
              tags: {},
              instanceId: options.instanceId,
              isPrimary,
              manageUntaggedEni: options.manageUntaggedEni,
            }),
            ec2: undefined,
          },
    );
  }
  for (const described of ec2ById.values()) result.push(fromEc2View(described, options, undefined));
  return result.sort((a, b) => a.networkCard - b.networkCard || a.deviceNumber - b.deviceNumber);
}

function fromEc2View(
  eni: EniDescription,
  options: DiscoveryOptions,
  seen: ImdsEni | undefined,
): DiscoveredEni {
  const attachment = eni.attachment;
  const isPrimary =
    eni.macAddress === options.primaryMac ||
    (attachment?.deviceIndex === 0 && attachment.networkCardIndex === 0);
  return {
    eniId: eni.eniId,
    mac: eni.macAddress,
    deviceNumber: isPrimary ? 0 : (attachment?.deviceIndex ?? seen?.deviceNumber ?? 0),
    networkCard: attachment?.networkCardIndex ?? seen?.networkCard ?? 0,
    isPrimary,
    subnetId: eni.subnetId,
    subnetCidr: seen?.subnetIpv4Cidr,
    primaryIp: eni.primaryIpv4 ?? seen?.ipv4Addresses[0] ?? '',
    secondaryIps: eni.privateIpv4.filter((ip) => !ip.primary).map((ip) => ip.address),
    prefixes: eni.ipv4Prefixes,
    tags: eni.tags,
    interfaceType: eni.interfaceType,
    managed: isEniManaged({
      tags: eni.tags,
      instanceId: options.instanceId,
      isPrimary,
      manageUntaggedEni: options.manageUntaggedEni,
    }),
    ec2: eni,
  };
}
