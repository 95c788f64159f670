import { describe, expect, it } from 'vitest';
import type { EniDescription, Tags } from '../../../src/aws/ec2-port.ts';
import { TAG_CREATED_AT } from '../../../src/aws/eni-tags.ts';
import { Ec2Error } from '../../../src/aws/errors.ts';
import {
  decideLeakedEni,
  type LeakedEniCleanupEc2,
  leakedEniFilters,
  runLeakedEniCleanup,
} from '../../../src/aws/leaked-enis.ts';
import { ManualClock } from '../../../src/ipam/clock.ts';

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

describe('runLeakedEniCleanup', () => {
  it('scans with the filters, tags, skips and deletes; one failure does not stop the rest', async () => {
    const calls: string[] = [];
    const ec2: LeakedEniCleanupEc2 = {
      listNetworkInterfaces: async (filters) => {
        calls.push(`list ${JSON.stringify(filters)}`);
        return [
          eni('eni-old', { [TAG_CREATED_AT]: at(600_000) }),
          eni('eni-young', { [TAG_CREATED_AT]: at(60_000) }),
          eni('eni-untagged', {}),
          eni('eni-garbled', { [TAG_CREATED_AT]: 'garbled' }),
          eni('eni-foreign', { [TAG_CREATED_AT]: at(600_000) }, { description: 'hand-made' }),
          eni('eni-fails', { [TAG_CREATED_AT]: at(600_000) }),
          eni('eni-old2', { [TAG_CREATED_AT]: at(600_000) }),
        ];
      },
      tagNetworkInterface: async (eniId, tags) =>
        void calls.push(`tag ${eniId} ${JSON.stringify(tags)}`),
      deleteNetworkInterface: async (eniId) => {
        calls.push(`delete ${eniId}`);
        if (eniId === 'eni-fails') {
          throw new Ec2Error('DeleteNetworkInterface', {
            kind: 'other',
            code: 'InvalidNetworkInterface.InUse',
            message: 'in use',
            httpStatus: 400,
          });
        }
      },
    };
    const report = await runLeakedEniCleanup(ec2, {
      vpcId: 'vpc-1',
      clusterName: 'prod',
      clock: new ManualClock(NOW),
    });
    const stamp = '2026-01-01T12:00:00Z';
    expect(calls).toEqual([
      `list ${JSON.stringify(leakedEniFilters('vpc-1', 'prod'))}`,
      'delete eni-old',
      `tag eni-untagged {"${TAG_CREATED_AT}":"${stamp}"}`,
      `tag eni-garbled {"${TAG_CREATED_AT}":"${stamp}"}`,
      'delete eni-fails',
      'delete eni-old2',
    ]);
    expect(report.deleted).toEqual(['eni-old', 'eni-old2']);
    expect(report.tagged).toEqual(['eni-untagged', 'eni-garbled']);
    expect(report.skipped).toEqual(['eni-young', 'eni-foreign']);
    expect(report.failed.map((f) => f.eniId)).toEqual(['eni-fails']);
  });
});
