import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { parseIptablesSave, type SavedTable } from '../../../src/host/snat/iptables-save.ts';
import {
  isOwnedBuiltinRule,
  planBuiltinChain,
  planIptables,
  planOwnedChain,
  restoreScript,
} from '../../../src/host/snat/plan-iptables.ts';
import { renderSnatRules } from '../../../src/host/snat/render-snat-rules.ts';
import type { OwnedChain } from '../../../src/host/snat/rule-set.ts';
import { simulateRestore as simulate } from './iptables-sim.ts';

function desired(overrides: Partial<Config> = {}, vpcCidrs = ['10.0.0.0/16']) {
  return renderSnatRules({
    config: defaultConfig(overrides),
    vpcCidrs,
    primaryInterface: 'eth0',
    primaryIp: '10.0.0.10',
    capabilities: { randomFully: true },
  });
}

function converge(
  tables: Map<string, SavedTable>,
  overrides: Partial<Config> = {},
  cidrs?: string[],
) {
  const want = desired(overrides, cidrs);
  const plans = planIptables(want, tables);
  let state = tables;
  for (const p of plans) state = simulate(state, restoreScript(p));
  expect(planIptables(want, state)).toEqual([]);
  return { plans, state };
}

const EMPTY = parseIptablesSave(
  [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    'COMMIT',
    '*mangle',
    ':PREROUTING ACCEPT [0:0]',
    'COMMIT',
  ].join('\n'),
);

describe('planIptables', () => {
  it('on an empty node creates the chains and appends everything, one script per table', () => {
    const { plans } = converge(EMPTY);
    expect(plans.map((p) => p.table)).toEqual(['mangle', 'nat']);
    const nat = plans[1]!.lines;
    expect(nat.slice(0, 2)).toEqual(['-N AWS-SNAT-CHAIN-0', '-N AWS-CONNMARK-CHAIN-0']);
    expect(nat).toContain(
      '-I AWS-SNAT-CHAIN-0 1 -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
    );
    expect(nat.filter((l) => l.startsWith('-A AWS-SNAT-CHAIN-0'))).toHaveLength(1);
  });

  it('a converged node needs no script', () => {
    const { state } = converge(EMPTY);
    expect(planIptables(desired(), state)).toEqual([]);
  });

  it('adding an exclusion inserts the RETURN at the top and re-appends the terminal rule', () => {
    const { state } = converge(EMPTY);
    const { plans } = converge(state, { excludeSnatCidrs: ['192.168.0.0/16'] });
    const nat = plans.find((p) => p.table === 'nat')!.lines;
    expect(nat[0]).toMatch(/^-I AWS-SNAT-CHAIN-0 1 -d 192\.168\.0\.0\/16 /);
    expect(plans.map((p) => p.table)).toEqual(['nat']);
  });

  it('removing a VPC CIDR deletes only its RETURN rules', () => {
    const { state } = converge(EMPTY, {}, ['10.0.0.0/16', '10.1.0.0/16']);
    const { plans } = converge(state, {}, ['10.0.0.0/16']);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.lines).toEqual([
      '-D AWS-SNAT-CHAIN-0 -d 10.1.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
      '-D AWS-CONNMARK-CHAIN-0 -d 10.1.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
    ]);
  });

  it('external SNAT on: empties AWS-SNAT-CHAIN-0, removes the jump and the connmark chain', () => {
    const { state } = converge(EMPTY);
    const { plans, state: after } = converge(state, { externalSnat: true });
    const nat = plans.find((p) => p.table === 'nat')!.lines;
    expect(nat.slice(-2)).toEqual(['-F AWS-CONNMARK-CHAIN-0', '-X AWS-CONNMARK-CHAIN-0']);
    expect(after.get('nat')!.chains).toContain('AWS-SNAT-CHAIN-0');
    expect(after.get('nat')!.rules).toEqual([]);
    // Back again.
    converge(after);
  });

  it('changing the randomize mode replaces only the terminal rule', () => {
    const { state } = converge(EMPTY);
    const { plans } = converge(state, { randomizeSnat: 'none' });
    expect(plans).toHaveLength(1);
    expect(plans[0]!.lines).toHaveLength(2);
    expect(plans[0]!.lines[0]).toMatch(/^-D AWS-SNAT-CHAIN-0 .*--random-fully$/);
    expect(plans[0]!.lines[1]).toMatch(/^-A AWS-SNAT-CHAIN-0 .*--to-source 10\.0\.0\.10$/);
  });

  it('changing the mark rewrites the rules that carry it, in both tables', () => {
    const { state } = converge(EMPTY);
    const { plans, state: after } = converge(state, { connmark: 0xc000 });
    expect(plans.map((p) => p.table)).toEqual(['mangle', 'nat']);
    const text = [...after.values()].flatMap((t) => t.rules.map((r) => r.spec)).join('\n');
    expect(text).not.toContain('0x80');
  });

  it('removes the reference legacy chains, the --state NEW rule, and leaves unrelated rules alone', () => {
    const legacy = parseIptablesSave(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':AWS-CONNMARK-CHAIN-0 - [0:0]',
        ':AWS-CONNMARK-CHAIN-1 - [0:0]',
        ':AWS-SNAT-CHAIN-0 - [0:0]',
        ':AWS-SNAT-CHAIN-1 - [0:0]',
        ':KUBE-POSTROUTING - [0:0]',
        ':MY-CHAIN - [0:0]',
        '-A PREROUTING -j KUBE-SERVICES',
        '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -m state --state NEW -j AWS-CONNMARK-CHAIN-0',
        '-A PREROUTING -m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        '-A POSTROUTING -m comment --comment "AWS SNAT CHAN" -j AWS-SNAT-CHAIN-0',
        '-A AWS-CONNMARK-CHAIN-0 ! -d 10.0.0.0/16 -m comment --comment "AWS CONNMARK CHAIN, VPC CIDR" -j AWS-CONNMARK-CHAIN-1',
        '-A AWS-CONNMARK-CHAIN-1 -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x80/0x80',
        '-A AWS-SNAT-CHAIN-0 ! -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAN" -j AWS-SNAT-CHAIN-1',
        '-A AWS-SNAT-CHAIN-1 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.0.10',
        '-A KUBE-POSTROUTING -j RETURN',
        '-A MY-CHAIN -j AWS-SNAT-CHAIN-1',
        'COMMIT',
      ].join('\n'),
    );
    const { plans, state } = converge(legacy);
    const nat = plans.find((p) => p.table === 'nat')!.lines;
    expect(nat).toContain('-D MY-CHAIN -j AWS-SNAT-CHAIN-1');
    expect(nat.slice(-4)).toEqual([
      '-F AWS-CONNMARK-CHAIN-1',
      '-F AWS-SNAT-CHAIN-1',
      '-X AWS-CONNMARK-CHAIN-1',
      '-X AWS-SNAT-CHAIN-1',
    ]);
    const rules = state.get('nat')!.rules;
    expect(rules).toContainEqual({ chain: 'PREROUTING', spec: '-j KUBE-SERVICES' });
    expect(rules).toContainEqual({ chain: 'KUBE-POSTROUTING', spec: '-j RETURN' });
    expect(rules.filter((r) => r.spec.includes('--state NEW'))).toEqual([]);
    expect(state.get('nat')!.chains).not.toContain('AWS-SNAT-CHAIN-1');
    // The jump survives in MY-CHAIN? No: it pointed into a removed chain.
    expect(rules.filter((r) => r.chain === 'MY-CHAIN')).toEqual([]);
  });

  it('keeps the restore-mark rule after the jump in nat PREROUTING', () => {
    const swapped = parseIptablesSave(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':AWS-CONNMARK-CHAIN-0 - [0:0]',
        '-A PREROUTING -m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        '-A PREROUTING -j KUBE-SERVICES',
        '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
        'COMMIT',
      ].join('\n'),
    );
    const { state } = converge(swapped);
    const pre = state
      .get('nat')!
      .rules.filter((r) => r.chain === 'PREROUTING')
      .map((r) => r.spec);
    expect(pre[0]).toBe('-j KUBE-SERVICES');
    expect(pre[1]).toMatch(/AWS-CONNMARK-CHAIN-0$/);
    expect(pre[2]).toMatch(/--restore-mark/);
  });
});

