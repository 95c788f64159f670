import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { EniLinkNotFoundError, type EniNetwork } from '../../../src/host/host-network.ts';
import { LinuxHostNetwork } from '../../../src/host/linux-host-network.ts';
import { announceSkip, NetnsLab, netnsSupport, RecordingRunner } from './netns-lab.ts';
import { buildNode, PRIMARY, SECONDARY } from './node-topology.ts';

/**
 * ENI links, routes and ip rules set up and torn down by LinuxHostNetwork in a real namespace,
 * plus the host-wide and per-pod rules. Assertions read the kernel's state with `ip`.
 */

const support = netnsSupport();
announceSkip('host ENI/rule netns tests');

const ENI1: EniNetwork = {
  eniId: 'eni-1',
  mac: SECONDARY.mac,
  primaryIp: SECONDARY.ip,
  subnetCidr: SECONDARY.subnet,
  deviceNumber: 1,
  networkCard: 0,
};
const ENI2: EniNetwork = {
  eniId: 'eni-2',
  mac: '02:00:00:00:00:12',
  primaryIp: '10.0.2.10',
  subnetCidr: '10.0.2.0/24',
  deviceNumber: 2,
  networkCard: 1,
};

describe.skipIf(!support.ok)('ENI links and ip rules in a node namespace', () => {
  const lab = new NetnsLab();
  afterEach(async () => {
    await lab.cleanup();
  });

  async function setupNode() {
    const { node, vpc } = await buildNode(lab);
    await lab.veth(node, 'eth2', vpc, 'r2', ENI2.mac);
    return node;
  }

  function network(
    ns: string,
    overrides: Partial<Config> = {},
    extra: { sleep?: (ms: number) => Promise<void> } = {},
  ) {
    const runner = new RecordingRunner(lab.runner(ns));
    const host = new LinuxHostNetwork({
      config: defaultConfig(overrides),
      runner,
      linkWait: { attempts: 3, delayMs: 10 },
      ...extra,
    });
    return { host, runner };
  }

  async function text(ns: string, ...args: string[]): Promise<string> {
    return (await lab.ip(ns, ...args)).stdout.trim();
  }

  async function rules(ns: string): Promise<string[]> {
    return (await text(ns, '-4', 'rule', 'show')).split('\n');
  }

  it('sets up a secondary ENI: MTU, up, one address, table routes, no connected route, rule at 32765', async () => {
    const node = await setupNode();
    // Leftovers a previous life may have left: a foreign address on the link.
    await lab.ip(node, 'addr', 'add', '10.0.1.99/24', 'dev', 'eth1');
    const { host } = network(node);
    const result = await host.setupEni(ENI1);
    expect(result).toMatchObject({ interfaceName: 'eth1', routeTableId: 2 });
    expect(result.changes.length).toBeGreaterThan(0);

    const link = JSON.parse(await text(node, '-json', 'link', 'show', 'eth1')) as [
      { mtu: number; flags: string[] },
    ];
    expect(link[0].mtu).toBe(9001);
    expect(link[0].flags).toContain('UP');
    expect(await text(node, '-4', '-o', 'addr', 'show', 'dev', 'eth1')).toMatch(
      /inet 10\.0\.1\.10\/24 /,
    );
    expect(await text(node, '-4', '-o', 'addr', 'show', 'dev', 'eth1')).not.toMatch(/10\.0\.1\.99/);
    expect(
      (await text(node, '-4', 'route', 'show', 'table', '2')).split('\n').map((l) => l.trim()),
    ).toEqual(['default via 10.0.1.1 dev eth1', '10.0.1.1 dev eth1 scope link']);
    expect(await text(node, '-4', 'route', 'show', 'table', 'main')).not.toMatch(/10\.0\.1\.0\/24/);
    expect(await rules(node)).toContain('32765:\tfrom 10.0.1.10 lookup 2');
  });

  it('re-running set-up is a no-op: no ip batch at all', async () => {
    const node = await setupNode();
    await network(node).host.setupEni(ENI1);
    const again = network(node);
    expect((await again.host.setupEni(ENI1)).changes).toEqual([]);
    expect(again.runner.writes()).toEqual([]);
  });

  it('uses 10000 + 100·card + device on cards > 0, or the table of an existing rule', async () => {
    const node = await setupNode();
    const { host } = network(node);
    expect((await host.setupEni(ENI2)).routeTableId as number).toBe(10102);
    expect(await text(node, '-4', 'route', 'show', 'table', '10102')).toMatch(
      /default via 10\.0\.2\.1 dev eth2/,
    );

    const other = await setupNode();
    await lab.ip(other, 'rule', 'add', 'from', '10.0.2.10/32', 'lookup', '7', 'prio', '32765');
    expect((await network(other).host.setupEni(ENI2)).routeTableId).toBe(7);
    expect(await text(other, '-4', 'route', 'show', 'table', '7')).toMatch(
      /default via 10\.0\.2\.1 dev eth2/,
    );
  });

  it('device 0 of card 0 is the primary ENI: only its MTU changes', async () => {
    const node = await setupNode();
    const routes = await text(node, '-4', 'route', 'show', 'table', 'all');
    const result = await network(node).host.setupEni({
      mac: PRIMARY.mac,
      primaryIp: PRIMARY.ip,
      subnetCidr: '10.0.0.0/24',
      deviceNumber: 0,
      networkCard: 0,
    });
    expect(result).toEqual({
      interfaceName: 'eth0',
      routeTableId: 254,
      changes: ['ip link set dev eth0 mtu 9001'],
    });
    expect(await text(node, '-4', 'route', 'show', 'table', 'all')).toBe(routes);
  });

  it('teardown removes what set-up made and nothing else; a second teardown does nothing', async () => {
    const node = await setupNode();
    const { host } = network(node);
    await host.setupEni(ENI2);
    const rulesBefore = await rules(node);
    const routesBefore = await text(node, '-4', 'route', 'show', 'table', 'all');
    await host.setupEni(ENI1);
    // A pod rule into the ENI's table is the plugin's, not the ENI's.
    await lab.ip(node, 'rule', 'add', 'from', '10.0.1.20/32', 'lookup', '2', 'prio', '1536');

    const changes = await host.teardownEni(ENI1);
    expect(changes.length).toBeGreaterThan(0);
    expect(await rules(node)).toEqual([
      ...rulesBefore.slice(0, 1),
      '1536:\tfrom 10.0.1.20 lookup 2',
      ...rulesBefore.slice(1),
    ]);
    expect(await text(node, '-4', 'route', 'show', 'table', 'all')).toBe(routesBefore);
    expect(await text(node, '-4', 'addr', 'show', 'dev', 'eth1')).not.toMatch(/inet /);
    expect(await host.teardownEni(ENI1)).toEqual([]);
  });

  it('teardown after the link went away removes the rule and does not fail', async () => {
    const node = await setupNode();
    const { host } = network(node);
    await host.setupEni(ENI1);
    await lab.ip(node, 'link', 'del', 'eth1');
    expect(await host.teardownEni(ENI1)).toEqual([
      'ip rule del prio 32765 from 10.0.1.10/32 lookup 2',
    ]);
    expect((await rules(node)).some((r) => r.includes('10.0.1.10'))).toBe(false);
  });

  it('waits for a late link, and gives up with EniLinkNotFoundError', async () => {
    const node = await setupNode();
    const missing = network(node).host.setupEni({ ...ENI1, mac: '02:00:00:00:00:99' });
    await expect(missing).rejects.toBeInstanceOf(EniLinkNotFoundError);

    await lab.ip(node, 'link', 'del', 'eth1');
    let slept = 0;
    const late = network(
      node,
      {},
      {
        sleep: async () => {
          if (slept++ === 0) {
            const vpc = await lab.create('late');
            await lab.veth(node, 'eth1', vpc, 'r1', SECONDARY.mac);
          }
        },
      },
    );
    expect((await late.host.setupEni(ENI1)).interfaceName).toBe('eth1');
    expect(slept).toBe(1);
  });

  it('re-programs restored pods’ rules, collapsing old from-rules, and prunes stale ones', async () => {
    const node = await setupNode();
    const { host } = network(node);
    // What older versions and crashes leave: another priority, a stale table. (Exact duplicates
    // cannot be made with today's ip(8); the unit tests cover them.)
    for (const args of [
      ['from', '10.0.1.20/32', 'lookup', '2', 'prio', '1536'],
      ['from', '10.0.1.20/32', 'lookup', '3', 'prio', '1537'],
      ['from', '10.0.0.20/32', 'lookup', '2', 'prio', '1536'],
      ['to', '10.0.9.9/32', 'lookup', 'main', 'prio', '512'],
      ['from', '10.0.9.9/32', 'lookup', '3', 'prio', '1536'],
    ]) {
      await lab.ip(node, 'rule', 'add', ...args);
    }
    const pods = [
      { ip: '10.0.1.20', routeTableId: 2 },
      { ip: '10.0.0.20', routeTableId: 254 },
    ];
    await host.programPodRules(pods);
    const after = await rules(node);
    expect(after.filter((r) => r.includes('10.0.1.20'))).toEqual([
      '512:\tfrom all to 10.0.1.20 lookup main',
      '1536:\tfrom 10.0.1.20 lookup 2',
    ]);
    expect(after.filter((r) => r.includes('10.0.0.20'))).toEqual([
      '512:\tfrom all to 10.0.0.20 lookup main',
    ]);
    expect(await host.programPodRules(pods)).toEqual([]);

    await host.prunePodRules(['10.0.1.20', '10.0.9.9']);
    const pruned = await rules(node);
    expect(pruned.filter((r) => r.includes('10.0.1.20') || r.includes('10.0.9.9'))).toEqual([]);
    expect(pruned).toContain('512:\tfrom all to 10.0.0.20 lookup main');
    expect(await host.prunePodRules(['10.0.1.20'])).toEqual([]);
  });

  it('keeps exactly one 1535 rule per external service CIDR', async () => {
    const node = await setupNode();
    const { host } = network(node);
    await lab.ip(node, 'rule', 'add', 'to', '10.50.0.0/16', 'lookup', 'main', 'prio', '1535');
    await host.configureExternalServiceRules(['10.100.0.0/16', '10.200.0.0/16']);
    expect((await rules(node)).filter((r) => r.startsWith('1535:')).sort()).toEqual([
      '1535:\tfrom all to 10.100.0.0/16 lookup main',
      '1535:\tfrom all to 10.200.0.0/16 lookup main',
    ]);
    expect(await host.configureExternalServiceRules(['10.200.0.0/16', '10.100.0.0/16'])).toEqual(
      [],
    );
    await host.configureExternalServiceRules([]);
    expect((await rules(node)).filter((r) => r.startsWith('1535:'))).toEqual([]);
  });

  it('setupHost: primary MTU, rp_filter=2, fwmark rule iff node-port support or SNAT, local rule move for strict SGP', async () => {
    const node = await setupNode();
    const setup = { vpcCidrs: ['10.0.0.0/16'], primaryMac: PRIMARY.mac, primaryIp: PRIMARY.ip };
    await network(node).host.setupHost(setup);
    expect(await rules(node)).toContain('1024:\tfrom all fwmark 0x80/0x80 lookup main');
    const rp = await lab.exec(node, 'sysctl', ['-n', 'net.ipv4.conf.eth0.rp_filter']);
    expect(rp.stdout.trim()).toBe('2');
    expect(await text(node, '-o', 'link', 'show', 'eth0')).toMatch(/mtu 9001/);

    await network(node, { connmark: 0xc000 }).host.setupHost(setup);
    expect((await rules(node)).filter((r) => r.startsWith('1024:'))).toEqual([
      '1024:\tfrom all fwmark 0xc000/0xc000 lookup main',
    ]);
    await network(node, { externalSnat: true }).host.setupHost(setup);
    expect((await rules(node)).filter((r) => r.startsWith('1024:'))).toHaveLength(1);
    await network(node, { externalSnat: true, nodePortSupport: false }).host.setupHost(setup);
    expect((await rules(node)).filter((r) => r.startsWith('1024:'))).toEqual([]);

    await network(node, { enablePodEni: true, podSgEnforcingMode: 'strict' }).host.setupHost(setup);
    const moved = await rules(node);
    expect(moved[0]).toBe('20:\tfrom all lookup local');
    expect(moved.some((r) => r.startsWith('0:'))).toBe(false);
    const again = network(node, { enablePodEni: true, podSgEnforcingMode: 'strict' });
    expect((await again.host.setupHost(setup)).changes).toEqual([]);
  });

  it('lists the node’s link names', async () => {
    const node = await setupNode();
    expect([...(await network(node).host.listLinkNames())].sort()).toEqual([
      'eth0',
      'eth1',
      'eth2',
      'lo',
    ]);
  });
});
