import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/types.ts';
import { PodNetwork, UNKNOWN_POD_ERROR } from '../../../src/daemon/pod-network.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { RpcError } from '../../../src/rpc/server.ts';
import { setup } from './harness.ts';

const request = (i: number) => ({
  K8S_POD_NAME: `p${i}`,
  K8S_POD_NAMESPACE: 'default',
  K8S_POD_INFRA_CONTAINER_ID: `c${i}`,
  Netns: `/var/run/netns/cni-${i}`,
  IfName: 'eth0',
  NetworkName: 'aws-cni',
  ContainerID: `c${i}`,
  ClientVersion: 'v0.1.0',
  RequiresMultiNICAttachment: false,
});
const delRequest = (i: number) => ({
  ...request(i),
  Reason: 'PodDeleted',
  K8S_POD_UID: `uid-${i}`,
});

async function service(overrides: Partial<Config> = {}) {
  const t = await setup(overrides);
  const released: string[] = [];
  const pods = new PodNetwork({
    config: t.config,
    node: t.node,
    pools: [t.pool],
    scheduler: t.scheduler,
    logger: silentLogger(),
    metrics: t.metrics,
    wakePool: (pool, reason) => t.manager.wake(pool, reason),
    releaseUnusedPrefixes: (_pool, eniId) => released.push(eniId),
  });
  return { ...t, pods, released };
}

describe('AddNetwork', () => {
  it('answers the address, device, route table and the VPC CIDRs plus SNAT exclusions', async () => {
    const t = await service({
      excludeSnatCidrs: ['192.168.0.0/16'],
      networkPolicyMode: 'standard',
    });
    await t.pass();
    const reply = await t.pods.addNetwork(request(1));
    expect(reply).toMatchObject({
      Success: true,
      IPAllocationMetadata: [
        {
          IPv4Addr: expect.stringMatching(/^10\.0\./),
          IPv6Addr: '',
          DeviceNumber: 0,
          RouteTableId: 254,
        },
      ],
      UseExternalSNAT: false,
      VPCv4CIDRs: ['10.0.0.0/16', '192.168.0.0/16'],
      NetworkPolicyMode: 'standard',
    });
  });

  it('with external SNAT: UseExternalSNAT and no exclusions', async () => {
    const t = await service({ externalSnat: true, excludeSnatCidrs: ['192.168.0.0/16'] });
    await t.pass();
    expect(await t.pods.addNetwork(request(1))).toMatchObject({
      UseExternalSNAT: true,
      VPCv4CIDRs: ['10.0.0.0/16'],
    });
  });

  it('replies only after the checkpoint holding the address is on disk', async () => {
    const t = await service();
    await t.pass();
    const reply = await t.pods.addNetwork(request(1));
    const ip = reply.IPAllocationMetadata[0]!.IPv4Addr;
    expect(t.fs.files.get('/run/aws-node/ipam.json')).toContain(`"ipv4":"${ip}"`);
  });

  it('a failed checkpoint write fails the ADD and undoes the assignment', async () => {
    const t = await service();
    await t.pass();
    t.fs.failWith = (op) => (op === 'rename' ? new Error('disk full') : undefined);
    const reply = await t.pods.addNetwork(request(1));
    expect(reply.Success).toBe(false);
    expect(t.pool.stats().assignedIPs).toBe(0);
    t.fs.failWith = () => undefined;
    expect((await t.pods.addNetwork(request(1))).Success).toBe(true);
  });

  it('a repeated ADD returns the same address', async () => {
    const t = await service();
    await t.pass();
    const first = await t.pods.addNetwork(request(1));
    const second = await t.pods.addNetwork(request(1));
    expect(second.IPAllocationMetadata).toEqual(first.IPAllocationMetadata);
    expect(t.pool.stats().assignedIPs).toBe(1);
  });

  it.each([
    ['ContainerID', { ContainerID: '' }],
    ['IfName', { IfName: '' }],
    ['NetworkName', { NetworkName: '' }],
    ['multi-NIC without ENABLE_MULTI_NIC', { RequiresMultiNICAttachment: true }],
  ])('refuses a request without %s (Success=false)', async (_label, change) => {
    const t = await service();
    await t.pass();
    expect((await t.pods.addNetwork({ ...request(1), ...change })).Success).toBe(false);
    expect(t.pool.stats().assignedIPs).toBe(0);
  });

  it('reactive: an ADD on an empty pool waits for the capacity the pool manager gets', async () => {
    const t = await service();
    const reply = await t.pods.addNetwork(request(1));
    expect(reply.Success).toBe(true);
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
    for (let i = 0; i < 9; i++) expect((await t.pods.addNetwork(request(i))).Success).toBe(true);
    const started = t.scheduler.now();
    const reply = await t.pods.addNetwork(request(99));
    expect(reply.Success).toBe(false);
    expect(t.scheduler.now()).toBe(started);
    expect((await t.metrics.noAvailableIpAddresses.get()).values[0]?.value).toBe(1);
  });

  it('a caller that went away while waiting never gets an address, even if capacity then arrives', async () => {
    const t = await service();
    const controller = new AbortController();
    const reply = t.pods.addNetwork(request(1), controller.signal);
    controller.abort();
    expect((await reply).Success).toBe(false);
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
    expect((await t.pods.addNetwork(request(1))).Success).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.ec2.calls).toEqual([]);
  });
});

