import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { podVethName } from '../../../src/ipam/pod-veth-name.ts';
import { waitFor } from '../daemon/harness.ts';
import { announceSkip, NetnsLab, netnsSupport } from '../host/netns-lab.ts';
import { connectFrom, startServer, type TcpServer } from '../host/tcp-probe.ts';
import { type AddResult, CniNode, type PodRef } from './cni-node.ts';

/**
 * dist/aws-cni end to end: the daemon runs inside a "node" namespace with host networking on,
 * against the simulated region, whose ENIs appear there as veth links with the ENI's MAC; every
 * pod is a real namespace plumbed by the plugin, executed the way the runtime executes it.
 */

const support = netnsSupport();
announceSkip('CNI plugin end-to-end netns tests');

const TEST_TIMEOUT_MS = 90_000;

interface Pod {
  readonly ref: PodRef;
  readonly result: AddResult;
  readonly ip: string;
  /** The host table of its ENI: 254 on the primary ENI. */
  readonly table: number;
}

function podOf(ref: PodRef, result: AddResult): Pod {
  const ip = result.ips[0]!.address.replace('/32', '');
  // The reference's result carries the route table ID as the container interface's "mac".
  return { ref, result, ip, table: Number(result.interfaces[1]!.mac) };
}

/** The runtime removing a sandbox destroys its namespace, and with it the pod's veth pair. */
function destroyNetns(ref: PodRef): void {
  execFileSync('ip', ['netns', 'del', ref.nsName]);
}

