import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';

/** Test-only: a VPC, a subnet and one running instance in moto, made with the plain SDK. */

export const MOTO_REGION = 'us-west-2';
/** One of the AMIs moto ships (moto/ec2/resources/amis.json). */
export const MOTO_AMI = 'ami-12c6146b';
export const DUMMY_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface MotoWorld {
  readonly vpcId: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly instanceId: string;
  readonly primaryEniId: string;
  readonly securityGroupId: string;
}

export function motoClient(endpoint: string): EC2Client {
  return new EC2Client({ region: MOTO_REGION, endpoint, credentials: DUMMY_CREDENTIALS });
}

export async function createMotoWorld(endpoint: string): Promise<MotoWorld> {
  const client = motoClient(endpoint);
  try {
    const availabilityZone = `${MOTO_REGION}a`;
    const vpc = await client.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const vpcId = vpc.Vpc?.VpcId ?? '';
    const subnet = await client.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.0.0.0/20',
        AvailabilityZone: availabilityZone,
      }),
    );
    const subnetId = subnet.Subnet?.SubnetId ?? '';
    const groups = await client.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    const securityGroupId = groups.SecurityGroups?.[0]?.GroupId ?? '';
    const run = await client.send(
      new RunInstancesCommand({
        ImageId: MOTO_AMI,
        InstanceType: 'm5.large',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        SecurityGroupIds: [securityGroupId],
      }),
    );
    const instance = run.Instances?.[0];
    const instanceId = instance?.InstanceId ?? '';
    const primaryEniId = instance?.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? '';
    if (!vpcId || !subnetId || !instanceId || !primaryEniId || !securityGroupId) {
      throw new Error('moto world setup incomplete');
    }
    return { vpcId, subnetId, availabilityZone, instanceId, primaryEniId, securityGroupId };
  } finally {
    client.destroy();
  }
}
