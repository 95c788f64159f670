import type { AddressFamily } from '../../../../src/ipam/address-family.ts';
import { ManualClock } from '../../../../src/ipam/clock.ts';
import { Datastore } from '../../../../src/ipam/datastore.ts';
import type { IpamKey, IpamMetadata } from '../../../../src/ipam/ipam-key.ts';

export const START = Date.UTC(2026, 0, 1);
export const COOLDOWN = 30_000;

export function key(containerID: string, ifName = 'eth0', networkName = 'aws-cni'): IpamKey {
  return { networkName, containerID, ifName };
}

export function meta(name: string, namespace = 'default', interfacesCount = 1): IpamMetadata {
  return { k8sPodNamespace: namespace, k8sPodName: name, interfacesCount };
}

export function store(
  options: {
    prefixDelegation?: boolean;
    cooldownMs?: number;
    networkCard?: number;
    family?: AddressFamily;
  } = {},
) {
  const clock = new ManualClock(START);
  const ds = new Datastore({
    clock,
    cooldownMs: options.cooldownMs ?? COOLDOWN,
    prefixDelegation: options.prefixDelegation ?? false,
    networkCard: options.networkCard ?? 0,
    ...(options.family ? { family: options.family } : {}),
  });
  return { clock, ds };
}

/** Assigns pods p0…p(n−1) and returns their IPs. */
export function fill(ds: Datastore, n: number, prefix = 'p'): string[] {
  const ips: string[] = [];
  for (let i = 0; i < n; i++) ips.push(ds.assign(key(`${prefix}${i}`), meta(`${prefix}${i}`)).ip);
  return ips;
}
