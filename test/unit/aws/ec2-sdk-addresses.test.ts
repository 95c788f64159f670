import {
  AssignIpv6AddressesCommand,
  AssignPrivateIpAddressesCommand,
  CreateTagsCommand,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignIpv6AddressesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ec2Error, harness } from './ec2-mock-helpers.ts';

describe('assign: one call, what EC2 assigned', () => {
  it('AssignPrivateIpAddresses with the count asked, answering the addresses EC2 assigned', async () => {
    const h = harness();
    h.mock.on(AssignPrivateIpAddressesCommand).resolves({
      NetworkInterfaceId: 'eni-1',
      AssignedPrivateIpAddresses: [
        { PrivateIpAddress: '10.0.0.20' },
        { PrivateIpAddress: '10.0.0.21' },
      ],
    });
    expect(await h.ec2.assignPrivateIpAddresses('eni-1', 2)).toEqual(['10.0.0.20', '10.0.0.21']);
    expect(h.mock.commandCalls(AssignPrivateIpAddressesCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-1',
      SecondaryPrivateIpAddressCount: 2,
    });
  });

  it('Ipv4PrefixCount for prefixes; a failure is classified and not retried here', async () => {
    const h = harness();
    h.mock
      .on(AssignPrivateIpAddressesCommand)
      .resolvesOnce({ AssignedIpv4Prefixes: [{ Ipv4Prefix: '10.0.3.16/28' }] })
      .rejectsOnce(ec2Error('InsufficientCidrBlocks'));
    expect(await h.ec2.assignIpv4Prefixes('eni-1', 1)).toEqual(['10.0.3.16/28']);
    await expect(h.ec2.assignIpv4Prefixes('eni-1', 2)).rejects.toMatchObject({
      kind: 'insufficientCapacity',
      action: 'AssignPrivateIpAddresses',
    });
    expect(
      h.mock.commandCalls(AssignPrivateIpAddressesCommand).map((c) => c.args[0].input),
    ).toEqual([
      { NetworkInterfaceId: 'eni-1', Ipv4PrefixCount: 1 },
      { NetworkInterfaceId: 'eni-1', Ipv4PrefixCount: 2 },
    ]);
  });
});

describe('unassign and IPv6', () => {
  it('unassigns addresses and prefixes in separate calls; empty lists make no call', async () => {
    const h = harness();
    h.mock.on(UnassignPrivateIpAddressesCommand).resolves({});
    await h.ec2.unassignPrivateIpAddresses('eni-1', ['10.0.0.5', '10.0.0.6']);
    await h.ec2.unassignIpv4Prefixes('eni-1', ['10.0.3.16/28']);
    await h.ec2.unassignPrivateIpAddresses('eni-1', []);
    await h.ec2.unassignIpv4Prefixes('eni-1', []);
    expect(
      h.mock.commandCalls(UnassignPrivateIpAddressesCommand).map((c) => c.args[0].input),
    ).toEqual([
      { NetworkInterfaceId: 'eni-1', PrivateIpAddresses: ['10.0.0.5', '10.0.0.6'] },
      { NetworkInterfaceId: 'eni-1', Ipv4Prefixes: ['10.0.3.16/28'] },
    ]);
  });

  it('an unassign failure is classified and thrown', async () => {
    const h = harness();
    h.mock
      .on(UnassignPrivateIpAddressesCommand)
      .rejects(ec2Error('InvalidNetworkInterfaceID.NotFound'));
    await expect(h.ec2.unassignPrivateIpAddresses('eni-1', ['10.0.0.5'])).rejects.toMatchObject({
      kind: 'notFound',
    });
  });

  it('IPv6: one /80 prefix per call; unassign by prefix', async () => {
    const h = harness();
    h.mock.on(AssignIpv6AddressesCommand).resolves({ AssignedIpv6Prefixes: ['2600:1::/80'] });
    h.mock.on(UnassignIpv6AddressesCommand).resolves({});
    expect(await h.ec2.assignIpv6Prefix('eni-1')).toEqual(['2600:1::/80']);
    await h.ec2.unassignIpv6Prefixes('eni-1', ['2600:1::/80']);
    await h.ec2.unassignIpv6Prefixes('eni-1', []);
    expect(h.mock.commandCalls(AssignIpv6AddressesCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-1',
      Ipv6PrefixCount: 1,
    });
    expect(h.mock.commandCalls(UnassignIpv6AddressesCommand).map((c) => c.args[0].input)).toEqual([
      { NetworkInterfaceId: 'eni-1', Ipv6Prefixes: ['2600:1::/80'] },
    ]);
  });

  it('setSecurityGroups sends the groups sorted', async () => {
    const h = harness();
    h.mock.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    await h.ec2.setSecurityGroups('eni-1', ['sg-z', 'sg-a']);
    expect(h.mock.commandCalls(ModifyNetworkInterfaceAttributeCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-1',
      Groups: ['sg-a', 'sg-z'],
    });
  });
});

describe('createTags', () => {
  it('one CreateTags for the ENI; an empty tag set makes no call; a failure is not retried here', async () => {
    const h = harness();
    h.mock
      .on(CreateTagsCommand)
      .resolvesOnce({})
      .rejectsOnce(ec2Error('RequestLimitExceeded', 'slow', 503));
    await h.ec2.createTags('eni-1', { a: '1', b: '2' });
    await h.ec2.createTags('eni-1', {});
    await expect(h.ec2.createTags('eni-1', { a: '1' })).rejects.toMatchObject({
      kind: 'throttled',
    });
    expect(h.mock.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Resources: ['eni-1'],
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      },
      { Resources: ['eni-1'], Tags: [{ Key: 'a', Value: '1' }] },
    ]);
  });
});
