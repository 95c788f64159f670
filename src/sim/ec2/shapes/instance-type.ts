import type { InstanceTypeInfo } from '../../../ipam/instance-limits.ts';
import { itemList, leaf, node, type XmlFragment } from '../xml.ts';

/** DescribeInstanceTypes' networking view of one type, from the instance-types table. */
export function instanceTypeFields(name: string, info: InstanceTypeInfo): XmlFragment[] {
  // EC2's instance-wide maximum is the sum over cards; the table's eniLimit is the default card's.
  const maxInterfaces =
    info.networkCards.reduce((sum, c) => sum + c.maximumNetworkInterfaces, 0) || info.eniLimit;
  return [
    leaf('instanceType', name),
    leaf('currentGeneration', true),
    leaf('bareMetal', info.bareMetal),
    info.hypervisor === 'unknown'
      ? leaf('hypervisor', undefined)
      : leaf('hypervisor', info.hypervisor),
    node('networkInfo', [
      leaf('networkPerformance', 'Up to 10 Gigabit'),
      leaf('maximumNetworkInterfaces', maxInterfaces),
      leaf('maximumNetworkCards', info.networkCards.length),
      leaf('defaultNetworkCardIndex', info.defaultNetworkCardIndex),
      itemList(
        'networkCards',
        info.networkCards.map((card) => [
          leaf('networkCardIndex', card.networkCardIndex),
          leaf('maximumNetworkInterfaces', card.maximumNetworkInterfaces),
        ]),
      ),
      leaf('ipv4AddressesPerInterface', info.ipv4Limit),
      leaf('ipv6AddressesPerInterface', info.ipv4Limit),
      leaf('ipv6Supported', true),
      leaf('enaSupport', 'required'),
      leaf('efaSupported', false),
    ]),
  ];
}
