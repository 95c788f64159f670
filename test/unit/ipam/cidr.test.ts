import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrSize,
  formatIpv4,
  formatMask,
  normaliseIpv4Cidr,
  parseIpv4,
  parseIpv4Cidr,
} from '../../../src/ipam/cidr.ts';
import { podVethName, podVethSuffix } from '../../../src/ipam/pod-veth-name.ts';

describe('IPv4 parsing', () => {
  it('round-trips addresses', () => {
    for (const ip of ['0.0.0.0', '10.0.1.5', '255.255.255.255', '192.168.100.14']) {
      expect(formatIpv4(parseIpv4(ip)!)).toBe(ip);
    }
  });

  it.each(['', '10.0.0', '10.0.0.256', '10.0.0.01', 'a.b.c.d', ' 10.0.0.1', '::1'])(
    'rejects %j',
    (bad) => {
      expect(parseIpv4(bad)).toBeUndefined();
    },
  );
});

describe('CIDRs', () => {
  it('normalises to network form like Go', () => {
    expect(normaliseIpv4Cidr('10.1.2.3/16')).toBe('10.1.0.0/16');
    expect(normaliseIpv4Cidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normaliseIpv4Cidr('10.0.0.7/32')).toBe('10.0.0.7/32');
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', 'fd00::/8', '10.0.0.0/a'])(
    'rejects %j',
    (bad) => {
      expect(parseIpv4Cidr(bad)).toBeUndefined();
    },
  );

  it('sizes and containment', () => {
    const c = parseIpv4Cidr('10.0.1.16/28')!;
    expect(cidrSize(c)).toBe(16);
    expect(cidrContains(c, parseIpv4('10.0.1.31')!)).toBe(true);
    expect(cidrContains(c, parseIpv4('10.0.1.32')!)).toBe(false);
    expect(formatMask(20)).toBe('255.255.240.0');
    expect(formatMask(0)).toBe('0.0.0.0');
  });
});

describe('pod veth names', () => {
  it('hashes namespace.name with SHA-1 and keeps 11 hex characters', () => {
    // Computed independently: `printf default.nginx | sha1sum` → c440f455693b69cd…
    expect(podVethSuffix('default', 'nginx')).toBe('c440f455693');
  });

  it('appends .index for extra interfaces and keeps within 15 characters', () => {
    expect(podVethName('eni', 'default', 'nginx')).toBe(`eni${podVethSuffix('default', 'nginx')}`);
    expect(podVethSuffix('default', 'nginx', 1)).toBe('e48ae9c2f34');
    expect(podVethName('vlan', 'kube-system', 'coredns-abc').length).toBeLessThanOrEqual(15);
  });
});
