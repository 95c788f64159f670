import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { createImdsClient, ImdsClient } from '../../../src/aws/imds.ts';
import { ImdsError } from '../../../src/aws/imds-port.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import type { SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';

let sim: SimulatedRegion | undefined;
let ec2: EC2Client | undefined;
let extraServer: Server | undefined;

afterEach(async () => {
  ec2?.destroy();
  await sim?.close();
  sim = undefined;
  if (extraServer) {
    const server = extraServer;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  extraServer = undefined;
});

const noWait = async () => {};

async function setUp(options: { instanceType?: string; imdsLagMs?: number } = {}) {
  const clock = new ManualClock();
  sim = await startSimulatedRegion({
    clock,
    latency: 'none',
    buckets: 'off',
    imdsLagMs: options.imdsLagMs ?? 0,
    extraVpcCidrs: ['100.64.0.0/16'],
  });
  ec2 = new EC2Client({
    endpoint: sim.ec2Endpoint,
    region: sim.region,
    credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' },
    maxAttempts: 1,
  });
  const node: SimInstance = await sim.launchInstance({
    instanceType: options.instanceType ?? 'm5.large',
  });
  return { sim, ec2, clock, node };
}

function imdsRequests(): number {
  return sim!.counters().imdsRequests;
}

describe('ImdsClient against the simulated IMDS', () => {
  it('reads the instance identity once and caches it', async () => {
    const { sim: region, clock, node } = await setUp();
    const imds = new ImdsClient({ endpoint: node.imdsEndpoint, clock, sleep: noWait });
    const identity = await imds.getInstanceIdentity();
    expect(identity).toEqual({
      instanceId: node.instanceId,
      instanceType: 'm5.large',
      availabilityZone: node.availabilityZone,
      region: region.region,
      accountId: expect.stringMatching(/^\d{12}$/),
      primaryIpv4: node.primaryIp,
      primaryMac: node.primaryMac,
    });
    // One token and six reads; the second call asks nothing.
    expect(imdsRequests()).toBe(7);
    expect(await imds.getInstanceIdentity()).toBe(identity);
    expect(imdsRequests()).toBe(7);
  });

  it('lists the ENIs with their device numbers, cards, subnets and addresses (primary address first)', async () => {
    const { sim: region, ec2: client, clock, node } = await setUp({ instanceType: 'p4d.24xlarge' });
    const assigned = await client.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.primaryEniId,
        SecondaryPrivateIpAddressCount: 2,
      }),
    );
    const created = await client.send(
      new CreateNetworkInterfaceCommand({ SubnetId: region.subnetId, Ipv4PrefixCount: 2 }),
    );
    const eni = created.NetworkInterface!;
    await client.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni.NetworkInterfaceId,
        InstanceId: node.instanceId,
        DeviceIndex: 1,
        NetworkCardIndex: 1,
      }),
    );
    const imds = createImdsClient({ imdsEndpoint: node.imdsEndpoint }, { clock, sleep: noWait });
    expect(await imds.listMacs()).toEqual([node.primaryMac, eni.MacAddress]);
    const [primary, secondary] = await imds.listEnis();
    expect(primary).toEqual({
      mac: node.primaryMac,
      eniId: node.primaryEniId,
      deviceNumber: 0,
      networkCard: 0,
      isPrimary: true,
      subnetId: node.subnetId,
      subnetIpv4Cidr: '10.0.0.0/20',
      vpcId: region.vpcId,
      ipv4Addresses: [
        node.primaryIp,
        ...assigned.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress),
      ],
      ipv4Prefixes: [],
      ipv6Addresses: [],
      ipv6Prefixes: [],
      subnetIpv6Cidrs: [],
    });
    expect(secondary).toMatchObject({
      mac: eni.MacAddress,
      eniId: eni.NetworkInterfaceId,
      deviceNumber: 1,
      networkCard: 1,
      isPrimary: false,
      ipv4Addresses: [eni.PrivateIpAddress],
      ipv4Prefixes: eni.Ipv4Prefixes!.map((p) => p.Ipv4Prefix),
    });
    expect(await imds.getEni('02:00:00:00:00:00')).toBeUndefined();
  });

  it("reads the primary ENI's VPC CIDRs and security groups; absent IPv6 reads are empty", async () => {
    const { sim: region, clock, node } = await setUp();
    const imds = new ImdsClient({ endpoint: node.imdsEndpoint, clock, sleep: noWait });
    expect(await imds.getVpcIpv4Cidrs()).toEqual(['10.0.0.0/16', '100.64.0.0/16']);
    expect(await imds.getSecurityGroupIds()).toEqual([region.defaultSecurityGroupId]);
    expect(await imds.getVpcIpv6Cidrs()).toEqual([]);
    expect(await imds.getPrimaryIpv6()).toBeUndefined();
  });

  it('renews its token before the TTL runs out, by the clock', async () => {
    const { clock, node } = await setUp();
    const imds = new ImdsClient({
      endpoint: node.imdsEndpoint,
      clock,
      sleep: noWait,
      tokenTtlSeconds: 60,
    });
    await imds.listMacs();
    expect(imdsRequests()).toBe(2);
    await imds.listMacs();
    expect(imdsRequests()).toBe(3);
    clock.advance(61_000);
    expect(await imds.listMacs()).toEqual([node.primaryMac]);
    // A new token, then the read.
    expect(imdsRequests()).toBe(5);
  });

  it('recovers from a 401 (token expired on the IMDS side) by fetching a new token once', async () => {
    const { clock, node } = await setUp();
    // The adapter's own clock stands still, so only IMDS knows the token has expired.
    const imds = new ImdsClient({
      endpoint: node.imdsEndpoint,
      clock: new ManualClock(),
      sleep: noWait,
      tokenTtlSeconds: 60,
    });
    await imds.listMacs();
    clock.advance(61_000);
    const before = imdsRequests();
    expect(await imds.listMacs()).toEqual([node.primaryMac]);
    // The refused read, a new token, the read again.
    expect(imdsRequests() - before).toBe(3);
  });

  it('sees a new address and a new ENI only after the IMDS lag', async () => {
    const { sim: region, ec2: client, clock, node } = await setUp({ imdsLagMs: 8000 });
    const imds = new ImdsClient({ endpoint: node.imdsEndpoint, clock, sleep: noWait });
    const assigned = await client.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.primaryEniId,
        SecondaryPrivateIpAddressCount: 1,
      }),
    );
    const ip = assigned.AssignedPrivateIpAddresses![0]!.PrivateIpAddress!;
    const created = await client.send(
      new CreateNetworkInterfaceCommand({ SubnetId: region.subnetId }),
    );
    await client.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: created.NetworkInterface!.NetworkInterfaceId,
        InstanceId: node.instanceId,
        DeviceIndex: 1,
      }),
    );
    clock.advance(7999);
    expect((await imds.getEni(node.primaryMac))?.ipv4Addresses).toEqual([node.primaryIp]);
    expect(await imds.listMacs()).toEqual([node.primaryMac]);
    expect(await imds.getEni(created.NetworkInterface!.MacAddress!)).toBeUndefined();
    clock.advance(1);
    expect((await imds.getEni(node.primaryMac))?.ipv4Addresses).toEqual([node.primaryIp, ip]);
    expect(await imds.listMacs()).toEqual([node.primaryMac, created.NetworkInterface!.MacAddress]);
  });
});

