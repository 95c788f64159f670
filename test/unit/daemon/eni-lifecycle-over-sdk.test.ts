import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DetachNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { Ec2Error } from '../../../src/aws/errors.ts';
import { allocateEni, freeEni } from '../../../src/daemon/eni-lifecycle.ts';
import { ec2Error, harness, INSTANCE_ID } from '../aws/ec2-mock-helpers.ts';

/**
 * The ENI lifecycle workflows (allocate, free) over the real SDK adapter on a mocked EC2 client:
 * the exact EC2 commands, parameters and back-off delays the reference's awsutils sends.
 */

const CREATED: NetworkInterface = {
  NetworkInterfaceId: 'eni-new',
  MacAddress: '02:00:00:00:00:aa',
  SubnetId: 'subnet-a',
  VpcId: 'vpc-1',
  Status: 'available',
  Description: `aws-K8S-${INSTANCE_ID}`,
  PrivateIpAddress: '10.0.0.10',
  PrivateIpAddresses: [
    { PrivateIpAddress: '10.0.0.10', Primary: true },
    { PrivateIpAddress: '10.0.0.11', Primary: false },
  ],
};

function instanceWith(attachments: { DeviceIndex: number; NetworkCardIndex?: number }[]) {
  return {
    Reservations: [
      {
        Instances: [
          {
            InstanceId: INSTANCE_ID,
            NetworkInterfaces: attachments.map((a, i) => ({
              NetworkInterfaceId: `eni-${i}`,
              Attachment: a,
            })),
          },
        ],
      },
    ],
  };
}

function attachedTo(instanceId: string, deviceIndex = 1, status = 'attached'): NetworkInterface {
  return {
    ...CREATED,
    Status: 'in-use',
    Attachment: {
      AttachmentId: 'eni-attach-9',
      InstanceId: instanceId,
      DeviceIndex: deviceIndex,
      NetworkCardIndex: 0,
      Status: status as 'attached',
    },
  };
}

describe('allocateEni: the new ENI as created', () => {
  it('sends description, sorted groups, creation tags and the capped address count', async () => {
    const h = harness({
      tags: {
        clusterName: 'prod',
        additionalTags: { team: 'net', 'node.k8s.amazonaws.com/no_manage': 'true' },
      },
    });
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    h.mock.on(DescribeInstancesCommand).resolves(instanceWith([{ DeviceIndex: 0 }]));
    h.mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: 'eni-attach-1' });
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    const { eni } = await allocateEni(h.ctx, {
      subnetIds: ['subnet-a'],
      securityGroupIds: ['sg-b', 'sg-a'],
      addresses: { kind: 'secondaryIpv4', count: 20 },
      maxAddressCount: 9,
      networkCardIndex: 0,
      connectionTracking: { tcpEstablishedTimeout: 120 },
    });
    const calls = h.mock.commandCalls(CreateNetworkInterfaceCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      SubnetId: 'subnet-a',
      Groups: ['sg-a', 'sg-b'],
      Description: `aws-K8S-${INSTANCE_ID}`,
      TagSpecifications: [
        {
          ResourceType: 'network-interface',
          Tags: [
            { Key: 'team', Value: 'net' },
            { Key: 'node.k8s.amazonaws.com/instance_id', Value: INSTANCE_ID },
            { Key: 'cluster.k8s.amazonaws.com/name', Value: 'prod' },
            { Key: 'eks:eni:owner', Value: 'amazon-vpc-cni' },
            { Key: 'node.k8s.amazonaws.com/createdAt', Value: '2026-01-01T00:00:00Z' },
          ],
        },
      ],
      SecondaryPrivateIpAddressCount: 9,
      ConnectionTrackingSpecification: {
        TcpEstablishedTimeout: 120,
        UdpStreamTimeout: undefined,
        UdpTimeout: undefined,
      },
    });
    expect(eni.eniId).toBe('eni-new');
    expect(eni.privateIpv4).toEqual([
      { address: '10.0.0.10', primary: true },
      { address: '10.0.0.11', primary: false },
    ]);
  });

  it('picks the lowest device index unused on the card; fails when 0..99 are all used', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    h.mock
      .on(DescribeInstancesCommand)
      .resolvesOnce(
        instanceWith([
          { DeviceIndex: 0, NetworkCardIndex: 0 },
          { DeviceIndex: 1 },
          { DeviceIndex: 3, NetworkCardIndex: 0 },
          { DeviceIndex: 2, NetworkCardIndex: 1 },
          { DeviceIndex: 0, NetworkCardIndex: 1 },
        ]),
      )
      .resolvesOnce(instanceWith(Array.from({ length: 100 }, (_, i) => ({ DeviceIndex: i }))));
    h.mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: 'eni-attach-1' });
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    h.mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [CREATED] });
    h.mock.on(DeleteNetworkInterfaceCommand).resolves({});
    const request = {
      subnetIds: ['s'],
      securityGroupIds: ['sg'],
      addresses: { kind: 'none' } as const,
      networkCardIndex: 0,
    };
    expect((await allocateEni(h.ctx, request)).deviceIndex).toBe(2);
    await expect(allocateEni(h.ctx, request)).rejects.toMatchObject({
      code: 'NoFreeDeviceIndex',
      kind: 'other',
    });
    // The second ENI was created, then deleted again.
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(1);
  });
});

