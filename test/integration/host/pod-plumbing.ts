import { randomBytes } from 'node:crypto';
import { podVethName } from '../../../src/ipam/pod-veth-name.ts';
import type { NetnsLab } from './netns-lab.ts';

/**
 * Plumbs a "pod" namespace onto a node namespace the way the CNI plugin does
 * (the reference's SetupPodNetwork): a veth whose host end is named after the pod, the pod's
 * /32, gateway 169.254.1.1 reached through a static neighbour entry, the host route and the
 * `to` (512) and, off the primary ENI, `from` (1536) rules. A test helper, not product code.
 */

export interface PlumbedPod {
  readonly ns: string;
  readonly ip: string;
  readonly hostVeth: string;
}

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  /** 254 for the primary ENI, the ENI's table otherwise. */
  readonly routeTableId: number;
  readonly vethPrefix?: string;
}

const GATEWAY = '169.254.1.1';

function randomMac(): string {
  const bytes = randomBytes(6);
  // Locally administered, unicast.
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export async function plumbPod(lab: NetnsLab, nodeNs: string, spec: PodSpec): Promise<PlumbedPod> {
  const ns = await lab.create('pod');
  const hostVeth = podVethName(spec.vethPrefix ?? 'eni', spec.namespace, spec.name);
  const hostMac = randomMac();
  await lab.veth(ns, 'eth0', nodeNs, hostVeth, undefined, hostMac);
  await lab.ip(nodeNs, 'link', 'set', hostVeth, 'up');
  await lab.ip(ns, 'link', 'set', 'eth0', 'up');
  await lab.ip(ns, 'route', 'replace', `${GATEWAY}/32`, 'dev', 'eth0', 'scope', 'link');
  await lab.ip(ns, 'route', 'add', 'default', 'via', GATEWAY, 'dev', 'eth0');
  await lab.ip(ns, 'addr', 'add', `${spec.ip}/32`, 'dev', 'eth0');
  await lab.ip(ns, 'neigh', 'add', GATEWAY, 'lladdr', hostMac, 'dev', 'eth0', 'nud', 'permanent');
  await lab.ip(
    nodeNs,
    'route',
    'replace',
    `${spec.ip}/32`,
    'dev',
    hostVeth,
    'scope',
    'link',
    'table',
    'main',
  );
  await lab.ip(nodeNs, 'rule', 'add', 'to', `${spec.ip}/32`, 'lookup', 'main', 'prio', '512');
  if (spec.routeTableId !== 254) {
    await lab.ip(
      nodeNs,
      'rule',
      'add',
      'from',
      `${spec.ip}/32`,
      'lookup',
      String(spec.routeTableId),
      'prio',
      '1536',
    );
  }
  return { ns, ip: spec.ip, hostVeth };
}
