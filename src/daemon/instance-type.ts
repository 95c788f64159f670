import type { Ec2Port } from '../aws/ec2-port.ts';
import {
  type InstanceTypeInfo,
  lookupInstanceType,
  registerInstanceType,
} from '../ipam/instance-limits.ts';

/**
 * An instance type's limits: from the static table, else one DescribeInstanceTypes call whose
 * answer is added to the table (the reference's FetchInstanceTypeLimits). Undefined when EC2 has no limits for it either
 * (the daemon then refuses to start: "unknown instance type").
 */
export async function resolveInstanceType(
  ec2: Pick<Ec2Port, 'describeInstanceType'>,
  instanceType: string,
): Promise<InstanceTypeInfo | undefined> {
  const known = lookupInstanceType(instanceType);
  if (known) return known;
  const described = await ec2.describeInstanceType(instanceType);
  if (described) registerInstanceType(instanceType, described);
  return described;
}
