import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { LinuxHostNetwork } from '../../../src/host/linux-host-network.ts';
import { announceSkip, hasCommand, NetnsLab, netnsSupport } from './netns-lab.ts';
import {
  buildTopology,
  INTERNET_HOST,
  PRIMARY,
  SECONDARY,
  type Topology,
  VPC_CIDRS,
  VPC_HOST,
} from './node-topology.ts';
import { type PlumbedPod, plumbPod } from './pod-plumbing.ts';
import { connectFrom, startServer, type TcpServer } from './tcp-probe.ts';

/**
 * Real TCP through a node namespace set up by LinuxHostNetwork: pods on the primary and on a
 * secondary ENI talk to the "internet" (SNAT to the node's primary IP), to the VPC (pod IP
 * kept), and with external SNAT on (pod IP kept everywhere).
 */

const support = netnsSupport();
announceSkip('host traffic netns tests');
const FRONTENDS = ['iptables-nft', 'iptables-legacy'].filter(hasCommand);
const POD_A = '10.0.0.20';
const POD_B = '10.0.1.20';
const PORT = 8080;

describe.skipIf(!support.ok).each(FRONTENDS)('pod traffic through the node (%s)', (frontend) => {
  const lab = new NetnsLab();
  const servers: TcpServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) s.stop();
    await lab.cleanup();
  });

  async function node(
    overrides: Partial<Config> = {},
  ): Promise<{ topo: Topology; a: PlumbedPod; b: PlumbedPod; table: number }> {
    const topo = await buildTopology(lab);
    const network = hostNetwork(topo.node, overrides);
    await network.setupHost({
      vpcCidrs: VPC_CIDRS,
      primaryMac: PRIMARY.mac,
      primaryIp: PRIMARY.ip,
    });
    const eni = await network.setupEni({
      mac: SECONDARY.mac,
      primaryIp: SECONDARY.ip,
      subnetCidr: SECONDARY.subnet,
      deviceNumber: 1,
      networkCard: 0,
    });
    const a = await plumbPod(lab, topo.node, {
      namespace: 'default',
      name: 'pod-a',
      ip: POD_A,
      routeTableId: 254,
    });
    const b = await plumbPod(lab, topo.node, {
      namespace: 'default',
      name: 'pod-b',
      ip: POD_B,
      routeTableId: eni.routeTableId,
    });
    await topo.routePod(POD_A, PRIMARY.ip);
    await topo.routePod(POD_B, SECONDARY.ip);
    servers.push(await startServer(topo.internet, INTERNET_HOST, PORT));
    servers.push(await startServer(topo.vpc, VPC_HOST, PORT));
    return { topo, a, b, table: eni.routeTableId };
  }

  function hostNetwork(ns: string, overrides: Partial<Config>) {
    return new LinuxHostNetwork({
      config: defaultConfig(overrides),
      runner: lab.runner(ns),
      iptables: frontend,
    });
  }

  async function txPackets(ns: string, link: string): Promise<number> {
    const out = await lab.exec(ns, 'ip', ['-json', '-s', 'link', 'show', link]);
    const [stats] = JSON.parse(out.stdout) as [{ stats64: { tx: { packets: number } } }];
    return stats.stats64.tx.packets;
  }

  it('SNATs to the primary IP towards the internet, keeps the pod IP inside the VPC', async () => {
    const { topo, a, b } = await node();
    expect(await connectFrom(a.ns, INTERNET_HOST, PORT)).toBe(PRIMARY.ip);
    expect(await connectFrom(b.ns, INTERNET_HOST, PORT)).toBe(PRIMARY.ip);
    expect(await connectFrom(a.ns, VPC_HOST, PORT)).toBe(POD_A);
    expect(await connectFrom(b.ns, VPC_HOST, PORT)).toBe(POD_B);

    const conntrack = await lab.exec(topo.node, 'conntrack', [
      '-L',
      '-p',
      'tcp',
      '--dport',
      String(PORT),
    ]);
    const snat = conntrack.stdout
      .split('\n')
      .filter((l) => l.includes(`src=${POD_A} dst=${INTERNET_HOST}`));
    expect(snat).toHaveLength(1);
    // The reply direction is addressed to the node's primary IP, and the connection carries the mark.
    expect(snat[0]).toMatch(new RegExp(`src=${INTERNET_HOST} dst=${PRIMARY.ip} sport=${PORT}`));
    expect(snat[0]).toMatch(/mark=128\b/);
    const inVpc = conntrack.stdout
      .split('\n')
      .filter((l) => l.includes(`src=${POD_B} dst=${VPC_HOST}`));
    expect(inVpc).toHaveLength(1);
    expect(inVpc[0]).toMatch(new RegExp(`src=${VPC_HOST} dst=${POD_B} sport=${PORT}`));
  });

  it('a pod on the secondary ENI replies through its ENI table', async () => {
    const { topo, b } = await node();
    servers.push(await startServer(b.ns, POD_B, 9090));
    const before = await txPackets(topo.node, SECONDARY.link);
    // The router drops packets arriving on the wrong ENI link (strict rp_filter), so an answer
    // at all proves the reply left through eth1; the counter shows it did.
    expect(await connectFrom(topo.vpc, POD_B, 9090, VPC_HOST)).toBe(VPC_HOST);
    expect(await txPackets(topo.node, SECONDARY.link)).toBeGreaterThan(before);
  });

  it('with external SNAT the pod IP reaches the internet unchanged', async () => {
    const { a, b } = await node({ externalSnat: true });
    expect(await connectFrom(a.ns, INTERNET_HOST, PORT)).toBe(POD_A);
    expect(await connectFrom(b.ns, INTERNET_HOST, PORT)).toBe(POD_B);
  });

  it('toggling external SNAT off on a live node SNATs new connections again', async () => {
    const { topo, a } = await node({ externalSnat: true });
    expect(await connectFrom(a.ns, INTERNET_HOST, PORT)).toBe(POD_A);
    await hostNetwork(topo.node, {}).setupHost({
      vpcCidrs: VPC_CIDRS,
      primaryMac: PRIMARY.mac,
      primaryIp: PRIMARY.ip,
    });
    expect(await connectFrom(a.ns, INTERNET_HOST, PORT)).toBe(PRIMARY.ip);
  });
});