describe('allocateEni', () => {
  it('create → device index → attach → DeleteOnTermination, with the exact parameters', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    h.mock
      .on(DescribeInstancesCommand)
      .resolves(instanceWith([{ DeviceIndex: 0 }, { DeviceIndex: 1 }]));
    h.mock
      .on(AttachNetworkInterfaceCommand)
      .resolves({ AttachmentId: 'eni-attach-1', NetworkCardIndex: 0 });
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    const allocated = await allocateEni(h.ctx, {
      subnetIds: ['subnet-a'],
      securityGroupIds: ['sg-1'],
      addresses: { kind: 'secondaryIpv4', count: 9 },
      networkCardIndex: 0,
    });
    expect(allocated).toMatchObject({
      attachmentId: 'eni-attach-1',
      deviceIndex: 2,
      networkCardIndex: 0,
    });
    expect(allocated.eni.eniId).toBe('eni-new');
    expect(h.mock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'CreateNetworkInterfaceCommand',
      'DescribeInstancesCommand',
      'AttachNetworkInterfaceCommand',
      'ModifyNetworkInterfaceAttributeCommand',
    ]);
    expect(h.mock.commandCalls(AttachNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-new',
      InstanceId: INSTANCE_ID,
      DeviceIndex: 2,
      NetworkCardIndex: 0,
    });
    expect(h.mock.commandCalls(ModifyNetworkInterfaceAttributeCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-new',
      Attachment: { AttachmentId: 'eni-attach-1', DeleteOnTermination: true },
    });
  });

  it('tries the next subnet after InsufficientFreeAddressesInSubnet, but not after throttling', async () => {
    const h = harness();
    h.mock
      .on(CreateNetworkInterfaceCommand)
      .rejectsOnce(ec2Error('InsufficientFreeAddressesInSubnet'))
      .resolvesOnce({ NetworkInterface: CREATED });
    h.mock.on(DescribeInstancesCommand).resolves(instanceWith([{ DeviceIndex: 0 }]));
    h.mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: 'eni-attach-1' });
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    const request = {
      subnetIds: ['subnet-full', 'subnet-b'],
      securityGroupIds: ['sg'],
      addresses: { kind: 'secondaryIpv4', count: 1 } as const,
      networkCardIndex: 0,
    };
    await allocateEni(h.ctx, request);
    expect(
      h.mock.commandCalls(CreateNetworkInterfaceCommand).map((c) => c.args[0].input.SubnetId),
    ).toEqual(['subnet-full', 'subnet-b']);

    const t = harness();
    t.mock
      .on(CreateNetworkInterfaceCommand)
      .rejects(ec2Error('RequestLimitExceeded', 'slow down', 503));
    await expect(allocateEni(t.ctx, request)).rejects.toMatchObject({ kind: 'throttled' });
    expect(t.mock.commandCalls(CreateNetworkInterfaceCommand)).toHaveLength(1);
  });

  it('when every subnet fails, throws the last error; with no subnet, NoValidSubnet', async () => {
    const h = harness();
    h.mock
      .on(CreateNetworkInterfaceCommand)
      .rejectsOnce(ec2Error('InsufficientFreeAddressesInSubnet'))
      .rejectsOnce(ec2Error('InvalidParameterValue'));
    const request = {
      securityGroupIds: ['sg'],
      addresses: { kind: 'none' } as const,
      networkCardIndex: 0,
    };
    await expect(allocateEni(h.ctx, { ...request, subnetIds: ['a', 'b'] })).rejects.toMatchObject({
      code: 'InvalidParameterValue',
    });
    await expect(allocateEni(h.ctx, { ...request, subnetIds: [] })).rejects.toMatchObject({
      code: 'NoValidSubnet',
    });
  });

  it('a failed attach deletes the new ENI and throws the attach error', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    h.mock.on(DescribeInstancesCommand).resolves(instanceWith([{ DeviceIndex: 0 }]));
    h.mock.on(AttachNetworkInterfaceCommand).rejects(ec2Error('AttachmentLimitExceeded'));
    h.mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [CREATED] });
    h.mock.on(DeleteNetworkInterfaceCommand).resolves({});
    const error = await allocateEni(h.ctx, {
      subnetIds: ['s'],
      securityGroupIds: ['sg'],
      addresses: { kind: 'none' },
      networkCardIndex: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error).toMatchObject({
      action: 'AttachNetworkInterface',
      code: 'AttachmentLimitExceeded',
    });
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-new',
    });
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(0);
    expect(h.sleeps).toEqual([]);
  });

  it('a failed DeleteOnTermination frees the ENI (detach, 2 s, delete) and throws', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    h.mock.on(DescribeInstancesCommand).resolves(instanceWith([{ DeviceIndex: 0 }]));
    h.mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: 'eni-attach-9' });
    h.mock
      .on(ModifyNetworkInterfaceAttributeCommand)
      .rejects(ec2Error('UnauthorizedOperation', 'no', 403));
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolves({ NetworkInterfaces: [attachedTo(INSTANCE_ID)] });
    h.mock.on(DetachNetworkInterfaceCommand).resolves({});
    h.mock.on(DeleteNetworkInterfaceCommand).resolves({});
    await expect(
      allocateEni(h.ctx, {
        subnetIds: ['s'],
        securityGroupIds: ['sg'],
        addresses: { kind: 'none' },
        networkCardIndex: 0,
      }),
    ).rejects.toMatchObject({ action: 'ModifyNetworkInterfaceAttribute', kind: 'unauthorized' });
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      AttachmentId: 'eni-attach-9',
    });
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(1);
    expect(h.sleeps).toEqual([2000]);
  });
});

