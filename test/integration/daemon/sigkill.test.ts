import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LatencyModel } from '../../../src/sim/api.ts';
import {
  addRequest,
  type DaemonProcess,
  delRequest,
  ipOf,
  type World,
  waitFor,
  withWorld,
} from './harness.ts';

/**
 * SIGKILL in the middle of a burst, then a restart on the same checkpoint (the restart invariants
 * the reference broke in #711, #712, #1967 and PR #3876; a kill during the create-ENI → attach →
 * assign sequence): an ADD that was acknowledged (Success=true reached the plugin) is never lost,
 * no address ever goes to two pods, and the checkpoint is always a whole, valid file.
 *
 * EC2 answers in tens of ms here (ENI create/attach slower) so the burst spans the pool's
 * growth and the kill lands in the middle of EC2 work, not after it.
 */

const PODS = 27;
const SLOW_EC2: LatencyModel = {
  defaultAction: { minMs: 2, maxMs: 6 },
  actions: {
    CreateNetworkInterface: { minMs: 60, maxMs: 120 },
    AttachNetworkInterface: { minMs: 30, maxMs: 60 },
    AssignPrivateIpAddresses: { minMs: 30, maxMs: 60 },
  },
  attach: { minMs: 80, maxMs: 160 },
  detach: { minMs: 20, maxMs: 40 },
};

/** When to SIGKILL the daemon during the burst. */
type KillPoint =
  /** As the n-th Success=true reaches the client. */
  | { readonly kind: 'ack'; readonly n: number }
  /** As EC2 receives the n-th call of `action` (the kill lands while EC2 works on it). */
  | { readonly kind: 'call'; readonly action: string; readonly n: number }
  /** As the n-th new ENI's attachment completes (before the daemon has adopted it). */
  | { readonly kind: 'attached'; readonly n: number };

const KILL_POINTS: Record<string, KillPoint> = {
  'at the first acknowledged ADD': { kind: 'ack', n: 1 },
  'while the first CreateNetworkInterface is in flight': {
    kind: 'call',
    action: 'CreateNetworkInterface',
    n: 1,
  },
  'while the first AttachNetworkInterface is in flight': {
    kind: 'call',
    action: 'AttachNetworkInterface',
    n: 1,
  },
  'as the first new ENI becomes attached': { kind: 'attached', n: 1 },
  'at the 14th acknowledged ADD': { kind: 'ack', n: 14 },
};

/** The same with a clean stop (SIGINT): it exits 0 mid-burst and loses nothing either. */
const CLEAN_STOP: KillPoint = { kind: 'ack', n: 1 };

/**
 * Sends PODS ADDs at once and sends `signal` to the daemon at `point`; resolves with the pods
 * whose Success=true reached the client.
 */
async function burstUntilKilled(
  world: World,
  daemon: DaemonProcess,
  point: KillPoint,
  attachedEnis: () => number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>();
  const { client } = daemon;
  let sent = false;
  const kill = () => {
    if (sent) return;
    sent = true;
    daemon.signal(signal);
  };
  // EC2-side kill points are watched from here: the daemon is another process.
  const watcher = (async () => {
    if (point.kind === 'ack') return;
    while (daemon.running) {
      const reached =
        point.kind === 'call' ? world.calls(point.action) >= point.n : attachedEnis() >= point.n;
      if (reached) return kill();
      await new Promise((r) => setImmediate(r));
    }
  })();
  await Promise.allSettled(
    Array.from({ length: PODS }, async (_, i) => {
      const name = `pod-${i}`;
      const reply = await client.addNetwork(addRequest(name));
      // A Success=true that arrives is acknowledged, even if the process died right after.
      if (!reply.Success) return;
      acknowledged.set(name, ipOf(reply));
      if (point.kind === 'ack' && acknowledged.size === point.n) kill();
    }),
  );
  // Every ADD answered before the kill point was reached: kill now (a kill after the burst).
  kill();
  await daemon.exited;
  await watcher;
  daemon.closeClient();
  return acknowledged;
}

