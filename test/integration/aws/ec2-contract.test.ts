import { CreateNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EniDescription } from '../../../src/aws/ec2-port.ts';
import { describeEni, describeEnis } from '../../../src/daemon/describe-enis.ts';
import { allocateEni, freeEni } from '../../../src/daemon/eni-lifecycle.ts';
import { ensureEniTags, tagEni } from '../../../src/daemon/eni-tagging.ts';
import { cleanUpLeakedEnis } from '../../../src/daemon/leaked-eni-cleanup.ts';
import { lowestFreeDeviceIndex } from '../../../src/ipam/eni/device-index.ts';
import { TAG_CREATED_AT, TAG_INSTANCE_ID } from '../../../src/ipam/eni/tags.ts';
import {
  type AdapterUnderTest,
  adapterFor,
  type ContractBackend,
  type ContractWorld,
  MotoBackend,
  SimulatorBackend,
} from './ec2-contract-backends.ts';

/**
 * The EC2 port's contract: the same create/attach/assign/describe/tag/unassign/detach/delete
 * sequence — the daemon's workflows over the SDK adapter — must pass against the simulator and
 * against moto (two independent EC2 models). Cases moto cannot model live in
 * ec2-contract-sim-only.test.ts.
 */

const backends: ContractBackend[] = [new SimulatorBackend(), new MotoBackend()];

function secondaries(eni: EniDescription): string[] {
  return eni.privateIpv4.filter((a) => !a.primary).map((a) => a.address);
}

