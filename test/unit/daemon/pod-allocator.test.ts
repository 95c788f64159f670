import { describe, expect, it } from 'vitest';
import type { PodAddResult } from '../../../src/ipam/pod-allocation.ts';
import {
  allocatorSetup,
  podDelRequest as delRequest,
  podAddRequest as request,
} from './pod-allocator-setup.ts';

/** The one address a successful single-card ADD answers. */
function addressOf(result: PodAddResult): string {
  if (!result.ok) throw new Error(`ADD failed: ${result.reason}`);
  return result.addresses[0]!.ipv4;
}

const service = allocatorSetup;

describe('add (AddNetwork)', () => {
  it('answers the address, device, route table and the VPC CIDRs plus SNAT exclusions', async () => {
    const t = await service({
      excludeSnatCidrs: ['192.168.0.0/16'],
      networkPolicyMode: 'standard',
    });
    await t.pass();
    const result = await t.pods.add(request(1));
    expect(result).toEqual({
      ok: true,
      addresses: [
        {
          ipv4: expect.stringMatching(/^10\.0\./),
          deviceNumber: 0,
          routeTableId: 254,
        },
      ],
      externalSnat: false,
      vpcIpv4Cidrs: ['10.0.0.0/16', '192.168.0.0/16'],
      networkPolicyMode: 'standard',
    });
  });

  it('with external SNAT: UseExternalSNAT and no exclusions', async () => {
    const t = await service({ externalSnat: true, excludeSnatCidrs: ['192.168.0.0/16'] });
    await t.pass();
    expect(await t.pods.add(request(1))).toMatchObject({
      externalSnat: true,
      vpcIpv4Cidrs: ['10.0.0.0/16'],
    });
  });

  it('replies only after the checkpoint holding the address is on disk', async () => {
    const t = await service();
    await t.pass();
    const ip = addressOf(await t.pods.add(request(1)));
    expect(
      t.fs.durable('/run/aws-node/ipam.json').state?.allocations.map((a) => a.entry.ipv4),
    ).toEqual([ip]);
  });

  it('a failed checkpoint write fails the ADD and undoes the assignment', async () => {
    const t = await service();
    await t.pass();
    t.fs.failWith = (op) => (op === 'rename' ? new Error('disk full') : undefined);
    const result = await t.pods.add(request(1));
    expect(result).toEqual({ ok: false, reason: 'checkpoint write failed: Error: disk full' });
    expect(t.pool.stats().assignedIPs).toBe(0);
    t.fs.failWith = () => undefined;
    expect((await t.pods.add(request(1))).ok).toBe(true);
  });

  it('a repeated ADD returns the same address', async () => {
    const t = await service();
    await t.pass();
    const first = await t.pods.add(request(1));
    const second = await t.pods.add(request(1));
    expect(second).toEqual(first);
    expect(t.pool.stats().assignedIPs).toBe(1);
  });

  const required = 'ContainerID, IfName and NetworkName are required';
  it.each([
    ['ContainerID', { key: { ...request(1).key, containerID: '' } }, required],
    ['IfName', { key: { ...request(1).key, ifName: '' } }, required],
    ['NetworkName', { key: { ...request(1).key, networkName: '' } }, required],
    [
      'multi-NIC without ENABLE_MULTI_NIC',
      { multiNic: true },
      'the pod asks for multi-NIC attachment but ENABLE_MULTI_NIC is off',
    ],
  ])(
    'refuses a request without %s (a failure, not an exception)',
    async (_label, change, reason) => {
      const t = await service();
      await t.pass();
      expect(await t.pods.add({ ...request(1), ...change })).toEqual({ ok: false, reason });
      expect(t.pool.stats().assignedIPs).toBe(0);
    },
  );

  it('reactive: an ADD on an empty pool waits for the capacity the pool manager gets', async () => {
    const t = await service();
    const result = await t.pods.add(request(1));
    expect(result.ok).toBe(true);
    // 1 waiting ADD + WARM_ENI_TARGET × 9 = 10 addresses: the primary ENI and one more ENI.
    expect(t.ec2.mutations()).toEqual([
      'assignPrivateIpAddresses',
      'createNetworkInterface',
      'attachNetworkInterface',
      'setDeleteOnTermination',
    ]);
    expect(
      (await t.metrics.addWaitSeconds.get()).values.find(
        (v) => v.labels.outcome === 'assigned' && v.metricName?.endsWith('_count'),
      )?.value,
    ).toBe(1);
  });

  it('an ADD fails at once when no capacity is coming (node full), without waiting out ADD_WAIT_SECONDS', async () => {
    const t = await service({ maxEni: 1 });
    await t.pass();
    for (let i = 0; i < 9; i++) expect((await t.pods.add(request(i))).ok).toBe(true);
    const started = t.scheduler.now();
    const result = await t.pods.add(request(99));
    expect(result).toEqual({ ok: false, reason: 'no available IP addresses' });
    expect(t.scheduler.now()).toBe(started);
    expect((await t.metrics.noAvailableIpAddresses.get()).values[0]?.value).toBe(1);
  });

  it('a caller that went away while waiting never gets an address, even if capacity then arrives', async () => {
    const t = await service();
    const controller = new AbortController();
    const result = t.pods.add(request(1), controller.signal);
    controller.abort();
    expect(await result).toEqual({
      ok: false,
      reason: 'the caller cancelled the call while it waited for an address',
    });
    await t.pool.exclusive(async () => {});
    expect(t.pool.stats().assignedIPs).toBe(0);
    expect(
      (await t.metrics.addWaitSeconds.get()).values.find(
        (v) => v.labels.outcome === 'cancelled' && v.metricName?.endsWith('_count'),
      )?.value,
    ).toBe(1);
  });

  it('ADD_WAIT_SECONDS=0: fails at once and does not wake the pool manager', async () => {
    const t = await service({ addWaitSeconds: 0 });
    expect((await t.pods.add(request(1))).ok).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.ec2.calls).toEqual([]);
  });
});