describe.concurrent('SIGKILL during a burst, then restart', () => {
  const cases = [
    ...Object.entries(KILL_POINTS).map(
      ([title, point]) => [`killed ${title}`, point, 'SIGKILL'] as const,
    ),
    ['stopped with SIGINT at the first acknowledged ADD', CLEAN_STOP, 'SIGINT'] as const,
  ];
  for (const [title, point, signal] of cases) {
    it(title, async () => {
      let attached = 0;
      const sim = {
        latency: SLOW_EC2,
        // The primary ENI's attach at launch is reported too (device 0).
        onEniAttached: (event: { deviceIndex: number }) => {
          if (event.deviceIndex > 0) attached++;
        },
      };
      await withWorld(sim, async (world) => {
        const node = await world.node({ instanceType: 'm5.large' });
        const first = await node.start();
        const acknowledged = await burstUntilKilled(world, first, point, () => attached, signal);
        expect(await first.exited).toEqual(
          signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null },
        );
        if (point.kind === 'ack') expect(acknowledged.size).toBeGreaterThanOrEqual(point.n);

        // Durable before reply: every acknowledged allocation is in the checkpoint the killed
        // daemon left behind (the snapshot with the journal's commits after it), and the
        // snapshot is whole (atomic rename, never torn). No file at all is only possible when
        // nothing was acknowledged (the kill beat the first write).
        const inFile = new Map<string, string>();
        if (existsSync(node.checkpointPath)) {
          const left = node.checkpoint();
          expect(left.version).toBe('vpc-cni-ipam/1');
          for (const { containerID, ip } of left.allocations) inFile.set(containerID, ip);
        }
        for (const [name, ip] of acknowledged) expect(inFile.get(`cid-${name}`), name).toBe(ip);
        // A killed daemon's socket file is still there (the next start must replace it); a
        // clean stop removes it.
        if (signal === 'SIGKILL') expect(statSync(node.socketPath).isSocket()).toBe(true);
        else expect(existsSync(node.socketPath)).toBe(false);

        const second = await node.start();
        // Every acknowledged pod keeps its address.
        for (const [name, ip] of acknowledged) {
          expect(ipOf(await second.client.addNetwork(addRequest(name))), name).toBe(ip);
        }
        // Kubelet retries the pods that got no answer: all of them get an address, the pool
        // grows to the node's 27, and no address is given to two pods across both runs.
        const owners = new Map<string, string>();
        const record = (name: string, ip: string) => {
          const owner = owners.get(ip);
          if (owner !== undefined && owner !== name)
            throw new Error(`${ip} was given to both ${owner} and ${name}`);
          owners.set(ip, name);
        };
        for (const [name, ip] of acknowledged) record(name, ip);
        const missing = Array.from({ length: PODS }, (_, i) => `pod-${i}`).filter(
          (name) => !acknowledged.has(name),
        );
        await waitFor(
          'every pod to get an address after the restart',
          async () => {
            const replies = await Promise.all(
              missing.map((name) => second.client.addNetwork(addRequest(name))),
            );
            for (const [i, reply] of replies.entries())
              if (reply.Success) record(missing[i]!, ipOf(reply));
            return replies.every((r) => r.Success) ? true : undefined;
          },
          30_000,
          200,
        );
        expect(owners.size).toBe(PODS);

        const view = await second.enis();
        expect(view['0']?.AssignedIPs).toBe(PODS);
        // Every pod address is on an ENI EC2 has attached to this instance (an ENI created or
        // attached by the killed run was adopted, not lost), and nothing was dropped.
        const ec2Addresses = new Set(
          [...(await node.ec2Cidrs()).values()].flat().map((c) => c.replace('/32', '')),
        );
        for (const ip of owners.keys()) expect(ec2Addresses.has(ip), ip).toBe(true);
        expect(existsSync(`${node.checkpointPath}.dropped`)).toBe(false);
        expect(node.checkpoint().allocations).toHaveLength(PODS);
        expect(await second.stop()).toEqual({ code: 0, signal: null });

        // Every ENI attached to the node is deleted with the instance, also one whose attach the
        // killed run started but whose DeleteOnTermination it never got to set.
        for (const eni of await node.ec2Enis()) {
          expect(eni.Attachment?.DeleteOnTermination, eni.NetworkInterfaceId).toBe(true);
        }

        // An ENI the killed run created but never attached is left 'available' in EC2 (as with
        // the reference); it must carry what the leaked-ENI cleanup looks for: our description
        // and a createdAt tag.
        const leaked = await node.leakedEnis();
        for (const eni of leaked) {
          expect(eni.Description).toBe(`aws-K8S-${node.instance.instanceId}`);
          expect(eni.TagSet?.map((t) => t.Key)).toContain('node.k8s.amazonaws.com/createdAt');
        }
        console.info(
          `[sigkill] ${title}: ${acknowledged.size} ADDs acknowledged before the kill, ` +
            `${leaked.length} ENI(s) left unattached`,
        );
      });
    }, 90_000);
  }

  it('killed during a burst of DELs: acknowledged DELs stay done, the other pods keep their addresses', async () => {
    await withWorld({}, async (world) => {
      const node = await world.node({ instanceType: 'm5.large' });
      const first = await node.start();
      const ips = new Map<string, string>();
      for (let i = 0; i < 9; i++) {
        ips.set(`pod-${i}`, ipOf(await first.client.addNetwork(addRequest(`pod-${i}`))));
      }
      const deleted = new Set<string>();
      const { client } = first;
      await Promise.allSettled(
        Array.from({ length: 6 }, async (_, i) => {
          const reply = await client.delNetwork(delRequest(`pod-${i}`));
          if (!reply.Success || !first.running) return;
          deleted.add(`pod-${i}`);
          if (deleted.size === 2) first.signal('SIGKILL');
        }),
      );
      first.signal('SIGKILL');
      await first.exited;
      first.closeClient();
      expect(deleted.size).toBeGreaterThanOrEqual(2);

      // Durable before reply holds for DEL too: no acknowledged DEL is in the file.
      const inFile = new Set(node.checkpoint().allocations.map((a) => a.containerID));
      for (const name of deleted) expect(inFile.has(`cid-${name}`), name).toBe(false);

      const second = await node.start();
      for (const name of deleted) {
        const again = await second.client.delNetwork(delRequest(name)).catch((e: unknown) => e);
        expect((again as { details?: string }).details, name).toContain('datastore: unknown pod');
      }
      for (const [name, ip] of ips) {
        if (deleted.has(name)) continue;
        expect(ipOf(await second.client.addNetwork(addRequest(name))), name).toBe(ip);
      }
      // An acknowledged DEL's address is cooling after the restart (30 s default), so the
      // next pods get other addresses.
      const fresh = ipOf(await second.client.addNetwork(addRequest('fresh')));
      for (const name of deleted) expect(fresh).not.toBe(ips.get(name));
    });
  }, 60_000);
});
