import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EniDescription } from '../../../src/aws/ec2-port.ts';
import { assignAddresses } from '../../../src/daemon/assign-addresses.ts';
import { describeEni } from '../../../src/daemon/describe-enis.ts';
import {
  type AllocateEniRequest,
  allocateEni,
  deleteEni,
  freeEni,
} from '../../../src/daemon/eni-lifecycle.ts';
import { tagEni } from '../../../src/daemon/eni-tagging.ts';
import type { SimulatedRegion } from '../../../src/sim/api.ts';
import {
  type AdapterUnderTest,
  adapterFor,
  type ContractWorld,
  SimulatorBackend,
} from './ec2-contract-backends.ts';

/**
 * EC2 port contract cases moto cannot model, run against the simulator only. Each title says
 * what moto lacks.
 */

function secondaries(eni: EniDescription | undefined): string[] {
  return (eni?.privateIpv4 ?? []).filter((a) => !a.primary).map((a) => a.address);
}

const backend = new SimulatorBackend();
let world: ContractWorld;
let adapter: AdapterUnderTest;

function sim(): SimulatedRegion {
  if (!backend.region) throw new Error('simulator not started');
  return backend.region;
}

function simCalls(action: string): number {
  return sim().counters().actions[action]?.calls ?? 0;
}

describe('EC2 port contract, simulator only', () => {
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  beforeEach(async () => {
    world = await backend.freshWorld();
    adapter = adapterFor(world);
  });
  afterEach(() => adapter.client.destroy());

  const allocate = (addresses: AllocateEniRequest['addresses'], subnetIds?: string[]) =>
    allocateEni(adapter.ctx, {
      subnetIds: subnetIds ?? [world.subnetId],
      securityGroupIds: [world.securityGroupId],
      addresses,
      networkCardIndex: 0,
    });

  it('/28 prefixes: create with prefixes, assign, unassign (simulator only: moto has no prefix delegation)', async () => {
    const { ec2 } = adapter;
    const allocated = await allocate({ kind: 'ipv4Prefix', count: 1 });
    expect(allocated.eni.ipv4Prefixes).toHaveLength(1);
    expect(allocated.eni.ipv4Prefixes[0]).toMatch(/\/28$/);
    const assigned = await ec2.assignIpv4Prefixes(allocated.eni.eniId, 2);
    expect(assigned).toHaveLength(2);
    const described = await describeEni(adapter.ctx, allocated.eni.eniId);
    expect([...(described?.ipv4Prefixes ?? [])].sort()).toEqual(
      [...allocated.eni.ipv4Prefixes, ...assigned].sort(),
    );
    await ec2.unassignIpv4Prefixes(allocated.eni.eniId, [assigned[0] ?? '']);
    expect((await describeEni(adapter.ctx, allocated.eni.eniId))?.ipv4Prefixes).toHaveLength(2);
  });

  it('DeleteOnTermination is set on new ENIs (simulator only: moto ignores the Attachment attribute)', async () => {
    const allocated = await allocate({ kind: 'none' });
    const described = await describeEni(adapter.ctx, allocated.eni.eniId);
    expect(described?.attachment?.deleteOnTermination).toBe(true);
  });

  it('per-ENI address limit: PrivateIpAddressLimitExceeded is limitExceeded and not retried with 1 (simulator only: moto has no ENI/IP limits)', async () => {
    const { ec2 } = adapter;
    // m5.large: 10 IPv4 addresses per ENI, the primary included.
    const allocated = await allocate({ kind: 'secondaryIpv4', count: 5 });
    const before = simCalls('AssignPrivateIpAddresses');
    await expect(ec2.assignPrivateIpAddresses(allocated.eni.eniId, 9)).rejects.toMatchObject({
      kind: 'limitExceeded',
      code: 'PrivateIpAddressLimitExceeded',
    });
    expect(simCalls('AssignPrivateIpAddresses') - before).toBe(1);
    // Capped at what the ENI can still take, it succeeds.
    expect(
      await assignAddresses(adapter.ctx, allocated.eni.eniId, 'secondaryIpv4', 9, { maxCount: 4 }),
    ).toHaveLength(4);
    expect(secondaries(await describeEni(adapter.ctx, allocated.eni.eniId))).toHaveLength(9);
  });

  it('ENI limit: a failed attach deletes the new ENI (simulator only: moto has no ENI limits)', async () => {
    const { ec2 } = adapter;
    await allocate({ kind: 'none' });
    await allocate({ kind: 'none' });
    // m5.large takes 3 ENIs: the third secondary one cannot be attached.
    await expect(allocate({ kind: 'none' })).rejects.toMatchObject({
      action: 'AttachNetworkInterface',
      code: 'AttachmentLimitExceeded',
    });
    const leftovers = await ec2.listNetworkInterfaces([
      { name: 'status', values: ['available'] },
      { name: 'vpc-id', values: [world.vpcId] },
    ]);
    expect(leftovers).toEqual([]);
  });

  it('subnet exhaustion: insufficientCapacity, retry with 1, next subnet (simulator only: moto subnets never run out)', async () => {
    const { ec2 } = adapter;
    // A /28 has 16 addresses, 5 reserved by AWS: 11 usable.
    const tiny = sim().createSubnet({
      cidr: '10.0.16.0/28',
      availabilityZone: world.availabilityZone,
    });
    const first = await adapter.createOurEni({
      subnetId: tiny,
      addresses: { kind: 'secondaryIpv4', count: 8 },
    });
    expect(secondaries(first)).toHaveLength(8);
    // 2 addresses left: 5 cannot be had, the retry with 1 can.
    const before = simCalls('AssignPrivateIpAddresses');
    expect(await assignAddresses(adapter.ctx, first.eniId, 'secondaryIpv4', 5)).toHaveLength(1);
    expect(simCalls('AssignPrivateIpAddresses') - before).toBe(2);
    await expect(
      adapter.createOurEni({ subnetId: tiny, addresses: { kind: 'secondaryIpv4', count: 3 } }),
    ).rejects.toMatchObject({
      kind: 'insufficientCapacity',
      code: 'InsufficientFreeAddressesInSubnet',
    });
    await expect(ec2.assignIpv4Prefixes(first.eniId, 1)).rejects.toMatchObject({
      kind: 'insufficientCapacity',
    });
    // allocateEni moves on to the next subnet.
    const allocated = await allocate({ kind: 'secondaryIpv4', count: 3 }, [tiny, world.subnetId]);
    expect(allocated.eni.subnetId).toBe(world.subnetId);
    // 11 − (1 primary + 8 + 1) = 1 address left in the tiny subnet.
    expect((await ec2.describeSubnets({ subnetIds: [tiny] }))[0]?.availableIpAddressCount).toBe(1);
  });

  it('deleting an attached ENI is refused and retried, then reported (simulator only: moto deletes in-use ENIs)', async () => {
    const allocated = await allocate({ kind: 'none' });
    const before = simCalls('DeleteNetworkInterface');
    await expect(deleteEni(adapter.ctx, allocated.eni.eniId)).rejects.toMatchObject({
      kind: 'other',
      code: 'InvalidNetworkInterface.InUse',
    });
    // FAST_SCHEDULES.delete: 4 tries.
    expect(simCalls('DeleteNetworkInterface') - before).toBe(4);
    expect(await describeEni(adapter.ctx, allocated.eni.eniId)).toBeDefined();
  });

  it('throttling answered by EC2 behind our buckets is retried by the SDK and counted (simulator only: moto does not throttle)', async () => {
    const { ec2, stats } = adapter;
    const allocated = await allocate({ kind: 'none' });
    sim().injectFault({
      action: 'AssignPrivateIpAddresses',
      code: 'RequestLimitExceeded',
      count: 1,
    });
    expect(await ec2.assignPrivateIpAddresses(allocated.eni.eniId, 2)).toHaveLength(2);
    expect(stats.snapshot().AssignPrivateIpAddresses).toMatchObject({
      calls: 1,
      errors: 0,
      throttled: 1,
      attempts: 2,
    });

    sim().injectFault({
      action: 'UnassignPrivateIpAddresses',
      code: 'RequestLimitExceeded',
      count: 3,
    });
    await expect(
      ec2.unassignPrivateIpAddresses(allocated.eni.eniId, ['10.0.0.1']),
    ).rejects.toMatchObject({
      kind: 'throttled',
      code: 'RequestLimitExceeded',
    });
    expect(stats.snapshot().UnassignPrivateIpAddresses).toMatchObject({
      calls: 1,
      errors: 1,
      throttled: 3,
    });
    expect(sim().counters().actions.UnassignPrivateIpAddresses?.throttled).toBe(3);
  });

  it('UnauthorizedOperation is classified and not retried (simulator only: moto does not check IAM)', async () => {
    sim().injectFault({ action: 'CreateTags', code: 'UnauthorizedOperation', count: 5 });
    const before = simCalls('CreateTags');
    await expect(tagEni(adapter.ctx, world.primaryEniId, { a: 'b' })).rejects.toMatchObject({
      kind: 'unauthorized',
    });
    expect(simCalls('CreateTags') - before).toBe(1);
    sim().clearFaults();
  });
});

