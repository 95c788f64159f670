import type {
  AllocatedEni,
  AllocateEniRequest,
  CreateEniRequest,
  DescribeEnisResult,
  Ec2Port,
  EniDescription,
  FreeEniResult,
  LeakedEniCleanupReport,
  SubnetDescription,
  Tags,
} from '../../../src/aws/ec2-port.ts';
import { Ec2Error, type Ec2ErrorKind } from '../../../src/aws/errors.ts';
import { formatIpv4, parseIpv4 } from '../../../src/ipam/cidr.ts';

/**
 * An in-memory EC2 for the daemon's unit tests: one instance, its ENIs and their addresses, every
 * call recorded, and faults queued per method. Addresses come from 10.0.0.0/16 in order (/28
 * prefixes from 10.0.128.0 up), so tests can predict them.
 */
export class FakeEc2 implements Ec2Port {
  readonly instanceId = 'i-fake';
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly enis = new Map<string, EniDescription>();
  private readonly faults = new Map<string, Ec2Error[]>();
  private nextIp = parseIpv4('10.0.0.10')!;
  private nextPrefix = parseIpv4('10.0.128.0')!;
  private nextEni = 1;
  /** Per-ENI address slots (IPv4Limit − 1), as EC2 enforces. */
  slotsPerEni = 9;

  constructor() {
    this.enis.set('eni-primary', this.describe('eni-primary', 0, []));
  }

