import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/checkpoint/format.ts';
import { addRequest, delRequest, type EnisView, ipOf, waitFor, withWorld } from './harness.ts';

/**
 * A clean stop (SIGINT) and a start on the same checkpoint lose nothing: every pod keeps its
 * address and a just-released address keeps cooling (spec/ipamd.md §5.6–5.7; the cooldown lost on
 * restart is aws/amazon-vpc-cni-k8s#1127). And the reference's SIGTERM: stop growing and
 * freeing, keep serving pods; a second SIGTERM exits cleanly.
 */

const COOLDOWN_S = 5;

/** RFC 3339 with up to nanoseconds → ms since the epoch (the fraction beyond ms dropped). */
function parseGoTime(text: string): number {
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) throw new Error(`not a time: ${text}`);
  return ms;
}

describe.concurrent('restart', () => {
  it('SIGINT then start again: every allocation and the cooldown are restored', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      // One ENI with 9 secondaries (MAX_ENI=1, WARM_ENI_TARGET=1) and 9 pods: after one DEL the
      // cooling address is the only unassigned one, so whether a new pod gets it shows whether
      // it is still cooling.
      const env = { MAX_ENI: '1', IP_COOLDOWN_PERIOD: String(COOLDOWN_S) };
      const first = await node.start(env);
      const ips = new Map<string, string>();
      for (let i = 0; i < 9; i++) {
        const name = `pod-${i}`;
        ips.set(name, ipOf(await first.client.addNetwork(addRequest(name))));
      }
      expect(new Set(ips.values()).size).toBe(9);
      const deleted = await first.client.delNetwork(delRequest('pod-3'));
      const cooling = deleted.IPAllocationMetadata[0]?.IPv4Addr ?? '';
      expect(cooling).toBe(ips.get('pod-3'));
      ips.delete('pod-3');
      const unassignedAt = addressEntry(await first.enis(), cooling).UnassignedTime;
      const coolsUntil = parseGoTime(unassignedAt) + COOLDOWN_S * 1000;

      expect(await first.stop()).toEqual({ code: 0, signal: null });
      expect(first.findLog('ipamd stopped')).toBeDefined();
      expect(existsSync(node.socketPath)).toBe(false);

      // The checkpoint: valid vpc-cni-ipam/1, the 8 remaining pods, and the cooling address.
      const file = readFileSync(node.checkpointPath, 'utf8');
      const decoded = decodeCheckpoint(file);
      expect(decoded.version).toBe('vpc-cni-ipam/1');
      expect(JSON.parse(file).version).toBe('vpc-cni-ipam/1');
      expect(
        Object.fromEntries(decoded.allocations.map(({ entry }) => [entry.containerID, entry.ipv4])),
      ).toEqual(Object.fromEntries([...ips].map(([name, ip]) => [`cid-${name}`, ip])));
      expect(decoded.cooldown.map((c) => c.ipv4)).toEqual([cooling]);

      const second = await node.start(env);
      // Every remaining pod's repeated ADD returns its old address.
      for (const [name, ip] of ips) {
        expect(ipOf(await second.client.addNetwork(addRequest(name))), name).toBe(ip);
      }
      const view = await second.enis();
      expect(view['0']?.AssignedIPs).toBe(8);
      // The cooldown came back with its original start, not the restart time.
      expect(addressEntry(view, cooling).UnassignedTime).toBe(unassignedAt);

      // A new pod gets the cooling address only once the cooldown has passed (until then its
      // ADDs fail: the ENI is full and MAX_ENI=1). The restart normally takes ~2 s of the 5 s,
      // so the first attempts land inside the cooldown; if the machine was slower, this still
      // checks that the address was not handed out early.
      let attempts = 0;
      const assigned = await waitFor(
        'the cooled-down address to be handed out',
        async () => {
          attempts++;
          const reply = await second.client.addNetwork(addRequest('new'));
          const repliedAt = Date.now();
          if (!reply.Success) return undefined;
          return { ip: ipOf(reply), repliedAt };
        },
        COOLDOWN_S * 1000 + 15_000,
        200,
      );
      expect(assigned.ip).toBe(cooling);
      expect(assigned.repliedAt).toBeGreaterThanOrEqual(coolsUntil - 1);
      console.info(
        `[restart] cooling address handed out after ${attempts} attempts, ` +
          `${assigned.repliedAt - coolsUntil + COOLDOWN_S * 1000} ms after its DEL`,
      );
      expect(existsSync(`${node.checkpointPath}.dropped`)).toBe(false);
    });
  }, 60_000);

  it('first SIGTERM stops growth but keeps serving; the second exits cleanly', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const daemon = await node.start();
      expect(await daemon.pool()).toMatchObject({ enis: 1, totalIPs: 9 });
      const creates = world.calls('CreateNetworkInterface');
      const assigns = world.calls('AssignPrivateIpAddresses');

      daemon.signal('SIGTERM');
      await waitFor('the terminating log line', () =>
        daemon.logLines().find((l) => String(l.msg).startsWith('terminating')),
      );
      expect((await daemon.client.healthCheck()).status).toBe('SERVING');
      // The warm pool still serves pods; without SIGTERM the first ADD would already have
      // grown the pool (9 − 1 = 8 available < 9).
      for (let i = 0; i < 9; i++) ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`)));
      const tenth = await daemon.client.addNetwork(addRequest('pod-9'));
      expect(tenth.Success).toBe(false);
      expect((await daemon.client.delNetwork(delRequest('pod-0'))).Success).toBe(true);
      expect(world.calls('CreateNetworkInterface')).toBe(creates);
      expect(world.calls('AssignPrivateIpAddresses')).toBe(assigns);
      expect(daemon.running).toBe(true);

      daemon.closeClient();
      daemon.signal('SIGTERM');
      expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
      expect(existsSync(node.socketPath)).toBe(false);
      expect(node.checkpoint().allocations).toHaveLength(8);
    });
  }, 60_000);
});

function addressEntry(view: EnisView, ip: string) {
  for (const eni of Object.values(view['0']?.ENIs ?? {})) {
    const entry = eni.AvailableIPv4Cidrs[`${ip}/32`]?.IPAddresses[ip];
    if (entry) return entry;
  }
  throw new Error(`${ip} is not in /v1/enis`);
}
