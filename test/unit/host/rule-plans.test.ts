import { describe, expect, it } from 'vitest';
import type { IpRule } from '../../../src/host/eni-net/ip-json.ts';
import {
  planExternalServiceRules,
  planFwmarkRule,
  planLocalRuleMove,
  planPodRulePrune,
  planPodRules,
} from '../../../src/host/eni-net/rule-plans.ts';

function rule(r: Partial<IpRule> & { priority: number }): IpRule {
  return { not: false, extra: [], ...r };
}

const LOCAL = rule({ priority: 0, table: 255 });
const MAIN = rule({ priority: 32766, table: 254 });

describe('planFwmarkRule', () => {
  it('adds the rule once and keeps it', () => {
    expect(planFwmarkRule([LOCAL, MAIN], 0x80, true)).toEqual([
      'rule add prio 1024 fwmark 0x80/0x80 lookup 254',
    ]);
    expect(
      planFwmarkRule(
        [rule({ priority: 1024, fwmark: 0x80, fwmask: 0x80, table: 254 })],
        0x80,
        true,
      ),
    ).toEqual([]);
  });
  it('replaces a rule with an old mark, removes duplicates, removes it when unwanted', () => {
    const old = rule({ priority: 1024, fwmark: 0x80, fwmask: 0x80, table: 254 });
    expect(planFwmarkRule([old], 0xc000, true)).toEqual([
      'rule del prio 1024 fwmark 0x80/0x80 lookup 254',
      'rule add prio 1024 fwmark 0xc000/0xc000 lookup 254',
    ]);
    expect(planFwmarkRule([old, old], 0x80, true)).toEqual([
      'rule del prio 1024 fwmark 0x80/0x80 lookup 254',
    ]);
    expect(planFwmarkRule([old], 0x80, false)).toEqual([
      'rule del prio 1024 fwmark 0x80/0x80 lookup 254',
    ]);
  });
  it('leaves rules at 1024 that are not fwmark rules to main', () => {
    expect(
      planFwmarkRule([rule({ priority: 1024, fwmark: 1, fwmask: 1, table: 7 })], 0x80, false),
    ).toEqual([]);
  });
});

describe('planExternalServiceRules', () => {
  it('converges to one rule per normalised CIDR', () => {
    const existing = [
      rule({ priority: 1535, dst: '10.50.0.0/16', table: 254 }),
      rule({ priority: 1535, dst: '10.100.0.0/16', table: 254 }),
      rule({ priority: 1535, dst: '10.100.0.0/16', table: 254 }),
      rule({ priority: 1535, src: '10.1.0.0/16', table: 254 }),
    ];
    expect(planExternalServiceRules(existing, ['10.100.0.1/16', '10.200.0.0/16', 'junk'])).toEqual([
      'rule del prio 1535 to 10.50.0.0/16 lookup 254',
      'rule del prio 1535 to 10.100.0.0/16 lookup 254',
      'rule add prio 1535 to 10.200.0.0/16 lookup 254',
    ]);
  });
});

describe('planLocalRuleMove', () => {
  it('adds local at 20 before removing it at 0; nothing once moved', () => {
    expect(planLocalRuleMove([LOCAL, MAIN])).toEqual([
      'rule add prio 20 lookup 255',
      'rule del prio 0 lookup 255',
    ]);
    expect(planLocalRuleMove([rule({ priority: 20, table: 255 }), MAIN])).toEqual([]);
  });
});

describe('planPodRules', () => {
  it('adds the to-rule and, off the primary ENI, one from-rule', () => {
    expect(
      planPodRules(
        [],
        [
          { ip: '10.0.1.20', routeTableId: 2 },
          { ip: '10.0.0.20', routeTableId: 254 },
        ],
      ),
    ).toEqual([
      'rule add prio 512 to 10.0.1.20/32 lookup 254',
      'rule add prio 1536 from 10.0.1.20/32 lookup 2',
      'rule add prio 512 to 10.0.0.20/32 lookup 254',
    ]);
  });
  it('collapses duplicates, other priorities and stale tables into one 1536 rule', () => {
    const existing = [
      rule({ priority: 512, dst: '10.0.1.20/32', table: 254 }),
      rule({ priority: 1536, src: '10.0.1.20/32', table: 2 }),
      rule({ priority: 1536, src: '10.0.1.20/32', table: 2 }),
      rule({ priority: 1537, src: '10.0.1.20/32', table: 3 }),
      rule({ priority: 1536, src: '10.0.1.21/32', table: 3 }),
    ];
    expect(planPodRules(existing, [{ ip: '10.0.1.20', routeTableId: 2 }])).toEqual([
      'rule del prio 1536 from 10.0.1.20/32 lookup 2',
      'rule del prio 1537 from 10.0.1.20/32 lookup 3',
    ]);
  });
  it('a primary-ENI pod loses a stray from-rule', () => {
    const existing = [
      rule({ priority: 512, dst: '10.0.0.20/32', table: 254 }),
      rule({ priority: 1536, src: '10.0.0.20/32', table: 2 }),
    ];
    expect(planPodRules(existing, [{ ip: '10.0.0.20', routeTableId: 254 }])).toEqual([
      'rule del prio 1536 from 10.0.0.20/32 lookup 2',
    ]);
  });
  it('refuses a non-IPv4 address', () => {
    expect(() => planPodRules([], [{ ip: 'fd00::1', routeTableId: 2 }])).toThrow(/IPv4/);
  });
});

describe('planPodRulePrune', () => {
  it('deletes every copy of the 512 and 1536 rules of the given IPs, and nothing else', () => {
    const existing = [
      rule({ priority: 512, dst: '10.0.1.20/32', table: 254 }),
      rule({ priority: 1536, src: '10.0.1.20/32', table: 2 }),
      rule({ priority: 1536, src: '10.0.1.20/32', table: 3 }),
      rule({ priority: 32765, src: '10.0.1.20/32', table: 2 }),
      rule({ priority: 512, dst: '10.0.1.21/32', table: 254 }),
    ];
    expect(planPodRulePrune(existing, ['10.0.1.20'])).toEqual([
      'rule del prio 512 to 10.0.1.20/32 lookup 254',
      'rule del prio 1536 from 10.0.1.20/32 lookup 2',
      'rule del prio 1536 from 10.0.1.20/32 lookup 3',
    ]);
  });
});