describe('EC2 port contract, simulator only: detach takes time', () => {
  let region: SimulatedRegion;
  beforeAll(async () => {
    const { startSimulatedRegion } = await import('../../../src/sim/index.ts');
    region = await startSimulatedRegion({
      latency: {
        defaultAction: { minMs: 0, maxMs: 0 },
        attach: { minMs: 0, maxMs: 0 },
        detach: { minMs: 300, maxMs: 300 },
      },
    });
  });
  afterAll(() => region.close());

  it('freeEni retries the delete until the detach has finished (simulator only: moto detaches instantly)', async () => {
    const instance = await region.launchInstance({ instanceType: 'm5.large' });
    const slowWorld: ContractWorld = {
      endpoint: region.ec2Endpoint,
      region: region.region,
      vpcId: region.vpcId,
      subnetId: instance.subnetId,
      availabilityZone: instance.availabilityZone,
      instanceId: instance.instanceId,
      primaryEniId: instance.primaryEniId,
      securityGroupId: region.defaultSecurityGroupId,
    };
    const slow = adapterFor(slowWorld, {
      schedules: {
        delete: { initialMs: 50, maxMs: 400, factor: 2, jitter: 0, attempts: 6 },
        detachToDeletePauseMs: 10,
      },
    });
    try {
      const allocated = await allocateEni(slow.ctx, {
        subnetIds: [slowWorld.subnetId],
        securityGroupIds: [slowWorld.securityGroupId],
        addresses: { kind: 'none' },
        networkCardIndex: 0,
      });
      expect(await freeEni(slow.ctx, allocated.eni.eniId)).toBe('freed');
      const deletes = slow.stats.snapshot().DeleteNetworkInterface;
      expect(deletes?.calls).toBeGreaterThan(1);
      expect(deletes?.errorsByCode['InvalidNetworkInterface.InUse']).toBe(
        (deletes?.calls ?? 0) - 1,
      );
      expect(await describeEni(slow.ctx, allocated.eni.eniId)).toBeUndefined();
    } finally {
      slow.client.destroy();
    }
  });
});
