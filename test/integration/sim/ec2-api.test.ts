import {
  type _InstanceType,
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimInstance, SimulatedRegion } from '../../../src/sim/api.ts';
import { startSimulatedRegion } from '../../../src/sim/index.ts';
import { ec2Failure, ec2For } from './helpers.ts';

let sim: SimulatedRegion;
let ec2: EC2Client;
let node: SimInstance;

beforeAll(async () => {
  sim = await startSimulatedRegion({ latency: 'none', buckets: 'off' });
  ec2 = ec2For(sim);
  node = await sim.launchInstance({ instanceType: 'm5.large' });
});

afterAll(async () => {
  await sim.close();
});

async function createEni(
  extra: Partial<ConstructorParameters<typeof CreateNetworkInterfaceCommand>[0]> = {},
) {
  const out = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: sim.subnetId,
      Description: `aws-K8S-${node.instanceId}`,
      ...extra,
    }),
  );
  return out.NetworkInterface!;
}

describe('the real EC2 SDK against the simulated region', () => {
  it('creates an ENI with secondaries, tags and groups, and describes it back', async () => {
    const sg = sim.createSecurityGroup('pods');
    const eni = await createEni({
      Groups: [sg, sim.defaultSecurityGroupId],
      SecondaryPrivateIpAddressCount: 3,
      TagSpecifications: [
        {
          ResourceType: 'network-interface',
          Tags: [
            { Key: 'node.k8s.amazonaws.com/instance_id', Value: node.instanceId },
            { Key: 'odd', Value: 'a<b>&"c"' },
          ],
        },
      ],
    });
    expect(eni.NetworkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(eni.MacAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(eni.Status).toBe('available');
    expect(eni.SubnetId).toBe(sim.subnetId);
    expect(eni.VpcId).toBe(sim.vpcId);
    expect(eni.PrivateIpAddresses).toHaveLength(4);
    expect(eni.PrivateIpAddresses?.[0]).toMatchObject({
      Primary: true,
      PrivateIpAddress: eni.PrivateIpAddress,
    });
    expect(eni.Groups?.map((g) => g.GroupId)).toEqual([sg, sim.defaultSecurityGroupId]);
    expect(eni.TagSet).toContainEqual({ Key: 'odd', Value: 'a<b>&"c"' });

    const described = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.NetworkInterfaceId!] }),
    );
    expect(described.NetworkInterfaces).toHaveLength(1);
    expect(described.NetworkInterfaces?.[0]?.PrivateIpAddresses).toEqual(eni.PrivateIpAddresses);
  });

  it('uses the default security group when none is given', async () => {
    const eni = await createEni();
    expect(eni.Groups?.map((g) => g.GroupId)).toEqual([sim.defaultSecurityGroupId]);
  });

  it('attaches, sets DeleteOnTermination, shows the attachment in DescribeInstances, detaches and deletes', async () => {
    const eni = await createEni({ SecondaryPrivateIpAddressCount: 2 });
    const id = eni.NetworkInterfaceId!;
    const attach = await ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: id,
        InstanceId: node.instanceId,
        DeviceIndex: 1,
        NetworkCardIndex: 0,
      }),
    );
    expect(attach.AttachmentId).toMatch(/^eni-attach-/);
    expect(attach.NetworkCardIndex).toBe(0);
    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: id,
        Attachment: { AttachmentId: attach.AttachmentId, DeleteOnTermination: true },
      }),
    );

    const instances = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [node.instanceId] }),
    );
    const instance = instances.Reservations?.[0]?.Instances?.[0];
    expect(instance?.InstanceType).toBe('m5.large');
    expect(instance?.State?.Name).toBe('running');
    expect(instance?.Placement?.AvailabilityZone).toBe(node.availabilityZone);
    const interfaces = instance?.NetworkInterfaces ?? [];
    const primary = interfaces.find((n) => n.NetworkInterfaceId === node.primaryEniId);
    expect(primary?.Attachment).toMatchObject({
      DeviceIndex: 0,
      NetworkCardIndex: 0,
      Status: 'attached',
    });
    expect(primary?.MacAddress).toBe(node.primaryMac);
    const secondary = interfaces.find((n) => n.NetworkInterfaceId === id);
    expect(secondary?.Attachment).toMatchObject({
      AttachmentId: attach.AttachmentId,
      DeviceIndex: 1,
      NetworkCardIndex: 0,
      Status: 'attached',
      DeleteOnTermination: true,
    });
    expect(secondary?.PrivateIpAddresses).toHaveLength(3);

    const byInstance = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [node.instanceId] }],
      }),
    );
    expect(byInstance.NetworkInterfaces?.map((n) => n.NetworkInterfaceId).sort()).toEqual(
      [node.primaryEniId, id].sort(),
    );
    expect(byInstance.NetworkInterfaces?.find((n) => n.NetworkInterfaceId === id)?.Status).toBe(
      'in-use',
    );

    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attach.AttachmentId }));
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }));
    const gone = await ec2Failure(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] })),
    );
    expect(gone.code).toBe('InvalidNetworkInterfaceID.NotFound');
  });

  it('assigns and unassigns secondary addresses and prefixes', async () => {
    const eni = await createEni();
    const id = eni.NetworkInterfaceId!;
    const ips = await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: id,
        SecondaryPrivateIpAddressCount: 2,
      }),
    );
    expect(ips.NetworkInterfaceId).toBe(id);
    expect(ips.AssignedPrivateIpAddresses).toHaveLength(2);
    const prefixEni = (await createEni()).NetworkInterfaceId!;
    const prefixes = await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: prefixEni, Ipv4PrefixCount: 2 }),
    );
    expect(prefixes.AssignedIpv4Prefixes).toHaveLength(2);
    for (const p of prefixes.AssignedIpv4Prefixes ?? [])
      expect(p.Ipv4Prefix).toMatch(/^10\.0\.\d+\.\d+\/28$/);

    const [first] = ips.AssignedPrivateIpAddresses!;
    await ec2.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: id,
        PrivateIpAddresses: [first!.PrivateIpAddress!],
      }),
    );
    await ec2.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: prefixEni,
        Ipv4Prefixes: [prefixes.AssignedIpv4Prefixes![0]!.Ipv4Prefix!],
      }),
    );
    const after = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id, prefixEni] }),
    );
    const byId = new Map(after.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n]));
    expect(byId.get(id)?.PrivateIpAddresses).toHaveLength(2);
    expect(byId.get(prefixEni)?.Ipv4Prefixes).toEqual([
      { Ipv4Prefix: prefixes.AssignedIpv4Prefixes![1]!.Ipv4Prefix },
    ]);

    const notMine = await ec2Failure(
      ec2.send(
        new UnassignPrivateIpAddressesCommand({
          NetworkInterfaceId: id,
          PrivateIpAddresses: ['10.0.15.250'],
        }),
      ),
    );
    expect(notMine.code).toBe('InvalidParameterValue');
    expect(notMine.message).toBe(
      `Some of the specified addresses are not assigned to interface ${id}`,
    );
  });

  it('assigns specific addresses and refuses one in use', async () => {
    const eni = (await createEni()).NetworkInterfaceId!;
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni,
        PrivateIpAddresses: ['10.0.14.7'],
      }),
    );
    const other = (await createEni()).NetworkInterfaceId!;
    const taken = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: other,
          PrivateIpAddresses: ['10.0.14.7'],
        }),
      ),
    );
    expect(taken.code).toBe('InvalidIPAddress.InUse');
    const outside = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: other,
          PrivateIpAddresses: ['10.0.200.7'],
        }),
      ),
    );
    expect(outside.code).toBe('InvalidParameterValue');
  });

  it('rejects the parameter combinations EC2 rejects', async () => {
    const both = await ec2Failure(
      ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: sim.subnetId,
          SecondaryPrivateIpAddressCount: 1,
          Ipv4PrefixCount: 1,
        }),
      ),
    );
    expect(both.code).toBe('InvalidParameterCombination');
    const eni = (await createEni()).NetworkInterfaceId!;
    const mixed = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          SecondaryPrivateIpAddressCount: 1,
          Ipv4PrefixCount: 1,
        }),
      ),
    );
    expect(mixed.code).toBe('InvalidParameterCombination');
    const nothing = await ec2Failure(
      ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni })),
    );
    expect(nothing.code).toBe('MissingParameter');
    const zero = await ec2Failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          SecondaryPrivateIpAddressCount: 0,
        }),
      ),
    );
    expect(zero.code).toBe('InvalidParameterValue');
    const twoAttributes = await ec2Failure(
      ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: eni,
          Groups: [sim.defaultSecurityGroupId],
          SourceDestCheck: { Value: false },
        }),
      ),
    );
    expect(twoAttributes.code).toBe('InvalidParameterCombination');
    const wrongTagType = await ec2Failure(
      ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: sim.subnetId,
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }],
        }),
      ),
    );
    expect(wrongTagType.code).toBe('InvalidParameterValue');
  });

  it('answers NotFound for every kind of ID, quoting the ID as EC2 does', async () => {
    const eni = await ec2Failure(
      ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] }),
      ),
    );
    expect(eni).toEqual({
      code: 'InvalidNetworkInterfaceID.NotFound',
      message: "The networkInterface ID 'eni-0123456789abcdef0' does not exist",
      status: 400,
    });
    const instance = await ec2Failure(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    );
    expect(instance.code).toBe('InvalidInstanceID.NotFound');
    expect(instance.message).toBe("The instance ID 'i-0123456789abcdef0' does not exist");
    const subnet = await ec2Failure(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })),
    );
    expect(subnet.code).toBe('InvalidSubnetID.NotFound');
    expect(subnet.message).toBe("The subnet ID 'subnet-0123456789abcdef0' does not exist");
    const attachment = await ec2Failure(
      ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: 'eni-attach-0123456789abcdef0' })),
    );
    expect(attachment.code).toBe('InvalidAttachmentID.NotFound');
    expect(attachment.message).toContain("'eni-attach-0123456789abcdef0'");
    const group = await ec2Failure(
      ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: sim.subnetId,
          Groups: ['sg-0123456789abcdef0'],
        }),
      ),
    );
    expect(group.code).toBe('InvalidGroup.NotFound');
    const createIn = await ec2Failure(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: 'subnet-0123456789abcdef0' })),
    );
    expect(createIn.code).toBe('InvalidSubnetID.NotFound');
    const deleteMissing = await ec2Failure(
      ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-0123456789abcdef0' })),
    );
    expect(deleteMissing.code).toBe('InvalidNetworkInterfaceID.NotFound');
    const attachToMissing = await ec2Failure(
      ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: (await createEni()).NetworkInterfaceId!,
          InstanceId: 'i-0123456789abcdef0',
          DeviceIndex: 1,
        }),
      ),
    );
    expect(attachToMissing.code).toBe('InvalidInstanceID.NotFound');
  });

  it('reports the first missing ID of a list, so a caller can drop it and ask again', async () => {
    const real = (await createEni()).NetworkInterfaceId!;
    const failure = await ec2Failure(
      ec2.send(
        new DescribeNetworkInterfacesCommand({
          NetworkInterfaceIds: [real, 'eni-0aaaaaaaaaaaaaaa1', 'eni-0aaaaaaaaaaaaaaa2'],
        }),
      ),
    );
    expect(failure.message).toBe("The networkInterface ID 'eni-0aaaaaaaaaaaaaaa1' does not exist");
  });

  it('answers Malformed for an ID of the wrong kind', async () => {
    const failure = await ec2Failure(
      ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['i-0123456789abcdef0'] }),
      ),
    );
    expect(failure.code).toBe('InvalidNetworkInterfaceID.Malformed');
  });

  it('creates and deletes tags on ENIs and subnets, with DeleteTags matching values', async () => {
    const eni = (await createEni()).NetworkInterfaceId!;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [eni, sim.subnetId],
        Tags: [
          { Key: 'k1', Value: 'v1' },
          { Key: 'k2', Value: 'v2' },
        ],
      }),
    );
    await ec2.send(
      new DeleteTagsCommand({
        Resources: [eni],
        Tags: [{ Key: 'k1', Value: 'other' }, { Key: 'k2' }],
      }),
    );
    const described = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }),
    );
    expect(described.NetworkInterfaces?.[0]?.TagSet).toEqual([{ Key: 'k1', Value: 'v1' }]);
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:k2', Values: ['v2'] }] }),
    );
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toEqual([sim.subnetId]);
    const missing = await ec2Failure(
      ec2.send(
        new CreateTagsCommand({
          Resources: [eni, 'eni-0123456789abcdef0'],
          Tags: [{ Key: 'k3', Value: 'x' }],
        }),
      ),
    );
    expect(missing.code).toBe('InvalidNetworkInterfaceID.NotFound');
    const unchanged = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }),
    );
    expect(unchanged.NetworkInterfaces?.[0]?.TagSet?.map((t) => t.Key)).toEqual(['k1']);
  });

  it('describes subnets by VPC and zone with a live free-address count', async () => {
    const other = sim.createSubnet({
      cidr: '10.0.32.0/24',
      availabilityZone: `${sim.region}b`,
      tags: { 'kubernetes.io/role/cni': '1' },
    });
    const inZoneB = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [sim.vpcId] },
          { Name: 'availability-zone', Values: [`${sim.region}b`] },
        ],
      }),
    );
    expect(inZoneB.Subnets).toHaveLength(1);
    const subnet = inZoneB.Subnets![0]!;
    expect(subnet).toMatchObject({
      SubnetId: other,
      CidrBlock: '10.0.32.0/24',
      AvailableIpAddressCount: 251,
      VpcId: sim.vpcId,
    });
    expect(subnet.Tags).toEqual([{ Key: 'kubernetes.io/role/cni', Value: '1' }]);
    await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: other, SecondaryPrivateIpAddressCount: 4 }),
    );
    const after = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [other] }));
    expect(after.Subnets?.[0]?.AvailableIpAddressCount).toBe(246);
  });

  it('describes instance types from the instance-types table', async () => {
    const out = await ec2.send(
      new DescribeInstanceTypesCommand({
        InstanceTypes: ['m5.large', 'p4d.24xlarge', 't2.micro', 'c5.metal'],
      }),
    );
    const byName = new Map(out.InstanceTypes?.map((t) => [t.InstanceType, t]));
    expect(byName.get('m5.large')?.NetworkInfo).toMatchObject({
      MaximumNetworkInterfaces: 3,
      Ipv4AddressesPerInterface: 10,
      DefaultNetworkCardIndex: 0,
      NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3 }],
    });
    expect(byName.get('m5.large')?.Hypervisor).toBe('nitro');
    expect(byName.get('p4d.24xlarge')?.NetworkInfo?.NetworkCards).toHaveLength(4);
    expect(byName.get('p4d.24xlarge')?.NetworkInfo?.MaximumNetworkInterfaces).toBe(60);
    expect(byName.get('t2.micro')?.Hypervisor).toBe('xen');
    expect(byName.get('c5.metal')?.BareMetal).toBe(true);
    const unknown = await ec2Failure(
      ec2.send(
        new DescribeInstanceTypesCommand({ InstanceTypes: ['x9.nothing' as _InstanceType] }),
      ),
    );
    expect(unknown.code).toBe('InvalidInstanceType');
  });

  it("describes security groups and changes an ENI's groups", async () => {
    const sg = sim.createSecurityGroup('extra');
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sg] }));
    expect(groups.SecurityGroups?.[0]).toMatchObject({
      GroupId: sg,
      GroupName: 'extra',
      VpcId: sim.vpcId,
    });
    const eni = (await createEni()).NetworkInterfaceId!;
    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [sg] }),
    );
    const described = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }),
    );
    expect(described.NetworkInterfaces?.[0]?.Groups).toEqual([{ GroupId: sg, GroupName: 'extra' }]);
  });

  it('answers a DryRun with DryRunOperation and changes nothing', async () => {
    const before = (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces
      ?.length;
    const failure = await ec2Failure(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: sim.subnetId, DryRun: true })),
    );
    expect(failure).toMatchObject({ code: 'DryRunOperation', status: 412 });
    const after = (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces
      ?.length;
    expect(after).toBe(before);
  });

  it("answers an unknown action with InvalidAction in EC2's error envelope", async () => {
    const response = await fetch(sim.ec2Endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=LaunchRockets&Version=2016-11-15',
    });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>InvalidAction<\/Code><Message>The action LaunchRockets is not valid for this web service.<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/,
    );
  });

  it('serves the Query API over GET with a query string too', async () => {
    const response = await fetch(
      `${sim.ec2Endpoint}/?Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=${sim.subnetId}`,
    );
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain(
      '<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">',
    );
    expect(body).toContain(`<subnetId>${sim.subnetId}</subnetId>`);
  });
});