  /** The next call of `method` fails with this kind (EC2 code given or derived). */
  failNext(method: keyof Ec2Port, kind: Ec2ErrorKind, code = codeFor(kind), times = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) {
      queue.push(
        new Ec2Error(actionFor(method), {
          kind,
          code,
          message: `injected ${code}`,
          httpStatus: 400,
        }),
      );
    }
    this.faults.set(method, queue);
  }

  callsOf(method: keyof Ec2Port): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Mutating calls (what the pool manager costs in EC2's buckets). */
  mutations(): string[] {
    return this.calls.map((c) => c.method).filter((m) => !/^(describe|list|find)/.test(m));
  }

  private enter(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    const fault = this.faults.get(method)?.shift();
    if (fault) throw fault;
  }

  private takeIps(count: number): string[] {
    return Array.from({ length: count }, () => formatIpv4(this.nextIp++));
  }

  private takePrefixes(count: number): string[] {
    return Array.from({ length: count }, () => {
      const prefix = `${formatIpv4(this.nextPrefix)}/28`;
      this.nextPrefix += 16;
      return prefix;
    });
  }

  private describe(
    eniId: string,
    deviceIndex: number,
    secondaries: string[],
    prefixes: string[] = [],
  ): EniDescription {
    const [primary] = this.takeIps(1);
    return {
      eniId,
      macAddress: `02:00:00:00:00:${deviceIndex.toString(16).padStart(2, '0')}`,
      subnetId: 'subnet-1',
      vpcId: 'vpc-1',
      availabilityZone: 'us-west-2a',
      description: `aws-K8S-${this.instanceId}`,
      status: 'in-use',
      interfaceType: 'interface',
      privateIpv4: [
        { address: primary!, primary: true },
        ...secondaries.map((address) => ({ address, primary: false })),
      ],
      primaryIpv4: primary,
      ipv4Prefixes: prefixes,
      ipv6Addresses: [],
      ipv6Prefixes: [],
      securityGroupIds: ['sg-1'],
      tags: {},
      attachment: {
        attachmentId: `attach-${eniId}`,
        instanceId: this.instanceId,
        deviceIndex,
        networkCardIndex: 0,
        status: 'attached',
        deleteOnTermination: true,
      },
      connectionTracking: undefined,
    };
  }

  private used(eni: EniDescription): number {
    return eni.privateIpv4.length - 1 + eni.ipv4Prefixes.length;
  }

  private update(eniId: string, change: (eni: EniDescription) => EniDescription): EniDescription {
    const eni = this.enis.get(eniId);
    if (!eni)
      throw new Ec2Error('X', {
        kind: 'notFound',
        code: 'InvalidNetworkInterfaceID.NotFound',
        message: eniId,
        httpStatus: 400,
      });
    const next = change(eni);
    this.enis.set(eniId, next);
    return next;
  }

  async describeNetworkInterfaces(eniIds: readonly string[]): Promise<DescribeEnisResult> {
    this.enter('describeNetworkInterfaces', [eniIds]);
    return {
      enis: eniIds.flatMap((id) => this.enis.get(id) ?? []),
      notFound: eniIds.filter((id) => !this.enis.has(id)),
    };
  }

  async describeNetworkInterface(eniId: string): Promise<EniDescription | undefined> {
    this.enter('describeNetworkInterface', [eniId]);
    return this.enis.get(eniId);
  }

  async listNetworkInterfaces(): Promise<EniDescription[]> {
    this.enter('listNetworkInterfaces', []);
    return [...this.enis.values()];
  }

  async describeSubnets(): Promise<SubnetDescription[]> {
    this.enter('describeSubnets', []);
    return [
      {
        subnetId: 'subnet-1',
        vpcId: 'vpc-1',
        availabilityZone: 'us-west-2a',
        cidrBlock: '10.0.0.0/16',
        availableIpAddressCount: 1000,
        tags: {},
      },
    ];
  }

  async describeInstanceType(): Promise<undefined> {
    this.enter('describeInstanceType', []);
    return undefined;
  }

  async createNetworkInterface(request: CreateEniRequest): Promise<EniDescription> {
    this.enter('createNetworkInterface', [request]);
    throw new Error('the fake creates ENIs through allocateEni only');
  }

  async findFreeDeviceIndex(): Promise<number> {
    this.enter('findFreeDeviceIndex', []);
    return this.enis.size;
  }

  async attachNetworkInterface(): Promise<string> {
    this.enter('attachNetworkInterface', []);
    throw new Error('the fake attaches ENIs through allocateEni only');
  }

  async setDeleteOnTermination(): Promise<void> {
    this.enter('setDeleteOnTermination', []);
  }

  async allocateEni(request: AllocateEniRequest): Promise<AllocatedEni> {
    this.enter('allocateEni', [request]);
    const deviceIndex = this.enis.size;
    const eniId = `eni-${this.nextEni++}`;
    const count =
      request.addresses.kind === 'none' ? 0 : Math.min(request.addresses.count, this.slotsPerEni);
    const eni =
      request.addresses.kind === 'ipv4Prefix'
        ? this.describe(eniId, deviceIndex, [], this.takePrefixes(count))
        : this.describe(eniId, deviceIndex, this.takeIps(count));
    this.enis.set(eniId, eni);
    return {
      eni,
      attachmentId: eni.attachment!.attachmentId,
      deviceIndex,
      networkCardIndex: request.networkCardIndex,
    };
  }

  async freeEni(eniId: string): Promise<FreeEniResult> {
    this.enter('freeEni', [eniId]);
    return this.enis.delete(eniId) ? 'freed' : 'alreadyGone';
  }

  async detachNetworkInterface(attachmentId: string): Promise<void> {
    this.enter('detachNetworkInterface', [attachmentId]);
  }

  async deleteNetworkInterface(eniId: string): Promise<void> {
    this.enter('deleteNetworkInterface', [eniId]);
    this.enis.delete(eniId);
  }

  async setSecurityGroups(eniId: string, groups: readonly string[]): Promise<void> {
    this.enter('setSecurityGroups', [eniId, groups]);
  }

  async assignPrivateIpv4Addresses(eniId: string, count: number): Promise<string[]> {
    this.enter('assignPrivateIpv4Addresses', [eniId, count]);
    const eni = this.enis.get(eniId)!;
    if (this.used(eni) + count > this.slotsPerEni) {
      throw new Ec2Error('AssignPrivateIpAddresses', {
        kind: 'limitExceeded',
        code: 'PrivateIpAddressLimitExceeded',
        message: 'full',
        httpStatus: 400,
      });
    }
    const ips = this.takeIps(count);
    this.update(eniId, (e) => ({
      ...e,
      privateIpv4: [...e.privateIpv4, ...ips.map((address) => ({ address, primary: false }))],
    }));
    return ips;
  }

  async assignIpv4Prefixes(eniId: string, count: number): Promise<string[]> {
    this.enter('assignIpv4Prefixes', [eniId, count]);
    const prefixes = this.takePrefixes(count);
    this.update(eniId, (e) => ({ ...e, ipv4Prefixes: [...e.ipv4Prefixes, ...prefixes] }));
    return prefixes;
  }

  async unassignPrivateIpv4Addresses(eniId: string, addresses: readonly string[]): Promise<void> {
    if (addresses.length === 0) return;
    this.enter('unassignPrivateIpv4Addresses', [eniId, addresses]);
    this.update(eniId, (e) => ({
      ...e,
      privateIpv4: e.privateIpv4.filter((ip) => !addresses.includes(ip.address)),
    }));
  }

  async unassignIpv4Prefixes(eniId: string, prefixes: readonly string[]): Promise<void> {
    if (prefixes.length === 0) return;
    this.enter('unassignIpv4Prefixes', [eniId, prefixes]);
    this.update(eniId, (e) => ({
      ...e,
      ipv4Prefixes: e.ipv4Prefixes.filter((p) => !prefixes.includes(p)),
    }));
  }

  async assignIpv6Prefix(): Promise<string[]> {
    this.enter('assignIpv6Prefix', []);
    return [];
  }

  async unassignIpv6Prefixes(): Promise<void> {
    this.enter('unassignIpv6Prefixes', []);
  }

  async tagNetworkInterface(eniId: string, tags: Tags): Promise<void> {
    this.enter('tagNetworkInterface', [eniId, tags]);
  }

  async ensureEniTags(eniId: string): Promise<Tags> {
    this.enter('ensureEniTags', [eniId]);
    return {};
  }

  async cleanUpLeakedEnis(): Promise<LeakedEniCleanupReport> {
    this.enter('cleanUpLeakedEnis', []);
    return { deleted: [], tagged: [], skipped: [], failed: [] };
  }
}

function codeFor(kind: Ec2ErrorKind): string {
  switch (kind) {
    case 'insufficientCapacity':
      return 'InsufficientFreeAddressesInSubnet';
    case 'limitExceeded':
      return 'PrivateIpAddressLimitExceeded';
    case 'throttled':
      return 'RequestLimitExceeded';
    case 'notFound':
      return 'InvalidNetworkInterfaceID.NotFound';
    case 'unauthorized':
      return 'UnauthorizedOperation';
    default:
      return 'InternalError';
  }
}

function actionFor(method: string): string {
  const actions: Record<string, string> = {
    assignPrivateIpv4Addresses: 'AssignPrivateIpAddresses',
    assignIpv4Prefixes: 'AssignPrivateIpAddresses',
    unassignPrivateIpv4Addresses: 'UnassignPrivateIpAddresses',
    unassignIpv4Prefixes: 'UnassignPrivateIpAddresses',
    allocateEni: 'CreateNetworkInterface',
    freeEni: 'DetachNetworkInterface',
  };
  return actions[method] ?? method;
}
