import { describe, expect, it } from 'vitest';
import { setup } from './harness.ts';

/**
 * ENI allocation through the daemon (pool manager → ENI actions → lifecycle workflow) against the
 * in-memory EC2 failing or delaying single actions: whatever was half built is undone, nothing
 * reaches the pool that EC2 does not hold attached, and the failure is visible.
 */

async function errorsOf(t: Awaited<ReturnType<typeof setup>>, fn: string): Promise<number> {
  return (await t.metrics.ipamdErrors.get()).values.find((v) => v.labels.fn === fn)?.value ?? 0;
}

/** A pool whose primary ENI is full, so the next growth step must create an ENI. */
async function fullPrimary(overrides: Parameters<typeof setup>[0] = {}) {
  const t = await setup({ warmPoolMode: 'interval', ...overrides });
  await t.pass();
  for (let i = 0; i < 9; i++) t.assign(i);
  t.ec2.calls.length = 0;
  return t;
}

describe('creating an ENI: rollback through the daemon', () => {
  it('a failed attach deletes the new ENI; the pool and the host never see it', async () => {
    const t = await fullPrimary();
    t.ec2.failNext('attachNetworkInterface', 'other', 'AttachmentLimitExceeded');
    await t.pass();
    expect(t.ec2.mutations()).toEqual([
      'createNetworkInterface',
      'attachNetworkInterface',
      'deleteNetworkInterface',
    ]);
    expect(t.ec2.secondaryEnis()).toEqual([]);
    expect(t.pool.datastore.eniCount).toBe(1);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 9, assignedIPs: 9 });
    expect(t.host.calls.filter((c) => c.method === 'setupEni')).toHaveLength(1); // the primary
    expect(await errorsOf(t, 'increaseIPPoolAllocENI')).toBe(1);
  });

  it('a failed DeleteOnTermination frees the attached ENI (detach, pause, delete)', async () => {
    const t = await fullPrimary();
    t.ec2.failNext('setDeleteOnTermination', 'unauthorized');
    await t.pass();
    expect(t.ec2.mutations()).toEqual([
      'createNetworkInterface',
      'attachNetworkInterface',
      'setDeleteOnTermination',
      'detachNetworkInterface',
      'deleteNetworkInterface',
    ]);
    expect(t.ec2.secondaryEnis()).toEqual([]);
    expect(t.pool.datastore.eniCount).toBe(1);
  });

  it('when the undo fails too, the ENI stays available with our tags for the leaked-ENI cleanup', async () => {
    const t = await fullPrimary();
    t.ec2.failNext('attachNetworkInterface', 'other', 'AttachmentLimitExceeded');
    t.ec2.failNext('deleteNetworkInterface', 'other', 'InternalError', 12);
    await t.pass();
    const [orphan] = t.ec2.secondaryEnis();
    expect(orphan).toMatchObject({ status: 'available', attachment: undefined });
    expect(orphan!.description).toBe('aws-K8S-i-fake');
    expect(Object.keys(orphan!.tags)).toContain('node.k8s.amazonaws.com/createdAt');
    expect(t.ec2.callsOf('deleteNetworkInterface')).toHaveLength(12);
    expect(t.pool.datastore.eniCount).toBe(1);
  });

  it('a subnet out of addresses: the next subnet the placement offers is tried', async () => {
    const t = await fullPrimary();
    t.ec2.subnets = [
      { ...t.ec2.subnets[0]!, availableIpAddressCount: 5 },
      {
        subnetId: 'subnet-2',
        vpcId: 'vpc-1',
        availabilityZone: 'us-west-2a',
        cidrBlock: '10.1.0.0/16',
        availableIpAddressCount: 4000,
        tags: { 'kubernetes.io/role/cni': '1' },
      },
    ];
    t.ec2.failNext('createNetworkInterface', 'insufficientCapacity');
    await t.pass();
    expect(
      t.ec2
        .callsOf('createNetworkInterface')
        .map((args) => (args[0] as { subnetId: string }).subnetId),
    ).toEqual(['subnet-2', 'subnet-1']);
    const [eni] = t.ec2.secondaryEnis();
    expect(eni?.subnetId).toBe('subnet-1');
    expect(t.pool.datastore.eniCount).toBe(2);
    expect(t.pool.stats().totalIPs).toBe(18);
  });

  it('an attachment EC2 reports as attaching for a while is waited for, then adopted', async () => {
    const t = await fullPrimary();
    t.ec2.attachingDescribes = 3;
    await t.pass();
    expect(t.ec2.callsOf('describeNetworkInterfaces')).toHaveLength(4);
    expect(t.pool.datastore.eniCount).toBe(2);
    expect(t.pool.stats().totalIPs).toBe(18);
  });

  it('an attachment that never completes leaves the ENI to reconcile, counted', async () => {
    const t = await fullPrimary();
    t.ec2.attachingDescribes = 1_000;
    await t.pass();
    expect(t.pool.datastore.eniCount).toBe(1);
    expect(await errorsOf(t, 'waitENIAttachedMaxRetryExceeded')).toBe(1);
    // Still attached in EC2: reconcile adopts it once IMDS lists it.
    expect(t.ec2.secondaryEnis()[0]?.attachment?.instanceId).toBe('i-fake');
  });

  it('a slow CreateNetworkInterface delays the ENI, it does not lose it', async () => {
    const t = await fullPrimary();
    t.ec2.delayNext('createNetworkInterface', 8_000);
    const before = t.scheduler.now();
    await t.pass();
    expect(t.scheduler.now() - before).toBeGreaterThanOrEqual(8_000);
    expect(t.pool.datastore.eniCount).toBe(2);
  });
});
