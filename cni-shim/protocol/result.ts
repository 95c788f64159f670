import type { ResultInterface, ResultIp } from './prev-result.ts';
import { compareVersions } from './versions.ts';

/** What ADD reports: the interfaces the plugin made and the addresses on them. */
export interface CniResult {
  readonly interfaces: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
}

/**
 * The result JSON in the configuration's version: 1.0.0 and later without `version` in `ips`;
 * 0.3.x and 0.4.0 with it; 0.1.0/0.2.0 in their own shape (the first IPv4 address as `ip4`).
 * Fields appear in the order Go's encoder writes the reference's result types.
 */
export function encodeResult(result: CniResult, cniVersion: string): string {
  if (compareVersions(cniVersion, '0.3.0') < 0) return encodeLegacy(result, cniVersion);
  const withVersion = compareVersions(cniVersion, '1.0.0') < 0;
  const ips = result.ips.map((ip) => ({
    ...(withVersion ? { version: ip.address.includes(':') ? '6' : '4' } : {}),
    ...(ip.interface !== undefined ? { interface: ip.interface } : {}),
    address: ip.address,
    ...(ip.gateway ? { gateway: ip.gateway } : {}),
  }));
  const interfaces = result.interfaces.map((iface) => ({
    name: iface.name,
    ...(iface.mac !== undefined && iface.mac !== '' ? { mac: iface.mac } : {}),
    ...(iface.sandbox !== undefined && iface.sandbox !== '' ? { sandbox: iface.sandbox } : {}),
  }));
  return JSON.stringify({ cniVersion, interfaces, ips, dns: {} });
}

function encodeLegacy(result: CniResult, cniVersion: string): string {
  const ipv4 = result.ips.find((ip) => !ip.address.includes(':'));
  const ipv6 = result.ips.find((ip) => ip.address.includes(':'));
  const ipConfig = (ip: ResultIp) => ({
    ip: ip.address,
    ...(ip.gateway ? { gateway: ip.gateway } : {}),
  });
  return JSON.stringify({
    cniVersion,
    ...(ipv4 ? { ip4: ipConfig(ipv4) } : {}),
    ...(ipv6 ? { ip6: ipConfig(ipv6) } : {}),
    dns: {},
  });
}
