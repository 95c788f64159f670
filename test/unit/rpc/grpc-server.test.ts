import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import { IpamdMetrics } from '../../../src/observe/metrics.ts';
import { IpamdClient } from '../../../src/rpc/client.ts';
import type { PodAllocatorPort } from '../../../src/rpc/pod-allocator-port.ts';
import { type RunningGrpcServer, startGrpcServer } from '../../../src/rpc/server.ts';

describe('gRPC server on a Unix socket', () => {
  let dir: string;
  let server: RunningGrpcServer | undefined;
  let client: IpamdClient | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipamd-rpc-'));
  });
  afterEach(async () => {
    client?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const service: PodAllocatorPort = {
    add: async (request) => ({
      ok: true,
      addresses: [
        { ipv4: `10.0.0.${request.key.containerID.length}`, deviceNumber: 0, routeTableId: 254 },
      ],
      externalSnat: false,
      vpcIpv4Cidrs: ['10.0.0.0/16'],
      networkPolicyMode: '',
    }),
    del: async () => ({ ok: false, failure: 'unknown-pod' }),
    gc: async () => ({ released: [], keptRecent: 0 }),
    networkPolicyFacts: () => ({
      networkPolicyMode: 'standard',
      multiNicEnabled: false,
      nodeIpv4: '10.0.0.10',
      nodeIpv6: '',
      instanceId: 'i-1',
      region: 'us-west-2',
    }),
  };

  async function start(socketPath = join(dir, 'sub', 'ipamd.sock'), metrics?: IpamdMetrics) {
    server = await startGrpcServer({
      socketPath,
      service,
      version: 'v1.2.3',
      logger: silentLogger(),
      metrics,
    });
    client = new IpamdClient(socketPath);
    return socketPath;
  }

  it('creates the parent directory 0755 and the socket 0660, replacing a stale socket file', async () => {
    const socketPath = join(dir, 'sub', 'ipamd.sock');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(socketPath, 'stale');
    await start(socketPath);
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    await server?.close();
    server = undefined;
    rmSync(join(dir, 'sub'), { recursive: true });
    await start(socketPath);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o755);
  });

  it('serves AddNetwork with the proto field names and counts requests', async () => {
    const metrics = new IpamdMetrics('v1.2.3');
    await start(undefined, metrics);
    const reply = await client!.addNetwork({
      ClientVersion: 'v1.0.0',
      ContainerID: 'abcd',
      IfName: 'eth0',
      NetworkName: 'aws-cni',
    });
    expect(reply.Success).toBe(true);
    expect(reply.IPAllocationMetadata).toEqual([
      { IPv4Addr: '10.0.0.4', IPv6Addr: '', DeviceNumber: 0, RouteTableId: 254 },
    ]);
    expect(reply.VPCv4CIDRs).toEqual(['10.0.0.0/16']);
    expect(reply.PodVlanId).toBe(0);
    expect((await metrics.addIpRequests.get()).values[0]?.value).toBe(1);
  });

  it('answers FailedPrecondition to a client of another major version', async () => {
    await start();
    await expect(
      client!.addNetwork({ ClientVersion: 'v2.0.0', ContainerID: 'x' }),
    ).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringContaining('wrong client version'),
    });
  });

  it('answers an unknown pod with the reference text and counts DELs by reason', async () => {
    const metrics = new IpamdMetrics('v1.2.3');
    await start(undefined, metrics);
    const failure = client!.delNetwork({ ClientVersion: 'v1.2.3', Reason: 'PodDeleted' });
    await expect(failure).rejects.toMatchObject({
      details: expect.stringContaining('datastore: unknown pod'),
    });
    expect((await metrics.delIpRequests.get()).values).toEqual([
      expect.objectContaining({ labels: { reason: 'PodDeleted' }, value: 1 }),
    ]);
  });

  it('serves health SERVING for "" and grpc.health.v1.aws-node, NOT_FOUND for others, and follows changes', async () => {
    await start();
    expect(await client!.healthCheck('')).toEqual({ status: 'SERVING' });
    expect(await client!.healthCheck('grpc.health.v1.aws-node')).toEqual({ status: 'SERVING' });
    await expect(client!.healthCheck('nope')).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    server!.health.set('NOT_SERVING');
    expect(await client!.healthCheck('')).toEqual({ status: 'NOT_SERVING' });
  });

  it('serves the network-policy config', async () => {
    await start();
    expect(await client!.networkPolicyConfigs()).toEqual({
      NetworkPolicyMode: 'standard',
      MultiNICEnabled: false,
      NodeIPv4: '10.0.0.10',
      NodeIPv6: '',
      InstanceID: 'i-1',
      Region: 'us-west-2',
    });
  });

  it('an unexpected exception becomes INTERNAL, and the server keeps serving', async () => {
    server = await startGrpcServer({
      socketPath: join(dir, 'x.sock'),
      service: {
        ...service,
        add: async () => {
          throw new Error('boom');
        },
      },
      version: 'v1.2.3',
      logger: silentLogger(),
    });
    client = new IpamdClient(join(dir, 'x.sock'));
    await expect(client.addNetwork({ ClientVersion: 'v1.2.3' })).rejects.toMatchObject({
      code: grpc.status.INTERNAL,
      details: 'Error: boom',
    });
    await expect(client.delNetwork({ ClientVersion: 'v1.2.3' })).rejects.toMatchObject({
      code: grpc.status.UNKNOWN,
    });
  });
});
