import { describe, expect, it } from 'vitest';
import { RECONCILE_INTERVAL_MS } from '../../../src/daemon/reconciler.ts';
import { TAG_INSTANCE_ID } from '../../../src/ipam/eni/tags.ts';
import { setup } from './harness.ts';
import type { MemoryEc2 } from './memory-ec2.ts';

const CHECKPOINT = '/run/aws-node/ipam.json';

async function reconcilerSetup() {
  const t = await setup({ warmPoolMode: 'interval' });
  const reconciler = t.ipamd.reconciler;
  const reconcile = () => reconciler.reconcile([t.pool], true);
  const assignedIps = () => t.pool.datastore.allocations().map((a) => a.ip);
  return { ...t, reconciler, reconcile, unmanaged: t.ipamd.unmanagedEnis, assignedIps };
}

/** Someone else (another tool, a person) creates and attaches an ENI to this instance. */
async function attachBehindTheDaemon(ec2: MemoryEc2, deviceIndex: number) {
  const eni = await ec2.createNetworkInterface({
    subnetId: 'subnet-1',
    securityGroupIds: [],
    description: 'made by hand',
    tags: {},
    addresses: { kind: 'secondaryIpv4', count: 3 },
  });
  await ec2.attachNetworkInterface(eni.eniId, deviceIndex, 0);
  return eni.eniId;
}

const reconcileCount = async (t: Awaited<ReturnType<typeof reconcilerSetup>>, fn: string) =>
  (await t.metrics.reconcileCount.get()).values.find((v) => v.labels.fn === fn)?.value ?? 0;

