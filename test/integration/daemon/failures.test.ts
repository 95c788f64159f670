import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addRequest, delRequest, ipOf, waitFor, withWorld } from './harness.ts';

/**
 * How the daemon fails (docs/architecture.md, "Bad input and faults"): an unreadable checkpoint stops
 * start-up naming the file and leaves it exactly as it was; a missing IAM permission at start-up
 * is fatal with a clear log; a subnet out of addresses pauses growth for 120 s while the daemon
 * keeps serving and ADDs fail fast; a setting this build cannot serve is refused.
 */

describe.concurrent('failure paths', () => {
  for (const [what, content] of [
    ['a corrupt checkpoint', '{"version":"vpc-cni-ipam/1","allocations":[{"networkName":"aws-'],
    [
      'a checkpoint of another version',
      '{"version":"vpc-cni-ipam/2","allocations":[{"networkName":"aws-cni","containerID":"x","ifName":"eth0","ipv4":"10.0.0.9","allocationTimestamp":1}]}\n',
    ],
  ] as const) {
    it(`${what}: exit 1 with a message naming the file, which is left untouched`, async () => {
      await withWorld({}, async (world) => {
        const node = await world.node({ instanceType: 't3.small' });
        writeFileSync(node.checkpointPath, content);
        const before = readFileSync(node.checkpointPath);

        const daemon = node.spawn();
        expect(await daemon.waitForExit()).toEqual({ code: 1, signal: null });
        expect(daemon.stderr).toContain(node.checkpointPath);
        const fatal = daemon.logLines().find((line) => line.level === 'fatal');
        expect(JSON.stringify(fatal)).toContain(node.checkpointPath);
        expect(readFileSync(node.checkpointPath).equals(before)).toBe(true);
        expect(existsSync(`${node.checkpointPath}.dropped`)).toBe(false);
        // It never served.
        expect(existsSync(node.socketPath)).toBe(false);
      });
    }, 60_000);
  }

  it('UnauthorizedOperation on CreateTags at start-up: exits non-zero, says so, does not retry', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 't3.small' });
      // TagENI runs for the primary ENI at init (the reference's nodeInit); failure is fatal.
      world.region.injectFault({
        action: 'CreateTags',
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
      });
      const daemon = node.spawn();
      const exit = await daemon.waitForExit();
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(daemon.stderr).toMatch(/not authorized|UnauthorizedOperation/);
      const fatal = daemon.logLines().find((line) => line.level === 'fatal');
      expect(fatal?.msg).toBe('ipamd failed to start');
      expect(JSON.stringify(fatal)).toMatch(/UnauthorizedOperation|not authorized/);
      // A missing permission does not come back by retrying.
      expect(world.calls('CreateTags')).toBe(1);
      expect(existsSync(node.socketPath)).toBe(false);
    });
  }, 60_000);

  it('InsufficientFreeAddressesInSubnet during growth: keeps serving, ADDs fail fast, no growth for 120 s', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      // ADDs may wait up to 30 s for capacity on its way; the client gives up after 20 s. An ADD
      // that waited instead of failing fast would end in DEADLINE_EXCEEDED, not Success=false.
      const daemon = await node.start({ ADD_WAIT_SECONDS: '30' });
      expect(await daemon.pool()).toMatchObject({ enis: 1, totalIPs: 9 });
      for (const action of ['CreateNetworkInterface', 'AssignPrivateIpAddresses']) {
        world.region.injectFault({
          action,
          code: 'InsufficientFreeAddressesInSubnet',
          message:
            'The specified subnet does not have enough free addresses to satisfy the request.',
        });
      }

      // The first pod leaves 8 < 9 available: growth is tried (the primary is full, so a new
      // ENI), EC2 refuses, and the 120 s pause starts.
      const ips = [ipOf(await daemon.client.addNetwork(addRequest('pod-0')))];
      await waitFor('the insufficient-capacity warning', () =>
        daemon.logLines().find((l) => String(l.msg).startsWith('the subnet is out of addresses')),
      );
      const creates = world.calls('CreateNetworkInterface');
      const assigns = world.calls('AssignPrivateIpAddresses');
      expect(creates).toBeGreaterThan(0);
      const ticksBefore = (await daemon.metrics()).value('vpcipamd_pool_wakeups_total', {
        reason: 'tick',
      });

      for (let i = 1; i < 9; i++)
        ips.push(ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`))));
      // The pool is empty and nothing is coming: the ADD fails at once.
      const failed = await daemon.client.addNetwork(addRequest('pod-9'), 20_000);
      expect(failed.Success).toBe(false);
      const metrics = await daemon.metrics();
      expect(metrics.value('vpcipamd_add_wait_seconds_count', { outcome: 'no_capacity' })).toBe(1);
      expect(metrics.value('vpcipamd_add_wait_seconds_count', { outcome: 'timeout' })).toBe(
        undefined,
      );

      // At least one 5 s tick later, and after more ADDs that each woke the pool manager, EC2
      // has not been asked again.
      await waitFor(
        'a pool tick after the failure',
        async () => {
          const m = await daemon.metrics();
          return (m.value('vpcipamd_pool_wakeups_total', { reason: 'tick' }) ?? 0) >
            (ticksBefore ?? 0)
            ? true
            : undefined;
        },
        20_000,
        200,
      );
      expect((await daemon.client.addNetwork(addRequest('pod-10'), 20_000)).Success).toBe(false);
      expect(world.calls('CreateNetworkInterface')).toBe(creates);
      expect(world.calls('AssignPrivateIpAddresses')).toBe(assigns);

      // Still serving: DEL works and the freed address is reused once cool (not here: 30 s).
      expect((await daemon.client.delNetwork(delRequest('pod-0'))).Success).toBe(true);
      expect((await daemon.client.healthCheck()).status).toBe('SERVING');
      expect(daemon.running).toBe(true);
      expect(new Set(ips).size).toBe(9);
    });
  }, 60_000);

  for (const [setting, env, expected] of [
    [
      'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true',
      { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' },
      /AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true/,
    ],
    ['IP_COOLDOWN_PERIOD=-1', { IP_COOLDOWN_PERIOD: '-1' }, /IP_COOLDOWN_PERIOD=/],
  ] as const) {
    it(`${setting}: a clear error and exit 1`, async () => {
      await withWorld({}, async (world) => {
        const node = await world.node({ instanceType: 't3.small' });
        const daemon = node.spawn(env);
        expect(await daemon.waitForExit()).toEqual({ code: 1, signal: null });
        expect(daemon.stderr).toMatch(expected);
        expect(existsSync(node.socketPath)).toBe(false);
        // Refused before touching EC2's state.
        expect(world.calls('CreateTags')).toBe(0);
        expect(world.calls('AssignPrivateIpAddresses')).toBe(0);
      });
    }, 60_000);
  }
});
