import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/snat-rules.ts';
import { parseIptablesSave } from '../../../src/host/snat/iptables-save.ts';
import { FakeRunner } from './fake-runner.ts';
import { formatSaved, simulateRestore } from './iptables-sim.ts';

function io(
  env: Record<string, string> = {},
  runner = new FakeRunner().on('iptables', () => 'iptables v1.8.9 (nf_tables)'),
) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env, runner },
    out: () => out.join(''),
    err: () => err.join(''),
    runner,
  };
}

const ARGS = [
  '--vpc-cidrs',
  '10.0.0.0/16,100.64.0.0/16',
  '--primary-ip',
  '10.0.0.10',
  '--primary-if',
  'eth0',
];

describe('vpc-ipamd snat-rules', () => {
  it('--help prints usage and exits 0', async () => {
    const t = io();
    expect(await run(['--help'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^usage: vpc-ipamd snat-rules/);
  });

  it('refuses missing or bad arguments with exit 1', async () => {
    const t = io();
    expect(await run(['--primary-ip', '10.0.0', '--bogus'], t.io)).toBe(1);
    expect(t.err()).toMatch(/unknown option --bogus/);
    const u = io();
    expect(await run(['--primary-ip', '10.0.0'], u.io)).toBe(1);
    expect(u.err()).toMatch(
      /--vpc-cidrs is required; --primary-ip must be an IPv4 address; --primary-if is required/,
    );
  });

  it('prints the desired rules for the environment in iptables-save format', async () => {
    const t = io({
      AWS_VPC_K8S_CNI_RANDOMIZESNAT: 'none',
      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '192.168.0.0/16',
    });
    expect(await run(ARGS, t.io)).toBe(0);
    expect(t.out()).toContain(
      '-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.0.10\n',
    );
    expect(t.out()).toContain(
      '-A AWS-SNAT-CHAIN-0 -d 192.168.0.0/16 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
    );
    expect(t.runner.commands('iptables-restore')).toEqual([]);
  });

  it('with external SNAT prints only the empty SNAT chain and the node-port rules', async () => {
    const t = io({ AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true' });
    expect(await run(ARGS, t.io)).toBe(0);
    expect(t.out()).not.toContain('CONNMARK-CHAIN');
    expect(t.out()).toContain(':AWS-SNAT-CHAIN-0 - [0:0]');
  });

  it('still prints when iptables is missing, assuming --random-fully', async () => {
    const t = io({}, new FakeRunner());
    expect(await run(ARGS, t.io)).toBe(0);
    expect(t.out()).toContain('--random-fully');
    expect(t.err()).toMatch(/not usable here/);
  });

  it('says so for an IPv6 cluster', async () => {
    const t = io({
      ENABLE_IPv6: 'true',
      ENABLE_IPv4: 'false',
      ENABLE_PREFIX_DELEGATION: 'true',
      WARM_PREFIX_TARGET: '1',
    });
    expect(await run(ARGS, t.io)).toBe(0);
    expect(t.err()).toMatch(/IPv6 cluster/);
    expect(t.out()).toBe('');
  });

  it('--apply prints the restore scripts it applied, and nothing once converged', async () => {
    let tables = parseIptablesSave(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n',
    );
    const runner = new FakeRunner()
      .on('iptables-legacy', () => 'iptables v1.8.9 (legacy)')
      .on('iptables-legacy-save', (args) => formatSaved(tables, args[1]))
      .on('iptables-legacy-restore', (_args, input) => {
        tables = simulateRestore(tables, input!);
        return '';
      });
    const first = io({}, runner);
    expect(await run([...ARGS, '--apply', '--iptables', 'iptables-legacy'], first.io)).toBe(0);
    expect(first.out()).toMatch(/^\*mangle\n/);
    expect(first.out()).toContain('-N AWS-SNAT-CHAIN-0');
    const second = io({}, runner);
    expect(await run([...ARGS, '--apply', '--iptables', 'iptables-legacy'], second.io)).toBe(0);
    expect(second.out()).toBe('');
  });
});