for (const backend of backends) {
  if (backend.unavailable) {
    console.warn(
      `[ec2-contract] SKIPPING the ${backend.name} half of the EC2 contract suite: ${backend.unavailable}. ` +
        'Install moto (pip install "moto[server]") to run it.',
    );
  }

  describe.skipIf(backend.unavailable !== undefined)(`EC2 port contract on ${backend.name}`, () => {
    let world: ContractWorld;
    let adapter: AdapterUnderTest;

    beforeAll(() => backend.start());
    afterAll(() => backend.stop());
    beforeEach(async () => {
      world = await backend.freshWorld();
      adapter = adapterFor(world, { clusterName: 'contract', additionalEniTags: { team: 'net' } });
    });
    afterEach(() => adapter.client.destroy());

    it('the full ENI sequence: create, attach, assign, describe, tag, unassign, detach, delete', async () => {
      const { ec2, ctx } = adapter;
      const freeIndex = async () =>
        lowestFreeDeviceIndex(await ec2.describeInstanceAttachments(), 0);
      expect(await freeIndex()).toBe(1);

      const allocated = await allocateEni(ctx, {
        subnetIds: [world.subnetId],
        securityGroupIds: [world.securityGroupId],
        addresses: { kind: 'secondaryIpv4', count: 2 },
        networkCardIndex: 0,
      });
      const eniId = allocated.eni.eniId;
      expect(eniId).toMatch(/^eni-/);
      expect(allocated.deviceIndex).toBe(1);
      expect(allocated.attachmentId).toMatch(/^eni-attach-/);
      expect(allocated.eni.description).toBe(`aws-K8S-${world.instanceId}`);
      expect(allocated.eni.subnetId).toBe(world.subnetId);
      expect(secondaries(allocated.eni)).toHaveLength(2);
      expect(allocated.eni.tags).toMatchObject({
        [TAG_INSTANCE_ID]: world.instanceId,
        'cluster.k8s.amazonaws.com/name': 'contract',
        'eks:eni:owner': 'amazon-vpc-cni',
        team: 'net',
      });
      expect(allocated.eni.tags[TAG_CREATED_AT]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      // The next ENI would go to device 2.
      expect(await freeIndex()).toBe(2);

      const described = await ec2.describeNetworkInterfaces([eniId, world.primaryEniId]);
      const byId = new Map(described.map((e) => [e.eniId, e]));
      const attached = byId.get(eniId);
      expect(attached?.attachment).toMatchObject({
        attachmentId: allocated.attachmentId,
        instanceId: world.instanceId,
        deviceIndex: 1,
        networkCardIndex: 0,
      });
      expect(attached?.status).toBe('in-use');
      expect(attached?.macAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(attached?.primaryIpv4).toBe(allocated.eni.primaryIpv4);
      expect(byId.get(world.primaryEniId)?.attachment?.deviceIndex).toBe(0);

      const before = new Set(secondaries(attached as EniDescription));
      const assigned = await ec2.assignPrivateIpAddresses(eniId, 3);
      const afterAssign = await describeEni(ctx, eniId);
      const added = secondaries(afterAssign as EniDescription).filter((a) => !before.has(a));
      expect(added).toHaveLength(3);
      // EC2 is authoritative for what it just did: every new address is in the answer.
      for (const address of added) expect(assigned).toContain(address);
      if (backend.exactAssignAnswer) expect([...assigned].sort()).toEqual([...added].sort());

      const current = afterAssign?.tags ?? {};
      const { team: _team, ...withoutTeam } = current;
      const sent = await ensureEniTags(ctx, eniId, withoutTeam);
      expect(sent).toEqual({ team: 'net' });
      expect(await ensureEniTags(ctx, eniId, current)).toEqual({});
      await tagEni(ctx, eniId, { extra: 'yes' });
      expect((await describeEni(ctx, eniId))?.tags).toMatchObject({
        extra: 'yes',
        team: 'net',
      });

      const toRelease = added.slice(0, 2);
      await ec2.unassignPrivateIpAddresses(eniId, toRelease);
      const afterUnassign = secondaries((await describeEni(ctx, eniId)) as EniDescription);
      expect(afterUnassign).toHaveLength(3);
      for (const address of toRelease) expect(afterUnassign).not.toContain(address);

      expect(await freeEni(ctx, eniId)).toBe('freed');
      expect(await describeEni(ctx, eniId)).toBeUndefined();
      expect(await freeEni(ctx, eniId)).toBe('alreadyGone');
      expect(await freeIndex()).toBe(1);
    });

    it('describe by ID drops IDs EC2 does not know and answers the rest', async () => {
      const result = await describeEnis(adapter.ctx, [world.primaryEniId, 'eni-0123456789abcdef0']);
      expect(result.enis.map((e) => e.eniId)).toEqual([world.primaryEniId]);
      expect(result.notFound).toEqual(['eni-0123456789abcdef0']);
    });

    it('filtered listing finds our ENIs by tag, status and VPC', async () => {
      const { ec2 } = adapter;
      const loose = await adapter.createOurEni({
        subnetId: world.subnetId,
        addresses: { kind: 'none' },
      });
      expect(loose.status).toBe('available');
      const found = await ec2.listNetworkInterfaces([
        { name: 'tag-key', values: [TAG_INSTANCE_ID] },
        { name: 'status', values: ['available'] },
        { name: 'vpc-id', values: [world.vpcId] },
      ]);
      expect(found.map((e) => e.eniId)).toEqual([loose.eniId]);
      const none = await ec2.listNetworkInterfaces([
        { name: 'vpc-id', values: ['vpc-00000000000000000'] },
      ]);
      expect(none).toEqual([]);
      await ec2.deleteNetworkInterface(loose.eniId);
    });

    it('subnets by VPC and AZ, and by ID (unknown IDs absent)', async () => {
      const { ec2 } = adapter;
      const inAz = await ec2.describeSubnets({
        vpcId: world.vpcId,
        availabilityZone: world.availabilityZone,
      });
      const subnet = inAz.find((s) => s.subnetId === world.subnetId);
      expect(subnet).toMatchObject({
        vpcId: world.vpcId,
        availabilityZone: world.availabilityZone,
      });
      expect(subnet?.availableIpAddressCount).toBeGreaterThan(0);
      expect(subnet?.cidrBlock).toMatch(/^10\.0\./);
      const byId = await ec2.describeSubnets({
        subnetIds: [world.subnetId, 'subnet-00000000000000000'],
      });
      expect(byId.map((s) => s.subnetId)).toEqual([world.subnetId]);
    });

    it('instance type limits for a type the table may lack', async () => {
      expect(await adapter.ec2.describeInstanceType('m5.large')).toMatchObject({
        eniLimit: 3,
        ipv4Limit: 10,
        hypervisor: 'nitro',
        bareMetal: false,
      });
    });

    it('leaked-ENI cleanup: tags a candidate without createdAt, keeps young ones, deletes old ones', async () => {
      const { ctx, client, clock } = adapter;
      const leaked = await adapter.createOurEni({
        subnetId: world.subnetId,
        addresses: { kind: 'none' },
      });
      // Made by "another node" that never got to tag createdAt.
      const untagged = await client.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: world.subnetId,
          Description: 'aws-K8S-i-0000000000000dead',
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [
                { Key: TAG_INSTANCE_ID, Value: 'i-0000000000000dead' },
                { Key: 'cluster.k8s.amazonaws.com/name', Value: 'contract' },
              ],
            },
          ],
        }),
      );
      const untaggedId = untagged.NetworkInterface?.NetworkInterfaceId ?? '';
      // Someone else's ENI with our tag but not our description.
      const foreign = await client.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: world.subnetId,
          Description: 'hand-made',
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [
                { Key: TAG_INSTANCE_ID, Value: 'i-x' },
                { Key: 'cluster.k8s.amazonaws.com/name', Value: 'contract' },
                { Key: TAG_CREATED_AT, Value: '2020-01-01T00:00:00Z' },
              ],
            },
          ],
        }),
      );
      const foreignId = foreign.NetworkInterface?.NetworkInterfaceId ?? '';

      const first = await cleanUpLeakedEnis(ctx, world.vpcId);
      expect(first.deleted).toEqual([]);
      expect(first.tagged).toEqual([untaggedId]);
      expect([...first.skipped].sort()).toEqual([leaked.eniId, foreignId].sort());
      expect((await describeEni(ctx, untaggedId))?.tags[TAG_CREATED_AT]).toBeDefined();

      clock.offsetMs = 6 * 60_000;
      const second = await cleanUpLeakedEnis(ctx, world.vpcId);
      expect([...second.deleted].sort()).toEqual([leaked.eniId, untaggedId].sort());
      expect(second.skipped).toEqual([foreignId]);
      expect(await describeEni(ctx, leaked.eniId)).toBeUndefined();
      expect(await describeEni(ctx, foreignId)).toBeDefined();
    });

    it('classifies EC2 errors: an unknown ENI is notFound', async () => {
      await expect(
        adapter.ec2.unassignPrivateIpAddresses('eni-0123456789abcdef0', ['10.0.0.99']),
      ).rejects.toMatchObject({ kind: 'notFound', action: 'UnassignPrivateIpAddresses' });
      expect(adapter.stats.snapshot().UnassignPrivateIpAddresses?.errorsByKind).toEqual({
        notFound: 1,
      });
    });
  });
}