describe.skipIf(!support.ok)('aws-cni on a node in network namespaces', () => {
  const lab = new NetnsLab();
  const servers: TcpServer[] = [];
  let cni: CniNode | undefined;
  const scratch: string[] = [];

  afterEach(async () => {
    for (const server of servers.splice(0)) server.stop();
    await cni?.close();
    cni = undefined;
    await lab.cleanup();
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function startNode(): Promise<CniNode> {
    cni = await CniNode.create(lab);
    await cni.startDaemon();
    return cni;
  }

  /** ADDs pods until one sits on the primary ENI and one on a secondary ENI. */
  async function podsOnBothEnis(node: CniNode): Promise<{ primary: Pod; secondary: Pod }> {
    let primary: Pod | undefined;
    let secondary: Pod | undefined;
    // m5.large: 9 secondary addresses on the primary ENI, so the 10th pod at the latest lands on
    // the ENI the warm pool attached.
    for (let i = 0; i < 12 && !(primary && secondary); i++) {
      const ref = await node.newPod();
      const pod = podOf(ref, await node.add(ref));
      if (pod.table === 254) primary ??= pod;
      else secondary ??= pod;
    }
    if (!primary || !secondary) throw new Error('no pod landed on both kinds of ENI');
    return { primary, secondary };
  }

  function hostVeth(pod: Pod): string {
    return podVethName('eni', pod.ref.namespace, pod.ref.name);
  }

  it(
    'pods on the primary and a secondary ENI reach each other and the node over TCP; host and pod state is the reference’s; CHECK passes',
    async () => {
      const node = await startNode();
      const { primary, secondary } = await podsOnBothEnis(node);

      // The result names the host veth after the pod and ends with the dummy interface.
      expect(primary.result.interfaces[0]!.name).toBe(hostVeth(primary));
      expect(primary.result.interfaces[1]).toMatchObject({
        name: 'eth0',
        sandbox: primary.ref.netns,
      });
      expect(primary.result.interfaces[2]!.name).toBe(`dummy${hostVeth(primary).slice(3)}`);

      // Host: the `to` rule for every pod, the `from` rule only off the primary ENI, a link-scope
      // route in main to each host veth.
      const rules = await node.ip('-4', 'rule', 'show');
      expect(rules).toContain(`512:\tfrom all to ${primary.ip} lookup main`);
      expect(rules).toContain(`512:\tfrom all to ${secondary.ip} lookup main`);
      expect(rules).toContain(`1536:\tfrom ${secondary.ip} lookup ${secondary.table}`);
      expect(rules).not.toContain(`from ${primary.ip} lookup`);
      const routes = await node.ip('-4', 'route', 'show', 'table', 'main');
      for (const pod of [primary, secondary]) {
        expect(routes).toContain(`${pod.ip} dev ${hostVeth(pod)} scope link`);
      }

      // Pod: the /32, the gateway reached through a permanent neighbour entry with the host
      // veth's MAC, the default route through it.
      const [hostLink] = JSON.parse(await node.ip('-json', 'link', 'show', hostVeth(primary))) as [
        { address: string; flags: string[] },
      ];
      expect(hostLink.flags).toContain('UP');
      expect(Number.parseInt(hostLink.address.slice(0, 2), 16) & 0x03).toBe(0x02);
      const inPod = (...args: string[]) =>
        lab.ip(primary.ref.nsName, ...args).then((r) => r.stdout);
      expect(await inPod('-4', 'addr', 'show', 'eth0')).toContain(`inet ${primary.ip}/32`);
      expect(await inPod('-4', 'route', 'show')).toContain('default via 169.254.1.1 dev eth0');
      expect(await inPod('neigh', 'show', '169.254.1.1')).toContain(
        `lladdr ${hostLink.address} PERMANENT`,
      );

      // TCP: pod to pod across ENIs (addresses kept), pod to node, node to pod.
      servers.push(await startServer(secondary.ref.nsName, secondary.ip, 8080));
      servers.push(await startServer(primary.ref.nsName, primary.ip, 8080));
      const nodeIp = node.node.instance.primaryIp;
      servers.push(await startServer(node.nodeNs, nodeIp, 9090));
      expect(await connectFrom(primary.ref.nsName, secondary.ip, 8080)).toBe(primary.ip);
      expect(await connectFrom(secondary.ref.nsName, primary.ip, 8080)).toBe(secondary.ip);
      expect(await connectFrom(secondary.ref.nsName, nodeIp, 9090)).toBe(secondary.ip);
      expect(await connectFrom(primary.ref.nsName, nodeIp, 9090)).toBe(primary.ip);
      expect(await connectFrom(node.nodeNs, secondary.ip, 8080)).toBe(nodeIp);

      // CHECK (CNI 1.0.0 with the ADD's result as prevResult) passes; with the host route gone it
      // names what is missing.
      for (const pod of [primary, secondary]) {
        const check = await node.plugin('CHECK', pod.ref, node.netconf({ prevResult: pod.result }));
        expect(check, check.stdout).toMatchObject({ code: 0, stdout: '' });
      }
      await lab.ip(node.nodeNs, 'route', 'del', `${secondary.ip}/32`, 'table', 'main');
      const broken = await node.plugin(
        'CHECK',
        secondary.ref,
        node.netconf({ prevResult: secondary.result }),
      );
      expect(broken.code).toBe(1);
      expect(broken.json?.msg).toContain(
        `the host has no route to ${secondary.ip} through ${hostVeth(secondary)}`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'DEL removes every rule and route (the veth goes with the netns, as in the reference); a repeated DEL and the runtime’s DEL without a netns succeed and change nothing',
    async () => {
      const node = await startNode();
      const { primary, secondary } = await podsOnBothEnis(node);
      for (const pod of [secondary, primary]) {
        const del = await node.plugin('DEL', pod.ref, node.netconf({ prevResult: pod.result }));
        expect(del, del.stdout).toMatchObject({ code: 0, stdout: '' });
        const rules = await node.ip('-4', 'rule', 'show');
        expect(rules).not.toContain(pod.ip);
        expect(await node.ip('-4', 'route', 'show', 'table', 'all')).not.toContain(`${pod.ip} dev`);
        expect((await node.assigned()).has(`default/${pod.ref.name}`)).toBe(false);
        expect(node.checkpointed().has(pod.ref.containerId)).toBe(false);
      }

      // As the reference, DEL leaves the veth to the runtime, whose netns removal takes it.
      expect(await node.ip('link', 'show')).toContain(hostVeth(primary));
      destroyNetns(primary.ref);
      expect(await node.ip('link', 'show')).not.toContain(hostVeth(primary));
      // A pod of the same name whose old sandbox netns is still there: its stale host veth is
      // replaced by the new one — also when the plugin's /sys is another namespace's, so that only
      // `ip` can say which links exist.
      const [staleLink] = JSON.parse(
        await node.ip('-json', 'link', 'show', hostVeth(secondary)),
      ) as [{ ifindex: number }];
      const again1 = { ...(await node.newPod()), name: secondary.ref.name };
      const addedAgain = await node.plugin('ADD', again1, node.netconf(), { enter: 'nsenter' });
      expect(addedAgain, addedAgain.stdout).toMatchObject({ code: 0 });
      const readded = podOf(again1, addedAgain.json as unknown as AddResult);
      const [freshLink] = JSON.parse(
        await node.ip('-json', 'link', 'show', hostVeth(secondary)),
      ) as [{ ifindex: number; link_netnsid?: number }];
      expect(freshLink.ifindex).not.toBe(staleLink.ifindex);
      expect(
        await lab.ip(secondary.ref.nsName, 'link', 'show').then((r) => r.stdout),
      ).not.toContain('eth0');
      const gone = await node.plugin('DEL', again1, node.netconf({ prevResult: readded.result }));
      expect(gone.code).toBe(0);

      const before = await node.podHostState();
      const again = await node.plugin(
        'DEL',
        primary.ref,
        node.netconf({ prevResult: primary.result }),
      );
      expect(again, again.stdout).toMatchObject({ code: 0, stdout: '' });
      const withoutNetns = await node.plugin('DEL', { ...primary.ref, netns: '' });
      expect(withoutNetns, withoutNetns.stdout).toMatchObject({ code: 0, stdout: '' });
      expect(await node.podHostState()).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'DEL with the daemon stopped tears down from prevResult; after a restart GC releases the allocation it left',
    async () => {
      const node = await startNode();
      const { primary, secondary } = await podsOnBothEnis(node);
      const daemon = node.node.daemons.at(-1)!;
      expect(await daemon.stop()).toEqual({ code: 0, signal: null });

      const del = await node.plugin(
        'DEL',
        secondary.ref,
        node.netconf({ prevResult: secondary.result }),
      );
      expect(del, del.stdout).toMatchObject({ code: 0, stdout: '' });
      expect(node.pluginLogText()).toContain('DelNetwork failed; tearing down from prevResult');
      expect(await node.ip('-4', 'rule', 'show')).not.toContain(secondary.ip);
      expect(await node.ip('-4', 'route', 'show', 'table', 'all')).not.toContain(
        `${secondary.ip} dev`,
      );

      // ipamd never heard of that DEL: the allocation stays in its checkpoint (after a clean stop
      // the whole state is in ipam.json, the journal is gone). Age it past GC's grace, as an
      // allocation from before a node reboot would be.
      const path = node.node.checkpointPath;
      const aged = (BigInt(Date.now()) - 120_000n) * 1_000_000n;
      const text = readFileSync(path, 'utf8');
      const entry = new RegExp(
        `("containerID":"${secondary.ref.containerId}"[^}]*?"allocationTimestamp":)\\d+`,
      );
      expect(text).toMatch(entry);
      writeFileSync(path, text.replace(entry, `$1${aged}`));

      // Its veth is still there (DEL leaves it to the runtime), so the restarted daemon keeps the
      // allocation and re-programs its rules (configureIPRulesForPods), as the reference does.
      await node.startDaemon();
      expect((await node.assigned()).get(`default/${secondary.ref.name}`)).toBe(secondary.ip);
      const before = await node.podHostState();
      expect(before).toContain(`1536:\tfrom ${secondary.ip} lookup ${secondary.table}`);

      const gc = await node.plugin(
        'GC',
        { ...primary.ref, containerId: '', netns: '', ifName: '' },
        node.netconf({
          cniVersion: '1.1.0',
          'cni.dev/valid-attachments': [{ containerID: primary.ref.containerId, ifname: 'eth0' }],
        }),
      );
      expect(gc, gc.stdout).toMatchObject({ code: 0, stdout: '' });
      const assigned = await node.assigned();
      expect(assigned.has(`default/${secondary.ref.name}`)).toBe(false);
      // The other pods of this node are younger than the grace: GC leaves them alone.
      expect(assigned.get(`default/${primary.ref.name}`)).toBe(primary.ip);
      expect(node.checkpointed().has(secondary.ref.containerId)).toBe(false);
      // GC removed the released address's rules and nothing else.
      expect(await node.podHostState()).toEqual(
        before.filter((line) => !line.split(/\s+/).includes(secondary.ip)),
      );
      const check = await node.plugin(
        'CHECK',
        primary.ref,
        node.netconf({ prevResult: primary.result }),
      );
      expect(check, check.stdout).toMatchObject({ code: 0 });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a plumbing failure half-way leaves no address assigned and no link, route or rule behind; the retry succeeds',
    async () => {
      const node = await startNode();
      // An `ip` that applies the host-side batch up to the `to` rule and then fails the way the
      // kernel refuses a rule: the veth pair, its link-up and route already exist by then.
      const bin = mkdtempSync(join(tmpdir(), 'cni-ip-'));
      scratch.push(bin);
      writeFileSync(
        join(bin, 'ip'),
        [
          '#!/bin/sh',
          'input=$(cat)',
          'case "$input" in',
          '  *"rule add to "*)',
          `    head=$(printf '%s\\n' "$input" | sed '/^rule add to /,$d')`,
          // The lines before run for real; their tolerated failures (rules not there) pass through.
          `    printf '%s\\n' "$head" | /usr/sbin/ip "$@"`,
          `    echo 'RTNETLINK answers: No buffer space available' >&2`,
          `    echo "Command failed -:$(( $(printf '%s\\n' "$head" | wc -l) + 1 ))" >&2`,
          '    exit 1;;',
          'esac',
          `printf '%s' "$input" | exec /usr/sbin/ip "$@"`,
          '',
        ].join('\n'),
      );
      chmodSync(join(bin, 'ip'), 0o755);

      const before = await node.podHostState();
      const ref = await node.newPod('doomed');
      const failed = await node.plugin('ADD', ref, node.netconf(), {
        path: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin'}`,
      });
      expect(failed.code).toBe(1);
      expect(failed.json?.msg).toMatch(/failed to setup network/);
      expect(failed.json?.msg).toContain('No buffer space available');

      const veth = podVethName('eni', 'default', 'doomed');
      expect(await node.ip('link', 'show')).not.toContain(veth);
      expect(await lab.ip(ref.nsName, 'link', 'show').then((r) => r.stdout)).not.toContain('eth0');
      expect(await node.podHostState()).toEqual(before);
      // The address went back to ipamd (DelNetwork, reason SetupNSFailed) before the ADD failed.
      expect((await node.assigned()).has('default/doomed')).toBe(false);
      expect(node.checkpointed().has(ref.containerId)).toBe(false);
      const daemon = node.node.daemons.at(-1)!;
      await waitFor('the give-back in the daemon log', () =>
        daemon.logLines().find((line) => line.reason === 'SetupNSFailed'),
      );

      // The runtime's retry of the same sandbox works.
      const retried = podOf(ref, await node.add(ref));
      expect((await node.assigned()).get('default/doomed')).toBe(retried.ip);
      expect(await node.ip('link', 'show')).toContain(veth);
    },
    TEST_TIMEOUT_MS,
  );
});