describe('DelNetwork', () => {
  it('releases the address and answers it; the address cools down', async () => {
    const t = await service();
    await t.pass();
    const ip = (await t.pods.addNetwork(request(1))).IPAllocationMetadata[0]!.IPv4Addr;
    const reply = await t.pods.delNetwork(delRequest(1));
    expect(reply).toMatchObject({
      Success: true,
      IPAllocationMetadata: [{ IPv4Addr: ip, DeviceNumber: 0, RouteTableId: 254 }],
    });
    expect(t.pool.stats()).toMatchObject({ assignedIPs: 0, coolingIPs: 1 });
    const file = JSON.parse(t.fs.files.get('/run/aws-node/ipam.json')!);
    expect(file.allocations).toEqual([]);
    expect(file.cooldown).toEqual([{ ipv4: ip, unassignedTimestamp: expect.any(Number) }]);
  });

  it('an unknown pod is a gRPC error with the reference text old plugins match on', async () => {
    const t = await service();
    const failure = t.pods.delNetwork(delRequest(7));
    await expect(failure).rejects.toBeInstanceOf(RpcError);
    await expect(failure).rejects.toMatchObject({
      code: grpc.status.UNKNOWN,
      message: UNKNOWN_POD_ERROR,
    });
    expect(UNKNOWN_POD_ERROR).toBe('1 error occurred:\n\t* datastore: unknown pod\n\n');
  });

  it('a failed checkpoint write fails the DEL and the pod keeps its address', async () => {
    const t = await service();
    await t.pass();
    const ip = (await t.pods.addNetwork(request(1))).IPAllocationMetadata[0]!.IPv4Addr;
    t.fs.failWith = (op) => (op === 'sync' ? new Error('I/O error') : undefined);
    await expect(t.pods.delNetwork(delRequest(1))).rejects.toMatchObject({
      code: grpc.status.INTERNAL,
    });
    t.fs.failWith = () => undefined;
    expect((await t.pods.addNetwork(request(1))).IPAllocationMetadata[0]!.IPv4Addr).toBe(ip);
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
    await t.pods.addNetwork(request(1));
    t.pool.datastore.setPrefixDelegation(false);
    await t.pods.delNetwork(delRequest(1));
    expect(t.released).toEqual(['eni-primary']);
  });
});

describe('GetNetworkPolicyConfigs', () => {
  it('answers the node facts', async () => {
    const t = await service({ networkPolicyMode: 'strict' });
    expect(t.pods.networkPolicyConfigs()).toEqual({
      NetworkPolicyMode: 'strict',
      MultiNICEnabled: false,
      NodeIPv4: '10.0.0.10',
      NodeIPv6: '',
      InstanceID: 'i-fake',
      Region: 'us-west-2',
    });
  });
});
