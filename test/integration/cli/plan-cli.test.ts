import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type NodeRun, runNode } from './node-process.ts';

const BIN = fileURLToPath(new URL('../../../bin/vpc-ipamd.js', import.meta.url));

/** Runs `vpc-ipamd` as a child process with a clean environment plus `env`. */
function vpcIpamd(args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  return runNode(BIN, args, env);
}

describe('vpc-ipamd plan as a child process', () => {
  it('--json prints exactly one JSON object with the settled numbers', async () => {
    // m5.large, E = 1 (default), 10 pods: three full ENIs, 17 unused (see plan.test.ts).
    const run = await vpcIpamd(['plan', '--instance-type', 'm5.large', '--pods', '10', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      enis: 3,
      ips: 27,
      prefixes: 0,
      ipsPerEni: [9, 9, 9],
      prefixesPerEni: [0, 0, 0],
      unusedIps: 17,
      failedPods: 0,
    });
  });

  it('reads the settings from the environment, and flags override them', async () => {
    // WARM_IP_TARGET=5 and MINIMUM_IP_TARGET=6 from the environment, --warm-ip-target 2 wins
    // over the first: t3.small empty → short = max(2 − 0, 6 − 0) = 6 → [3, 3].
    const run = await vpcIpamd(
      ['plan', '--instance-type', 't3.small', '--json', '--warm-ip-target', '2'],
      { WARM_IP_TARGET: '5', MINIMUM_IP_TARGET: '6' },
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ ipsPerEni: [3, 3], unusedIps: 6 });
  });

  it('prints a readable summary with pods that got no address', async () => {
    const run = await vpcIpamd(['plan', '--instance-type', 'm5.large', '--pods', '30']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('IPs per ENI:       9 9 9');
    expect(run.stdout).toContain('unused IPs:        0');
    expect(run.stdout).toContain('pods without an IP: 3');
    expect(run.stdout).toContain('note: 30 pods is more than max pods 29');
  });

  it('refuses an unknown instance type, bad numbers and contradictory settings with exit 1', async () => {
    const unknown = await vpcIpamd(['plan', '--instance-type', 'm5.lage']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown instance type 'm5.lage'");
    expect(unknown.stderr).toContain('m5.large');
    const badPods = await vpcIpamd(['plan', '--instance-type', 'm5.large', '--pods', '-3']);
    expect(badPods.code).toBe(1);
    expect(badPods.stderr).toContain('--pods must be a whole number');
    const noTarget = await vpcIpamd(['plan', '--instance-type', 'm5.large', '--prefix-delegation']);
    expect(noTarget.code).toBe(1);
    expect(noTarget.stderr).toContain('WARM_PREFIX_TARGET=1');
    expect(noTarget.stdout).toBe('');
  });

  it('--help documents where max pods comes from', async () => {
    const run = await vpcIpamd(['plan', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--max-pods N');
    expect(run.stdout).toContain('Node object');
  });

  it('answers in seconds for p3dn.24xlarge with 150 pods and prefix delegation', async () => {
    // 150 pods use 10 prefixes (the 10th holds 6): avail 10 < 16 → an 11th. 176 − 150 = 26.
    const run = await vpcIpamd(
      [
        'plan',
        '--instance-type',
        'p3dn.24xlarge',
        '--pods',
        '150',
        '--prefix-delegation',
        '--warm-prefix-target',
        '1',
        '--json',
      ],
      {},
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      enis: 1,
      ips: 176,
      prefixes: 11,
      ipsPerEni: [176],
      prefixesPerEni: [11],
      unusedIps: 26,
      failedPods: 0,
    });
  });
});
