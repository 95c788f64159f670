import { describe, expect, it } from 'vitest';
import {
  creationEniTags,
  desiredEniTags,
  eniDescription,
  eniTagsToSend,
  formatCreatedAt,
  isEniManaged,
  parseCreatedAt,
  TAG_CLUSTER_NAME,
  TAG_CREATED_AT,
  TAG_EKS_ENI_OWNER,
  TAG_INSTANCE_ID,
  TAG_NO_MANAGE,
  userEniTags,
} from '../../../../src/ipam/eni/tags.ts';

const settings = { instanceId: 'i-1', clusterName: '', additionalTags: {} };

describe('ENI tags (TagENI and the tags set at creation)', () => {
  it('describes ENIs aws-K8S-<instance-id>', () => {
    expect(eniDescription('i-0abc')).toBe('aws-K8S-i-0abc');
  });

  it('without CLUSTER_NAME only instance_id is desired', () => {
    expect(desiredEniTags(settings)).toEqual({ [TAG_INSTANCE_ID]: 'i-1' });
  });

  it('CLUSTER_NAME adds the cluster tag and eks:eni:owner', () => {
    expect(desiredEniTags({ ...settings, clusterName: 'prod' })).toEqual({
      [TAG_INSTANCE_ID]: 'i-1',
      [TAG_CLUSTER_NAME]: 'prod',
      [TAG_EKS_ENI_OWNER]: 'amazon-vpc-cni',
    });
  });

  it('ADDITIONAL_ENI_TAGS are added, keys containing k8s.amazonaws.com dropped', () => {
    const additionalTags = {
      team: 'net',
      'node.k8s.amazonaws.com/instance_id': 'i-evil',
      'foo.k8s.amazonaws.com.bar': 'x',
      'cluster.k8s.amazonaws.com/name': 'other',
      'eks:eni:owner': 'me',
    };
    expect(userEniTags(additionalTags)).toEqual({ team: 'net', 'eks:eni:owner': 'me' });
    // Our own tags win over a user tag with the same key.
    expect(desiredEniTags({ instanceId: 'i-1', clusterName: 'prod', additionalTags })).toEqual({
      team: 'net',
      [TAG_INSTANCE_ID]: 'i-1',
      [TAG_CLUSTER_NAME]: 'prod',
      [TAG_EKS_ENI_OWNER]: 'amazon-vpc-cni',
    });
  });

  it('creation tags add createdAt in RFC 3339 (Go style, no fraction)', () => {
    const now = Date.UTC(2026, 2, 4, 5, 6, 7, 890);
    expect(creationEniTags(settings, now)).toEqual({
      [TAG_INSTANCE_ID]: 'i-1',
      [TAG_CREATED_AT]: '2026-03-04T05:06:07Z',
    });
    expect(formatCreatedAt(now)).toBe('2026-03-04T05:06:07Z');
  });

  it('parses RFC 3339 createdAt values, with fractions and offsets, and rejects the rest', () => {
    expect(parseCreatedAt('2026-03-04T05:06:07Z')).toBe(Date.UTC(2026, 2, 4, 5, 6, 7));
    expect(parseCreatedAt('2026-03-04T05:06:07.5Z')).toBe(Date.UTC(2026, 2, 4, 5, 6, 7, 500));
    expect(parseCreatedAt('2026-03-04T07:06:07+02:00')).toBe(Date.UTC(2026, 2, 4, 5, 6, 7));
    for (const bad of [
      '',
      'yesterday',
      '2026-03-04',
      '1700000000',
      '2026-03-04 05:06:07Z',
      '2026-13-45T99:00:00Z',
    ]) {
      expect(parseCreatedAt(bad), bad).toBeUndefined();
    }
  });

  it('TagENI sends only missing or different tags, never createdAt', () => {
    const desired = desiredEniTags({
      instanceId: 'i-1',
      clusterName: 'prod',
      additionalTags: { team: 'net' },
    });
    expect(
      eniTagsToSend(desired, {
        [TAG_INSTANCE_ID]: 'i-1',
        [TAG_CLUSTER_NAME]: 'old',
        [TAG_CREATED_AT]: 'whatever',
        unrelated: 'kept',
      }),
    ).toEqual({ [TAG_CLUSTER_NAME]: 'prod', [TAG_EKS_ENI_OWNER]: 'amazon-vpc-cni', team: 'net' });
    expect(eniTagsToSend(desired, desired)).toEqual({});
  });
});

describe('isEniManaged (the no_manage and instance_id tag rules)', () => {
  const base = { instanceId: 'i-1', isPrimary: false, manageUntaggedEni: true };
  it('the primary ENI is always managed', () => {
    expect(isEniManaged({ ...base, isPrimary: true, tags: { [TAG_NO_MANAGE]: 'true' } })).toBe(
      true,
    );
  });
  it('no_manage=true → unmanaged; any other no_manage value → managed', () => {
    expect(isEniManaged({ ...base, tags: { [TAG_NO_MANAGE]: 'true' } })).toBe(false);
    expect(
      isEniManaged({ ...base, manageUntaggedEni: false, tags: { [TAG_NO_MANAGE]: 'false' } }),
    ).toBe(true);
    expect(
      isEniManaged({ ...base, manageUntaggedEni: false, tags: { [TAG_NO_MANAGE]: 'TRUE' } }),
    ).toBe(true);
  });
  it('tagged for this instance → managed; otherwise MANAGE_UNTAGGED_ENI decides', () => {
    expect(
      isEniManaged({ ...base, manageUntaggedEni: false, tags: { [TAG_INSTANCE_ID]: 'i-1' } }),
    ).toBe(true);
    expect(isEniManaged({ ...base, manageUntaggedEni: false, tags: {} })).toBe(false);
    expect(
      isEniManaged({ ...base, manageUntaggedEni: false, tags: { [TAG_INSTANCE_ID]: 'i-2' } }),
    ).toBe(false);
    expect(isEniManaged({ ...base, tags: {} })).toBe(true);
  });
});
