import { describe, expect, it } from 'vitest';
import {
  isSubnetExcluded,
  SUBNET_CNI_ROLE_TAG,
  subnetClusterTag,
  subnetsForNewEni,
} from '../../../../src/ipam/eni/subnets.ts';
import { subnet } from './subnet-fixture.ts';

describe('subnet exclusion (IsExcludedForPodIPs in the reference)', () => {
  it('kubernetes.io/role/cni=0 excludes; other values and untagged do not', () => {
    expect(isSubnetExcluded(subnet('a', 1, { [SUBNET_CNI_ROLE_TAG]: '0' }), '')).toBe(true);
    expect(isSubnetExcluded(subnet('a', 1, { [SUBNET_CNI_ROLE_TAG]: '1' }), '')).toBe(false);
    expect(isSubnetExcluded(subnet('a', 1), '')).toBe(false);
  });

  it('tagged for other clusters excludes only when CLUSTER_NAME is set', () => {
    const other = subnet('a', 1, {
      [SUBNET_CNI_ROLE_TAG]: '1',
      [subnetClusterTag('blue')]: 'shared',
    });
    expect(isSubnetExcluded(other, 'green')).toBe(true);
    expect(isSubnetExcluded(other, '')).toBe(false);
    const both = subnet('a', 1, {
      [subnetClusterTag('blue')]: '1',
      [subnetClusterTag('green')]: '1',
    });
    expect(isSubnetExcluded(both, 'green')).toBe(false);
  });

  it('an unknown subnet (another account) is not excluded', () => {
    expect(isSubnetExcluded(undefined, 'green')).toBe(false);
  });
});

describe('subnets for a new ENI', () => {
  const context = { primarySubnetId: 'primary', clusterName: 'green' };

  it('keeps opted-in subnets and the untagged primary, most free addresses first, ties stable', () => {
    const subnets = [
      subnet('untagged', 900),
      subnet('primary', 100),
      subnet('tagged-small', 50, { [SUBNET_CNI_ROLE_TAG]: '1' }),
      subnet('tagged-big', 500, { [SUBNET_CNI_ROLE_TAG]: 'shared' }),
      subnet('tagged-tie', 100, { [SUBNET_CNI_ROLE_TAG]: '1' }),
      subnet('excluded', 5000, { [SUBNET_CNI_ROLE_TAG]: '0' }),
      subnet('empty-role', 800, { [SUBNET_CNI_ROLE_TAG]: '' }),
      subnet('other-cluster', 700, { [SUBNET_CNI_ROLE_TAG]: '1', [subnetClusterTag('blue')]: '1' }),
      subnet('ours', 600, { [SUBNET_CNI_ROLE_TAG]: '1', [subnetClusterTag('green')]: '1' }),
    ];
    expect(subnetsForNewEni(subnets, context).map((s) => s.subnetId)).toEqual([
      'ours',
      'tagged-big',
      'primary',
      'tagged-tie',
      'tagged-small',
    ]);
  });

  it('an excluded primary subnet is not used; no valid subnet → empty', () => {
    expect(
      subnetsForNewEni([subnet('primary', 10, { [SUBNET_CNI_ROLE_TAG]: '0' })], context),
    ).toEqual([]);
  });
});
