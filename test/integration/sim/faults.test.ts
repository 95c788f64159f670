import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  DescribeSubnetsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For } from './helpers.ts';

let sim: SimulatedRegion;
let ec2: EC2Client;

beforeEach(async () => {
  sim = await startSimulatedRegion({ latency: 'none', buckets: 'off', seed: 7 });
  ec2 = ec2For(sim);
});

afterEach(async () => {
  ec2.destroy();
  await sim.close();
});

const describeSubnets = () => ec2.send(new DescribeSubnetsCommand({}));

async function outcomes(n: number, call: () => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await call();
      out.push('ok');
    } catch (error) {
      out.push((error as Error).name);
    }
  }
  return out;
}

describe('injected faults', () => {
  it('count: the next N matching calls fail with the code, then calls succeed again', async () => {
    sim.injectFault({ action: 'DescribeSubnets', code: 'InternalError', count: 2 });
    const first = await ec2Failure(describeSubnets());
    expect(first).toEqual({
      code: 'InternalError',
      message: 'An internal error has occurred',
      status: 500,
    });
    expect(await outcomes(3, describeSubnets)).toEqual(['InternalError', 'ok', 'ok']);
    expect(sim.counters().actions.DescribeSubnets).toEqual({ calls: 4, errors: 2, throttled: 0 });
  });

  it('only the named action is affected; "*" matches every action', async () => {
    sim.injectFault({ action: 'CreateNetworkInterface', code: 'InsufficientCidrBlocks', count: 1 });
    await describeSubnets();
    const failure = await ec2Failure(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: sim.subnetId })),
    );
    expect(failure).toMatchObject({ code: 'InsufficientCidrBlocks', status: 400 });
    sim.injectFault({ action: '*', code: 'UnauthorizedOperation', count: 2 });
    expect((await ec2Failure(describeSubnets())).status).toBe(403);
    expect(
      (await ec2Failure(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: sim.subnetId }))))
        .code,
    ).toBe('UnauthorizedOperation');
    await describeSubnets();
  });

  it('an injected RequestLimitExceeded answers 503 and counts as throttled; message and status can be set', async () => {
    sim.injectFault({ action: 'DescribeSubnets', code: 'RequestLimitExceeded', count: 1 });
    expect(await ec2Failure(describeSubnets())).toEqual({
      code: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
      status: 503,
    });
    sim.injectFault({
      action: 'DescribeSubnets',
      code: 'Custom.Code',
      message: 'custom words',
      httpStatus: 409,
      count: 1,
    });
    expect(await ec2Failure(describeSubnets())).toEqual({
      code: 'Custom.Code',
      message: 'custom words',
      status: 409,
    });
    expect(sim.counters().actions.DescribeSubnets).toEqual({ calls: 2, errors: 2, throttled: 1 });
  });

  it('probability: each call fails with that chance, reproducibly for a seed, until cleared', async () => {
    sim.injectFault({ action: 'DescribeSubnets', code: 'Unavailable', probability: 0.3 });
    const results = await outcomes(100, describeSubnets);
    const failures = results.filter((r) => r === 'Unavailable').length;
    expect(failures).toBeGreaterThan(15);
    expect(failures).toBeLessThan(45);
    sim.clearFaults();
    expect(await outcomes(20, describeSubnets)).toEqual(Array(20).fill('ok'));

    // Same seed, same sequence.
    const again = await startSimulatedRegion({ latency: 'none', buckets: 'off', seed: 7 });
    const client = ec2For(again);
    again.injectFault({ action: 'DescribeSubnets', code: 'Unavailable', probability: 0.3 });
    expect(await outcomes(100, () => client.send(new DescribeSubnetsCommand({})))).toEqual(results);
    client.destroy();
    await again.close();
  });

  it('probability 1 fails every call, 0 none', async () => {
    sim.injectFault({ action: 'DescribeSubnets', code: 'InternalError', probability: 0 });
    expect(await outcomes(5, describeSubnets)).toEqual(Array(5).fill('ok'));
    sim.clearFaults();
    sim.injectFault({ action: 'DescribeSubnets', code: 'InternalError', probability: 1 });
    expect(await outcomes(5, describeSubnets)).toEqual(Array(5).fill('InternalError'));
  });

  it('a failed call changes nothing', async () => {
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: sim.subnetId })))
      .NetworkInterface!;
    const before = (await describeSubnets()).Subnets![0]!.AvailableIpAddressCount;
    sim.injectFault({ action: 'AssignPrivateIpAddresses', code: 'InternalError', count: 1 });
    await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni.NetworkInterfaceId,
          SecondaryPrivateIpAddressCount: 3,
        }),
      ),
    );
    expect((await describeSubnets()).Subnets![0]!.AvailableIpAddressCount).toBe(before);
  });

  it('rejects fault specs that make no sense', () => {
    expect(() => sim.injectFault({ action: 'X', code: 'Y', count: 0 })).toThrow(RangeError);
    expect(() => sim.injectFault({ action: 'X', code: 'Y', probability: 2 })).toThrow(RangeError);
    expect(() => sim.injectFault({ action: 'X', code: 'Y', count: 1, probability: 0.5 })).toThrow(
      RangeError,
    );
    expect(() => sim.injectFault({ action: '', code: 'Y' })).toThrow(RangeError);
  });
});
