import { describe, expect, it } from 'vitest';
import {
  checkEniConfigSpec,
  eniMismatch,
  selectEniConfigName,
} from '../../../../src/ipam/eni/eni-config.ts';

const keys = {
  annotationKey: 'k8s.amazonaws.com/eniConfig',
  labelKey: 'topology.kubernetes.io/zone',
};

describe('which ENIConfig a node uses', () => {
  const all = {
    labels: {
      'vpc.amazonaws.com/externalEniConfig': 'external',
      'topology.kubernetes.io/zone': 'us-west-2a',
    },
    annotations: { 'k8s.amazonaws.com/eniConfig': 'annotated' },
  };

  it('asks the external label, then the annotation, then the label, then takes default', () => {
    expect(selectEniConfigName(all, keys)).toEqual({
      name: 'external',
      source: 'external-label',
      key: 'vpc.amazonaws.com/externalEniConfig',
    });
    const noExternal = { ...all, labels: { 'topology.kubernetes.io/zone': 'us-west-2a' } };
    expect(selectEniConfigName(noExternal, keys)).toMatchObject({
      name: 'annotated',
      source: 'annotation',
    });
    const labelOnly = { ...noExternal, annotations: {} };
    expect(selectEniConfigName(labelOnly, keys)).toEqual({
      name: 'us-west-2a',
      source: 'label',
      key: 'topology.kubernetes.io/zone',
    });
    expect(selectEniConfigName({ labels: {}, annotations: {} }, keys)).toEqual({
      name: 'default',
      source: 'default',
      key: undefined,
    });
  });

  it('an empty value names nothing', () => {
    const node = {
      labels: { 'vpc.amazonaws.com/externalEniConfig': '', 'topology.kubernetes.io/zone': 'z' },
      annotations: { 'k8s.amazonaws.com/eniConfig': '' },
    };
    expect(selectEniConfigName(node, keys).name).toBe('z');
  });
});

describe('what a usable ENIConfig holds', () => {
  it('a subnet and optional security groups (sorted)', () => {
    expect(checkEniConfigSpec({ subnet: 'subnet-0abc', securityGroups: ['sg-2', 'sg-1'] })).toEqual(
      { ok: true, spec: { subnetId: 'subnet-0abc', securityGroupIds: ['sg-1', 'sg-2'] } },
    );
    expect(checkEniConfigSpec({ subnet: 'subnet-1' })).toEqual({
      ok: true,
      spec: { subnetId: 'subnet-1', securityGroupIds: [] },
    });
  });

  it.each([
    [undefined, 'spec.subnet must be a subnet ID (subnet-…), got null'],
    [{ subnet: 'sg-1' }, 'spec.subnet must be a subnet ID (subnet-…), got "sg-1"'],
    [
      { subnet: 'subnet-1', securityGroups: 'sg-1' },
      'spec.securityGroups must be a list of security group IDs (sg-…), got "sg-1"',
    ],
    [
      { subnet: 'subnet-1', securityGroups: ['sg-1', 'default'] },
      'spec.securityGroups must be a list of security group IDs (sg-…), got ["sg-1","default"]',
    ],
  ])('refuses %j: %s', (spec, reason) => {
    expect(checkEniConfigSpec(spec)).toEqual({ ok: false, reason });
  });
});

describe('whether an ENI still matches', () => {
  const wanted = { subnetId: 'subnet-b', securityGroupIds: ['sg-1', 'sg-2'] };
  it('same subnet and the same groups in any order', () => {
    expect(eniMismatch({ subnetId: 'subnet-b', securityGroupIds: ['sg-2', 'sg-1'] }, wanted)).toBe(
      undefined,
    );
  });
  it('names the subnet or the groups that differ', () => {
    expect(eniMismatch({ subnetId: 'subnet-a', securityGroupIds: ['sg-1', 'sg-2'] }, wanted)).toBe(
      'subnet subnet-a, the ENIConfig says subnet-b',
    );
    expect(eniMismatch({ subnetId: 'subnet-b', securityGroupIds: ['sg-1'] }, wanted)).toBe(
      'security groups [sg-1], the ENIConfig says [sg-1,sg-2]',
    );
  });
});
