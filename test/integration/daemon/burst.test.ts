import { describe, expect, it } from 'vitest';
import type { AddNetworkReply } from '../../../src/wire/rpc-messages.ts';
import { addRequest, burst, type DaemonProcess, ipOf, waitFor, withWorld } from './harness.ts';

/**
 * A cold m5.large receiving its 29 max pods at once: 27 ADDs (the other 2 pods are host-network
 * and never call the CNI). m5.large: 3 ENIs × (10 − 1) secondaries = 27 pod addresses.
 *
 * Reactive mode (default) must serve every ADD: the ADDs that find the pool empty wake the pool
 * manager and wait (ADD_WAIT_SECONDS, default 10) for the addresses it is getting. Interval mode
 * is the reference: ADD_WAIT_SECONDS defaults to 0 there, so ADDs that find the pool empty fail
 * at once and succeed only when kubelet retries after the 5 s loop grew the pool.
 *
 * Each test prints its numbers (successes, failures, time to all assigned) for docs/benchmarks.md.
 */

const PODS = 27;

interface BurstOutcome {
  readonly firstRoundSuccesses: number;
  readonly firstRoundFailures: number;
  readonly retryRounds: number;
  readonly msToAllAssigned: number;
  readonly ips: Map<string, string>;
}

/**
 * Sends all ADDs at once, then retries the failed ones every `retryEveryMs` (kubelet retries a
 * failed sandbox with back-off) until every pod has an address.
 */
async function runBurst(daemon: DaemonProcess, retryEveryMs: number): Promise<BurstOutcome> {
  const names = Array.from({ length: PODS }, (_, i) => `burst-${i}`);
  const ips = new Map<string, string>();
  const started = Date.now();
  const take = (name: string, reply: AddNetworkReply) => {
    if (reply.Success) ips.set(name, ipOf(reply));
  };
  const first = await burst(PODS, (i) => daemon.client.addNetwork(addRequest(names[i]!)));
  for (const [i, result] of first.entries()) {
    // A gRPC error is a different failure from Success=false: none is expected in either mode.
    if (result.status === 'rejected') throw result.reason;
    take(names[i]!, result.value);
  }
  const firstRoundSuccesses = ips.size;
  let retryRounds = 0;
  while (ips.size < PODS) {
    if (Date.now() - started > 60_000) {
      throw new Error(`only ${ips.size}/${PODS} pods got an address within 60 s`);
    }
    await new Promise((r) => setTimeout(r, retryEveryMs));
    retryRounds++;
    const missing = names.filter((name) => !ips.has(name));
    const replies = await Promise.all(
      missing.map((name) => daemon.client.addNetwork(addRequest(name))),
    );
    for (const [i, reply] of replies.entries()) take(missing[i]!, reply);
  }
  return {
    firstRoundSuccesses,
    firstRoundFailures: PODS - firstRoundSuccesses,
    retryRounds,
    msToAllAssigned: Date.now() - started,
    ips,
  };
}

async function expectFullNode(daemon: DaemonProcess, outcome: BurstOutcome): Promise<void> {
  // 27 pods, 27 distinct addresses, all in the datastore and on the node's 3 ENIs.
  expect(outcome.ips.size).toBe(PODS);
  expect(new Set(outcome.ips.values()).size).toBe(PODS);
  const pool = await daemon.pool();
  expect(pool).toMatchObject({ enis: 3, totalIPs: 27, assignedIPs: 27 });
}

