import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { createHostNetwork } from '../../../src/host/create-host-network.ts';
import { EniLinkNotFoundError } from '../../../src/host/host-network.ts';
import { LinuxHostNetwork } from '../../../src/host/linux-host-network.ts';
import { NoopHostNetwork } from '../../../src/host/noop-host-network.ts';
import { FakeRunner } from './fake-runner.ts';

const ENI = {
  mac: '02:00:00:00:00:11',
  primaryIp: '10.0.1.10',
  subnetCidr: '10.0.1.0/24',
  deviceNumber: 1,
  networkCard: 0,
};

const CONVERGED = {
  links: '[{"ifindex":3,"ifname":"eth1","flags":["UP"],"mtu":9001,"address":"02:00:00:00:00:11"}]',
  addr: '[{"ifname":"eth1","addr_info":[{"family":"inet","local":"10.0.1.10","prefixlen":24}]}]',
  table2:
    '[{"dst":"default","gateway":"10.0.1.1","dev":"eth1"},{"dst":"10.0.1.1","dev":"eth1","scope":"253"}]',
  rules: '[{"priority":32765,"src":"10.0.1.10","table":"2"}]',
};

/** An `ip` that shows a fresh eth1 until a batch succeeds, then the converged ENI. */
function ipFake(options: { links?: string; failBatches?: number } = {}) {
  let converged = false;
  let failures = options.failBatches ?? 0;
  const runner = new FakeRunner().on('ip', (args) => {
    const a = args.join(' ');
    if (a.includes('-batch')) {
      if (failures-- > 0)
        return { stdout: '', stderr: 'RTNETLINK answers: Network is unreachable', code: 2 };
      converged = true;
      return '';
    }
    if (a.includes('link show')) {
      return (
        options.links ??
        (converged ? CONVERGED.links : CONVERGED.links.replace('"UP"', '"BROADCAST"'))
      );
    }
    if (a.includes('addr show')) return converged ? CONVERGED.addr : '[]';
    if (a.includes('route show table 2')) return converged ? CONVERGED.table2 : '[]';
    if (a.includes('route show')) return '[]';
    if (a.includes('rule show')) return converged ? CONVERGED.rules : '[]';
    throw new Error(`unexpected ip ${a}`);
  });
  return runner;
}

function network(runner: FakeRunner, overrides: Partial<Config> = {}, sleeps: number[] = []) {
  return new LinuxHostNetwork({
    config: defaultConfig(overrides),
    runner,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

describe('LinuxHostNetwork (fake commands)', () => {
  it('waits 5 × 3 s for an ENI link, then throws EniLinkNotFoundError', async () => {
    const sleeps: number[] = [];
    const runner = ipFake({ links: '[]' });
    const error = await network(runner, {}, sleeps)
      .setupEni(ENI)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EniLinkNotFoundError);
    expect((error as EniLinkNotFoundError).mac).toBe(ENI.mac);
    expect(sleeps).toEqual([3000, 3000, 3000, 3000]);
    expect(runner.calls.filter((c) => c.args.includes('link'))).toHaveLength(5);
  });

  it('sets up an ENI with one ip batch and reports it', async () => {
    const runner = ipFake();
    const result = await network(runner).setupEni(ENI);
    expect(result.routeTableId).toBe(2);
    expect(result.changes).toEqual([
      'ip link set dev eth1 up',
      'ip addr add 10.0.1.10/24 dev eth1',
      'ip route replace 10.0.1.1/32 dev eth1 scope link table 2',
      'ip route replace default via 10.0.1.1 dev eth1 table 2',
      'ip rule add prio 32765 from 10.0.1.10/32 lookup 2',
    ]);
    const batch = runner.calls.filter((c) => c.args.includes('-batch'));
    expect(batch).toHaveLength(1);
    expect(batch[0]!.args).toEqual(['-4', '-batch', '-']);
  });

  it('retries a failing batch with a growing backoff (500 ms, 1 s, ...)', async () => {
    const sleeps: number[] = [];
    const runner = ipFake({ failBatches: 2 });
    await network(runner, {}, sleeps).setupEni(ENI);
    expect(sleeps).toEqual([500, 1000]);
  });

  it('gives up after 5 failing batches', async () => {
    const sleeps: number[] = [];
    await expect(network(ipFake({ failBatches: 9 }), {}, sleeps).setupEni(ENI)).rejects.toThrow(
      /Network is unreachable/,
    );
    expect(sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it('updateSnat before setupHost is a programming error', async () => {
    await expect(network(ipFake()).updateSnat(['10.0.0.0/16'])).rejects.toThrow(/before setupHost/);
  });
});

describe('createHostNetwork', () => {
  it('is the no-op one with DISABLE_HOST_NETWORKING, which still lists links', async () => {
    const runner = new FakeRunner().on('ip', () => '[{"ifname":"lo"},{"ifname":"eni0123456789a"}]');
    const host = createHostNetwork(defaultConfig({ disableHostNetworking: true }), { runner });
    expect(host).toBeInstanceOf(NoopHostNetwork);
    expect(
      await host.setupHost({ vpcCidrs: ['10.0.0.0/16'], primaryMac: 'x', primaryIp: '10.0.0.1' }),
    ).toEqual({
      primaryInterface: '',
      changes: [],
    });
    expect(await host.setupEni({ ...ENI, deviceNumber: 2, networkCard: 1 })).toEqual({
      interfaceName: '',
      routeTableId: 10102,
      changes: [],
    });
    expect(await host.programPodRules([{ ip: '10.0.1.20', routeTableId: 2 }])).toEqual([]);
    expect(await host.listLinkNames()).toEqual(['lo', 'eni0123456789a']);
    expect(runner.calls.every((c) => !c.args.includes('-batch'))).toBe(true);
  });

  it('is the Linux one otherwise', () => {
    expect(createHostNetwork(defaultConfig(), { runner: new FakeRunner() })).toBeInstanceOf(
      LinuxHostNetwork,
    );
  });
});
