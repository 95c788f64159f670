import type { EniDescription } from '../../../src/aws/ec2-port.ts';
import type { ImdsEni, ImdsPort, InstanceIdentity } from '../../../src/aws/imds-port.ts';
import type { MemoryEc2 } from './memory-ec2.ts';

/**
 * IMDS for the daemon's unit tests: a snapshot of the in-memory EC2's ENIs attached to its
 * instance, taken when the test says so (`sync`), so a test decides exactly how far IMDS lags
 * behind EC2.
 */
export class FakeImds implements ImdsPort {
  enis: ImdsEni[] = [];
  failListing: Error | undefined;
  private readonly ec2: MemoryEc2;
  private readonly instanceType: string;

  constructor(ec2: MemoryEc2, instanceType = 'm5.large') {
    this.ec2 = ec2;
    this.instanceType = instanceType;
    this.sync();
  }

  /** IMDS catches up with EC2. */
  sync(): void {
    this.enis = [...this.ec2.enis.values()]
      .filter((eni) => eni.attachment?.instanceId === this.ec2.instanceId)
      .map(toImds);
  }

  async getInstanceIdentity(): Promise<InstanceIdentity> {
    const primary = this.ec2.enis.get('eni-primary')!;
    return {
      instanceId: this.ec2.instanceId,
      instanceType: this.instanceType,
      availabilityZone: 'us-west-2a',
      region: 'us-west-2',
      accountId: '123456789012',
      primaryIpv4: primary.primaryIpv4!,
      primaryMac: primary.macAddress,
    };
  }
  async getPrimaryIpv6(): Promise<string | undefined> {
    return undefined;
  }
  async listMacs(): Promise<string[]> {
    return this.enis.map((eni) => eni.mac);
  }
  async getEni(mac: string): Promise<ImdsEni | undefined> {
    return this.enis.find((eni) => eni.mac === mac);
  }
  async listEnis(): Promise<ImdsEni[]> {
    if (this.failListing) throw this.failListing;
    return this.enis;
  }
  async getVpcIpv4Cidrs(): Promise<string[]> {
    return ['10.0.0.0/16'];
  }
  async getVpcIpv6Cidrs(): Promise<string[]> {
    return [];
  }
  async getSecurityGroupIds(): Promise<string[]> {
    return ['sg-1'];
  }
}

function toImds(eni: EniDescription): ImdsEni {
  return {
    mac: eni.macAddress,
    eniId: eni.eniId,
    deviceNumber: eni.attachment?.deviceIndex ?? 0,
    networkCard: 0,
    isPrimary: eni.eniId === 'eni-primary',
    subnetId: eni.subnetId,
    subnetIpv4Cidr: '10.0.0.0/16',
    vpcId: eni.vpcId,
    ipv4Addresses: eni.privateIpv4.map((ip) => ip.address),
    ipv4Prefixes: eni.ipv4Prefixes,
    ipv6Addresses: [],
    ipv6Prefixes: [],
    subnetIpv6Cidrs: [],
  };
}