describe("reconcile with IMDS and EC2 (the reference's nodeIPPoolReconcile)", () => {
  it('IMDS agrees with the pool: no EC2 call', async () => {
    const t = await reconcilerSetup();
    await t.pass();
    t.imds.sync();
    t.ec2.calls.length = 0;
    await t.reconcile();
    expect(t.ec2.calls).toEqual([]);
  });

  it('IMDS lags behind EC2: EC2 is asked and nothing the pool got from EC2 is dropped', async () => {
    const t = await reconcilerSetup();
    await t.pass(); // EC2 gave 9 addresses; IMDS has not caught up
    t.assign(1);
    t.ec2.calls.length = 0;
    await t.reconcile();
    expect(t.ec2.callsOf('describeNetworkInterfaces')).toEqual([[['eni-primary']]]);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 9, assignedIPs: 1 });
    expect(t.fs.files.has(`${CHECKPOINT}.dropped`)).toBe(false);
  });

  it('an ENI IMDS does not list yet, but EC2 has attached here, is kept', async () => {
    const t = await reconcilerSetup();
    await t.actions.createEni(t.pool, 9);
    t.assign(1);
    await t.reconcile();
    expect(t.pool.datastore.eniCount).toBe(2);
    expect(await reconcileCount(t, 'eniReconcileDel')).toBe(0);
  });

  it('an ENI gone from IMDS and from EC2 is swept; its pods are recorded in .dropped first', async () => {
    const t = await reconcilerSetup();
    await t.pass();
    for (let i = 0; i < 9; i++) t.assign(i);
    await t.pass(); // eni-1
    t.assign(9);
    const lost = t.pool.datastore
      .allocations()
      .filter((a) => a.eniId === 'eni-1')
      .map((a) => a.ip);
    expect(lost).toHaveLength(1);
    t.ec2.enis.delete('eni-1');
    t.imds.sync();
    await t.reconcile();
    expect(t.pool.datastore.hasEni('eni-1')).toBe(false);
    const evidence = t.fs.files.get(`${CHECKPOINT}.dropped`)!;
    expect(evidence).toContain(`"ipv4":"${lost[0]}"`);
    expect(evidence).toContain('"reason":"eni-detached"');
    expect(JSON.parse(t.fs.files.get(CHECKPOINT)!).allocations).toHaveLength(9);
    const log = t.fs.log.filter((line) => line.includes('ipam.json'));
    expect(log.findIndex((line) => line.includes('.dropped'))).toBeLessThan(
      log.findIndex((line) => line.startsWith('rename')),
    );
    expect(await reconcileCount(t, 'eniReconcileDel')).toBe(1);
    expect((await t.metrics.forceRemovedEnis.get()).values[0]?.value).toBe(1);
    expect(t.host.calls.filter((c) => c.method === 'teardownEni')).toHaveLength(1);
  });

  it('an address EC2 no longer lists leaves the pool (its pod recorded); one EC2 still lists stays', async () => {
    const t = await reconcilerSetup();
    await t.pass();
    t.assign(1);
    const [gone] = t.assignedIps();
    const eni = t.ec2.enis.get('eni-primary')!;
    t.ec2.enis.set('eni-primary', {
      ...eni,
      privateIpv4: eni.privateIpv4.filter((ip) => ip.address !== gone),
    });
    await t.reconcile();
    expect(t.pool.stats()).toMatchObject({ totalIPs: 8, assignedIPs: 0 });
    expect(t.fs.files.get(`${CHECKPOINT}.dropped`)).toContain('"reason":"address-gone"');
    expect(await reconcileCount(t, 'eniIPPoolReconcileDel')).toBe(1);
  });

  it('an address released within 60 s is not re-added even if IMDS and EC2 still list it', async () => {
    const t = await reconcilerSetup();
    await t.pass();
    const released = t.pool.datastore.freeableCidrs('eni-primary').slice(0, 1);
    const cidr = released[0]!.cidr;
    t.pool.datastore.removeCidr('eni-primary', cidr, false);
    t.cooldown.add(cidr, t.scheduler.now());
    t.imds.sync();
    await t.reconcile();
    expect(t.pool.datastore.cidrsOf('eni-primary').map((c) => c.cidr)).not.toContain(cidr);
    t.scheduler.advance(60_000);
    await t.reconcile();
    expect(t.pool.datastore.cidrsOf('eni-primary').map((c) => c.cidr)).toContain(cidr);
    expect(await reconcileCount(t, 'eniDataStorePoolReconcileAdd')).toBe(1);
  });

  it('adopts an attached ENI it does not know; leaves a no_manage ENI alone', async () => {
    const t = await reconcilerSetup();
    const adopted = await attachBehindTheDaemon(t.ec2, 1);
    const optedOut = await attachBehindTheDaemon(t.ec2, 2);
    await t.ec2.createTags(optedOut, { 'node.k8s.amazonaws.com/no_manage': 'true' });
    t.ec2.calls.length = 0;
    t.imds.sync();
    await t.reconcile();
    expect(t.pool.datastore.hasEni(adopted)).toBe(true);
    expect(t.pool.datastore.hasEni(optedOut)).toBe(false);
    expect(t.unmanaged.has(optedOut)).toBe(true);
    expect(t.pool.unmanagedEnis).toBe(1);
    // TagENI: the adopted ENI gets the tags it lacks; the opted-out one is not touched.
    expect(t.ec2.callsOf('createTags')).toEqual([[adopted, { [TAG_INSTANCE_ID]: 'i-fake' }]]);
    expect(await reconcileCount(t, 'eniReconcileAdd')).toBe(1);
  });

  it('IMDS failing: counted, nothing changed', async () => {
    const t = await reconcilerSetup();
    await t.pass();
    t.imds.failListing = new Error('IMDS down');
    await t.reconcile();
    expect(t.pool.stats().totalIPs).toBe(9);
    expect(
      (await t.metrics.ipamdErrors.get()).values.find(
        (v) => v.labels.fn === 'reconcileFailedGetENIs',
      )?.value,
    ).toBe(1);
  });

  it('runs only after 60 s without a pool action, unless forced', async () => {
    const t = await reconcilerSetup();
    await t.pass();
    t.ec2.calls.length = 0;
    await t.reconciler.reconcile([t.pool]);
    expect(t.ec2.calls).toEqual([]);
    t.scheduler.advance(RECONCILE_INTERVAL_MS);
    await t.reconciler.reconcile([t.pool]);
    expect(t.ec2.callsOf('describeNetworkInterfaces')).toHaveLength(1);
  });
});
