import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For } from './helpers.ts';

let sim: SimulatedRegion;
let ec2: EC2Client;

beforeEach(async () => {
  sim = await startSimulatedRegion({ latency: 'none', buckets: 'off' });
  ec2 = ec2For(sim);
});

afterEach(async () => {
  ec2.destroy();
  await sim.close();
});

async function available(subnetId: string): Promise<number> {
  const out = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
  return out.Subnets![0]!.AvailableIpAddressCount!;
}

describe('finite subnet address space', () => {
  it('a /28 has 11 usable addresses (AWS reserves the first four and the last); then InsufficientFreeAddressesInSubnet', async () => {
    const subnet = sim.createSubnet({ cidr: '10.0.48.0/28' });
    expect(await available(subnet)).toBe(11);
    const eni = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnet, SecondaryPrivateIpAddressCount: 9 }),
    );
    const addresses = eni.NetworkInterface!.PrivateIpAddresses!.map((a) => a.PrivateIpAddress!);
    for (const reserved of ['10.0.48.0', '10.0.48.1', '10.0.48.2', '10.0.48.3', '10.0.48.15']) {
      expect(addresses).not.toContain(reserved);
    }
    expect(await available(subnet)).toBe(1);
    const eniId = eni.NetworkInterface!.NetworkInterfaceId!;
    const tooMany = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eniId,
          SecondaryPrivateIpAddressCount: 2,
        }),
      ),
    );
    expect(tooMany).toEqual({
      code: 'InsufficientFreeAddressesInSubnet',
      message: 'The specified subnet does not have enough free addresses to satisfy the request.',
      status: 400,
    });
    expect(await available(subnet)).toBe(1);
    await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet }));
    const none = await ec2Failure(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet })),
    );
    expect(none.code).toBe('InsufficientFreeAddressesInSubnet');
    // Deleting an ENI gives its addresses back.
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));
    expect(await available(subnet)).toBe(10);
  });

  it('a /28 prefix needs an aligned free block of 16: scattered single addresses cause InsufficientCidrBlocks while single addresses still fit', async () => {
    const subnet = sim.createSubnet({ cidr: '10.0.32.0/24' });
    // Blocks 1–14 of the /24 are the only ones a prefix can use (0 and 15 hold reserved addresses).
    const scattered = Array.from({ length: 14 }, (_, i) => `10.0.32.${(i + 1) * 16 + 4}`);
    const holder = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnet,
        PrivateIpAddress: scattered[0],
      }),
    );
    const holderId = holder.NetworkInterface!.NetworkInterfaceId!;
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: holderId,
        PrivateIpAddresses: scattered.slice(1),
      }),
    );
    expect(await available(subnet)).toBe(256 - 5 - 14);

    // Its primary address goes to block 0, which holds reserved addresses and so never fits a prefix.
    const pd = (
      await ec2.send(
        new CreateNetworkInterfaceCommand({ SubnetId: subnet, PrivateIpAddress: '10.0.32.5' }),
      )
    ).NetworkInterface!.NetworkInterfaceId!;
    const noBlock = await ec2Failure(
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: pd, Ipv4PrefixCount: 1 })),
    );
    expect(noBlock).toEqual({
      code: 'InsufficientCidrBlocks',
      message: 'The specified subnet does not have enough free cidr blocks to satisfy the request.',
      status: 400,
    });
    const singles = await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: pd,
        SecondaryPrivateIpAddressCount: 5,
      }),
    );
    expect(singles.AssignedPrivateIpAddresses).toHaveLength(5);
    const createWithPrefix = await ec2Failure(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Ipv4PrefixCount: 1 })),
    );
    expect(createWithPrefix.code).toBe('InsufficientCidrBlocks');

    // Giving back the singles and one scattered address frees exactly that address's block.
    await ec2.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: pd,
        PrivateIpAddresses: singles.AssignedPrivateIpAddresses!.map((a) => a.PrivateIpAddress!),
      }),
    );
    await ec2.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: holderId,
        PrivateIpAddresses: ['10.0.32.52'],
      }),
    );
    const prefix = await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: pd, Ipv4PrefixCount: 1 }),
    );
    expect(prefix.AssignedIpv4Prefixes).toEqual([{ Ipv4Prefix: '10.0.32.48/28' }]);
  });

  it('prefixes are aligned /28s inside the subnet and each takes 16 addresses', async () => {
    const subnet = sim.createSubnet({ cidr: '10.0.33.0/24' });
    const out = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnet, Ipv4PrefixCount: 3 }),
    );
    const prefixes = out.NetworkInterface!.Ipv4Prefixes!.map((p) => p.Ipv4Prefix!);
    expect(prefixes).toHaveLength(3);
    for (const prefix of prefixes) {
      const [address, bits] = prefix.split('/');
      expect(bits).toBe('28');
      const last = Number(address!.split('.')[3]);
      expect(last % 16).toBe(0);
      expect(last).toBeGreaterThanOrEqual(16);
      expect(last).toBeLessThan(240);
    }
    expect(await available(subnet)).toBe(256 - 5 - 1 - 48);
    // 14 usable blocks, 3 taken: 12 more cannot fit, though 200 single addresses are free.
    const more = await ec2Failure(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Ipv4PrefixCount: 12 })),
    );
    expect(more.code).toBe('InsufficientCidrBlocks');
    expect(await available(subnet)).toBe(256 - 5 - 1 - 48);
  });

  it('specific prefixes must be free, aligned and inside the subnet', async () => {
    const subnet = sim.createSubnet({ cidr: '10.0.34.0/24' });
    const eni = (
      await ec2.send(
        new CreateNetworkInterfaceCommand({ SubnetId: subnet, PrivateIpAddress: '10.0.34.200' }),
      )
    ).NetworkInterface!.NetworkInterfaceId!;
    const ok = await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni,
        Ipv4Prefixes: ['10.0.34.32/28'],
      }),
    );
    expect(ok.AssignedIpv4Prefixes).toEqual([{ Ipv4Prefix: '10.0.34.32/28' }]);
    const taken = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          Ipv4Prefixes: ['10.0.34.192/28'],
        }),
      ),
    );
    expect(taken.code).toBe('InvalidParameterValue');
    const unaligned = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          Ipv4Prefixes: ['10.0.34.40/28'],
        }),
      ),
    );
    expect(unaligned.code).toBe('InvalidParameterValue');
    const outside = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          Ipv4Prefixes: ['10.0.35.0/28'],
        }),
      ),
    );
    expect(outside.code).toBe('InvalidParameterValue');
  });
});
