import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/index.ts';
import type { Config } from '../../../src/config/types.ts';
import { formatRuleSet } from '../../../src/host/snat/iptables-save.ts';
import { renderSnatRules, type SnatInput } from '../../../src/host/snat/render-snat-rules.ts';
import type { SnatRuleSet } from '../../../src/host/snat/rule-set.ts';

function render(overrides: Partial<Config> = {}, input: Partial<SnatInput> = {}): SnatRuleSet {
  return renderSnatRules({
    config: defaultConfig(overrides),
    vpcCidrs: ['10.0.0.0/16', '100.64.0.0/16'],
    primaryInterface: 'eth0',
    primaryIp: '10.0.0.10',
    capabilities: { randomFully: true },
    ...input,
  });
}

function owned(set: SnatRuleSet, chain: string) {
  return set.ownedChains.find((c) => c.chain === chain)!;
}

function builtin(set: SnatRuleSet, table: string, chain: string): readonly string[] {
  return set.builtinChains.find((c) => c.table === table && c.chain === chain)!.rules;
}

const SNAT_RULE =
  '! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.0.10';

describe('renderSnatRules: default configuration (TestSetupHostNetworkWithExcludeSNATCIDRs layout)', () => {
  const set = render({ excludeSnatCidrs: ['192.168.0.0/16', '172.16.0.0/12'] });

  it('nat POSTROUTING jumps to AWS-SNAT-CHAIN-0', () => {
    expect(builtin(set, 'nat', 'POSTROUTING')).toEqual([
      '-m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
    ]);
  });

  it('AWS-SNAT-CHAIN-0 returns for every VPC CIDR and exclusion, then SNATs with --random-fully', () => {
    const chain = owned(set, 'AWS-SNAT-CHAIN-0');
    expect(chain.present).toBe(true);
    expect(chain.unordered).toEqual([
      '-d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
      '-d 100.64.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
      '-d 192.168.0.0/16 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
      '-d 172.16.0.0/12 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
    ]);
    expect(chain.terminal).toBe(`${SNAT_RULE} --random-fully`);
  });

  it('nat PREROUTING: connmark jump for eni+ then restore-mark', () => {
    expect(builtin(set, 'nat', 'PREROUTING')).toEqual([
      '-i eni+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
      '-m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
    ]);
  });

  it('AWS-CONNMARK-CHAIN-0 returns for VPC and exclusion CIDRs, then sets the mark', () => {
    const chain = owned(set, 'AWS-CONNMARK-CHAIN-0');
    expect(chain.present).toBe(true);
    expect(chain.unordered).toEqual([
      '-d 10.0.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
      '-d 100.64.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
      '-d 192.168.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
      '-d 172.16.0.0/12 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
    ]);
    expect(chain.terminal).toBe(
      '-m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x80/0x80',
    );
  });

  it('mangle PREROUTING: primary-ENI mark, eni+ and vlan+ restore, in this order', () => {
    expect(builtin(set, 'mangle', 'PREROUTING')).toEqual([
      '-i eth0 -m comment --comment "AWS, primary ENI" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x80/0x80',
      '-i eni+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
      '-i vlan+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
    ]);
  });

  it('has no warnings', () => {
    expect(set.warnings).toEqual([]);
  });

  it('prints as iptables-save in fresh-node order (RETURNs reversed, terminal last)', () => {
    expect(formatRuleSet(render())).toBe(
      [
        '*mangle',
        '-A PREROUTING -i eth0 -m comment --comment "AWS, primary ENI" -m addrtype --dst-type LOCAL --limit-iface-in -j CONNMARK --set-xmark 0x80/0x80',
        '-A PREROUTING -i eni+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        '-A PREROUTING -i vlan+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        'COMMIT',
        '*nat',
        ':AWS-CONNMARK-CHAIN-0 - [0:0]',
        ':AWS-SNAT-CHAIN-0 - [0:0]',
        '-A PREROUTING -i eni+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
        '-A PREROUTING -m comment --comment "AWS, CONNMARK" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
        '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
        '-A AWS-CONNMARK-CHAIN-0 -d 100.64.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
        '-A AWS-CONNMARK-CHAIN-0 -d 10.0.0.0/16 -m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
        '-A AWS-CONNMARK-CHAIN-0 -m comment --comment "AWS, CONNMARK" -j CONNMARK --set-xmark 0x80/0x80',
        '-A AWS-SNAT-CHAIN-0 -d 100.64.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
        '-A AWS-SNAT-CHAIN-0 -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
        `-A AWS-SNAT-CHAIN-0 ${SNAT_RULE} --random-fully`,
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
});

describe('renderSnatRules: external SNAT', () => {
  const set = render({ externalSnat: true, excludeSnatCidrs: ['192.168.0.0/16'] });

  it('keeps AWS-SNAT-CHAIN-0 but empty, without a POSTROUTING jump', () => {
    const chain = owned(set, 'AWS-SNAT-CHAIN-0');
    expect(chain).toMatchObject({ present: true, unordered: [] });
    expect(chain.terminal).toBeUndefined();
    expect(builtin(set, 'nat', 'POSTROUTING')).toEqual([]);
  });

  it('removes the connmark chain and its PREROUTING rules (exclusions are ignored)', () => {
    expect(owned(set, 'AWS-CONNMARK-CHAIN-0')).toMatchObject({ present: false });
    expect(builtin(set, 'nat', 'PREROUTING')).toEqual([]);
  });

  it('keeps the node-port mangle rules while node-port support is on', () => {
    expect(builtin(set, 'mangle', 'PREROUTING')).toHaveLength(3);
  });

  it('with node-port support off as well, no mangle rules remain', () => {
    const off = render({ externalSnat: true, nodePortSupport: false });
    expect(builtin(off, 'mangle', 'PREROUTING')).toEqual([]);
    expect(formatRuleSet(off)).toBe('*nat\n:AWS-SNAT-CHAIN-0 - [0:0]\nCOMMIT\n');
  });
});

describe('renderSnatRules: exclusions', () => {
  it('writes 0.0.0.0/0 without -d (iptables drops it when printing)', () => {
    const set = render({ excludeSnatCidrs: ['0.0.0.0/0'] });
    expect(owned(set, 'AWS-SNAT-CHAIN-0').unordered).toContain(
      '-m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
    );
    expect(owned(set, 'AWS-CONNMARK-CHAIN-0').unordered).toContain(
      '-m comment --comment "AWS CONNMARK CHAIN" -j RETURN',
    );
  });

  it('an exclusion equal to a VPC CIDR gives two SNAT returns but one connmark return', () => {
    const set = render({ excludeSnatCidrs: ['10.0.0.0/16'] });
    expect(owned(set, 'AWS-SNAT-CHAIN-0').unordered).toHaveLength(3);
    expect(owned(set, 'AWS-CONNMARK-CHAIN-0').unordered).toHaveLength(2);
  });

  it('normalises host bits and drops invalid or IPv6 entries with a warning', () => {
    const set = render({ excludeSnatCidrs: ['192.168.1.7/16', 'nonsense', 'fd00::/8'] });
    expect(owned(set, 'AWS-SNAT-CHAIN-0').unordered).toContain(
      '-d 192.168.0.0/16 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN',
    );
    expect(owned(set, 'AWS-SNAT-CHAIN-0').unordered).toHaveLength(3);
    expect(set.warnings).toHaveLength(2);
  });

  it('a /32 VPC CIDR keeps its /32', () => {
    const set = render({}, { vpcCidrs: ['10.1.2.3/32'] });
    expect(owned(set, 'AWS-SNAT-CHAIN-0').unordered).toEqual([
      '-d 10.1.2.3/32 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
    ]);
  });
});

describe('renderSnatRules: randomize modes', () => {
  it('prng → --random-fully', () => {
    expect(owned(render({ randomizeSnat: 'prng' }), 'AWS-SNAT-CHAIN-0').terminal).toBe(
      `${SNAT_RULE} --random-fully`,
    );
  });

  it('prng without --random-fully support → --random with a warning', () => {
    const set = render({ randomizeSnat: 'prng' }, { capabilities: { randomFully: false } });
    expect(owned(set, 'AWS-SNAT-CHAIN-0').terminal).toBe(`${SNAT_RULE} --random`);
    expect(set.warnings).toEqual(['iptables lacks SNAT --random-fully; using --random instead']);
  });

  it('hashrandom → --random', () => {
    expect(owned(render({ randomizeSnat: 'hashrandom' }), 'AWS-SNAT-CHAIN-0').terminal).toBe(
      `${SNAT_RULE} --random`,
    );
  });

  it('none → no flag', () => {
    expect(owned(render({ randomizeSnat: 'none' }), 'AWS-SNAT-CHAIN-0').terminal).toBe(SNAT_RULE);
  });
});

describe('renderSnatRules: mark, veth prefix, node-port support', () => {
  it('a custom mark appears in every mark and mask, in hex', () => {
    const text = formatRuleSet(render({ connmark: 0xc000 }));
    expect(text).toContain('--restore-mark --nfmask 0xc000 --ctmask 0xc000');
    expect(text).toContain('--set-xmark 0xc000/0xc000');
    expect(text).not.toContain('0x80');
  });

  it('a custom veth prefix replaces eni+ in both tables', () => {
    const set = render({ vethPrefix: 'veth' });
    expect(builtin(set, 'nat', 'PREROUTING')[0]).toBe(
      '-i veth+ -m comment --comment "AWS, outbound connections" -j AWS-CONNMARK-CHAIN-0',
    );
    expect(builtin(set, 'mangle', 'PREROUTING')[1]).toMatch(/^-i veth\+ /);
    expect(formatRuleSet(set)).not.toContain('eni+');
  });

  it('node-port support off keeps only the eni+ restore in mangle', () => {
    const set = render({ nodePortSupport: false });
    expect(builtin(set, 'mangle', 'PREROUTING')).toEqual([
      '-i eni+ -m comment --comment "AWS, primary ENI" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80',
    ]);
    expect(owned(set, 'AWS-CONNMARK-CHAIN-0').present).toBe(true);
  });

  it('the primary interface is the one given', () => {
    expect(builtin(render({}, { primaryInterface: 'ens5' }), 'mangle', 'PREROUTING')[0]).toMatch(
      /^-i ens5 /,
    );
  });

  it('refuses an invalid primary IP or interface name', () => {
    expect(() => render({}, { primaryIp: '10.0.0' })).toThrow(/primary IP/);
    expect(() => render({}, { primaryInterface: 'eth 0' })).toThrow(/interface/);
  });
});

describe('renderSnatRules: every combination of the switches', () => {
  const combos = [false, true].flatMap((externalSnat) =>
    [false, true].flatMap((nodePortSupport) =>
      (['prng', 'hashrandom', 'none'] as const).flatMap((randomizeSnat) =>
        [[], ['0.0.0.0/0'], ['192.168.0.0/16', '172.16.0.0/12']].map((excludeSnatCidrs) => ({
          externalSnat,
          nodePortSupport,
          randomizeSnat,
          excludeSnatCidrs,
        })),
      ),
    ),
  );

  it.each(combos)('%o', (combo) => {
    const set = render({ ...combo, connmark: 0x4000, vethPrefix: 'pod' });
    const snat = owned(set, 'AWS-SNAT-CHAIN-0');
    const connmark = owned(set, 'AWS-CONNMARK-CHAIN-0');
    const on = !combo.externalSnat;
    expect(snat.present).toBe(true);
    expect(snat.unordered).toHaveLength(on ? 2 + combo.excludeSnatCidrs.length : 0);
    expect(snat.terminal === undefined).toBe(!on);
    if (on) {
      const flag = { prng: ' --random-fully', hashrandom: ' --random', none: '' }[
        combo.randomizeSnat
      ];
      expect(snat.terminal!.endsWith(`--to-source 10.0.0.10${flag}`)).toBe(true);
    }
    expect(connmark.present).toBe(on);
    expect(connmark.unordered).toHaveLength(on ? 2 + combo.excludeSnatCidrs.length : 0);
    expect(builtin(set, 'nat', 'POSTROUTING')).toHaveLength(on ? 1 : 0);
    expect(builtin(set, 'nat', 'PREROUTING')).toHaveLength(on ? 2 : 0);
    const mangle = builtin(set, 'mangle', 'PREROUTING');
    expect(mangle).toHaveLength(
      (combo.nodePortSupport ? 2 : 0) + (combo.nodePortSupport || on ? 1 : 0),
    );
    const text = formatRuleSet(set);
    expect(text).not.toContain('0x80');
    expect(text).not.toContain('eni+');
    if (on || combo.nodePortSupport) expect(text).toContain('-i pod+ ');
  });
});
