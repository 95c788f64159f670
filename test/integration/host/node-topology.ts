import type { NetnsLab } from './netns-lab.ts';

/**
 * A small VPC in namespaces:
 *
 *   node  eth0 (primary ENI, 10.0.0.10/24)  ── r0 10.0.0.1  ┐
 *         eth1 (secondary ENI, 10.0.1.0/24) ── r1 10.0.1.1  ├ vpc router (10.0.200.1 = a VPC host)
 *                                                ri 203.0.113.1 ── i0 203.0.113.10  internet
 *
 * ENIs are veth ends with the ENI's MAC. The router knows which ENI each pod IP lives behind
 * (as the VPC fabric does) and filters reverse paths strictly, so a reply through the wrong ENI
 * is dropped rather than silently accepted.
 */

export const VPC_CIDRS = ['10.0.0.0/16', '100.64.0.0/16'];
export const PRIMARY = {
  mac: '02:00:00:00:00:10',
  ip: '10.0.0.10',
  gateway: '10.0.0.1',
  link: 'eth0',
} as const;
export const SECONDARY = {
  mac: '02:00:00:00:00:11',
  ip: '10.0.1.10',
  subnet: '10.0.1.0/24',
  gateway: '10.0.1.1',
  link: 'eth1',
} as const;
export const VPC_HOST = '10.0.200.1';
export const INTERNET_HOST = '203.0.113.10';

export interface Topology {
  readonly node: string;
  readonly vpc: string;
  readonly internet: string;
  /** Tells the router which node ENI address a pod IP sits behind. */
  routePod(ip: string, eniIp: string): Promise<void>;
}

/** Only the node namespace with its two ENI links (peers in a bare "vpc" namespace). */
export async function buildNode(lab: NetnsLab): Promise<{ node: string; vpc: string }> {
  const node = await lab.create('node');
  const vpc = await lab.create('vpc');
  await lab.veth(node, PRIMARY.link, vpc, 'r0', PRIMARY.mac);
  await lab.veth(node, SECONDARY.link, vpc, 'r1', SECONDARY.mac);
  await lab.ip(node, 'addr', 'add', `${PRIMARY.ip}/24`, 'dev', PRIMARY.link);
  await lab.ip(node, 'link', 'set', PRIMARY.link, 'up');
  await lab.ip(node, 'route', 'add', 'default', 'via', PRIMARY.gateway, 'dev', PRIMARY.link);
  // Peers up, so the node's links have carrier and their routes are not "linkdown".
  await lab.ip(vpc, 'link', 'set', 'r0', 'up');
  await lab.ip(vpc, 'link', 'set', 'r1', 'up');
  return { node, vpc };
}

export async function buildTopology(lab: NetnsLab): Promise<Topology> {
  const { node, vpc } = await buildNode(lab);
  const internet = await lab.create('inet');
  await lab.veth(vpc, 'ri', internet, 'i0');
  await lab.ip(vpc, 'addr', 'add', `${PRIMARY.gateway}/24`, 'dev', 'r0');
  await lab.ip(vpc, 'addr', 'add', `${SECONDARY.gateway}/24`, 'dev', 'r1');
  await lab.ip(vpc, 'addr', 'add', '203.0.113.1/24', 'dev', 'ri');
  await lab.ip(vpc, 'addr', 'add', `${VPC_HOST}/32`, 'dev', 'lo');
  for (const link of ['r0', 'r1', 'ri']) await lab.ip(vpc, 'link', 'set', link, 'up');
  await lab.sysctl(vpc, 'net/ipv4/ip_forward', '1');
  await lab.sysctl(vpc, 'net/ipv4/conf/all/rp_filter', '1');
  await lab.ip(internet, 'addr', 'add', `${INTERNET_HOST}/24`, 'dev', 'i0');
  await lab.ip(internet, 'link', 'set', 'i0', 'up');
  await lab.ip(internet, 'route', 'add', 'default', 'via', '203.0.113.1');
  await lab.sysctl(node, 'net/ipv4/ip_forward', '1');
  return {
    node,
    vpc,
    internet,
    async routePod(ip, eniIp) {
      const dev = eniIp === PRIMARY.ip ? 'r0' : 'r1';
      await lab.ip(vpc, 'route', 'add', `${ip}/32`, 'via', eniIp, 'dev', dev);
    },
  };
}
