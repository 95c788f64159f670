import { describe, expect, it } from 'vitest';
import type { CreateEniRequest } from '../../../src/aws/ec2-port.ts';
import { PREFIX_RETRY_MS } from '../../../src/daemon/prefix-fallback.ts';
import { setup } from './harness.ts';
import type { MemoryEc2 } from './memory-ec2.ts';

/**
 * Prefix delegation with no /28 left in any subnet: the card grows with /32 secondary addresses
 * on the same ENIs, assigns both kinds (prefixes first), and goes back to prefixes once one is
 * granted, giving its /32s back as they empty.
 */

/** Every prefix request fails with InsufficientCidrBlocks (up to `times` of each kind of call). */
function noCidrBlocks(ec2: MemoryEc2, times = 20): void {
  ec2.failNext('assignIpv4Prefixes', 'insufficientCapacity', 'InsufficientCidrBlocks', times);
  ec2.failNext(
    'createNetworkInterface',
    'insufficientCapacity',
    'InsufficientCidrBlocks',
    times,
    (args) => (args[0] as CreateEniRequest).addresses.kind === 'ipv4Prefix',
  );
}

async function fallbackSetup() {
  const t = await setup({ enablePrefixDelegation: true, warmPrefixTarget: 1 });
  await t.pass();
  expect(t.pool.stats()).toMatchObject({ totalIPs: 16, totalPrefixes: 1 });
  t.assign(0);
  noCidrBlocks(t.ec2);
  await t.pass();
  return t;
}

const metric = async (t: Awaited<ReturnType<typeof setup>>, name: string) =>
  t.metrics.registry.getSingleMetricAsString(name);

describe('prefix delegation falling back to /32 secondary addresses', () => {
  it('no /28 from the ENI nor a new ENI: /32s on the same ENI, both kinds counted and assigned', async () => {
    const t = await fallbackSetup();
    // Short by 1 (P × 16 = 16 wanted, 15 available): one /32 on the primary ENI.
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([['eni-primary', 1]]);
    expect(t.pool.datastore.assignsBothKinds).toBe(true);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 17, assignedIPs: 1 });
    expect(t.pool.insufficientCapacityAt).toBe(Number.NEGATIVE_INFINITY);
    expect(await metric(t, 'vpcipamd_prefix_fallback')).toContain(
      'vpcipamd_prefix_fallback{card="0"} 1',
    );
    expect(await metric(t, 'vpcipamd_prefix_fallback_addresses_total')).toContain(
      'vpcipamd_prefix_fallback_addresses_total 1',
    );
    // The prefix's addresses go first, then the /32.
    const ips = Array.from({ length: 16 }, (_, i) => t.assign(i + 1).ip);
    const where = ips.map((ip) => t.pool.datastore.containingCidr(ip)?.isPrefix);
    expect(where).toEqual([...Array<boolean>(15).fill(true), false]);
  });

  it('within 30 s, growth goes straight to /32s; after, prefixes are tried again and win', async () => {
    const t = await fallbackSetup();
    const prefixCalls = () => t.ec2.callsOf('assignIpv4Prefixes').length;
    const before = prefixCalls();
    t.assign(1);
    await t.pass();
    expect(prefixCalls()).toBe(before);
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toHaveLength(2);

    // /28 blocks are back.
    t.ec2.clearFaults();
    t.scheduler.advance(PREFIX_RETRY_MS);
    t.assign(2);
    await t.pass();
    expect(prefixCalls()).toBe(before + 1);
    expect(await metric(t, 'vpcipamd_prefix_fallback')).toContain(
      'vpcipamd_prefix_fallback{card="0"} 0',
    );
    // The /32s go back to EC2 once empty and out of cooldown; then prefixes only.
    for (const i of [0, 1, 2]) t.unassign(i);
    t.scheduler.advance(30_000);
    await t.pass();
    expect(t.ec2.callsOf('unassignPrivateIpAddresses').flatMap((args) => args[1])).toHaveLength(2);
    expect(t.pool.datastore.assignsBothKinds).toBe(false);
    expect(t.pool.datastore.cidrsOf('eni-primary').every((cidr) => cidr.isPrefix)).toBe(true);
  });

  it('out of free addresses altogether (not just /28 blocks): no fallback, growth pauses', async () => {
    const t = await setup({ enablePrefixDelegation: true, warmPrefixTarget: 1 });
    await t.pass();
    t.assign(0);
    t.ec2.failNext('assignIpv4Prefixes', 'insufficientCapacity', undefined, 5);
    t.ec2.failNext('createNetworkInterface', 'insufficientCapacity', undefined, 5);
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([]);
    expect(t.pool.datastore.assignsBothKinds).toBe(false);
    expect(t.pool.insufficientCapacityAt).toBe(t.scheduler.now());
  });

  it('/32s refused too: growth pauses, still falling back', async () => {
    const t = await setup({ enablePrefixDelegation: true, warmPrefixTarget: 1 });
    await t.pass();
    t.assign(0);
    noCidrBlocks(t.ec2);
    t.ec2.failNext('assignPrivateIpAddresses', 'insufficientCapacity', undefined, 5);
    t.ec2.failNext('createNetworkInterface', 'insufficientCapacity', undefined, 5);
    await t.pass();
    expect(t.pool.insufficientCapacityAt).toBe(t.scheduler.now());
    expect(t.pool.datastore.assignsBothKinds).toBe(true);
  });
});
