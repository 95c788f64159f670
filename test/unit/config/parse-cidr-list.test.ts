import { describe, expect, it } from 'vitest';
import { parseCidrList } from '../../../src/config/parse-cidr-list.ts';

const V = 'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS';

describe('parseCidrList', () => {
  it('empty string → no CIDRs, no warnings', () => {
    expect(parseCidrList(V, '')).toEqual({ value: [], warnings: [] });
  });

  it('trims members and normalises them to network form', () => {
    const { value, warnings } = parseCidrList(V, '10.1.2.3/16, 192.168.7.9/24 ,172.16.0.1/32');
    expect(value).toEqual(['10.1.0.0/16', '192.168.7.0/24', '172.16.0.1/32']);
    expect(warnings).toEqual([]);
  });

  it('keeps order and duplicates, as the reference does', () => {
    expect(parseCidrList(V, '10.0.0.0/8,10.0.0.0/8,0.0.0.0/0').value).toEqual([
      '10.0.0.0/8',
      '10.0.0.0/8',
      '0.0.0.0/0',
    ]);
  });

  it('skips invalid and IPv6 members with one warning each, naming variable and member', () => {
    const { value, warnings } = parseCidrList(
      V,
      '10.0.0.0/8,fd00::/8, bogus ,10.0.0.1,10.0.0.0/33,010.0.0.0/8',
    );
    expect(value).toEqual(['10.0.0.0/8']);
    expect(warnings.map((w) => [w.variable, w.value])).toEqual([
      [V, 'fd00::/8'],
      [V, 'bogus'],
      [V, '10.0.0.1'],
      [V, '10.0.0.0/33'],
      [V, '010.0.0.0/8'],
    ]);
    expect(warnings[0]!.message).toBe(
      `${V}: member "fd00::/8" is an IPv6 CIDR; only IPv4 CIDRs are used here; skipped`,
    );
    expect(warnings[1]!.message).toBe(
      `${V}: member "bogus" is not an IPv4 CIDR (expected a.b.c.d/n); skipped`,
    );
  });

  it('an empty member (trailing comma) is invalid like any other', () => {
    const { value, warnings } = parseCidrList(V, '10.0.0.0/8,');
    expect(value).toEqual(['10.0.0.0/8']);
    expect(warnings.map((w) => w.value)).toEqual(['']);
  });
});
