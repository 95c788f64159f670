import {
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { noopEc2ApiObserver } from '../../../src/aws/api-metrics.ts';
import { Ec2Caller, isBoundedDescribe } from '../../../src/aws/ec2-call.ts';
import type { Ec2Filters } from '../../../src/aws/ec2-port.ts';
import { Ec2RateLimiter } from '../../../src/aws/rate-limiter.ts';
import { assignAddresses } from '../../../src/daemon/assign-addresses.ts';
import { describeEnis } from '../../../src/daemon/describe-enis.ts';
import { allocateEni, freeEni } from '../../../src/daemon/eni-lifecycle.ts';
import { ensureEniTags } from '../../../src/daemon/eni-tagging.ts';
import { cleanUpLeakedEnis } from '../../../src/daemon/leaked-eni-cleanup.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';
import { ec2Error, harness, INSTANCE_ID } from './ec2-mock-helpers.ts';

describe('describeNetworkInterfaces (by ID)', () => {
  it('one call; an unknown ID fails it with a not-found error listing the quoted IDs', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1' }] })
      .rejectsOnce(
        ec2Error(
          'InvalidNetworkInterfaceID.NotFound',
          "The networkInterface IDs 'eni-3, eni-4' do not exist",
        ),
      );
    expect((await h.ec2.describeNetworkInterfaces(['eni-1', 'eni-1'])).map((e) => e.eniId)).toEqual(
      ['eni-1'],
    );
    await expect(h.ec2.describeNetworkInterfaces(['eni-3', 'eni-4'])).rejects.toMatchObject({
      kind: 'notFound',
      eniIds: ['eni-3', 'eni-4'],
    });
    expect(
      h.mock.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input),
    ).toEqual([{ NetworkInterfaceIds: ['eni-1'] }, { NetworkInterfaceIds: ['eni-3', 'eni-4'] }]);
    expect(h.sleeps).toEqual([]);
  });

  it('an empty list makes no call', async () => {
    const h = harness();
    expect(await h.ec2.describeNetworkInterfaces([])).toEqual([]);
    expect(h.mock.calls()).toHaveLength(0);
  });
});

describe('listNetworkInterfaces (filtered, paginated)', () => {
  it('reads every page with MaxResults 1000 and the NextToken', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1' }], NextToken: 't1' })
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-2' }], NextToken: 't2' })
      .resolvesOnce({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-3' }] });
    const enis = await h.ec2.listNetworkInterfaces([{ name: 'vpc-id', values: ['vpc-1'] }]);
    expect(enis.map((e) => e.eniId)).toEqual(['eni-1', 'eni-2', 'eni-3']);
    const filters = [{ Name: 'vpc-id', Values: ['vpc-1'] }];
    expect(
      h.mock.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input),
    ).toEqual([
      { Filters: filters, MaxResults: 1000, NextToken: undefined },
      { Filters: filters, MaxResults: 1000, NextToken: 't1' },
      { Filters: filters, MaxResults: 1000, NextToken: 't2' },
    ]);
  });

  it('refuses empty filters or a filter without values, without calling EC2', async () => {
    const h = harness();
    await expect(h.ec2.listNetworkInterfaces([] as unknown as Ec2Filters)).rejects.toMatchObject({
      code: 'UnboundedDescribe',
    });
    await expect(
      h.ec2.listNetworkInterfaces([{ name: 'vpc-id', values: [] }]),
    ).rejects.toMatchObject({
      code: 'UnboundedDescribe',
    });
    expect(h.mock.calls()).toHaveLength(0);
  });
});

describe('describeSubnets', () => {
  it('by VPC and AZ with filters, all pages', async () => {
    const h = harness();
    h.mock
      .on(DescribeSubnetsCommand)
      .resolvesOnce({ Subnets: [{ SubnetId: 's1', AvailableIpAddressCount: 5 }], NextToken: 'n' })
      .resolvesOnce({ Subnets: [{ SubnetId: 's2', AvailableIpAddressCount: 9 }] });
    const subnets = await h.ec2.describeSubnets({ vpcId: 'vpc-1', availabilityZone: 'us-west-2a' });
    expect(subnets.map((s) => s.subnetId)).toEqual(['s1', 's2']);
    expect(h.mock.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-1'] },
        { Name: 'availability-zone', Values: ['us-west-2a'] },
      ],
      MaxResults: 1000,
      NextToken: undefined,
    });
  });

  it('by ID through a subnet-id filter (unknown IDs are just absent); none → no call', async () => {
    const h = harness();
    h.mock.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    expect(await h.ec2.describeSubnets({ subnetIds: ['s1', 's1', 's2'] })).toEqual([]);
    expect(h.mock.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'subnet-id', Values: ['s1', 's2'] },
    ]);
    expect(await h.ec2.describeSubnets({ subnetIds: [] })).toEqual([]);
    expect(h.mock.calls()).toHaveLength(1);
  });
});

