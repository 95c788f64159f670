import { describe, expect, it } from 'vitest';
import type { EniDescription, Tags } from '../../../../src/aws/ec2-port.ts';
import { decideLeakedEni, leakedEniFilters } from '../../../../src/ipam/eni/leaked.ts';
import { TAG_CREATED_AT } from '../../../../src/ipam/eni/tags.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function eni(eniId: string, tags: Tags, overrides: Partial<EniDescription> = {}): EniDescription {
  return {
    eniId,
    macAddress: '02:00:00:00:00:01',
    subnetId: 'subnet-1',
    vpcId: 'vpc-1',
    availabilityZone: 'us-west-2a',
    description: 'aws-K8S-i-dead',
    status: 'available',
    interfaceType: 'interface',
    privateIpv4: [],
    primaryIpv4: undefined,
    ipv4Prefixes: [],
    ipv6Addresses: [],
    ipv6Prefixes: [],
    securityGroupIds: [],
    tags,
    attachment: undefined,
    connectionTracking: undefined,
    ...overrides,
  };
}

const at = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');

describe('leaked-ENI filters', () => {
  it('tag-key instance_id, status available, the VPC; plus the cluster tag with CLUSTER_NAME', () => {
    expect(leakedEniFilters('vpc-1', '')).toEqual([
      { name: 'tag-key', values: ['node.k8s.amazonaws.com/instance_id'] },
      { name: 'status', values: ['available'] },
      { name: 'vpc-id', values: ['vpc-1'] },
    ]);
    expect(leakedEniFilters('vpc-1', 'prod')).toEqual([
      { name: 'tag-key', values: ['node.k8s.amazonaws.com/instance_id'] },
      { name: 'status', values: ['available'] },
      { name: 'vpc-id', values: ['vpc-1'] },
      { name: 'tag:cluster.k8s.amazonaws.com/name', values: ['prod'] },
    ]);
  });
});

describe('decideLeakedEni', () => {
  it('deletes an available aws-K8S- ENI created ≥ 5 minutes ago', () => {
    expect(decideLeakedEni(eni('e', { [TAG_CREATED_AT]: at(5 * 60_000) }), NOW)).toEqual({
      action: 'delete',
    });
    expect(decideLeakedEni(eni('e', { [TAG_CREATED_AT]: at(3_600_000) }), NOW)).toEqual({
      action: 'delete',
    });
  });

  it('keeps one younger than 5 minutes, or stamped in the future (clock skew)', () => {
    expect(decideLeakedEni(eni('e', { [TAG_CREATED_AT]: at(5 * 60_000 - 1000) }), NOW)).toEqual({
      action: 'skip',
      reason: 'tooYoung',
    });
    expect(decideLeakedEni(eni('e', { [TAG_CREATED_AT]: at(-60_000) }), NOW)).toEqual({
      action: 'skip',
      reason: 'tooYoung',
    });
  });

  it('tags a candidate without createdAt and keeps it', () => {
    expect(decideLeakedEni(eni('e', {}), NOW)).toEqual({
      action: 'tagCreatedAt',
      reason: 'missing',
    });
  });

  it('retags an unparseable createdAt and keeps it (the reference deleted it)', () => {
    expect(decideLeakedEni(eni('e', { [TAG_CREATED_AT]: 'last tuesday' }), NOW)).toEqual({
      action: 'tagCreatedAt',
      reason: 'unparseable',
    });
  });

  it('leaves ENIs not described aws-K8S- and ENIs that are attached', () => {
    const old = { [TAG_CREATED_AT]: at(3_600_000) };
    expect(decideLeakedEni(eni('e', old, { description: 'my own ENI' }), NOW)).toEqual({
      action: 'skip',
      reason: 'notOurs',
    });
    expect(decideLeakedEni(eni('e', old, { description: 'AWS-K8S-i-1' }), NOW).action).toBe('skip');
    expect(decideLeakedEni(eni('e', old, { status: 'in-use' }), NOW)).toEqual({
      action: 'skip',
      reason: 'inUse',
    });
  });
});
