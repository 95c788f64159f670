import {
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCounters, SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For } from './helpers.ts';

let sim: SimulatedRegion;
let ec2: EC2Client;

beforeAll(async () => {
  sim = await startSimulatedRegion({ latency: 'none', buckets: 'off' });
  ec2 = ec2For(sim);
});

afterAll(async () => {
  ec2.destroy();
  await sim.close();
});

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${sim.controlEndpoint}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(response.headers.get('content-type')).toBe('application/json');
  return { status: response.status, json: await response.json() };
}

describe('control API (/_sim/ on the EC2 server)', () => {
  it('launches an instance of any type, with its own IMDS', async () => {
    const { status, json } = await control('POST', '/_sim/instances', {
      instanceType: 'c5.4xlarge',
    });
    expect(status).toBe(200);
    const instance = json as SimInstance;
    expect(instance.instanceType).toBe('c5.4xlarge');
    expect(instance.instanceId).toMatch(/^i-/);
    expect(instance.imdsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [instance.instanceId] }),
    );
    expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceType).toBe('c5.4xlarge');
    const unknown = await control('POST', '/_sim/instances', { instanceType: 'x9.nothing' });
    expect(unknown.status).toBe(400);
    expect((unknown.json as { error: string }).error).toContain('x9.nothing');
  });

  it('injects faults and clears them', async () => {
    const injected = await control('POST', '/_sim/faults', {
      action: 'DescribeSubnets',
      code: 'InternalError',
      count: 5,
    });
    expect(injected).toEqual({
      status: 200,
      json: { faults: [{ action: 'DescribeSubnets', code: 'InternalError', count: 5 }] },
    });
    expect((await ec2Failure(ec2.send(new DescribeSubnetsCommand({})))).code).toBe('InternalError');
    expect((await control('DELETE', '/_sim/faults')).status).toBe(200);
    await ec2.send(new DescribeSubnetsCommand({}));
    expect(
      (await control('POST', '/_sim/faults', { action: 'X', code: 'Y', probability: 3 })).status,
    ).toBe(400);
  });

  it('reports counters per action and IMDS requests', async () => {
    const { json } = await control('GET', '/_sim/counters');
    const counters = json as SimCounters;
    expect(counters.actions.DescribeSubnets).toEqual({ calls: 2, errors: 1, throttled: 0 });
    expect(counters.actions.DescribeInstances?.calls).toBe(1);
    expect(counters.imdsRequests).toBe(0);
  });

  it('adds subnets and security groups, and dumps the whole state', async () => {
    const subnet = await control('POST', '/_sim/subnets', {
      cidr: '10.0.128.0/24',
      tags: { team: 'x' },
    });
    expect(subnet.status).toBe(200);
    const subnetId = (subnet.json as { subnetId: string }).subnetId;
    const group = await control('POST', '/_sim/security-groups', { name: 'pods' });
    const groupId = (group.json as { groupId: string }).groupId;
    const overlapping = await control('POST', '/_sim/subnets', { cidr: '10.0.128.0/25' });
    expect(overlapping.status).toBe(400);

    const { json } = await control('GET', '/_sim/state');
    const state = json as {
      vpc: { id: string; cidrs: string[] };
      subnets: { id: string; availableIpAddressCount: number }[];
      securityGroups: { id: string }[];
      instances: { id: string; attachments: unknown[] }[];
      networkInterfaces: { id: string }[];
    };
    expect(state.vpc).toEqual({ id: sim.vpcId, cidrs: ['10.0.0.0/16'] });
    expect(state.subnets.find((s) => s.id === subnetId)?.availableIpAddressCount).toBe(251);
    expect(state.securityGroups.map((g) => g.id)).toContain(groupId);
    expect(state.instances).toHaveLength(1);
    expect(state.instances[0]?.attachments).toHaveLength(1);
    expect(state.networkInterfaces).toHaveLength(1);
  });

  it('terminates an instance', async () => {
    const launched = (await control('POST', '/_sim/instances', {})).json as SimInstance;
    expect((await control('DELETE', `/_sim/instances/${launched.instanceId}`)).status).toBe(200);
    const out = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [launched.instanceId] }),
    );
    expect(out.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('terminated');
    expect((await control('DELETE', '/_sim/instances/i-0123456789abcdef0')).status).toBe(400);
  });

  it('resets to an empty region with its default subnet', async () => {
    expect((await control('POST', '/_sim/reset')).status).toBe(200);
    const { json } = await control('GET', '/_sim/state');
    const state = json as {
      instances: unknown[];
      networkInterfaces: unknown[];
      subnets: { id: string; availableIpAddressCount: number }[];
    };
    expect(state.instances).toEqual([]);
    expect(state.networkInterfaces).toEqual([]);
    expect(state.subnets).toEqual([
      expect.objectContaining({ id: sim.subnetId, availableIpAddressCount: 4091 }),
    ]);
    expect(((await control('GET', '/_sim/counters')).json as SimCounters).actions).toEqual({});
  });

  it('answers unknown routes with 404 and bad JSON with 400', async () => {
    expect((await control('GET', '/_sim/nothing')).status).toBe(404);
    expect((await control('POST', '/_sim/faults', '{not json')).status).toBe(400);
  });
});
