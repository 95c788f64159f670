import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2For, fixedTransitions, ManualTime } from './helpers.ts';

let sim: SimulatedRegion | undefined;
let ec2: EC2Client | undefined;

afterEach(async () => {
  ec2?.destroy();
  await sim?.close();
  sim = undefined;
});

async function token(base: string, ttl = '300'): Promise<string> {
  const response = await fetch(`${base}/latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': ttl },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-aws-ec2-metadata-token-ttl-seconds')).toBe(ttl);
  return response.text();
}

function reader(base: string, value: string) {
  return async (path: string): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${base}/latest/${path}`, {
      headers: { 'x-aws-ec2-metadata-token': value },
    });
    return { status: response.status, body: await response.text() };
  };
}

async function setUp(
  options: { imdsLagMs?: number; attachMs?: number; detachMs?: number; instanceType?: string } = {},
) {
  const time = new ManualTime();
  sim = await startSimulatedRegion({
    clock: time.clock,
    sleep: time.sleep,
    latency: fixedTransitions(options.attachMs ?? 0, options.detachMs ?? 0),
    imdsLagMs: options.imdsLagMs ?? 0,
    buckets: 'off',
    extraVpcCidrs: ['100.64.0.0/16'],
  });
  ec2 = ec2For(sim);
  const node: SimInstance = await sim.launchInstance({
    instanceType: options.instanceType ?? 'm5.large',
  });
  const get = reader(node.imdsEndpoint, await token(node.imdsEndpoint));
  return { sim, ec2, time, node, get };
}

describe('IMDSv2 tokens', () => {
  it('PUT needs a TTL of 1–21600 s; GET needs a valid, unexpired token', async () => {
    const { node, time } = await setUp();
    const base = node.imdsEndpoint;
    const noTtl = await fetch(`${base}/latest/api/token`, { method: 'PUT' });
    expect(noTtl.status).toBe(400);
    for (const bad of ['0', '21601', 'abc']) {
      const response = await fetch(`${base}/latest/api/token`, {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': bad },
      });
      expect(response.status).toBe(400);
    }
    expect((await fetch(`${base}/latest/meta-data/instance-id`)).status).toBe(401);
    expect((await reader(base, 'made-up')('meta-data/instance-id')).status).toBe(401);

    const get = reader(base, await token(base, '60'));
    expect(await get('meta-data/instance-id')).toEqual({ status: 200, body: node.instanceId });
    await time.advance(59_999);
    expect((await get('meta-data/instance-id')).status).toBe(200);
    await time.advance(1);
    expect((await get('meta-data/instance-id')).status).toBe(401);
  });

  it('each instance has its own server and its own tokens', async () => {
    const { sim: region, node, get } = await setUp();
    const other = await region.launchInstance({ instanceType: 't3.small' });
    expect(other.imdsEndpoint).not.toBe(node.imdsEndpoint);
    const otherGet = reader(other.imdsEndpoint, await token(other.imdsEndpoint));
    expect((await otherGet('meta-data/instance-id')).body).toBe(other.instanceId);
    expect((await get('meta-data/instance-id')).body).toBe(node.instanceId);
    const foreignToken = await token(node.imdsEndpoint);
    expect((await reader(other.imdsEndpoint, foreignToken)('meta-data/instance-id')).status).toBe(
      401,
    );
  });
});

