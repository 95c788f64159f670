import { describe, expect, it } from 'vitest';
import type { SubnetDescription } from '../../../src/aws/ec2-port.ts';
import { SubnetDiscoveryPlacement } from '../../../src/daemon/subnet-discovery-placement.ts';
import { silentLogger } from '../../../src/observe/logger.ts';
import { subnet } from '../ipam/eni/subnet-fixture.ts';
import { MemoryEc2 } from './memory-ec2.ts';

function placement(subnets: SubnetDescription[], enableSubnetDiscovery = true) {
  const ec2 = new MemoryEc2();
  ec2.subnets = subnets;
  const place = new SubnetDiscoveryPlacement({
    ec2,
    config: { enableSubnetDiscovery, clusterName: '' },
    node: {
      vpcId: 'vpc-1',
      availabilityZone: 'us-west-2a',
      primarySubnetId: 'subnet-primary',
      live: { vpcCidrs: [], securityGroupIds: ['sg-1', 'sg-2'] },
    },
    logger: silentLogger(),
  });
  return { ec2, place };
}

describe('SubnetDiscoveryPlacement (the reference without custom networking)', () => {
  it('discovery: valid subnets most free first, with CIDRs and the primary ENI groups', async () => {
    const { place } = placement([
      subnet('subnet-primary', 100),
      subnet('subnet-big', 5000, { 'kubernetes.io/role/cni': '1' }, '10.0.0.0/16'),
      subnet('subnet-untagged', 9000),
      subnet('subnet-out', 9000, { 'kubernetes.io/role/cni': '0' }),
    ]);
    const choice = await place.placeNewEni();
    expect(choice.subnets.map((s) => s.subnetId)).toEqual(['subnet-big', 'subnet-primary']);
    expect(choice.subnets[0]?.cidrBlock).toBe('10.0.0.0/16');
    expect(choice.subnets[1]?.cidrBlock).toBe('10.0.0.0/24');
    expect(choice.securityGroupIds).toEqual(['sg-1', 'sg-2']);
  });

  it('discovery finding no valid subnet is an error naming the VPC and AZ', async () => {
    const { place } = placement([subnet('subnet-primary', 100, { 'kubernetes.io/role/cni': '0' })]);
    await expect(place.placeNewEni()).rejects.toThrow(
      'no valid subnet for a new ENI in vpc-1/us-west-2a',
    );
  });

  it('DescribeSubnets failing (no permission): the primary subnet', async () => {
    const { ec2, place } = placement([
      subnet('subnet-primary', 100),
      subnet('subnet-x', 5000, { 'kubernetes.io/role/cni': '1' }),
    ]);
    ec2.failNext('describeSubnets', 'unauthorized');
    expect((await place.placeNewEni()).subnets.map((s) => s.subnetId)).toEqual(['subnet-primary']);
  });

  it('discovery off: only the primary subnet, unless it is tagged out', async () => {
    const open = placement(
      [subnet('subnet-primary', 100), subnet('subnet-x', 5000, { 'kubernetes.io/role/cni': '1' })],
      false,
    );
    expect((await open.place.placeNewEni()).subnets.map((s) => s.subnetId)).toEqual([
      'subnet-primary',
    ]);
    const closed = placement(
      [subnet('subnet-primary', 100, { 'kubernetes.io/role/cni': '0' })],
      false,
    );
    await expect(closed.place.placeNewEni()).rejects.toThrow(
      'the primary subnet subnet-primary is excluded from pod IPs and no other subnet is allowed',
    );
  });
});