describe("freeEni (the reference's FreeENI)", () => {
  it('unknown to EC2 → alreadyGone after one describe', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .rejects(
        ec2Error(
          'InvalidNetworkInterfaceID.NotFound',
          "The networkInterface ID 'eni-new' does not exist",
        ),
      );
    expect(await freeEni(h.ctx, 'eni-new')).toBe('alreadyGone');
    expect(h.mock.calls()).toHaveLength(1);
    expect(h.mock.commandCalls(DescribeNetworkInterfacesCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceIds: ['eni-new'],
    });
  });

  it('retries detach and delete on their schedules, with the 2 s pause between (exact delays)', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolves({ NetworkInterfaces: [attachedTo(INSTANCE_ID)] });
    h.mock
      .on(DetachNetworkInterfaceCommand)
      .rejectsOnce(ec2Error('IncorrectState'))
      .rejectsOnce(ec2Error('RequestLimitExceeded', 'slow', 503))
      .rejectsOnce(ec2Error('InternalError', 'oops', 500))
      .resolves({});
    h.mock
      .on(DeleteNetworkInterfaceCommand)
      .rejectsOnce(ec2Error('InvalidNetworkInterface.InUse'))
      .rejectsOnce(ec2Error('InvalidNetworkInterface.InUse'))
      .resolves({});
    expect(await freeEni(h.ctx, 'eni-new')).toBe('freed');
    // random() = 0.5: detach 200/400/800 + 7.5 %; pause 2000; delete 500/1000 + 7.5 %.
    expect(h.sleeps).toEqual([215, 430, 860, 2000, 538, 1075]);
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(4);
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(3);
  });

  it('a detach that keeps failing stops after 12 tries and the ENI is not deleted', async () => {
    const h = harness({}, 0);
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolves({ NetworkInterfaces: [attachedTo(INSTANCE_ID)] });
    h.mock.on(DetachNetworkInterfaceCommand).rejects(ec2Error('IncorrectState'));
    await expect(freeEni(h.ctx, 'eni-new')).rejects.toMatchObject({ code: 'IncorrectState' });
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(12);
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(0);
    expect(h.sleeps).toEqual([200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  });

  it('an unknown attachment counts as detached and an unknown ENI as deleted', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolves({ NetworkInterfaces: [attachedTo(INSTANCE_ID)] });
    h.mock.on(DetachNetworkInterfaceCommand).rejects(ec2Error('InvalidAttachmentID.NotFound'));
    h.mock
      .on(DeleteNetworkInterfaceCommand)
      .rejects(ec2Error('InvalidNetworkInterfaceID.NotFound'));
    expect(await freeEni(h.ctx, 'eni-new')).toBe('freed');
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(1);
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(1);
  });

  it('an ENI already detaching is not detached again; an available one is deleted at once', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [attachedTo(INSTANCE_ID, 1, 'detaching')] })
      .resolvesOnce({ NetworkInterfaces: [CREATED] });
    h.mock.on(DeleteNetworkInterfaceCommand).resolves({});
    expect(await freeEni(h.ctx, 'eni-new')).toBe('freed');
    expect(await freeEni(h.ctx, 'eni-new')).toBe('freed');
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(0);
    expect(h.sleeps).toEqual([2000]);
  });

  it('UnauthorizedOperation is not retried', async () => {
    const h = harness();
    h.mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [CREATED] });
    h.mock.on(DeleteNetworkInterfaceCommand).rejects(ec2Error('UnauthorizedOperation', 'no', 403));
    await expect(freeEni(h.ctx, 'eni-new')).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(1);
  });

  it('refuses an ENI attached to another instance, and the primary ENI', async () => {
    const h = harness();
    h.mock
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [attachedTo('i-someone-else')] })
      .resolvesOnce({ NetworkInterfaces: [attachedTo(INSTANCE_ID, 0)] });
    await expect(freeEni(h.ctx, 'eni-new')).rejects.toMatchObject({ code: 'AttachedElsewhere' });
    await expect(freeEni(h.ctx, 'eni-new')).rejects.toMatchObject({ code: 'PrimaryEni' });
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(0);
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(0);
  });
});