describe('ImdsClient failures', () => {
  it('throws ImdsError naming the path when IMDS cannot be reached', async () => {
    const imds = new ImdsClient({
      endpoint: 'http://127.0.0.1:1',
      sleep: noWait,
      maxAttempts: 2,
      timeoutMs: 1000,
    });
    const error = await imds.listMacs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImdsError);
    expect((error as ImdsError).message).toContain('latest/meta-data/network/interfaces/macs/');
  });

  it('retries a 5xx, then throws ImdsError with the status and the path', async () => {
    let reads = 0;
    extraServer = createServer((request, response) => {
      if (request.method === 'PUT') {
        response.end('token');
        return;
      }
      reads++;
      response.statusCode = 500;
      response.end('boom');
    });
    await new Promise<void>((resolve) => extraServer!.listen(0, '127.0.0.1', resolve));
    const port = (extraServer.address() as AddressInfo).port;
    const waits: number[] = [];
    const imds = new ImdsClient({
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 3,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const error = (await imds.listMacs().catch((e: unknown) => e)) as ImdsError;
    expect(error).toBeInstanceOf(ImdsError);
    expect(error.path).toBe('latest/meta-data/network/interfaces/macs/');
    expect(error.status).toBe(500);
    expect(error.message).toContain('IMDS latest/meta-data/network/interfaces/macs/:');
    expect(reads).toBe(3);
    expect(waits).toEqual([100, 200]);
  });
});
