import { writeFileSync } from 'node:fs';
import {
  type BatchFailure,
  cleanup,
  IpCommandError,
  type IpRunner,
  isAlreadyGone,
} from './ip-runner.ts';
import type { PodInterface } from './pod-interfaces.ts';

/**
 * A pod's network, as the reference's SetupPodNetwork builds it: for each address a veth created
 * from inside the pod's namespace with its host end placed straight in the host's (no move), a
 * locally administered random host MAC fixed at creation (stable under systemd's
 * MACAddressPolicy=persistent), the host end's IPv6 sysctls set before it comes up, the pod's
 * /32 behind gateway 169.254.1.<i+1> reached through a permanent neighbour entry, and on the
 * host a route to the pod plus the `to` (512) and, off main, `from` (1536) rules.
 */

export interface SetUpPod {
  readonly netns: string;
  readonly mtu: number;
  readonly interfaces: readonly PodInterface[];
}

/** The host MAC each interface got. */
export type HostMacs = readonly string[];

const MAC_ATTEMPTS = 10;

/** Six random bytes. */
export type RandomBytes = (size: number) => Uint8Array;

/** Locally administered, unicast, and not the MAC of any link the host has now. */
export function randomHostMac(taken: ReadonlySet<string>, random: RandomBytes): string {
  for (let attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
    const bytes = random(6);
    bytes[0] = (bytes[0]! & 0xfe) | 0x02;
    const mac = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
    if (!taken.has(mac)) return mac;
  }
  throw new Error(`no free MAC address after ${MAC_ATTEMPTS} attempts`);
}

/** Deletes every `to` (512) and `from` (1536) rule of an address; old versions left duplicates. */
export function ruleDeletions(ipv4: string): string[] {
  const lines = [`rule del to ${ipv4}/32 priority 512 table main`];
  for (let i = 0; i < FROM_RULE_DUPLICATES; i++)
    lines.push(`rule del from ${ipv4}/32 priority 1536`);
  return lines;
}

/** How many `from` rules of one address a teardown clears (the reference loops until none is left). */
const FROM_RULE_DUPLICATES = 4;

/** Inside the pod's namespace: the veth pairs, then each interface's address and routes. */
export function podSideLines(setup: SetUpPod, macs: HostMacs, hostPid: number): string[] {
  const lines: string[] = [];
  setup.interfaces.forEach((iface, i) => {
    const mac = macs[i]!;
    const table = iface.podTable === 'main' ? '' : ` table ${iface.podTable}`;
    const ip = iface.address.ipv4;
    lines.push(
      `link add ${iface.containerIf} mtu ${setup.mtu} type veth peer name ${iface.hostVeth} mtu ${setup.mtu} address ${mac} netns ${hostPid}`,
      `link set ${iface.containerIf} up`,
      `route replace ${iface.gateway}/32 dev ${iface.containerIf} scope link${table}`,
    );
    if (iface.podTable !== 'main')
      lines.push(`rule add from ${ip}/32 lookup ${iface.podTable} priority 1`);
    lines.push(
      `route replace default via ${iface.gateway} dev ${iface.containerIf}${table}`,
      `addr add ${ip}/32 dev ${iface.containerIf}`,
      `neigh replace ${iface.gateway} dev ${iface.containerIf} lladdr ${mac} nud permanent`,
    );
  });
  return lines;
}

/**
 * On the host, after the sysctls: rules an earlier holder of each address may have left, then each
 * host end up, the route to the pod, the rules.
 */
export function hostSideLines(interfaces: readonly PodInterface[]): string[] {
  const lines: string[] = [];
  for (const iface of interfaces) {
    const ip = iface.address.ipv4;
    lines.push(
      ...ruleDeletions(ip),
      `link set ${iface.hostVeth} up`,
      `route replace ${ip}/32 dev ${iface.hostVeth} scope link table main`,
      `rule add to ${ip}/32 table main priority 512`,
    );
    if (iface.hostTable !== undefined) {
      lines.push(`rule add from ${ip}/32 table ${iface.hostTable} priority 1536`);
    }
  }
  return lines;
}

/**
 * Host-side failures that are not failures: a rule to delete that is not there, a rule to add
 * that already is (the reference tolerates EEXIST on both rules).
 */
export function isToleratedHostFailure(failure: BatchFailure): boolean {
  if (failure.command.startsWith('rule del ')) return isAlreadyGone(failure.message);
  if (failure.command.startsWith('rule add ')) return failure.message.includes('File exists');
  return false;
}

/**
 * The host end never takes router advertisements from the pod and never forwards IPv6 on its own
 * (the reference's accept_ra=0, accept_redirects=1, forwarding=0); a kernel without IPv6 has no
 * such files, which is fine.
 */
export function setHostVethSysctls(hostVeth: string, write = writeFileSync): void {
  for (const [key, value] of [
    ['accept_ra', '0'],
    ['accept_redirects', '1'],
    ['forwarding', '0'],
  ] as const) {
    try {
      write(`/proc/sys/net/ipv6/conf/${hostVeth}/${key}`, value);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Builds the pod's network with as few processes as the kernel work allows (a pod start waits for
 * each): the pod side in one batch, the host side in another that runs to the end and is judged
 * line by line; a stale veth of the same name costs one more. On any failure, everything this
 * call created is removed again (veths, routes, rules) before the error is rethrown: nothing of a
 * failed ADD stays behind.
 */
export async function setUpPodNetwork(
  ip: IpRunner,
  setup: SetUpPod,
  hostPid: number,
): Promise<HostMacs> {
  const links = await ip.hostLinks();
  const names = new Set(links.map((link) => link.ifname));
  const taken = new Set(
    links.flatMap((link) => (link.address ? [link.address.toLowerCase()] : [])),
  );
  // Loaded here, not at start-up: only ADD needs randomness.
  const { randomBytes } = await import('node:crypto');
  const macs = setup.interfaces.map(() => {
    const mac = randomHostMac(taken, randomBytes);
    taken.add(mac);
    return mac;
  });
  const staleVeths = setup.interfaces
    .filter((iface) => names.has(iface.hostVeth))
    .map((iface) => `link del ${iface.hostVeth}`);
  await cleanup(ip, staleVeths);
  try {
    await ip.batch(podSideLines(setup, macs, hostPid), setup.netns);
    for (const iface of setup.interfaces) setHostVethSysctls(iface.hostVeth);
    const failures = await ip.forceBatch(hostSideLines(setup.interfaces));
    const fatal = failures.filter((failure) => !isToleratedHostFailure(failure));
    if (fatal.length > 0) throw new IpCommandError('host', fatal, '');
  } catch (error) {
    await undoSetUp(ip, setup.interfaces);
    throw error;
  }
  return macs;
}

/** Removes what a set-up may have created; deleting a veth's host end removes the pair. */
export async function undoSetUp(ip: IpRunner, interfaces: readonly PodInterface[]): Promise<void> {
  await cleanup(
    ip,
    interfaces.flatMap((iface) => [
      `link del ${iface.hostVeth}`,
      ...ruleDeletions(iface.address.ipv4),
      `route del ${iface.address.ipv4}/32 table main`,
    ]),
  );
}
