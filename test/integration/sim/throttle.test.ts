import {
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/ipam/clock.ts';
import type { SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For } from './helpers.ts';

let sim: SimulatedRegion | undefined;
const clients: EC2Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await sim?.close();
  sim = undefined;
});

async function region(options: Parameters<typeof startSimulatedRegion>[0]) {
  sim = await startSimulatedRegion({ latency: 'none', ...options });
  const client = ec2For(sim);
  clients.push(client);
  return { sim, ec2: client };
}

async function succeeded(calls: (() => Promise<unknown>)[]): Promise<number> {
  let ok = 0;
  for (const call of calls) {
    try {
      await call();
      ok++;
    } catch {
      // counted as throttled below
    }
  }
  return ok;
}

describe("EC2's account-wide token buckets", () => {
  it('an unfiltered Describe draws from the 50-token bucket refilled at 10/s; filtered ones from the 100/20 bucket', async () => {
    const clock = new ManualClock();
    const { sim: region1, ec2 } = await region({ clock });
    const unfiltered = () => ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect(await succeeded(Array.from({ length: 50 }, () => unfiltered))).toBe(50);
    const throttled = await ec2Failure(unfiltered());
    expect(throttled).toEqual({
      code: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
      status: 503,
    });

    // Filters (or IDs, or pagination) put the call in the other, fuller bucket.
    await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'vpc-id', Values: [region1.vpcId] }],
      }),
    );
    await ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 5 }));

    clock.advance(99);
    expect((await ec2Failure(unfiltered())).code).toBe('RequestLimitExceeded');
    clock.advance(1);
    await unfiltered();
    expect((await ec2Failure(unfiltered())).code).toBe('RequestLimitExceeded');

    // Refill stops at capacity.
    clock.advance(60_000);
    expect(await succeeded(Array.from({ length: 51 }, () => unfiltered))).toBe(50);

    const counters = region1.counters().actions.DescribeNetworkInterfaces;
    expect(counters).toEqual({ calls: 107, errors: 4, throttled: 4 });
  });

  it('CreateNetworkInterface has its own 100-token bucket refilled at 5/s', async () => {
    const clock = new ManualClock();
    const { sim: region1, ec2 } = await region({ clock });
    const create = () =>
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: region1.subnetId }));
    expect(await succeeded(Array.from({ length: 101 }, () => create))).toBe(100);
    clock.advance(199);
    expect((await ec2Failure(create())).code).toBe('RequestLimitExceeded');
    clock.advance(1);
    await create();
    // Another action is not affected.
    await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [region1.subnetId] }));
  });

  it('the buckets belong to the account: every client and instance shares them', async () => {
    const clock = new ManualClock();
    const { sim: region1, ec2 } = await region({
      clock,
      buckets: { Unfiltered: { capacity: 3, refillPerSecond: 1 } },
    });
    await region1.launchInstance();
    await region1.launchInstance();
    const other = ec2For(region1);
    clients.push(other);
    await ec2.send(new DescribeSubnetsCommand({}));
    await other.send(new DescribeSubnetsCommand({}));
    await ec2.send(new DescribeSubnetsCommand({}));
    expect((await ec2Failure(other.send(new DescribeSubnetsCommand({})))).code).toBe(
      'RequestLimitExceeded',
    );
    clock.advance(1000);
    await other.send(new DescribeSubnetsCommand({}));
  });

  it("'off' never throttles", async () => {
    const { ec2 } = await region({ buckets: 'off' });
    expect(
      await succeeded(
        Array.from({ length: 80 }, () => () => ec2.send(new DescribeSubnetsCommand({}))),
      ),
    ).toBe(80);
  });

  it('the SDK recognises the answer as throttling and retries it', async () => {
    const clock = new ManualClock();
    const { sim: region1 } = await region({
      clock,
      buckets: { Unfiltered: { capacity: 1, refillPerSecond: 1 } },
    });
    const retrying = ec2For(region1, 3);
    clients.push(retrying);
    await retrying.send(new DescribeSubnetsCommand({}));
    const error = (await retrying
      .send(new DescribeSubnetsCommand({}))
      .catch((e: unknown) => e)) as {
      name: string;
      $metadata: { attempts: number };
    };
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.$metadata.attempts).toBe(3);
    expect(region1.counters().actions.DescribeSubnets).toEqual({
      calls: 4,
      errors: 3,
      throttled: 3,
    });
  });
});
