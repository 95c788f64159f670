import type {
  CreateEniRequest,
  Ec2Filters,
  Ec2Port,
  EniDescription,
  InstanceAttachment,
  SubnetDescription,
  SubnetQuery,
  Tags,
} from '../../../src/aws/ec2-port.ts';
import { Ec2Error, type Ec2ErrorKind } from '../../../src/aws/errors.ts';
import { formatIpv4, parseIpv4 } from '../../../src/ipam/cidr.ts';

/**
 * An in-memory EC2 for the daemon's tests, shaped like the EC2 port (one method per action): one
 * instance, its ENIs with attachments, addresses and tags, subnets, every call recorded, and
 * faults or delays queued per action. Addresses come from 10.0.0.0/16 in order (/28 prefixes from
 * 10.0.128.0 up), so tests can predict them. EC2's answers keep its rules: an unknown ID fails a
 * describe quoting the ID, an attached ENI cannot be deleted, a device index is used once per
 * card, an ENI holds at most `slotsPerEni` secondary addresses and prefixes together.
 */

type Action = Exclude<keyof Ec2Port, 'instanceId'>;

export class MemoryEc2 implements Ec2Port {
  readonly instanceId = 'i-fake';
  readonly calls: { method: Action; args: unknown[] }[] = [];
  readonly enis = new Map<string, EniDescription>();
  subnets: SubnetDescription[] = [
    {
      subnetId: 'subnet-1',
      vpcId: 'vpc-1',
      availabilityZone: 'us-west-2a',
      cidrBlock: '10.0.0.0/16',
      availableIpAddressCount: 1000,
      tags: {},
    },
  ];
  /** Per-ENI address slots (IPv4Limit − 1), as EC2 enforces. */
  slotsPerEni = 9;
  /** Describes an attachment stays 'attaching' before it reads 'attached'. */
  attachingDescribes = 0;
  private readonly faults = new Map<
    Action,
    { error: Ec2Error; when: (args: unknown[]) => boolean }[]
  >();
  private readonly delays = new Map<Action, number[]>();
  private readonly attachingLeft = new Map<string, number>();
  private readonly sleep: (ms: number) => Promise<void>;
  private nextIp = parseIpv4('10.0.0.10')!;
  private nextPrefix = parseIpv4('10.0.128.0')!;
  private nextEni = 1;

