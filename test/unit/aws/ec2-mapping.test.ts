import { describe, expect, it } from 'vitest';
import { eniFromSdk, instanceTypeFromSdk, subnetFromSdk } from '../../../src/aws/ec2-mapping.ts';

describe('eniFromSdk', () => {
  it('maps every field the daemon uses, primary address first', () => {
    const eni = eniFromSdk({
      NetworkInterfaceId: 'eni-1',
      MacAddress: '0A:1B:2C:3D:4E:5F',
      SubnetId: 'subnet-1',
      VpcId: 'vpc-1',
      AvailabilityZone: 'us-west-2a',
      Description: 'aws-K8S-i-1',
      Status: 'in-use',
      InterfaceType: 'trunk',
      PrivateIpAddress: '10.0.0.5',
      PrivateIpAddresses: [
        { PrivateIpAddress: '10.0.0.9', Primary: false },
        { PrivateIpAddress: '10.0.0.5', Primary: true },
      ],
      Ipv4Prefixes: [{ Ipv4Prefix: '10.0.1.16/28' }],
      Ipv6Addresses: [{ Ipv6Address: '2600::1' }],
      Ipv6Prefixes: [{ Ipv6Prefix: '2600:1::/80' }],
      Groups: [{ GroupId: 'sg-1' }],
      TagSet: [{ Key: 'a', Value: 'b' }],
      Attachment: {
        AttachmentId: 'eni-attach-1',
        InstanceId: 'i-1',
        DeviceIndex: 2,
        NetworkCardIndex: 1,
        Status: 'attached',
        DeleteOnTermination: true,
      },
      ConnectionTrackingConfiguration: { TcpEstablishedTimeout: 300 },
    });
    expect(eni).toEqual({
      eniId: 'eni-1',
      macAddress: '0a:1b:2c:3d:4e:5f',
      subnetId: 'subnet-1',
      vpcId: 'vpc-1',
      availabilityZone: 'us-west-2a',
      description: 'aws-K8S-i-1',
      status: 'in-use',
      interfaceType: 'trunk',
      privateIpv4: [
        { address: '10.0.0.5', primary: true },
        { address: '10.0.0.9', primary: false },
      ],
      primaryIpv4: '10.0.0.5',
      ipv4Prefixes: ['10.0.1.16/28'],
      ipv6Addresses: ['2600::1'],
      ipv6Prefixes: ['2600:1::/80'],
      securityGroupIds: ['sg-1'],
      tags: { a: 'b' },
      attachment: {
        attachmentId: 'eni-attach-1',
        instanceId: 'i-1',
        deviceIndex: 2,
        networkCardIndex: 1,
        status: 'attached',
        deleteOnTermination: true,
      },
      connectionTracking: { tcpEstablishedTimeout: 300 },
    });
  });

  it('flags the top-level PrivateIpAddress as primary when EC2 leaves the flag out; defaults', () => {
    const eni = eniFromSdk({
      NetworkInterfaceId: 'eni-2',
      PrivateIpAddress: '10.0.0.7',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.0.8' }, { PrivateIpAddress: '10.0.0.7' }],
    });
    expect(eni.privateIpv4).toEqual([
      { address: '10.0.0.7', primary: true },
      { address: '10.0.0.8', primary: false },
    ]);
    expect(eni.interfaceType).toBe('interface');
    expect(eni.attachment).toBeUndefined();
    expect(eni.connectionTracking).toBeUndefined();
  });
});

describe('subnetFromSdk', () => {
  it('maps the subnet and its tags', () => {
    expect(
      subnetFromSdk({
        SubnetId: 's',
        VpcId: 'v',
        AvailabilityZone: 'az',
        CidrBlock: '10.0.0.0/24',
        AvailableIpAddressCount: 250,
        Tags: [{ Key: 'kubernetes.io/role/cni', Value: '1' }],
      }),
    ).toEqual({
      subnetId: 's',
      vpcId: 'v',
      availabilityZone: 'az',
      cidrBlock: '10.0.0.0/24',
      availableIpAddressCount: 250,
      tags: { 'kubernetes.io/role/cni': '1' },
    });
  });
});

describe('instanceTypeFromSdk (DescribeInstanceTypes for types not in the table)', () => {
  it('uses the default card for the ENI limit on multi-card types', () => {
    expect(
      instanceTypeFromSdk({
        InstanceType: 'p4d.24xlarge',
        Hypervisor: 'nitro',
        BareMetal: false,
        NetworkInfo: {
          MaximumNetworkInterfaces: 60,
          Ipv4AddressesPerInterface: 50,
          DefaultNetworkCardIndex: 0,
          NetworkCards: [
            { NetworkCardIndex: 1, MaximumNetworkInterfaces: 15 },
            { NetworkCardIndex: 0, MaximumNetworkInterfaces: 15 },
          ],
        },
      }),
    ).toEqual({
      eniLimit: 15,
      ipv4Limit: 50,
      defaultNetworkCardIndex: 0,
      networkCards: [
        { networkCardIndex: 0, maximumNetworkInterfaces: 15 },
        { networkCardIndex: 1, maximumNetworkInterfaces: 15 },
      ],
      hypervisor: 'nitro',
      bareMetal: false,
    });
  });

  it('bare metal without a hypervisor; no cards listed → one card with the instance limit', () => {
    expect(
      instanceTypeFromSdk({
        BareMetal: true,
        NetworkInfo: { MaximumNetworkInterfaces: 15, Ipv4AddressesPerInterface: 50 },
      }),
    ).toEqual({
      eniLimit: 15,
      ipv4Limit: 50,
      defaultNetworkCardIndex: 0,
      networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 15 }],
      hypervisor: 'unknown',
      bareMetal: true,
    });
  });

  it('no ENI or IP limits → undefined (the daemon refuses to start)', () => {
    expect(instanceTypeFromSdk({ NetworkInfo: { MaximumNetworkInterfaces: 3 } })).toBeUndefined();
    expect(instanceTypeFromSdk({ NetworkInfo: { Ipv4AddressesPerInterface: 10 } })).toBeUndefined();
    expect(instanceTypeFromSdk({})).toBeUndefined();
  });
});