describe('planOwnedChain', () => {
  const chain: OwnedChain = {
    table: 'nat',
    chain: 'C',
    present: true,
    unordered: ['r1', 'r2'],
    terminal: 'T',
  };

  it('accepts any order of the unordered rules', () => {
    expect(planOwnedChain(chain, ['r2', 'r1', 'T'])).toEqual([]);
  });

  it('moves a terminal rule that is not last', () => {
    expect(planOwnedChain(chain, ['T', 'r1', 'r2'])).toEqual(['-D C T', '-A C T']);
  });

  it('removes duplicates, keeping the last terminal copy', () => {
    expect(planOwnedChain(chain, ['r1', 'T', 'r1', 'r2', 'T'])).toEqual(['-D C r1', '-D C T']);
  });

  it('deletes a rule without text by its position', () => {
    expect(planOwnedChain(chain, ['r1', '', 'r2', 'T'])).toEqual(['-D C 2']);
  });
});

describe('planBuiltinChain', () => {
  const want = {
    table: 'nat' as const,
    chain: 'P',
    rules: [
      '-m comment --comment "AWS, CONNMARK" -j A',
      '-m comment --comment "AWS, CONNMARK" -j B',
    ],
  };
  const [a, b] = want.rules as [string, string];

  it('ignores foreign rules between ours', () => {
    expect(planBuiltinChain(want, [a, '-j FOREIGN', b])).toEqual([]);
  });

  it('starts over when deleting duplicates by text would hit the wrong copy', () => {
    const plan = planBuiltinChain(want, [a, b, a]);
    expect(plan).toEqual([`-D P ${a}`, `-D P ${b}`, `-D P ${a}`, `-A P ${a}`, `-A P ${b}`]);
  });
});

describe('isOwnedBuiltinRule', () => {
  it('recognises our comments and jumps into our chains, nothing else', () => {
    expect(isOwnedBuiltinRule('-m comment --comment "AWS, primary ENI" -j CONNMARK')).toBe(true);
    expect(isOwnedBuiltinRule('-j AWS-SNAT-CHAIN-3')).toBe(true);
    expect(isOwnedBuiltinRule('-g AWS-CONNMARK-CHAIN-0')).toBe(true);
    expect(isOwnedBuiltinRule('-m comment --comment "AWS, primary ENIs" -j X')).toBe(false);
    expect(isOwnedBuiltinRule('-j KUBE-POSTROUTING')).toBe(false);
    expect(isOwnedBuiltinRule('-j AWS-SNAT-CHAIN-X')).toBe(false);
  });
});
