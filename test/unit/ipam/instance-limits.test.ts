import { describe, expect, it } from 'vitest';
import {
  deriveLimits,
  knownInstanceTypes,
  lookupInstanceType,
  maxPodsFor,
  registerInstanceType,
  routeTableId,
  supportsPrefixDelegation,
} from '../../../src/ipam/instance-limits.ts';

function info(type: string) {
  const found = lookupInstanceType(type);
  if (!found) throw new Error(`${type} missing from the table`);
  return found;
}

describe('instance type table', () => {
  it('ships all 1,391 types', () => {
    expect(knownInstanceTypes()).toHaveLength(1391);
  });

  it.each([
    ['t3.small', 3, 4],
    ['m5.large', 3, 10],
    ['c5.4xlarge', 8, 30],
    ['m4.4xlarge', 8, 30],
    ['p3dn.24xlarge', 15, 50],
    ['a1.medium', 2, 4],
  ])('%s has %i ENIs and %i IPv4 per ENI', (type, enis, ips) => {
    expect(info(type).eniLimit).toBe(enis);
    expect(info(type).ipv4Limit).toBe(ips);
  });

  it('answers undefined for an unknown type and learns registered ones', () => {
    expect(lookupInstanceType('zz9.plural')).toBeUndefined();
    registerInstanceType('zz9.plural', {
      eniLimit: 2,
      ipv4Limit: 6,
      defaultNetworkCardIndex: 0,
      networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 2 }],
      hypervisor: 'nitro',
      bareMetal: false,
    });
    expect(maxPodsFor(info('zz9.plural'))).toBe(12);
  });
});

describe('max pods (eni-max-pods.txt values)', () => {
  it.each([
    ['t3.micro', 4],
    ['t3.small', 11],
    ['m5.large', 29],
    ['m5.xlarge', 58],
    ['m4.4xlarge', 234],
    ['c5.18xlarge', 737],
    ['m5.24xlarge', 737],
    ['p3dn.24xlarge', 737],
  ])('%s → %i', (type, pods) => {
    expect(maxPodsFor(info(type))).toBe(pods);
  });

  it('custom networking counts one ENI fewer', () => {
    expect(maxPodsFor(info('m5.large'), { customNetworking: true })).toBe(2 * 9 + 2);
  });

  it('prefix delegation multiplies each slot by 16', () => {
    expect(maxPodsFor(info('m5.large'), { prefixDelegation: true })).toBe(3 * 9 * 16 + 2);
  });

  it('MAX_ENI caps the ENI count', () => {
    expect(maxPodsFor(info('m5.large'), { maxEni: 2 })).toBe(2 * 9 + 2);
    expect(maxPodsFor(info('m5.large'), { maxEni: 10 })).toBe(29);
  });
});

describe('derived limits', () => {
  it('secondary-IP mode: IPv4Limit − 1 addresses per ENI, no prefixes', () => {
    const limits = deriveLimits(info('m5.large'), { prefixDelegation: false });
    expect(limits).toMatchObject({
      maxEni: 3,
      maxIPsPerEni: 9,
      maxPrefixesPerEni: 0,
      prefixDelegation: false,
    });
  });

  it('prefix mode on Nitro: ×16 addresses and IPv4Limit − 1 prefixes', () => {
    const limits = deriveLimits(info('p3dn.24xlarge'), { prefixDelegation: true });
    expect(limits).toMatchObject({
      maxEni: 15,
      maxIPsPerEni: 49 * 16,
      maxPrefixesPerEni: 49,
      prefixDelegation: true,
    });
  });

  it('prefix delegation falls back to secondary IPs on Xen', () => {
    expect(supportsPrefixDelegation(info('m4.4xlarge'))).toBe(false);
    const limits = deriveLimits(info('m4.4xlarge'), { prefixDelegation: true });
    expect(limits).toMatchObject({
      prefixDelegation: false,
      prefixDelegationSupported: false,
      maxIPsPerEni: 29,
    });
  });

  it('bare metal supports prefix delegation whatever the hypervisor field says', () => {
    expect(supportsPrefixDelegation(info('m5.metal'))).toBe(true);
  });

  it('MAX_ENI applies only when ≥1', () => {
    expect(deriveLimits(info('m5.large'), { prefixDelegation: false, maxEni: 2 }).maxEni).toBe(2);
    expect(deriveLimits(info('m5.large'), { prefixDelegation: false, maxEni: 0 }).maxEni).toBe(3);
    expect(deriveLimits(info('m5.large'), { prefixDelegation: false, maxEni: 9 }).maxEni).toBe(3);
  });

  it('lists every network card of multi-card types', () => {
    expect(deriveLimits(info('p4d.24xlarge'), { prefixDelegation: false }).networkCards).toEqual([
      0, 1, 2, 3,
    ]);
  });
});

describe('route table IDs', () => {
  it.each([
    [0, 0, 254],
    [1, 0, 2],
    [2, 0, 3],
    [1, 1, 10101],
    [0, 2, 10200],
  ])('device %i card %i → %i', (device, card, table) => {
    expect(routeTableId(device, card)).toBe(table);
  });
});
