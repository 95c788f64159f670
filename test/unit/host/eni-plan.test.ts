import { describe, expect, it } from 'vitest';
import {
  chooseEniTable,
  type EniState,
  planEniSetup,
  planEniTeardown,
  subnetGateway,
} from '../../../src/host/eni-net/eni-plan.ts';
import type { IpRule } from '../../../src/host/eni-net/ip-json.ts';

const TARGET = { ip: '10.0.1.10', subnet: '10.0.1.0/24', tableId: 2, mtu: 9001, rule: true };
const LINK = { name: 'eth1', index: 3, mac: '02:00:00:00:00:11', mtu: 9001, up: true };

function rule(r: Partial<IpRule> & { priority: number }): IpRule {
  return { not: false, extra: [], ...r };
}

const CONVERGED: EniState = {
  link: LINK,
  addresses: [{ dev: 'eth1', local: '10.0.1.10', prefixLength: 24 }],
  tableRoutes: [
    { dst: '0.0.0.0/0', table: 2, scope: 0, dev: 'eth1', gateway: '10.0.1.1' },
    { dst: '10.0.1.1/32', table: 2, scope: 253, dev: 'eth1' },
  ],
  mainRoutes: [],
  rules: [rule({ priority: 32765, src: '10.0.1.10/32', table: 2 })],
};

describe('planEniSetup', () => {
  it('a fresh link gets MTU, up, address, gateway route before the default route, and the rule', () => {
    expect(
      planEniSetup(
        {
          link: { ...LINK, mtu: 1500, up: false },
          addresses: [],
          tableRoutes: [],
          mainRoutes: [],
          rules: [],
        },
        TARGET,
      ),
    ).toEqual([
      'link set dev eth1 mtu 9001',
      'link set dev eth1 up',
      'addr add 10.0.1.10/24 dev eth1',
      'route replace 10.0.1.1/32 dev eth1 scope link table 2',
      'route replace default via 10.0.1.1 dev eth1 table 2',
      'rule add prio 32765 from 10.0.1.10/32 lookup 2',
    ]);
  });

  it('a converged ENI needs nothing', () => {
    expect(planEniSetup(CONVERGED, TARGET)).toEqual([]);
  });

  it('removes other addresses, the connected route in main, and stray rules for the ENI IP', () => {
    const state: EniState = {
      ...CONVERGED,
      addresses: [...CONVERGED.addresses, { dev: 'eth1', local: '10.0.1.99', prefixLength: 24 }],
      mainRoutes: [
        { dst: '10.0.1.0/24', table: 254, scope: 253, dev: 'eth1', protocol: 2 },
        { dst: '10.0.1.0/24', table: 254, scope: 253, dev: 'eth0', protocol: 2 },
      ],
      rules: [...CONVERGED.rules, rule({ priority: 32765, src: '10.0.1.10/32', table: 9 })],
    };
    expect(planEniSetup(state, TARGET)).toEqual([
      'addr del 10.0.1.99/24 dev eth1',
      'route del 10.0.1.0/24 dev eth1 proto kernel scope link table main',
      'rule del prio 32765 from 10.0.1.10/32 lookup 9',
    ]);
  });

  it('replaces a default route through another gateway; a trunk ENI gets no rule', () => {
    const state: EniState = {
      ...CONVERGED,
      tableRoutes: [
        CONVERGED.tableRoutes[1]!,
        { dst: '0.0.0.0/0', table: 2, scope: 0, dev: 'eth1', gateway: '10.0.1.254' },
      ],
      rules: [],
    };
    expect(planEniSetup(state, { ...TARGET, rule: false })).toEqual([
      'route replace default via 10.0.1.1 dev eth1 table 2',
    ]);
  });

  it('the gateway is the subnet base + 1', () => {
    expect(subnetGateway('10.0.16.0/20')).toBe('10.0.16.1');
    expect(() => subnetGateway('nope')).toThrow();
  });
});

describe('chooseEniTable', () => {
  const rules = [rule({ priority: 32765, src: '10.0.2.10/32', table: 7 })];
  it('card 0 always uses the computed table', () => {
    expect(chooseEniTable(rules, '10.0.2.10', 3, 0)).toBe(3);
  });
  it('card > 0 keeps the table of one existing rule, or the legacy one among several', () => {
    expect(chooseEniTable(rules, '10.0.2.10', 10102, 1)).toBe(7);
    const two = [...rules, rule({ priority: 32765, src: '10.0.2.10/32', table: 12 })];
    expect(chooseEniTable(two, '10.0.2.10', 10102, 1, 12)).toBe(12);
    expect(chooseEniTable(two, '10.0.2.10', 10102, 1)).toBe(10102);
    expect(chooseEniTable([], '10.0.2.10', 10102, 1)).toBe(10102);
  });
});

describe('planEniTeardown', () => {
  it('removes rules from the ENI IP, its routes and its address; leaves others', () => {
    const lines = planEniTeardown(
      {
        rules: [
          ...CONVERGED.rules,
          rule({ priority: 1536, src: '10.0.1.20/32', table: 2 }),
          rule({ priority: 32765, src: '10.0.2.10/32', table: 3 }),
        ],
        link: LINK,
        addresses: [...CONVERGED.addresses, { dev: 'eth2', local: '10.0.1.10', prefixLength: 24 }],
        tableRoutes: [
          ...CONVERGED.tableRoutes,
          { dst: '0.0.0.0/0', table: 2, scope: 0, dev: 'eth9', gateway: '10.9.0.1' },
        ],
      },
      '10.0.1.10',
    );
    expect(lines).toEqual([
      'rule del prio 32765 from 10.0.1.10/32 lookup 2',
      'route del 0.0.0.0/0 via 10.0.1.1 dev eth1 table 2',
      'route del 10.0.1.1/32 dev eth1 table 2',
      'addr del 10.0.1.10/24 dev eth1',
    ]);
  });

  it('without the link only the rules go', () => {
    expect(
      planEniTeardown({ rules: CONVERGED.rules, addresses: [], tableRoutes: [] }, '10.0.1.10'),
    ).toEqual(['rule del prio 32765 from 10.0.1.10/32 lookup 2']);
  });
});