describe('describeInstanceType', () => {
  it('asks for one type and maps its limits', async () => {
    const h = harness();
    h.mock.on(DescribeInstanceTypesCommand).resolves({
      InstanceTypes: [
        {
          InstanceType: 'x9.large' as never,
          Hypervisor: 'nitro',
          NetworkInfo: { MaximumNetworkInterfaces: 4, Ipv4AddressesPerInterface: 15 },
        },
      ],
    });
    expect(await h.ec2.describeInstanceType('x9.large')).toMatchObject({
      eniLimit: 4,
      ipv4Limit: 15,
    });
    expect(h.mock.commandCalls(DescribeInstanceTypesCommand)[0]?.args[0].input).toEqual({
      InstanceTypes: ['x9.large'],
    });
    h.mock.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [] });
    expect(await h.ec2.describeInstanceType('x9.large')).toBeUndefined();
  });
});

describe('bounded Describe calls (filters, IDs or pagination)', () => {
  it('isBoundedDescribe', () => {
    expect(isBoundedDescribe({})).toBe(false);
    expect(isBoundedDescribe({ Filters: [] })).toBe(false);
    expect(isBoundedDescribe({ NetworkInterfaceIds: [] })).toBe(false);
    expect(isBoundedDescribe({ Filters: [{ Name: 'a', Values: ['b'] }] })).toBe(true);
    expect(isBoundedDescribe({ NetworkInterfaceIds: ['eni-1'] })).toBe(true);
    expect(isBoundedDescribe({ InstanceTypes: ['m5.large'] })).toBe(true);
    expect(isBoundedDescribe({ MaxResults: 5 })).toBe(true);
  });

  it('the caller refuses an unbounded Describe before taking a token or sending', async () => {
    const clock = new ManualClock();
    const limiter = new Ec2RateLimiter({ clock });
    const caller = new Ec2Caller(limiter, noopEc2ApiObserver, clock);
    let sent = false;
    await expect(
      caller.send('DescribeNetworkInterfaces', {}, async () => {
        sent = true;
      }),
    ).rejects.toMatchObject({ code: 'UnboundedDescribe' });
    expect(sent).toBe(false);
    expect(limiter.levels().NonMutating).toBe(100);
    // Mutating actions have no such rule.
    await caller.send('CreateTags', {}, async () => {});
  });

  it('every Describe the workflows send through the adapter in a full ENI lifecycle is bounded', async () => {
    const h = harness();
    h.mock
      .on(CreateNetworkInterfaceCommand)
      .resolves({ NetworkInterface: { NetworkInterfaceId: 'eni-1' } });
    h.mock
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID }] }] });
    h.mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: 'a-1' });
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    h.mock.on(AssignPrivateIpAddressesCommand).resolves({});
    h.mock.on(CreateTagsCommand).resolves({});
    h.mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-1',
          Attachment: {
            AttachmentId: 'a-1',
            InstanceId: INSTANCE_ID,
            DeviceIndex: 1,
            Status: 'attached',
          },
        },
      ],
    });
    h.mock.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    h.mock.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [] });
    h.mock.on(DetachNetworkInterfaceCommand).resolves({});
    h.mock.on(DeleteNetworkInterfaceCommand).resolves({});
    await h.ec2.describeSubnets({ vpcId: 'v', availabilityZone: 'az' });
    await h.ec2.describeSubnets({ subnetIds: ['s'] });
    await h.ec2.describeInstanceType('m5.large');
    await allocateEni(h.ctx, {
      subnetIds: ['s'],
      securityGroupIds: ['sg'],
      addresses: { kind: 'none' },
      networkCardIndex: 0,
    });
    await assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', 2);
    await ensureEniTags(h.ctx, 'eni-1', {});
    await describeEnis(h.ctx, ['eni-1']);
    await cleanUpLeakedEnis(h.ctx, 'vpc-1');
    await freeEni(h.ctx, 'eni-1');
    const describes = h.mock
      .calls()
      .filter((c) => c.args[0].constructor.name.startsWith('Describe'));
    expect(describes.length).toBeGreaterThanOrEqual(7);
    for (const call of describes) {
      expect(isBoundedDescribe(call.args[0].input as object), call.args[0].constructor.name).toBe(
        true,
      );
    }
    // …and so every one of them drew from the filtered bucket, none from 'Unfiltered'.
    expect(h.limiter.levels().Unfiltered).toBe(50);
  });
});
