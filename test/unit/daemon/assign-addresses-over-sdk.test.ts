import { AssignPrivateIpAddressesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { assignAddresses } from '../../../src/daemon/assign-addresses.ts';
import { ec2Error, harness } from '../aws/ec2-mock-helpers.ts';

/** Growing an ENI (the reference's tryAssignIPs / tryAssignPrefixes) over the real SDK adapter. */

describe('assignAddresses, secondary IPv4', () => {
  it('returns the addresses EC2 assigned, count capped at maxCount', async () => {
    const h = harness();
    h.mock.on(AssignPrivateIpAddressesCommand).resolves({
      NetworkInterfaceId: 'eni-1',
      AssignedPrivateIpAddresses: [
        { PrivateIpAddress: '10.0.0.20' },
        { PrivateIpAddress: '10.0.0.21' },
      ],
    });
    expect(await assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', 14, { maxCount: 9 })).toEqual([
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
    expect(await assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', 0)).toEqual([]);
    expect(await assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', 5, { maxCount: 0 })).toEqual([]);
    expect(h.mock.calls()).toHaveLength(0);
  });

  it('after a failure retries once with a count of 1 (the reference: tryAssignIPs)', async () => {
    const h = harness();
    h.mock
      .on(AssignPrivateIpAddressesCommand)
      .rejectsOnce(ec2Error('InsufficientFreeAddressesInSubnet'))
      .resolvesOnce({ AssignedPrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.30' }] });
    expect(await assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', 5)).toEqual(['10.0.0.30']);
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
    await expect(assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', 5)).rejects.toMatchObject({
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
      await expect(
        assignAddresses(h.ctx, 'eni-1', 'secondaryIpv4', count, options),
      ).rejects.toMatchObject({
        code: error.name,
      });
      expect(h.mock.calls()).toHaveLength(1);
    }
  });
});

describe('assignAddresses, /28 prefixes', () => {
  it('sends Ipv4PrefixCount and returns the prefixes EC2 assigned; same retry-with-1', async () => {
    const h = harness();
    h.mock
      .on(AssignPrivateIpAddressesCommand)
      .rejectsOnce(ec2Error('InsufficientCidrBlocks'))
      .resolvesOnce({ AssignedIpv4Prefixes: [{ Ipv4Prefix: '10.0.3.16/28' }] });
    expect(await assignAddresses(h.ctx, 'eni-1', 'ipv4Prefix', 3, { maxCount: 2 })).toEqual([
      '10.0.3.16/28',
    ]);
    expect(
      h.mock.commandCalls(AssignPrivateIpAddressesCommand).map((c) => c.args[0].input),
    ).toEqual([
      { NetworkInterfaceId: 'eni-1', Ipv4PrefixCount: 2 },
      { NetworkInterfaceId: 'eni-1', Ipv4PrefixCount: 1 },
    ]);
  });
});