describe('burst of 27 ADDs on a cold m5.large', () => {
  it('reactive mode (default): every ADD succeeds the first time', async () => {
    await withWorld({ latency: 'fast' }, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      // Init pre-scaled to WARM_ENI_TARGET=1: one ENI's worth (9) on the primary ENI.
      expect(await daemon.pool()).toMatchObject({ enis: 1, totalIPs: 9, assignedIPs: 0 });

      const outcome = await runBurst(daemon, 500);
      expect(outcome.firstRoundFailures).toBe(0);
      expect(outcome.retryRounds).toBe(0);
      await expectFullNode(daemon, outcome);
      const metrics = await daemon.metrics();
      expect(metrics.value('awscni_no_available_ip_addresses')).toBe(0);
      expect(metrics.value('awscni_add_ip_req_count')).toBe(PODS);
      expect(world.calls('CreateNetworkInterface')).toBe(2);

      console.info(
        `[burst] reactive: ${outcome.firstRoundSuccesses} succeeded first time, ` +
          `${outcome.firstRoundFailures} failed, all ${PODS} assigned after ${outcome.msToAllAssigned} ms ` +
          `(EC2: ${world.calls('CreateNetworkInterface')} CreateNetworkInterface, ` +
          `${world.calls('AssignPrivateIpAddresses')} AssignPrivateIpAddresses)`,
      );
    });
  }, 90_000);

  // The reactive numbers above are timed alone; these three may share the machine.
  describe.concurrent('alongside each other', () => {
    it('interval mode (the reference): ADDs on an empty pool fail at once, retries succeed after the 5 s loop grew it', async () => {
      await withWorld({ latency: 'fast' }, async (world) => {
        const node = await world.node({ instanceType: 'm5.large' });
        const daemon = await node.start({ WARM_POOL_MODE: 'interval' });
        expect(await daemon.pool()).toMatchObject({ enis: 1, totalIPs: 9, assignedIPs: 0 });

        const outcome = await runBurst(daemon, 1_000);
        // The 9 warm addresses go at once; the rest fail without waiting (more succeed only if a
        // 5 s tick happened to land inside the burst).
        expect(outcome.firstRoundSuccesses).toBeGreaterThanOrEqual(9);
        expect(outcome.firstRoundFailures).toBeGreaterThan(0);
        expect(outcome.retryRounds).toBeGreaterThan(0);
        await expectFullNode(daemon, outcome);
        const metrics = await daemon.metrics();
        // ADD_WAIT_SECONDS=0: no ADD waited.
        expect(metrics.sum('vpcipamd_add_wait_seconds_count')).toBe(0);
        expect(metrics.value('awscni_no_available_ip_addresses')).toBeGreaterThan(0);
        // One ENI per 5 s tick, as the reference.
        expect(
          await waitFor('the pool ticks to be counted', async () => {
            const m = await daemon.metrics();
            return m.value('vpcipamd_pool_wakeups_total', { reason: 'tick' });
          }),
        ).toBeGreaterThanOrEqual(2);
        expect(world.calls('CreateNetworkInterface')).toBe(2);

        console.info(
          `[burst] interval: ${outcome.firstRoundSuccesses} succeeded first time, ` +
            `${outcome.firstRoundFailures} failed (Success=false), all ${PODS} assigned after ` +
            `${outcome.msToAllAssigned} ms in ${outcome.retryRounds} retry rounds 1 s apart ` +
            `(${metrics.value('awscni_no_available_ip_addresses')} failed ADDs in total)`,
        );
      });
    }, 90_000);

    it("reactive mode past the node's capacity: the 27 fit, the rest fail fast instead of waiting", async () => {
      await withWorld({ latency: 'fast' }, async (world) => {
        const node = await world.node({ instanceType: 'm5.large' });
        // ADDs may wait 30 s; the client gives up after 20 s: a waiting ADD would be a gRPC error.
        const daemon = await node.start({ ADD_WAIT_SECONDS: '30' });
        const replies = await burst(PODS + 3, (i) =>
          daemon.client.addNetwork(addRequest(`pod-${i}`), 20_000),
        );
        const ok = replies.filter((r) => r.status === 'fulfilled' && r.value.Success);
        const failed = replies.filter((r) => r.status === 'fulfilled' && !r.value.Success);
        expect(replies.filter((r) => r.status === 'rejected')).toEqual([]);
        expect(ok).toHaveLength(PODS);
        expect(failed).toHaveLength(3);
        expect(await daemon.pool()).toMatchObject({ enis: 3, totalIPs: 27, assignedIPs: 27 });
        const metrics = await daemon.metrics();
        expect(metrics.value('vpcipamd_add_wait_seconds_count', { outcome: 'timeout' })).toBe(
          undefined,
        );
      });
    }, 90_000);

    it('reactive mode under EC2 throttling: every pod gets an address, no address twice', async () => {
      await withWorld({ latency: 'fast' }, async (world) => {
        const node = await world.node({ instanceType: 'm5.large' });
        const daemon = await node.start();
        // The first ENI create is throttled on all 3 SDK attempts, the next once. The pool manager
        // retries throttled growth with back-off while the ADDs keep waiting, so none fails; the
        // count of throttled answers is exact (one per HTTP attempt, the last attempt of a failed
        // call not counted twice).
        world.region.injectFault({
          action: 'CreateNetworkInterface',
          code: 'RequestLimitExceeded',
          count: 4,
        });
        const outcome = await runBurst(daemon, 500);
        await expectFullNode(daemon, outcome);
        expect(outcome.firstRoundFailures).toBe(0);
        const metrics = await daemon.metrics();
        expect(metrics.sum('awscni_aws_api_error_count', { api: 'CreateNetworkInterface' })).toBe(
          4,
        );
        console.info(
          `[burst] reactive, 4 throttled creates: ${outcome.firstRoundFailures} failed first time, ` +
            `all ${PODS} assigned after ${outcome.msToAllAssigned} ms in ${outcome.retryRounds} retry rounds`,
        );
      });
    }, 90_000);
  });
});