  constructor(options: { sleep?: (ms: number) => Promise<void> } = {}) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const primary = this.newEni('eni-primary', 'subnet-1', []);
    this.enis.set('eni-primary', {
      ...primary,
      status: 'in-use',
      description: '',
      attachment: this.attachment('eni-primary', 0, 0),
    });
  }

  /**
   * The next `times` calls of `method` (those whose arguments pass `when`, if given) fail with
   * this kind (EC2 code given or derived).
   */
  failNext(
    method: Action,
    kind: Ec2ErrorKind,
    code = codeFor(kind),
    times = 1,
    when: (args: unknown[]) => boolean = () => true,
  ): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) {
      const error = new Ec2Error(actionFor(method), {
        kind,
        code,
        message: `injected ${code}`,
        httpStatus: 400,
      });
      queue.push({ error, when });
    }
    this.faults.set(method, queue);
  }

  /** Forgets every fault not yet used. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** The next `times` calls of `method` take `ms` (on the sleep given to the constructor). */
  delayNext(method: Action, ms: number, times = 1): void {
    const queue = this.delays.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(ms);
    this.delays.set(method, queue);
  }

  callsOf(method: Action): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Mutating calls (what the pool manager costs in EC2's buckets). */
  mutations(): Action[] {
    return this.calls
      .map((c) => c.method)
      .filter((m) => !m.startsWith('describe') && !m.startsWith('list'));
  }

  /** ENIs of this instance other than the primary, in creation order. */
  secondaryEnis(): EniDescription[] {
    return [...this.enis.values()].filter((e) => e.eniId !== 'eni-primary');
  }

  // ---- describe -----------------------------------------------------------------------------

  async describeNetworkInterfaces(eniIds: readonly string[]): Promise<EniDescription[]> {
    await this.enter('describeNetworkInterfaces', [eniIds]);
    const unknown = eniIds.filter((id) => !this.enis.has(id));
    if (unknown.length > 0) throw this.notFound('DescribeNetworkInterfaces', unknown);
    return eniIds.map((id) => this.observe(id));
  }

  async listNetworkInterfaces(filters: Ec2Filters): Promise<EniDescription[]> {
    await this.enter('listNetworkInterfaces', [filters]);
    return [...this.enis.keys()]
      .map((id) => this.observe(id))
      .filter((eni) => filters.every((f) => f.values.some((v) => matches(eni, f.name, v))));
  }

  async describeSubnets(query: SubnetQuery): Promise<SubnetDescription[]> {
    await this.enter('describeSubnets', [query]);
    return 'subnetIds' in query
      ? this.subnets.filter((s) => query.subnetIds.includes(s.subnetId))
      : this.subnets.filter(
          (s) => s.vpcId === query.vpcId && s.availabilityZone === query.availabilityZone,
        );
  }

  async describeInstanceType(instanceType: string): Promise<undefined> {
    await this.enter('describeInstanceType', [instanceType]);
    return undefined;
  }

  async describeInstanceAttachments(): Promise<InstanceAttachment[]> {
    await this.enter('describeInstanceAttachments', []);
    return [...this.enis.values()].flatMap((eni) =>
      eni.attachment?.instanceId === this.instanceId
        ? [
            {
              eniId: eni.eniId,
              deviceIndex: eni.attachment.deviceIndex,
              networkCardIndex: eni.attachment.networkCardIndex,
            },
          ]
        : [],
    );
  }

  // ---- ENIs ---------------------------------------------------------------------------------

  async createNetworkInterface(request: CreateEniRequest): Promise<EniDescription> {
    await this.enter('createNetworkInterface', [request]);
    if (!this.subnets.some((s) => s.subnetId === request.subnetId)) {
      throw new Ec2Error('CreateNetworkInterface', {
        kind: 'notFound',
        code: 'InvalidSubnetID.NotFound',
        message: `The subnet ID '${request.subnetId}' does not exist`,
        httpStatus: 400,
      });
    }
    const { addresses } = request;
    const count = addresses.kind === 'none' ? 0 : addresses.count;
    if (count > this.slotsPerEni) throw this.limitExceeded('CreateNetworkInterface');
    const eniId = `eni-${this.nextEni++}`;
    const eni = {
      ...this.newEni(
        eniId,
        request.subnetId,
        addresses.kind === 'secondaryIpv4' ? this.takeIps(count) : [],
        addresses.kind === 'ipv4Prefix' ? this.takePrefixes(count) : [],
      ),
      description: request.description,
      securityGroupIds: [...request.securityGroupIds].sort(),
      tags: { ...request.tags },
    };
    this.enis.set(eniId, eni);
    return eni;
  }

  async attachNetworkInterface(
    eniId: string,
    deviceIndex: number,
    networkCardIndex: number,
  ): Promise<string> {
    await this.enter('attachNetworkInterface', [eniId, deviceIndex, networkCardIndex]);
    const eni = this.require('AttachNetworkInterface', eniId);
    const taken = [...this.enis.values()].some(
      (e) =>
        e.attachment?.networkCardIndex === networkCardIndex &&
        e.attachment.deviceIndex === deviceIndex,
    );
    if (eni.attachment || taken) {
      throw new Ec2Error('AttachNetworkInterface', {
        kind: 'other',
        code: 'InvalidParameterValue',
        message: `device index ${deviceIndex} is in use or ${eniId} is attached`,
        httpStatus: 400,
      });
    }
    const attachment = this.attachment(eniId, deviceIndex, networkCardIndex);
    this.enis.set(eniId, { ...eni, status: 'in-use', attachment });
    this.attachingLeft.set(eniId, this.attachingDescribes);
    return attachment.attachmentId;
  }

  async setDeleteOnTermination(eniId: string, attachmentId: string): Promise<void> {
    await this.enter('setDeleteOnTermination', [eniId, attachmentId]);
    const eni = this.require('ModifyNetworkInterfaceAttribute', eniId);
    if (eni.attachment?.attachmentId !== attachmentId)
      throw this.notFound('ModifyNetworkInterfaceAttribute', [attachmentId]);
    this.enis.set(eniId, { ...eni, attachment: { ...eni.attachment, deleteOnTermination: true } });
  }

  async setSecurityGroups(eniId: string, groups: readonly string[]): Promise<void> {
    await this.enter('setSecurityGroups', [eniId, groups]);
    const eni = this.require('ModifyNetworkInterfaceAttribute', eniId);
    this.enis.set(eniId, { ...eni, securityGroupIds: [...groups].sort() });
  }

  async detachNetworkInterface(attachmentId: string): Promise<void> {
    await this.enter('detachNetworkInterface', [attachmentId]);
    const eni = [...this.enis.values()].find((e) => e.attachment?.attachmentId === attachmentId);
    if (!eni) {
      throw new Ec2Error('DetachNetworkInterface', {
        kind: 'notFound',
        code: 'InvalidAttachmentID.NotFound',
        message: `The attachment ID '${attachmentId}' does not exist`,
        httpStatus: 400,
      });
    }
    this.enis.set(eni.eniId, { ...eni, status: 'available', attachment: undefined });
  }

  async deleteNetworkInterface(eniId: string): Promise<void> {
    await this.enter('deleteNetworkInterface', [eniId]);
    const eni = this.require('DeleteNetworkInterface', eniId);
    if (eni.attachment) {
      throw new Ec2Error('DeleteNetworkInterface', {
        kind: 'other',
        code: 'InvalidNetworkInterface.InUse',
        message: `${eniId} is attached`,
        httpStatus: 400,
      });
    }
    this.enis.delete(eniId);
  }

  async createTags(eniId: string, tags: Tags): Promise<void> {
    await this.enter('createTags', [eniId, tags]);
    const eni = this.require('CreateTags', eniId);
    this.enis.set(eniId, { ...eni, tags: { ...eni.tags, ...tags } });
  }

  // ---- addresses ----------------------------------------------------------------------------

  async assignPrivateIpAddresses(eniId: string, count: number): Promise<string[]> {
    await this.enter('assignPrivateIpAddresses', [eniId, count]);
    const eni = this.require('AssignPrivateIpAddresses', eniId);
    if (used(eni) + count > this.slotsPerEni) throw this.limitExceeded('AssignPrivateIpAddresses');
    const ips = this.takeIps(count);
    this.enis.set(eniId, {
      ...eni,
      privateIpv4: [...eni.privateIpv4, ...ips.map((address) => ({ address, primary: false }))],
    });
    return ips;
  }

  async assignIpv4Prefixes(eniId: string, count: number): Promise<string[]> {
    await this.enter('assignIpv4Prefixes', [eniId, count]);
    const eni = this.require('AssignPrivateIpAddresses', eniId);
    if (used(eni) + count > this.slotsPerEni) throw this.limitExceeded('AssignPrivateIpAddresses');
    const prefixes = this.takePrefixes(count);
    this.enis.set(eniId, { ...eni, ipv4Prefixes: [...eni.ipv4Prefixes, ...prefixes] });
    return prefixes;
  }

  async unassignPrivateIpAddresses(eniId: string, addresses: readonly string[]): Promise<void> {
    if (addresses.length === 0) return;
    await this.enter('unassignPrivateIpAddresses', [eniId, addresses]);
    const eni = this.require('UnassignPrivateIpAddresses', eniId);
    this.enis.set(eniId, {
      ...eni,
      privateIpv4: eni.privateIpv4.filter((ip) => ip.primary || !addresses.includes(ip.address)),
    });
  }

  async unassignIpv4Prefixes(eniId: string, prefixes: readonly string[]): Promise<void> {
    if (prefixes.length === 0) return;
    await this.enter('unassignIpv4Prefixes', [eniId, prefixes]);
    const eni = this.require('UnassignPrivateIpAddresses', eniId);
    this.enis.set(eniId, {
      ...eni,
      ipv4Prefixes: eni.ipv4Prefixes.filter((p) => !prefixes.includes(p)),
    });
  }

  async assignIpv6Prefix(eniId: string): Promise<string[]> {
    await this.enter('assignIpv6Prefix', [eniId]);
    const eni = this.require('AssignIpv6Addresses', eniId);
    const prefix = `2600:1f14:0:${this.nextEni++}::/80`;
    this.enis.set(eniId, { ...eni, ipv6Prefixes: [...eni.ipv6Prefixes, prefix] });
    return [prefix];
  }

  async unassignIpv6Prefixes(eniId: string, prefixes: readonly string[]): Promise<void> {
    if (prefixes.length === 0) return;
    await this.enter('unassignIpv6Prefixes', [eniId, prefixes]);
    const eni = this.require('UnassignIpv6Addresses', eniId);
    this.enis.set(eniId, {
      ...eni,
      ipv6Prefixes: eni.ipv6Prefixes.filter((p) => !prefixes.includes(p)),
    });
  }

  // ---- internals ----------------------------------------------------------------------------

  private async enter(method: Action, args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    const delay = this.delays.get(method)?.shift();
    if (delay !== undefined) await this.sleep(delay);
    const queue = this.faults.get(method) ?? [];
    const index = queue.findIndex((fault) => fault.when(args));
    if (index >= 0) throw queue.splice(index, 1)[0]!.error;
  }

  /** The ENI as a describe sees it now: an attachment may still read 'attaching'. */
  private observe(eniId: string): EniDescription {
    const eni = this.enis.get(eniId)!;
    const left = this.attachingLeft.get(eniId) ?? 0;
    if (left <= 0 || !eni.attachment) return eni;
    this.attachingLeft.set(eniId, left - 1);
    return { ...eni, attachment: { ...eni.attachment, status: 'attaching' } };
  }

  private require(action: string, eniId: string): EniDescription {
    const eni = this.enis.get(eniId);
    if (!eni) throw this.notFound(action, [eniId]);
    return eni;
  }

  private notFound(action: string, ids: readonly string[]): Ec2Error {
    return new Ec2Error(action, {
      kind: 'notFound',
      code:
        ids[0]?.startsWith('eni-attach') || ids[0]?.startsWith('attach-')
          ? 'InvalidAttachmentID.NotFound'
          : 'InvalidNetworkInterfaceID.NotFound',
      message: `The networkInterface ID '${ids.join(', ')}' does not exist`,
      httpStatus: 400,
    });
  }

  private limitExceeded(action: string): Ec2Error {
    return new Ec2Error(action, {
      kind: 'limitExceeded',
      code: 'PrivateIpAddressLimitExceeded',
      message: 'full',
      httpStatus: 400,
    });
  }

  private attachment(eniId: string, deviceIndex: number, networkCardIndex: number) {
    return {
      attachmentId: `attach-${eniId}`,
      instanceId: this.instanceId,
      deviceIndex,
      networkCardIndex,
      status: 'attached',
      deleteOnTermination: false,
    };
  }

  private newEni(
    eniId: string,
    subnetId: string,
    secondaries: string[],
    prefixes: string[] = [],
  ): EniDescription {
    const [primary] = this.takeIps(1);
    const n = this.enis.size;
    return {
      eniId,
      macAddress: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
      subnetId,
      vpcId: 'vpc-1',
      availabilityZone: 'us-west-2a',
      description: '',
      status: 'available',
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
      attachment: undefined,
      connectionTracking: undefined,
    };
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
}

function used(eni: EniDescription): number {
  return eni.privateIpv4.length - 1 + eni.ipv4Prefixes.length;
}

/** The Describe filters the daemon sends, evaluated the way EC2 does. */
function matches(eni: EniDescription, name: string, value: string): boolean {
  if (name === 'attachment.instance-id') return eni.attachment?.instanceId === value;
  if (name === 'status') return eni.status === value;
  if (name === 'vpc-id') return eni.vpcId === value;
  if (name === 'tag-key') return value in eni.tags;
  if (name.startsWith('tag:')) return eni.tags[name.slice(4)] === value;
  throw new Error(`MemoryEc2: filter ${name} is not modelled`);
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
    case 'timeout':
      return 'TimeoutError';
    default:
      return 'InternalError';
  }
}

function actionFor(method: Action): string {
  const actions: Partial<Record<Action, string>> = {
    assignPrivateIpAddresses: 'AssignPrivateIpAddresses',
    assignIpv4Prefixes: 'AssignPrivateIpAddresses',
    unassignPrivateIpAddresses: 'UnassignPrivateIpAddresses',
    unassignIpv4Prefixes: 'UnassignPrivateIpAddresses',
    createNetworkInterface: 'CreateNetworkInterface',
    attachNetworkInterface: 'AttachNetworkInterface',
    setDeleteOnTermination: 'ModifyNetworkInterfaceAttribute',
    setSecurityGroups: 'ModifyNetworkInterfaceAttribute',
    detachNetworkInterface: 'DetachNetworkInterface',
    deleteNetworkInterface: 'DeleteNetworkInterface',
    createTags: 'CreateTags',
    describeNetworkInterfaces: 'DescribeNetworkInterfaces',
    listNetworkInterfaces: 'DescribeNetworkInterfaces',
    describeInstanceAttachments: 'DescribeInstances',
    describeSubnets: 'DescribeSubnets',
  };
  return actions[method] ?? method;
}
