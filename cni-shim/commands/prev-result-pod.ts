import type { PodAddress } from '../network/pod-interfaces.ts';
import { dummyInterfaceName } from '../network/pod-interfaces.ts';
import { CNI_ERROR, CniError } from '../protocol/cni-error.ts';
import type { PrevResult } from '../protocol/prev-result.ts';

/**
 * What a previous result (the runtime's cached ADD result) says about the pod, read the way the
 * reference's DEL reads it when it cannot or need not ask ipamd.
 */

/** The trailing interface of the reference's result, by its name. */
function dummyOf(prev: PrevResult, namespace: string, podName: string) {
  const name = dummyInterfaceName(namespace, podName);
  return prev.interfaces.find((iface) => iface.name === name);
}

/**
 * A branch-ENI pod's VLAN (the dummy interface's `mac` is its VLAN id), or undefined when the
 * result has no dummy interface or names VLAN 0. A `mac` that is not a number fails the DEL.
 */
export function branchVlanOf(
  prev: PrevResult,
  namespace: string,
  podName: string,
): number | undefined {
  const dummy = dummyOf(prev, namespace, podName);
  if (!dummy) return undefined;
  const text = dummy.mac ?? '';
  if (!/^\d+$/.test(text)) {
    throw new CniError(
      CNI_ERROR.internal,
      `del cmd: failed to parse VLAN ID "${text}" of ${dummy.name} in prevResult`,
    );
  }
  const vlan = Number(text);
  return vlan === 0 ? undefined : vlan;
}

/** The one address of the interface named `ifName` (a branch-ENI pod has exactly one). */
export function singleAddressOf(prev: PrevResult, ifName: string): string {
  const index = prev.interfaces.findIndex((iface) => iface.name === ifName);
  if (index < 0) {
    throw new CniError(CNI_ERROR.internal, `del cmd: prevResult has no interface ${ifName}`);
  }
  const ips = prev.ips.filter((ip) => ip.interface === index);
  if (ips.length !== 1) {
    throw new CniError(
      CNI_ERROR.internal,
      `del cmd: prevResult has ${ips.length} addresses for ${ifName}, not one`,
    );
  }
  return ips[0]!.address.split('/')[0]!;
}

/**
 * The addresses to tear down when ipamd cannot answer (the reference's
 * teardownPodNetworkWithPrevResult): needs the dummy interface with `mac` "0" and the device
 * number in `sandbox`; the pod interfaces are CNI_IFNAME, then `mNicIf<i>`; each one's `mac` is
 * its route table. Undefined when the result does not say enough (the DEL still succeeds).
 */
export function addressesFromPrevResult(
  prev: PrevResult,
  namespace: string,
  podName: string,
  ifName: string,
): PodAddress[] | undefined {
  const dummy = dummyOf(prev, namespace, podName);
  if (dummy?.mac !== '0' || !/^\d+$/.test(dummy.sandbox ?? '')) return undefined;
  const deviceNumber = Number(dummy.sandbox);
  // The reference's CalculateRouteTableId for network card 0.
  const defaultTable = deviceNumber === 0 ? 254 : deviceNumber + 1;
  const count = Math.floor((prev.interfaces.length - 1) / 2);
  const addresses: PodAddress[] = [];
  for (let i = 0; i < count; i++) {
    const name = i === 0 ? ifName : `mNicIf${i}`;
    const index = prev.interfaces.findIndex((iface) => iface.name === name);
    if (index < 0) continue;
    const ip = prev.ips.find((entry) => entry.interface === index);
    if (!ip) continue;
    const mac = prev.interfaces[index]!.mac ?? '';
    addresses.push({
      ipv4: ip.address.split('/')[0]!,
      deviceNumber,
      routeTableId: /^\d+$/.test(mac) ? Number(mac) : defaultTable,
    });
  }
  return addresses;
}
