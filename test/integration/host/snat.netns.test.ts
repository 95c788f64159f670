import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { LinuxHostNetwork } from '../../../src/host/linux-host-network.ts';
import {
  formatRuleSet,
  normaliseIptablesSave,
  parseIptablesSave,
} from '../../../src/host/snat/iptables-save.ts';
import { planIptables } from '../../../src/host/snat/plan-iptables.ts';
import { renderSnatRules } from '../../../src/host/snat/render-snat-rules.ts';
import { announceSkip, hasCommand, NetnsLab, netnsSupport, RecordingRunner } from './netns-lab.ts';
import { buildNode, PRIMARY, VPC_CIDRS } from './node-topology.ts';

/**
 * SNAT / connmark / node-port iptables rules applied inside a real "node" namespace, with both
 * iptables frontends when both are installed.
 */

const support = netnsSupport();
announceSkip('host SNAT netns tests');
const FRONTENDS = ['iptables-nft', 'iptables-legacy'].filter(hasCommand);
const GOLDEN = new URL('../../fixtures/host/snat-default.iptables-save', import.meta.url);
const GOLDEN_CONFIG: Partial<Config> = { excludeSnatCidrs: ['192.168.0.0/16', '172.16.0.0/12'] };

describe.skipIf(!support.ok).each(FRONTENDS)('SNAT rules in a node namespace (%s)', (frontend) => {
  const lab = new NetnsLab();
  afterEach(async () => {
    await lab.cleanup();
  });

  async function save(ns: string): Promise<string> {
    return (await lab.exec(ns, `${frontend}-save`, [])).stdout;
  }

  function host(ns: string, overrides: Partial<Config> = {}) {
    const runner = new RecordingRunner(lab.runner(ns));
    const network = new LinuxHostNetwork({
      config: defaultConfig(overrides),
      runner,
      iptables: frontend,
    });
    return { runner, network };
  }

  function setup(network: LinuxHostNetwork, vpcCidrs = VPC_CIDRS) {
    return network.setupHost({ vpcCidrs, primaryMac: PRIMARY.mac, primaryIp: PRIMARY.ip });
  }

  function desired(overrides: Partial<Config>, vpcCidrs = VPC_CIDRS) {
    return renderSnatRules({
      config: defaultConfig(overrides),
      vpcCidrs,
      primaryInterface: PRIMARY.link,
      primaryIp: PRIMARY.ip,
      capabilities: { randomFully: true },
    });
  }

  /** Our rules as sorted lines, from a namespace that had no other rules. */
  function ourLines(text: string): string[] {
    return text
      .split('\n')
      .filter((l) => l.startsWith('-A ') || l.startsWith(':AWS-'))
      .sort();
  }

  it('matches the golden file after apply, and a second apply writes nothing', async () => {
    const { node } = await buildNode(lab);
    const first = host(node, GOLDEN_CONFIG);
    const result = await setup(first.network);
    expect(result.primaryInterface).toBe('eth0');
    expect(result.changes.length).toBeGreaterThan(0);

    const actual = normaliseIptablesSave(await save(node), ['mangle', 'nat']);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual);
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
    // What `vpc-ipamd snat-rules` prints is exactly what a fresh node ends up with.
    const printed = formatRuleSet(desired(GOLDEN_CONFIG));
    expect(
      actual
        .split('\n')
        .filter((l) => !/^:[A-Z]+ ACCEPT/.test(l))
        .join('\n'),
    ).toBe(printed);

    const second = host(node, GOLDEN_CONFIG);
    expect((await setup(second.network)).changes).toEqual([]);
    expect(second.runner.writes()).toEqual([]);
    expect(second.runner.calls.some((c) => c.command.endsWith('-restore'))).toBe(false);
  });

  it('converges through exclusion, external SNAT, randomize, mark and prefix changes', async () => {
    const { node } = await buildNode(lab);
    const steps: Partial<Config>[] = [
      {},
      { excludeSnatCidrs: ['192.168.0.0/16', '0.0.0.0/0'] },
      { excludeSnatCidrs: ['0.0.0.0/0'] },
      { randomizeSnat: 'none' },
      { randomizeSnat: 'hashrandom' },
      { externalSnat: true },
      { externalSnat: true, nodePortSupport: false },
      { externalSnat: false, nodePortSupport: false },
      { connmark: 0xc000, vethPrefix: 'veth' },
      {},
    ];
    for (const step of steps) {
      const { network, runner } = host(node, step);
      await setup(network);
      const text = await save(node);
      const want = desired(step);
      expect(planIptables(want, parseIptablesSave(text)), JSON.stringify(step)).toEqual([]);
      expect(
        ourLines(normaliseIptablesSave(text, ['mangle', 'nat'])),
        JSON.stringify(step),
      ).toEqual(ourLines(formatRuleSet(want)));
      const again = host(node, step);
      await setup(again.network);
      expect(again.runner.writes(), JSON.stringify(step)).toEqual([]);
      expect(runner.calls.filter((c) => c.command.endsWith('-restore')).length).toBeLessThanOrEqual(
        2,
      );
    }
  });

  it('a changed VPC CIDR set is applied by updateSnat, once', async () => {
    const { node } = await buildNode(lab);
    const { network } = host(node);
    await setup(network);
    const changes = await network.updateSnat(['10.0.0.0/16', '10.5.0.0/16']);
    expect(changes).toContain(
      'iptables -t nat -I AWS-SNAT-CHAIN-0 1 -d 10.5.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
    );
    expect(changes.some((c) => c.includes('-D AWS-SNAT-CHAIN-0 -d 100.64.0.0/16'))).toBe(true);
    expect(await network.updateSnat(['10.5.0.0/16', '10.0.0.0/16'])).toEqual([]);
  });

  it("removes the reference's legacy chains and nft table, and leaves unrelated rules alone", async () => {
    const { node } = await buildNode(lab);
    const foreign = [
      '*filter',
      ':FORWARD ACCEPT [0:0]',
      ':KUBE-FORWARD - [0:0]',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      'COMMIT',
      '*mangle',
      ':PREROUTING ACCEPT [0:0]',
      ':KUBE-IPTABLES-HINT - [0:0]',
      '-A PREROUTING -i eth0 -m comment --comment "AWS, primary ENI" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x40/0x40',
      '-A PREROUTING -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x1/0xffffffff',
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-POSTROUTING - [0:0]',
      ':MY-CHAIN - [0:0]',
      ':AWS-SNAT-CHAIN-0 - [0:0]',
      ':AWS-SNAT-CHAIN-1 - [0:0]',
      ':AWS-SNAT-CHAIN-2 - [0:0]',
      ':AWS-CONNMARK-CHAIN-0 - [0:0]',
      ':AWS-CONNMARK-CHAIN-1 - [0:0]',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -m state --state NEW -j AWS-CONNMARK-CHAIN-0',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A POSTROUTING -m comment --comment "AWS SNAT CHAN" -j AWS-SNAT-CHAIN-0',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A MY-CHAIN -d 1.2.3.4/32 -j AWS-SNAT-CHAIN-2',
      '-A AWS-SNAT-CHAIN-0 ! -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAN" -j AWS-SNAT-CHAIN-1',
      '-A AWS-SNAT-CHAIN-1 ! -d 100.64.0.0/16 -m comment --comment "AWS SNAT CHAN" -j AWS-SNAT-CHAIN-2',
      '-A AWS-SNAT-CHAIN-2 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.0.10',
      '-A AWS-CONNMARK-CHAIN-0 ! -d 10.0.0.0/16 -m comment --comment "AWS CONNMARK CHAIN, VPC CIDR" -j AWS-CONNMARK-CHAIN-1',
      '-A AWS-CONNMARK-CHAIN-1 -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x80/0x80',
      'COMMIT',
      '',
    ].join('\n');
    await lab.exec(node, `${frontend}-restore`, ['--noflush', '--wait=5'], { input: foreign });
    const nft = hasCommand('nft');
    if (nft) {
      await lab.exec(node, 'nft', ['-f', '-'], {
        input:
          'table ip aws-cni {\n chain nat-prerouting {\n  type nat hook prerouting priority -90; policy accept;\n  fib daddr type local return\n }\n chain snat-mark {\n  ip daddr 10.0.0.0/16 return\n }\n}\n',
      });
    }
    const before = parseIptablesSave(await save(node));

    const { network } = host(node);
    const { changes } = await setup(network);
    if (nft) expect(changes).toContain('nft delete table ip aws-cni');
    const after = parseIptablesSave(await save(node));

    const nat = after.get('nat')!;
    expect(nat.chains.filter((c) => c.startsWith('AWS-')).sort()).toEqual([
      'AWS-CONNMARK-CHAIN-0',
      'AWS-SNAT-CHAIN-0',
    ]);
    expect(nat.rules.some((r) => r.spec.includes('--state NEW'))).toBe(false);
    expect(nat.rules.some((r) => r.spec.includes('AWS SNAT CHAN"'))).toBe(false);
    expect(planIptables(desired({}), after)).toEqual([]);

    // Every rule that was not ours is still there, in the same order.
    const notOurs = (t: ReturnType<typeof parseIptablesSave>, table: string) =>
      (t.get(table)?.rules ?? [])
        .filter((r) => !r.chain.startsWith('AWS-') && !/AWS|aws/.test(r.spec))
        .filter((r) => r.chain !== 'MY-CHAIN');
    for (const table of ['filter', 'mangle', 'nat']) {
      expect(notOurs(after, table)).toEqual(notOurs(before, table));
    }
    // A foreign jump into a removed chain of ours had to go; the chain itself stays.
    expect(nat.chains).toContain('MY-CHAIN');
    expect(nat.rules.filter((r) => r.chain === 'MY-CHAIN')).toEqual([]);
    // The stale mangle rule with the wrong mark was replaced.
    expect(after.get('mangle')!.rules.some((r) => r.spec.includes('0x40/0x40'))).toBe(false);
    if (nft) {
      const listed = await lab.exec(node, 'nft', ['list', 'table', 'ip', 'aws-cni'], {
        allowFailure: true,
      });
      expect(listed.code).not.toBe(0);
    }
  });
});