describe('del (DelNetwork)', () => {
  it('releases the address and answers it; the address cools down', async () => {
    const t = await service();
    await t.pass();
    const ip = addressOf(await t.pods.add(request(1)));
    const result = await t.pods.del(delRequest(1));
    expect(result).toEqual({
      ok: true,
      released: [{ ipv4: ip, deviceNumber: 0, routeTableId: 254 }],
      networkPolicyMode: t.config.networkPolicyMode,
    });
    expect(t.pool.stats()).toMatchObject({ assignedIPs: 0, coolingIPs: 1 });
    // What a restart reads: the snapshot with the journal's commits after it.
    const file = t.fs.durable('/run/aws-node/ipam.json').state!;
    expect(file.allocations).toEqual([]);
    expect(file.cooldown).toEqual([
      { ipv4: ip, ipv6: '', unassignedTimestamp: expect.any(BigInt) },
    ]);
  });

  it('an unknown pod is its own failure (src/rpc answers it with the reference text)', async () => {
    const t = await service();
    expect(await t.pods.del(delRequest(7))).toEqual({ ok: false, failure: 'unknown-pod' });
  });

  it('a failed checkpoint write fails the DEL and the pod keeps its address', async () => {
    const t = await service();
    await t.pass();
    const ip = addressOf(await t.pods.add(request(1)));
    t.fs.failWith = (op) => (op === 'sync' ? new Error('I/O error') : undefined);
    expect(await t.pods.del(delRequest(1))).toEqual({
      ok: false,
      failure: 'checkpoint-failed',
      error: 'Error: I/O error',
    });
    t.fs.failWith = () => undefined;
    expect(addressOf(await t.pods.add(request(1)))).toBe(ip);
  });

  it('PD off and the address came from a prefix: the ENI prefixes are given back', async () => {
    const t = await service();
    await t.pass();
    await t.actions.releaseCidrs(
      t.pool,
      'eni-primary',
      t.pool.datastore.freeableCidrs('eni-primary'),
    );
    const [prefix] = await t.ec2.assignIpv4Prefixes('eni-primary', 1);
    t.pool.datastore.addCidr('eni-primary', prefix!, true);
    t.pool.datastore.setPrefixDelegation(true);
    await t.pods.add(request(1));
    t.pool.datastore.setPrefixDelegation(false);
    await t.pods.del(delRequest(1));
    expect(t.released).toEqual(['eni-primary']);
  });
});

describe('networkPolicyFacts (GetNetworkPolicyConfigs)', () => {
  it('answers the node facts', async () => {
    const t = await service({ networkPolicyMode: 'strict' });
    expect(t.pods.networkPolicyFacts()).toEqual({
      networkPolicyMode: 'strict',
      multiNicEnabled: false,
      nodeIpv4: '10.0.0.10',
      nodeIpv6: '',
      instanceId: 'i-fake',
      region: 'us-west-2',
    });
  });
});
