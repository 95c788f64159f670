import { DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { addRequest, cidrsByEni, ipOf, withWorld } from './harness.ts';

/**
 * Node init adopts what is already attached (nodeInit and its unmanaged-ENI rule): ENIs and their
 * secondary addresses created before the daemon started (by a previous daemon, or by hand) go
 * into the pool as they are, and growth only tops up to the warm target. An ENI tagged
 * `node.k8s.amazonaws.com/no_manage=true` is left alone and counted out of the ENI maximum.
 */

const INSTANCE_ID_TAG = 'node.k8s.amazonaws.com/instance_id';

describe.concurrent('node init adopts existing ENIs and addresses', () => {
  it('adopts, tops up to WARM_ENI_TARGET on an existing ENI, and leaves a no_manage ENI alone', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const primary = node.instance.primaryEniId;
      const onPrimary = await node.assignSecondaryIps(primary, 3);
      const adoptedEni = await node.attachNewEni(1, { SecondaryPrivateIpAddressCount: 4 });
      const unmanagedEni = await node.attachNewEni(2, {
        SecondaryPrivateIpAddressCount: 2,
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: [{ Key: 'node.k8s.amazonaws.com/no_manage', Value: 'true' }],
          },
        ],
      });
      const before = await node.ec2Cidrs();
      const createsBefore = world.calls('CreateNetworkInterface');
      const assignsBefore = world.calls('AssignPrivateIpAddresses');

      const daemon = await node.start();

      // m5.large: 3 ENIs × 9 secondaries; WARM_ENI_TARGET=1 wants 9 available. Adopted: 3 on the
      // primary + 4 on the second ENI = 7 available, short by 2. Growth fills the first ENI with
      // room (the primary, 9 − 3 = 6 more) — a whole ENI's room, as WARM_ENI mode asks — and
      // creates nothing: 13 addresses on 2 ENIs.
      const view = await daemon.enis();
      const pool = view['0'];
      expect(Object.keys(pool?.ENIs ?? {}).sort()).toEqual([adoptedEni, primary].sort());
      expect(pool?.TotalIPs).toBe(13);
      expect(pool?.AssignedIPs).toBe(0);
      expect(world.calls('CreateNetworkInterface')).toBe(createsBefore);
      expect(world.calls('AssignPrivateIpAddresses')).toBe(assignsBefore + 1);

      // Every address that existed before is in the pool, on the ENI it is on in EC2, and the
      // pool holds exactly what EC2 has on the two managed ENIs.
      const inPool = cidrsByEni(view);
      for (const cidr of before.get(adoptedEni) ?? [])
        expect(inPool.get(adoptedEni)).toContain(cidr);
      for (const ip of onPrimary) expect(inPool.get(primary)).toContain(`${ip}/32`);
      const after = await node.ec2Cidrs();
      expect(inPool.get(primary)).toEqual(after.get(primary));
      expect(inPool.get(adoptedEni)).toEqual(after.get(adoptedEni));
      expect(after.get(unmanagedEni)).toEqual(before.get(unmanagedEni));
      expect(inPool.get(primary)).toHaveLength(9);
      expect(inPool.get(adoptedEni)).toHaveLength(4);

      // The metrics agree; the unmanaged ENI is counted out of the maximum:
      // eni_max = 3 − 1 = 2, ip_max = 9 × 2 = 18.
      const metrics = await daemon.metrics();
      expect(metrics.value('awscni_eni_max')).toBe(2);
      expect(metrics.value('awscni_ip_max')).toBe(18);
      expect(metrics.value('awscni_total_ip_addresses')).toBe(13);
      expect(metrics.value('awscni_assigned_ip_addresses')).toBe(0);
      expect(metrics.value('awscni_eni_allocated')).toBe(2);

      // TagENI ran for the managed ENIs (the primary included), not for the unmanaged one.
      const described = await world.ec2.send(
        new DescribeNetworkInterfacesCommand({
          NetworkInterfaceIds: [primary, adoptedEni, unmanagedEni],
        }),
      );
      const tagsOf = (id: string) =>
        Object.fromEntries(
          (described.NetworkInterfaces ?? [])
            .find((eni) => eni.NetworkInterfaceId === id)
            ?.TagSet?.map((t) => [t.Key, t.Value]) ?? [],
        );
      expect(tagsOf(primary)[INSTANCE_ID_TAG]).toBe(node.instance.instanceId);
      expect(tagsOf(adoptedEni)[INSTANCE_ID_TAG]).toBe(node.instance.instanceId);
      expect(tagsOf(unmanagedEni)[INSTANCE_ID_TAG]).toBeUndefined();

      // Pods get adopted addresses, never one of the unmanaged ENI's. 13 pods take the whole pool
      // (it grows meanwhile: the third slot is the unmanaged ENI's, so growth can only fill the
      // second ENI, to 9 + 9 = 18).
      const unmanagedIps = new Set(
        (after.get(unmanagedEni) ?? []).map((c) => c.replace('/32', '')),
      );
      const ips: string[] = [];
      for (let i = 0; i < 13; i++)
        ips.push(ipOf(await daemon.client.addNetwork(addRequest(`p${i}`))));
      expect(ips.filter((ip) => unmanagedIps.has(ip))).toEqual([]);
      expect(new Set(ips).size).toBe(13);
      expect(world.calls('CreateNetworkInterface')).toBe(createsBefore);
      expect(Object.keys((await daemon.enis())['0']?.ENIs ?? {})).not.toContain(unmanagedEni);
    });
  }, 60_000);

  it('an ENI a killed daemon attached without DeleteOnTermination gets it; a hand-attached one keeps its setting', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      // What a daemon SIGKILLed between AttachNetworkInterface and setting DeleteOnTermination
      // leaves behind (test/integration/daemon/sigkill.test.ts reaches it for real, by chance of
      // timing; this pins it deterministically).
      const ours = await node.attachNewEni(1, {
        Description: `aws-K8S-${node.instance.instanceId}`,
        SecondaryPrivateIpAddressCount: 2,
      });
      const byHand = await node.attachNewEni(2, { SecondaryPrivateIpAddressCount: 2 });
      const deleteOnTermination = async () =>
        new Map(
          (await node.ec2Enis()).map((eni) => [
            eni.NetworkInterfaceId,
            eni.Attachment?.DeleteOnTermination,
          ]),
        );
      const before = await deleteOnTermination();
      expect([before.get(ours), before.get(byHand)]).toEqual([false, false]);

      const daemon = await node.start();
      const after = await deleteOnTermination();
      expect(after.get(ours)).toBe(true);
      expect(after.get(byHand)).toBe(false);
      expect(after.get(node.instance.primaryEniId)).toBe(true);
      // Both are managed (untagged ENIs are, by default) and in the pool.
      expect(Object.keys((await daemon.enis())['0']?.ENIs ?? {})).toEqual(
        expect.arrayContaining([ours, byHand]),
      );
    });
  }, 60_000);

  it('adopted addresses that already meet the warm target cause no EC2 growth at all', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      // t3.small: 3 ENIs × 3 secondaries. 1 + 3 adopted = 4 available ≥ WARM_ENI_TARGET × 3.
      await node.assignSecondaryIps(node.instance.primaryEniId, 1);
      const second = await node.attachNewEni(1, { SecondaryPrivateIpAddressCount: 3 });
      const creates = world.calls('CreateNetworkInterface');
      const assigns = world.calls('AssignPrivateIpAddresses');

      const daemon = await node.start();
      const pool = await daemon.pool();
      expect(pool).toMatchObject({ enis: 2, totalIPs: 4, assignedIPs: 0, secondaryIps: 4 });
      expect(cidrsByEni(await daemon.enis()).get(second)).toEqual(
        (await node.ec2Cidrs()).get(second),
      );
      expect(world.calls('CreateNetworkInterface')).toBe(creates);
      expect(world.calls('AssignPrivateIpAddresses')).toBe(assigns);
    });
  }, 60_000);
});
