import { podVethName } from '../../src/ipam/pod-veth-name.ts';

/**
 * The names and numbers of one pod's interfaces, as the reference's plugin derives them: the
 * host veth `prefix + sha1("<ns>.<pod>")[:11]` (`.<i>` appended for i > 0), the pod side
 * CNI_IFNAME for the first address and `mNicIf<i>` for the others, the gateway
 * `169.254.1.<i+1>`, and pod route table main (i = 0) or i.
 */

/** One address the pod got, and where the host routes it (ipamd's answer). */
export interface PodAddress {
  readonly ipv4: string;
  readonly deviceNumber: number;
  readonly routeTableId: number;
}

export interface PodInterface {
  readonly index: number;
  readonly address: PodAddress;
  readonly hostVeth: string;
  readonly containerIf: string;
  readonly gateway: string;
  /** The pod's own table for this interface: 'main' for the first, i for the others. */
  readonly podTable: string;
  /** The host's table for the `from` rule, or undefined when it is main (no rule). */
  readonly hostTable: number | undefined;
}

export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly vethPrefix: string;
  /** CNI_IFNAME. */
  readonly ifName: string;
}

export function podInterfaces(pod: PodIdentity, addresses: readonly PodAddress[]): PodInterface[] {
  return addresses.map((address, index) => ({
    index,
    address,
    hostVeth: podVethName(pod.vethPrefix, pod.namespace, pod.name, index),
    containerIf: index === 0 ? pod.ifName : `mNicIf${index}`,
    gateway: `169.254.1.${index + 1}`,
    podTable: index === 0 ? 'main' : String(index),
    hostTable: hostTableOf(address.routeTableId),
  }));
}

/**
 * The reference routes a pod's traffic through main unless its ENI's table is above 1 (table 1
 * is the old numbering of the primary ENI) and is not main (254) itself.
 */
export function hostTableOf(routeTableId: number): number | undefined {
  return routeTableId > 1 && routeTableId !== 254 ? routeTableId : undefined;
}

/** The result's trailing interface, never created: it carries the device number for downgrades. */
export function dummyInterfaceName(namespace: string, podName: string): string {
  return podVethName('dummy', namespace, podName, 0);
}
