import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DetachNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ec2Error, harness, INSTANCE_ID } from './ec2-mock-helpers.ts';

/** The ENI actions of the SDK adapter: each one EC2 call, sent as given, nothing decided here. */

const CREATED: NetworkInterface = {
  NetworkInterfaceId: 'eni-new',
  MacAddress: '02:00:00:00:00:AA',
  SubnetId: 'subnet-a',
  PrivateIpAddress: '10.0.0.10',
  PrivateIpAddresses: [
    { PrivateIpAddress: '10.0.0.10', Primary: true },
    { PrivateIpAddress: '10.0.0.11', Primary: false },
  ],
};

describe('createNetworkInterface', () => {
  const base = {
    subnetId: 'subnet-a',
    securityGroupIds: ['sg-b', 'sg-a'],
    description: 'aws-K8S-i-1',
    tags: { k: 'v' },
  };

  it('sends subnet, sorted groups, description, tags, count and connection tracking as given', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    const eni = await h.ec2.createNetworkInterface({
      ...base,
      addresses: { kind: 'secondaryIpv4', count: 20 },
      connectionTracking: { udpTimeout: 30 },
    });
    expect(h.mock.commandCalls(CreateNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      SubnetId: 'subnet-a',
      Groups: ['sg-a', 'sg-b'],
      Description: 'aws-K8S-i-1',
      TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'k', Value: 'v' }] }],
      SecondaryPrivateIpAddressCount: 20,
      ConnectionTrackingSpecification: {
        TcpEstablishedTimeout: undefined,
        UdpStreamTimeout: undefined,
        UdpTimeout: 30,
      },
    });
    expect(eni).toMatchObject({ eniId: 'eni-new', macAddress: '02:00:00:00:00:aa' });
  });

  it('asks for prefixes with Ipv4PrefixCount, IPv6 with Ipv6AddressCount, and nothing for a count < 1', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({ NetworkInterface: CREATED });
    await h.ec2.createNetworkInterface({ ...base, addresses: { kind: 'ipv4Prefix', count: 2 } });
    await h.ec2.createNetworkInterface({ ...base, addresses: { kind: 'ipv6Address', count: 1 } });
    await h.ec2.createNetworkInterface({ ...base, addresses: { kind: 'secondaryIpv4', count: 0 } });
    await h.ec2.createNetworkInterface({ ...base, tags: {}, addresses: { kind: 'none' } });
    const inputs = h.mock.commandCalls(CreateNetworkInterfaceCommand).map((c) => c.args[0].input);
    expect(inputs[0]?.Ipv4PrefixCount).toBe(2);
    expect(inputs[0]?.SecondaryPrivateIpAddressCount).toBeUndefined();
    expect(inputs[1]?.Ipv6AddressCount).toBe(1);
    for (const input of inputs.slice(2)) {
      expect(input?.SecondaryPrivateIpAddressCount).toBeUndefined();
      expect(input?.Ipv4PrefixCount).toBeUndefined();
      expect(input?.Ipv6AddressCount).toBeUndefined();
    }
    expect(inputs[3]?.TagSpecifications).toBeUndefined();
  });

  it('an answer without an ENI is an error naming the action', async () => {
    const h = harness();
    h.mock.on(CreateNetworkInterfaceCommand).resolves({});
    await expect(
      h.ec2.createNetworkInterface({ ...base, addresses: { kind: 'none' } }),
    ).rejects.toMatchObject({ action: 'CreateNetworkInterface', code: 'EmptyResponse' });
  });
});

describe('describeInstanceAttachments (DescribeInstances)', () => {
  it('filters by instance-id and lists each ENI with its device index and card', async () => {
    const h = harness();
    h.mock.on(DescribeInstancesCommand).resolvesOnce({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: INSTANCE_ID,
              NetworkInterfaces: [
                {
                  NetworkInterfaceId: 'eni-0',
                  Attachment: { DeviceIndex: 0, NetworkCardIndex: 0 },
                },
                { NetworkInterfaceId: 'eni-1', Attachment: { DeviceIndex: 1 } },
                {
                  NetworkInterfaceId: 'eni-2',
                  Attachment: { DeviceIndex: 0, NetworkCardIndex: 1 },
                },
                { NetworkInterfaceId: 'eni-x' },
              ],
            },
          ],
        },
      ],
    });
    expect(await h.ec2.describeInstanceAttachments()).toEqual([
      { eniId: 'eni-0', deviceIndex: 0, networkCardIndex: 0 },
      { eniId: 'eni-1', deviceIndex: 1, networkCardIndex: 0 },
      { eniId: 'eni-2', deviceIndex: 0, networkCardIndex: 1 },
    ]);
    expect(h.mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'instance-id', Values: [INSTANCE_ID] }],
    });
  });

  it('an unknown instance is a not-found error', async () => {
    const h = harness();
    h.mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(h.ec2.describeInstanceAttachments()).rejects.toMatchObject({
      kind: 'notFound',
      code: 'InvalidInstanceID.NotFound',
    });
  });
});

describe('attach, DeleteOnTermination, detach, delete', () => {
  it('each is one call with EC2 parameters; a failure is classified and not retried here', async () => {
    const h = harness();
    h.mock.on(AttachNetworkInterfaceCommand).resolves({ AttachmentId: 'eni-attach-1' });
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    h.mock.on(DetachNetworkInterfaceCommand).rejects(ec2Error('IncorrectState'));
    h.mock
      .on(DeleteNetworkInterfaceCommand)
      .rejects(ec2Error('InvalidNetworkInterfaceID.NotFound', "'eni-new' does not exist"));
    expect(await h.ec2.attachNetworkInterface('eni-new', 2, 0)).toBe('eni-attach-1');
    await h.ec2.setDeleteOnTermination('eni-new', 'eni-attach-1');
    await expect(h.ec2.detachNetworkInterface('eni-attach-1')).rejects.toMatchObject({
      action: 'DetachNetworkInterface',
      code: 'IncorrectState',
      kind: 'other',
    });
    await expect(h.ec2.deleteNetworkInterface('eni-new')).rejects.toMatchObject({
      kind: 'notFound',
      eniIds: ['eni-new'],
    });
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
    expect(h.mock.commandCalls(DetachNetworkInterfaceCommand)).toHaveLength(1);
    expect(h.mock.commandCalls(DeleteNetworkInterfaceCommand)).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('an attach answer without an attachment ID is an error', async () => {
    const h = harness();
    h.mock.on(AttachNetworkInterfaceCommand).resolves({});
    await expect(h.ec2.attachNetworkInterface('eni-new', 1, 0)).rejects.toMatchObject({
      code: 'EmptyResponse',
    });
  });
});