describe('metadata paths', () => {
  it('serves the instance, its placement, its primary ENI and the identity document', async () => {
    const { sim: region, node, get } = await setUp();
    expect((await get('meta-data/')).body.split('\n')).toEqual(
      expect.arrayContaining([
        'instance-id',
        'instance-type',
        'local-ipv4',
        'mac',
        'network/',
        'placement/',
      ]),
    );
    expect((await get('meta-data/instance-type')).body).toBe('m5.large');
    expect((await get('meta-data/local-ipv4')).body).toBe(node.primaryIp);
    expect((await get('meta-data/mac')).body).toBe(node.primaryMac);
    expect((await get('meta-data/placement/availability-zone')).body).toBe(node.availabilityZone);
    expect((await get('meta-data/network/interfaces/macs/')).body).toBe(`${node.primaryMac}/`);

    const mac = `meta-data/network/interfaces/macs/${node.primaryMac}`;
    const fields = (await get(`${mac}/`)).body.split('\n');
    expect(fields).toEqual(
      expect.arrayContaining([
        'device-number',
        'interface-id',
        'local-ipv4s',
        'security-group-ids',
        'subnet-id',
        'subnet-ipv4-cidr-block',
        'vpc-id',
        'vpc-ipv4-cidr-blocks',
      ]),
    );
    expect(fields).not.toContain('ipv4-prefix');
    expect(fields).not.toContain('network-card');
    expect((await get(`${mac}/interface-id`)).body).toBe(node.primaryEniId);
    expect((await get(`${mac}/device-number`)).body).toBe('0');
    expect((await get(`${mac}/subnet-id`)).body).toBe(node.subnetId);
    expect((await get(`${mac}/subnet-ipv4-cidr-block`)).body).toBe('10.0.0.0/20');
    expect((await get(`${mac}/vpc-id`)).body).toBe(region.vpcId);
    expect((await get(`${mac}/vpc-ipv4-cidr-blocks`)).body).toBe('10.0.0.0/16\n100.64.0.0/16');
    expect((await get(`${mac}/security-group-ids`)).body).toBe(region.defaultSecurityGroupId);
    expect((await get(`${mac}/local-ipv4s`)).body).toBe(node.primaryIp);
    expect((await get(`${mac}/ipv4-prefix`)).status).toBe(404);

    const document = JSON.parse((await get('dynamic/instance-identity/document')).body) as Record<
      string,
      unknown
    >;
    expect(document).toMatchObject({
      region: region.region,
      instanceId: node.instanceId,
      instanceType: 'm5.large',
      availabilityZone: node.availabilityZone,
      privateIp: node.primaryIp,
    });
    expect(document.accountId).toMatch(/^\d{12}$/);

    for (const missing of [
      'meta-data/nothing',
      'meta-data/network/interfaces/macs/02:00:00:00:00:00/',
      'user-data',
    ]) {
      expect((await get(missing)).status).toBe(404);
    }
    expect(
      (
        await fetch(`${node.imdsEndpoint}/other`, {
          headers: { 'x-aws-ec2-metadata-token': await token(node.imdsEndpoint) },
        })
      ).status,
    ).toBe(404);
  });

  it('lists local-ipv4s primary first, prefixes when there are any, and network-card on cards > 0', async () => {
    const { sim: region, ec2: client, node, get } = await setUp({ instanceType: 'p4d.24xlarge' });
    const mac = `meta-data/network/interfaces/macs/${node.primaryMac}`;
    const assigned = await client.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.primaryEniId,
        SecondaryPrivateIpAddressCount: 2,
      }),
    );
    const ips = (await get(`${mac}/local-ipv4s`)).body.split('\n');
    expect(ips).toEqual([
      node.primaryIp,
      ...assigned.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress),
    ]);

    const created = await client.send(
      new CreateNetworkInterfaceCommand({ SubnetId: region.subnetId, Ipv4PrefixCount: 2 }),
    );
    const eni = created.NetworkInterface!;
    await client.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni.NetworkInterfaceId,
        InstanceId: node.instanceId,
        DeviceIndex: 0,
        NetworkCardIndex: 2,
      }),
    );
    const macs = (await get('meta-data/network/interfaces/macs/')).body.split('\n');
    expect(macs).toEqual([`${node.primaryMac}/`, `${eni.MacAddress}/`]);
    const second = `meta-data/network/interfaces/macs/${eni.MacAddress}`;
    expect((await get(`${second}/`)).body.split('\n')).toEqual(
      expect.arrayContaining(['ipv4-prefix', 'network-card']),
    );
    expect((await get(`${second}/network-card`)).body).toBe('2');
    expect((await get(`${second}/device-number`)).body).toBe('0');
    expect((await get(`${second}/ipv4-prefix`)).body.split('\n')).toEqual(
      eni.Ipv4Prefixes!.map((p) => p.Ipv4Prefix),
    );
  });
});

describe('IMDS lags EC2', () => {
  it('a new ENI appears imdsLagMs after the attachment completes, and a detached one lingers as long', async () => {
    const {
      sim: region,
      ec2: client,
      node,
      get,
      time,
    } = await setUp({ imdsLagMs: 10_000, attachMs: 3000, detachMs: 2000 });
    const created = await client.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: region.subnetId,
        SecondaryPrivateIpAddressCount: 2,
      }),
    );
    const eni = created.NetworkInterface!;
    const { AttachmentId } = await client.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni.NetworkInterfaceId,
        InstanceId: node.instanceId,
        DeviceIndex: 1,
      }),
    );
    const macs = async () => (await get('meta-data/network/interfaces/macs/')).body.split('\n');
    await time.advance(3000 + 9_999);
    expect(await macs()).toEqual([`${node.primaryMac}/`]);
    await time.advance(1);
    expect(await macs()).toEqual([`${node.primaryMac}/`, `${eni.MacAddress}/`]);
    // Its addresses came with it (they were assigned before it was attached).
    expect(
      (await get(`meta-data/network/interfaces/macs/${eni.MacAddress}/local-ipv4s`)).body.split(
        '\n',
      ),
    ).toEqual(eni.PrivateIpAddresses!.map((a) => a.PrivateIpAddress));

    await client.send(new DetachNetworkInterfaceCommand({ AttachmentId }));
    await time.advance(2000 + 9_999);
    expect(await macs()).toHaveLength(2);
    await time.advance(1);
    expect(await macs()).toEqual([`${node.primaryMac}/`]);
  });

  it('an assigned address shows up after the lag, an unassigned one goes after the lag — never sooner, never later', async () => {
    const { sim: region, ec2: client, node, get, time } = await setUp({ imdsLagMs: 5000 });
    const path = `meta-data/network/interfaces/macs/${node.primaryMac}/local-ipv4s`;
    const assigned = await client.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.primaryEniId,
        SecondaryPrivateIpAddressCount: 1,
      }),
    );
    const ip = assigned.AssignedPrivateIpAddresses![0]!.PrivateIpAddress!;
    for (const step of [0, 1000, 3999]) {
      await time.advance(step);
      expect((await get(path)).body).toBe(node.primaryIp);
    }
    await time.advance(1);
    expect((await get(path)).body).toBe(`${node.primaryIp}\n${ip}`);

    await client.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.primaryEniId,
        PrivateIpAddresses: [ip],
      }),
    );
    await time.advance(4999);
    expect((await get(path)).body).toBe(`${node.primaryIp}\n${ip}`);
    await time.advance(1);
    expect((await get(path)).body).toBe(node.primaryIp);
    // One token request and six reads.
    expect(region.counters().imdsRequests).toBe(7);
  });
});
