import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  type EC2Client,
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

async function newEni(
  extra: { SecondaryPrivateIpAddressCount?: number; Ipv4PrefixCount?: number } = {},
) {
  const out = await ec2.send(
    new CreateNetworkInterfaceCommand({ SubnetId: sim.subnetId, ...extra }),
  );
  return out.NetworkInterface!.NetworkInterfaceId!;
}

function attach(eni: string, instanceId: string, deviceIndex: number, networkCardIndex?: number) {
  return ec2.send(
    new AttachNetworkInterfaceCommand({
      NetworkInterfaceId: eni,
      InstanceId: instanceId,
      DeviceIndex: deviceIndex,
      ...(networkCardIndex !== undefined ? { NetworkCardIndex: networkCardIndex } : {}),
    }),
  );
}

describe('per-instance-type limits', () => {
  it('m5.large takes 3 ENIs; the 4th attach fails AttachmentLimitExceeded', async () => {
    const node = await sim.launchInstance({ instanceType: 'm5.large' });
    await attach(await newEni(), node.instanceId, 1);
    await attach(await newEni(), node.instanceId, 2);
    const failure = await ec2Failure(attach(await newEni(), node.instanceId, 3));
    expect(failure).toEqual({
      code: 'AttachmentLimitExceeded',
      message: 'Interface count 4 exceeds the limit for m5.large',
      status: 400,
    });
  });

  it('m5.large takes 10 addresses per ENI, primary included: the 10th secondary fails PrivateIpAddressLimitExceeded', async () => {
    const node = await sim.launchInstance({ instanceType: 'm5.large' });
    const eni = await newEni();
    await attach(eni, node.instanceId, 1);
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni,
        SecondaryPrivateIpAddressCount: 8,
      }),
    );
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni,
        SecondaryPrivateIpAddressCount: 1,
      }),
    );
    const failure = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          SecondaryPrivateIpAddressCount: 1,
        }),
      ),
    );
    expect(failure.code).toBe('PrivateIpAddressLimitExceeded');
    // The primary ENI of the instance has the same limit.
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: node.primaryEniId,
        SecondaryPrivateIpAddressCount: 9,
      }),
    );
    const primary = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: node.primaryEniId,
          SecondaryPrivateIpAddressCount: 1,
        }),
      ),
    );
    expect(primary.code).toBe('PrivateIpAddressLimitExceeded');
  });

  it('a request that would overshoot fails as a whole and takes nothing', async () => {
    const node = await sim.launchInstance({ instanceType: 't3.small' });
    const eni = await newEni({ SecondaryPrivateIpAddressCount: 1 });
    await attach(eni, node.instanceId, 1);
    const failure = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          SecondaryPrivateIpAddressCount: 3,
        }),
      ),
    );
    expect(failure.code).toBe('PrivateIpAddressLimitExceeded');
    const ok = await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni,
        SecondaryPrivateIpAddressCount: 2,
      }),
    );
    expect(ok.AssignedPrivateIpAddresses).toHaveLength(2);
  });

  it('each /28 prefix takes one address slot', async () => {
    const node = await sim.launchInstance({ instanceType: 'm5.large' });
    const eni = await newEni({ Ipv4PrefixCount: 5 });
    await attach(eni, node.instanceId, 1);
    await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, Ipv4PrefixCount: 4 }),
    );
    const failure = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni, Ipv4PrefixCount: 1 }),
      ),
    );
    expect(failure.code).toBe('PrivateIpAddressLimitExceeded');
  });

  it('an ENI holding more addresses than the type allows cannot be attached to it', async () => {
    const node = await sim.launchInstance({ instanceType: 't3.small' });
    const eni = await newEni({ SecondaryPrivateIpAddressCount: 5 });
    const failure = await ec2Failure(attach(eni, node.instanceId, 1));
    expect(failure.code).toBe('PrivateIpAddressLimitExceeded');
  });

  it('a device index already in use on the card is refused; the same ENI cannot be attached twice', async () => {
    const node = await sim.launchInstance({ instanceType: 'c5.4xlarge' });
    const eni = await newEni();
    await attach(eni, node.instanceId, 1);
    const taken = await ec2Failure(attach(await newEni(), node.instanceId, 1));
    expect(taken.code).toBe('InvalidParameterValue');
    expect(taken.message).toContain("device index '1'");
    const twice = await ec2Failure(attach(eni, node.instanceId, 2));
    expect(twice.code).toBe('InvalidNetworkInterface.InUse');
  });

  it('multi-card types count ENIs per card and reject unknown cards', async () => {
    const node = await sim.launchInstance({ instanceType: 'p5.48xlarge' });
    // 2 interfaces per card: the primary fills one slot of card 0.
    await attach(await newEni(), node.instanceId, 1, 0);
    const full = await ec2Failure(attach(await newEni(), node.instanceId, 2, 0));
    expect(full.code).toBe('AttachmentLimitExceeded');
    const onCard1 = await attach(await newEni(), node.instanceId, 0, 1);
    expect(onCard1.NetworkCardIndex).toBe(1);
    await attach(await newEni(), node.instanceId, 1, 1);
    const badCard = await ec2Failure(attach(await newEni(), node.instanceId, 1, 32));
    expect(badCard.code).toBe('InvalidParameterValue');
  });

  it('an ENI in another availability zone cannot be attached', async () => {
    const node = await sim.launchInstance({ instanceType: 'm5.large' });
    const subnetB = sim.createSubnet({ cidr: '10.0.64.0/24', availabilityZone: `${sim.region}b` });
    const out = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetB }));
    const failure = await ec2Failure(
      attach(out.NetworkInterface!.NetworkInterfaceId!, node.instanceId, 1),
    );
    expect(failure.code).toBe('InvalidParameterValue');
  });

  it('a terminated instance takes no attachments', async () => {
    const node = await sim.launchInstance({ instanceType: 'm5.large' });
    await sim.terminateInstance(node.instanceId);
    const failure = await ec2Failure(attach(await newEni(), node.instanceId, 1));
    expect(failure.code).toBe('IncorrectInstanceState');
  });
});
