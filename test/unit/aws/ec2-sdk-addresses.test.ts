import {
  AssignIpv6AddressesCommand,
  AssignPrivateIpAddressesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignIpv6AddressesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ec2Error, harness } from './ec2-mock-helpers.ts';

describe('assignPrivateIpv4Addresses', () => {
  it('returns the addresses EC2 assigned, count capped at maxCount', async () => {
    const h = harness();
    h.mock.on(AssignPrivateIpAddressesCommand).resolves({
      NetworkInterfaceId: 'eni-1',
      AssignedPrivateIpAddresses: [
        { PrivateIpAddress: '10.0.0.20' },
        { PrivateIpAddress: '10.0.0.21' },
      ],
    });
    expect(await h.ec2.assignPrivateIpv4Addresses('eni-1', 14, { maxCount: 9 })).toEqual([
      '10.0.0.20',
      '10.0.0.21',
    ]);
    expect(h.mock.commandCalls(AssignPrivateIpAddressesCommand)[0]?.args[0].input).toEqual({
      NetworkInterfaceId: 'eni-1',
      SecondaryPrivateIpAddressCount: 9,
    });
  });

  it('a count < 1 makes no call', async () => {
    const h = harness();
    expect(await h.ec2.assignPrivateIpv4Addresses('eni-1', 0)).toEqual([]);
    expect(await h.ec2.assignPrivateIpv4Addresses('eni-1', 5, { maxCount: 0 })).toEqual([]);
    expect(h.mock.calls()).toHaveLength(0);
  });

  it('after a failure retries once with a count of 1 (spec/ipamd.md §4.7)', async () => {
    const h = harness();
    h.mock
      .on(AssignPrivateIpAddressesCommand)
      .rejectsOnce(ec2Error('InsufficientFreeAddressesInSubnet'))
      .resolvesOnce({ AssignedPrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.30' }] });
    expect(await h.ec2.assignPrivateIpv4Addresses('eni-1', 5)).toEqual(['10.0.0.30']);
    expect(
      h.mock
        .commandCalls(AssignPrivateIpAddressesCommand)
        .map((c) => c.args[0].input.SecondaryPrivateIpAddressCount),
    ).toEqual([5, 1]);
  });

  it('when the retry fails too, throws the retry error', async () => {
    const h = harness();
    h.mock
      .on(AssignPrivateIpAddressesCommand)
      .rejectsOnce(ec2Error('InternalError', 'x', 500))
      .rejectsOnce(ec2Error('InsufficientFreeAddressesInSubnet'));
    await expect(h.ec2.assignPrivateIpv4Addresses('eni-1', 5)).rejects.toMatchObject({
      kind: 'insufficientCapacity',
      action: 'AssignPrivateIpAddresses',
    });
  });

  it('no retry after PrivateIpAddressLimitExceeded (datastore out of sync), unauthorized, a count of 1 or when disabled', async () => {
    for (const [count, error, options] of [
      [5, ec2Error('PrivateIpAddressLimitExceeded'), {}],
      [5, ec2Error('UnauthorizedOperation', 'no', 403), {}],
      [1, ec2Error('InsufficientFreeAddressesInSubnet'), {}],
      [5, ec2Error('InsufficientFreeAddressesInSubnet'), { retryWithOne: false }],
    ] as const) {
      const h = harness();
      h.mock.on(AssignPrivateIpAddressesCommand).rejects(error);
      await expect(h.ec2.assignPrivateIpv4Addresses('eni-1', count, options)).rejects.toMatchObject(
        {
          code: error.name,
        },
      );
      expect(h.mock.calls()).toHaveLength(1);
    }
  });
});

describe('assignIpv4Prefixes', () => {
  it('sends Ipv4PrefixCount and returns the prefixes EC2 assigned; same retry-with-1', async () => {
    const h = harness();
    h.mock
      .on(AssignPrivateIpAddressesCommand)
      .rejectsOnce(ec2Error('InsufficientCidrBlocks'))
      .resolvesOnce({ AssignedIpv4Prefixes: [{ Ipv4Prefix: '10.0.3.16/28' }] });
    expect(await h.ec2.assignIpv4Prefixes('eni-1', 3, { maxCount: 2 })).toEqual(['10.0.3.16/28']);
    expect(
      h.mock.commandCalls(AssignPrivateIpAddressesCommand).map((c) => c.args[0].input),
    ).toEqual([
      { NetworkInterfaceId: 'eni-1', Ipv4PrefixCount: 2 },
      { NetworkInterfaceId: 'eni-1', Ipv4PrefixCount: 1 },
    ]);
  });
});

describe('unassign and IPv6', () => {
  it('unassigns addresses and prefixes in separate calls; empty lists make no call', async () => {
    const h = harness();
    h.mock.on(UnassignPrivateIpAddressesCommand).resolves({});
    await h.ec2.unassignPrivateIpv4Addresses('eni-1', ['10.0.0.5', '10.0.0.6']);
    await h.ec2.unassignIpv4Prefixes('eni-1', ['10.0.3.16/28']);
    await h.ec2.unassignPrivateIpv4Addresses('eni-1', []);
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
    await expect(h.ec2.unassignPrivateIpv4Addresses('eni-1', ['10.0.0.5'])).rejects.toMatchObject({
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
