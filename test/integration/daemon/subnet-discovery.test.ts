import { describe, expect, it } from 'vitest';
import { addRequest, ipOf, type TestNode, waitFor, withWorld } from './harness.ts';

/**
 * Subnet discovery and exclusion (ENABLE_SUBNET_DISCOVERY, on by default; the reference's
 * docs/subnet-discovery.md) with the daemon process against the simulator: which subnet a new
 * ENI goes to, ENIs in excluded subnets, and what happens when a subnet is out of addresses.
 * The node's own subnet is 10.0.0.0/20 (4,091 free); the others live in 100.64.0.0/16.
 */

const CNI = 'kubernetes.io/role/cni';
const SIM = { extraVpcCidrs: ['100.64.0.0/16'] };

/** The subnet of the node's ENI at device index 1 (the first the daemon creates). */
async function newEniSubnet(node: TestNode) {
  return waitFor('a second ENI', async () => {
    const eni = (await node.ec2Enis()).find((e) => e.Attachment?.DeviceIndex === 1);
    return eni?.SubnetId;
  });
}

describe.concurrent('subnet discovery', () => {
  it('tagged subnets, most free first; one tagged for another cluster is skipped', async () => {
    await withWorld(SIM, async (world) => {
      const otherCluster = world.region.createSubnet({
        cidr: '100.64.0.0/18',
        tags: { [CNI]: '1', 'cni.networking.k8s.aws/cluster/theirs': '1' },
      });
      const large = world.region.createSubnet({ cidr: '100.64.64.0/19', tags: { [CNI]: '1' } });
      world.region.createSubnet({ cidr: '100.64.96.0/24', tags: { [CNI]: '1' } });
      const node = await world.node({ instanceType: 'm5.large', env: { CLUSTER_NAME: 'ours' } });
      const daemon = await node.start();
      // The primary ENI is full after 9 pods: the 10th needs a new ENI.
      for (let i = 0; i < 10; i++) ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
      const subnet = await newEniSubnet(node);
      expect(subnet).toBe(large);
      expect(subnet).not.toBe(otherCluster);
    });
  }, 60_000);

  it('an ENI in a subnet tagged kubernetes.io/role/cni=0: no new pods on it, its unused addresses released', async () => {
    await withWorld(SIM, async (world) => {
      const excluded = world.region.createSubnet({ cidr: '100.64.0.0/19', tags: { [CNI]: '0' } });
      const node = await world.node({ instanceType: 'm5.large' });
      const eniId = await node.attachNewEni(1, { SubnetId: excluded });
      await node.assignSecondaryIps(eniId, 3);
      const daemon = await node.start({ WARM_ENI_TARGET: '0', WARM_IP_TARGET: '2' });
      const view = (await daemon.enis())['0']!.ENIs[eniId]!;
      expect(view.IsExcludedForPodIPs).toBe(true);
      expect(Object.keys(view.AvailableIPv4Cidrs)).toEqual([]);
      expect((await node.ec2Cidrs()).get(eniId)).toEqual([]);
      expect(daemon.findLog('ENI is in an excluded subnet; no new pods on it')).toMatchObject({
        eniId,
        subnetId: excluded,
      });
      for (let i = 0; i < 4; i++)
        expect(ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)))).toMatch(/^10\.0\./);
    });
  }, 60_000);

  it('out of addresses in the first subnet: the next one is tried, and growth is not paused', async () => {
    await withWorld(SIM, async (world) => {
      const first = world.region.createSubnet({ cidr: '100.64.0.0/18', tags: { [CNI]: '1' } });
      const second = world.region.createSubnet({ cidr: '100.64.64.0/19', tags: { [CNI]: '1' } });
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      world.region.injectFault({
        action: 'CreateNetworkInterface',
        code: 'InsufficientFreeAddressesInSubnet',
        count: 1,
      });
      for (let i = 0; i < 10; i++) ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
      expect(await newEniSubnet(node)).toBe(second);
      expect(
        await daemon.waitForLog('creating an ENI failed, trying the next subnet'),
      ).toMatchObject({ subnetId: first });
      expect(
        daemon.findLog(
          'the subnet is out of addresses or /28 blocks; consider another subnet or a subnet CIDR reservation',
        ),
      ).toBeUndefined();
    });
  }, 60_000);

  it('prefix delegation with no /28 left anywhere: /32 secondary addresses on the same ENI, logged once and counted', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start({
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_PREFIX_TARGET: '1',
      });
      // The next prefix request on the primary ENI and the new ENI tried after it both fail.
      for (const action of ['AssignPrivateIpAddresses', 'CreateNetworkInterface'])
        world.region.injectFault({ action, code: 'InsufficientCidrBlocks', count: 1 });
      const ips = [];
      for (let i = 0; i < 17; i++)
        ips.push(ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`))));
      expect(new Set(ips).size).toBe(17);
      const cidrs = (await node.ec2Cidrs()).get(node.instance.primaryEniId) ?? [];
      expect(cidrs.filter((c) => c.endsWith('/28'))).toHaveLength(1);
      expect(cidrs.filter((c) => c.endsWith('/32')).length).toBeGreaterThanOrEqual(1);
      await daemon.waitForLog((msg) => msg.startsWith('no /28 prefix left in any subnet'));
      const fallback = daemon
        .logLines()
        .filter((l) => String(l.msg).startsWith('no /28 prefix left in any subnet'));
      expect(fallback).toHaveLength(1);
      expect(fallback[0]).toMatchObject({
        level: 'warn',
        msg: 'no /28 prefix left in any subnet (InsufficientCidrBlocks): using /32 secondary addresses on the same ENIs until a prefix can be had again',
      });
      const metrics = await daemon.metrics();
      expect(metrics.value('vpcipamd_prefix_fallback', { card: '0' })).toBe(1);
      expect(metrics.value('vpcipamd_prefix_fallback_addresses_total')).toBeGreaterThanOrEqual(1);
    });
  }, 60_000);

  it('without DescribeSubnets permission: the primary subnet', async () => {
    await withWorld(SIM, async (world) => {
      world.region.createSubnet({ cidr: '100.64.0.0/18', tags: { [CNI]: '1' } });
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      world.region.injectFault({ action: 'DescribeSubnets', code: 'UnauthorizedOperation' });
      for (let i = 0; i < 10; i++) ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
      expect(await newEniSubnet(node)).toBe(node.instance.subnetId);
      expect(
        await daemon.waitForLog('DescribeSubnets failed; falling back to the primary subnet'),
      ).toMatchObject({
        level: 'warn',
      });
    });
  }, 60_000);
});
