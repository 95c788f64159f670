import type { SubnetDescription } from '../../../../src/aws/ec2-port.ts';

/** A subnet of vpc-1 in us-west-2a as DescribeSubnets answers it. */
export function subnet(
  subnetId: string,
  free: number,
  tags: Record<string, string> = {},
  cidrBlock = '10.0.0.0/24',
): SubnetDescription {
  return {
    subnetId,
    vpcId: 'vpc-1',
    availabilityZone: 'us-west-2a',
    cidrBlock,
    availableIpAddressCount: free,
    tags,
  };
}
