import { describe, expect, it } from 'vitest';
import {
  isPlainRule,
  parseAddresses,
  parseLinks,
  parseRoutes,
  parseRules,
  ruleWords,
} from '../../../src/host/eni-net/ip-json.ts';

describe('ip -json -N parsing', () => {
  it('links: name, index, lower-case MAC, MTU, admin state', () => {
    const links = parseLinks(
      '[{"ifindex":3,"ifname":"eth1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":9001,"address":"02:AB:00:00:00:11"},' +
        '{"ifindex":4,"ifname":"eth2","flags":["BROADCAST"],"mtu":1500,"address":"02:00:00:00:00:12"}]',
    );
    expect(links).toEqual([
      { name: 'eth1', index: 3, mac: '02:ab:00:00:00:11', mtu: 9001, up: true },
      { name: 'eth2', index: 4, mac: '02:00:00:00:00:12', mtu: 1500, up: false },
    ]);
    expect(parseLinks('')).toEqual([]);
  });

  it('addresses: IPv4 only', () => {
    expect(
      parseAddresses(
        '[{"ifname":"eth1","addr_info":[{"family":"inet","local":"10.0.1.5","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]',
      ),
    ).toEqual([{ dev: 'eth1', local: '10.0.1.5', prefixLength: 24 }]);
  });

  it('routes: default and host routes as CIDRs, numeric scope/protocol, table from the query', () => {
    const routes = parseRoutes(
      '[{"dst":"default","gateway":"10.0.1.1","dev":"eth1","flags":[]},{"dst":"10.0.1.1","dev":"eth1","scope":"253","flags":[]},' +
        '{"dst":"10.0.1.0/24","dev":"eth1","protocol":"2","scope":"253","prefsrc":"10.0.1.5","flags":[]},' +
        '{"type":"2","dst":"10.0.1.5","dev":"eth1","table":"255","protocol":"2","scope":"254"}]',
      2,
    );
    expect(routes).toEqual([
      { dst: '0.0.0.0/0', table: 2, scope: 0, dev: 'eth1', gateway: '10.0.1.1' },
      { dst: '10.0.1.1/32', table: 2, scope: 253, dev: 'eth1' },
      { dst: '10.0.1.0/24', table: 2, scope: 253, dev: 'eth1', protocol: 2 },
      { dst: '10.0.1.5/32', table: 255, scope: 254, dev: 'eth1', protocol: 2, type: '2' },
    ]);
    expect(parseRoutes('[{"dst":"10.9.0.0/16","dev":"eth0"}]')[0]!.table).toBe(254);
  });

  it('rules: selectors, fwmark with the implicit all-ones mask, unknown selectors flagged', () => {
    const rules = parseRules(
      '[{"priority":0,"src":"all","table":"255"},{"priority":512,"src":"all","dst":"10.0.1.9","table":"254"},' +
        '{"priority":1024,"src":"all","fwmark":"0x80","fwmask":"0x80","table":"254"},{"priority":1025,"src":"all","fwmark":"0xc000","table":"254"},' +
        '{"priority":1535,"src":"all","dst":"10.9.0.0","dstlen":16,"table":"254"},{"priority":10,"src":"all","iif":"vlan.eth.1","table":"101"},' +
        '{"priority":100,"not":null,"src":"10.0.0.0","srclen":8,"ipproto":"tcp","table":"5"}]',
    );
    expect(rules[0]).toEqual({ priority: 0, not: false, extra: [], table: 255 });
    expect(rules[1]).toMatchObject({ dst: '10.0.1.9/32', table: 254 });
    expect(rules[2]).toMatchObject({ fwmark: 0x80, fwmask: 0x80 });
    expect(rules[3]).toMatchObject({ fwmark: 0xc000, fwmask: 0xffffffff });
    expect(rules[4]).toMatchObject({ dst: '10.9.0.0/16' });
    expect(rules[5]).toMatchObject({ iif: 'vlan.eth.1', table: 101 });
    expect(rules[6]).toMatchObject({ not: true, src: '10.0.0.0/8', extra: ['ipproto'] });
    expect(rules.map(isPlainRule)).toEqual([true, true, true, true, true, false, false]);
  });

  it('ruleWords writes ip(8) selectors back', () => {
    expect(ruleWords({ priority: 1024, fwmark: 0x80, fwmask: 0x80, table: 254 })).toBe(
      'prio 1024 fwmark 0x80/0x80 lookup 254',
    );
    expect(ruleWords({ priority: 10, iif: 'eni1', table: 101, not: true, src: '1.2.3.4/32' })).toBe(
      'prio 10 not from 1.2.3.4/32 iif eni1 lookup 101',
    );
  });
});
