import { cidrContains, formatCidr, parseIpv4Cidr } from '../../ipam/cidr.ts';
import type { Clock } from '../../ipam/clock.ts';
import { checkIdFormat, Ec2Error, notFound } from '../ec2/errors.ts';
import type { TransitionHooks } from '../hooks.ts';
import type { IdFactory } from '../ids.ts';
import type { LatencySampler } from '../latency.ts';
import type { SeededRandom } from '../random.ts';
import { SubnetAddressSpace } from './address-space.ts';
import {
  type AttachmentRecord,
  attachmentStatus,
  type EniRecord,
  type InstanceRecord,
  type SecurityGroupRecord,
  type SubnetRecord,
  type Tags,
  type VpcRecord,
} from './types.ts';

/** The account every simulated resource belongs to. */
export const ACCOUNT_ID = '111122223333';

export interface RegionStateOptions {
  readonly region: string;
  readonly availabilityZone: string;
  readonly vpcCidr: string;
  readonly extraVpcCidrs: readonly string[];
  readonly subnetCidr: string;
  readonly imdsLagMs: number;
  readonly clock: Clock;
  readonly random: SeededRandom;
  readonly ids: IdFactory;
  readonly latency: LatencySampler;
  readonly hooks: TransitionHooks;
}

export interface NewSubnet {
  readonly cidr: string;
  readonly availabilityZone?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** 'us-west-2' + 'us-west-2b' → 'usw2-az2', the shape of EC2's zone IDs. */
export function availabilityZoneId(region: string, availabilityZone: string): string {
  const [geo = '', area = '', number = ''] = region.split('-');
  const letter = availabilityZone.slice(region.length) || 'a';
  return `${geo}${area.charAt(0)}${number}-az${letter.charCodeAt(0) - 96}`;
}

/**
 * Everything the simulated region holds — VPC, subnets, security groups, instances, ENIs and
 * attachments — with lookups that fail the way EC2 does. The operations that change it live in
 * the modules beside this one; `settle` brings the clock-driven parts up to date.
 */
export class RegionState {
  readonly region: string;
  readonly accountId = ACCOUNT_ID;
  readonly availabilityZone: string;
  readonly imdsLagMs: number;
  readonly vpc: VpcRecord;
  readonly defaultSubnetId: string;
  readonly defaultSecurityGroupId: string;
  readonly subnets = new Map<string, SubnetRecord>();
  readonly securityGroups = new Map<string, SecurityGroupRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly enis = new Map<string, EniRecord>();
  /** Current attachments (attaching, attached, detaching) by attachment ID. */
  readonly attachments = new Map<string, AttachmentRecord>();
  readonly clock: Clock;
  readonly random: SeededRandom;
  readonly ids: IdFactory;
  readonly latency: LatencySampler;
  readonly hooks: TransitionHooks;
  private seq = 0;
  private readonly defaultSubnetCidr: string;

  constructor(options: RegionStateOptions) {
    this.region = options.region;
    this.availabilityZone = options.availabilityZone;
    this.imdsLagMs = Math.max(0, options.imdsLagMs);
    this.clock = options.clock;
    this.random = options.random;
    this.ids = options.ids;
    this.latency = options.latency;
    this.hooks = options.hooks;
    const cidrs = [options.vpcCidr, ...options.extraVpcCidrs].map((text) => {
      const cidr = parseIpv4Cidr(text);
      if (!cidr) throw new RangeError(`invalid VPC CIDR '${text}'`);
      return formatCidr(cidr);
    });
    this.vpc = { id: this.ids.next('vpc'), cidrs, tags: new Map() };
    this.defaultSecurityGroupId = this.createSecurityGroup(
      'default',
      'default VPC security group',
    ).id;
    this.defaultSubnetCidr = options.subnetCidr;
    this.defaultSubnetId = this.addSubnet(
      this.ids.next('subnet'),
      { cidr: options.subnetCidr },
      true,
    ).id;
  }

  now(): number {
    return this.clock.now();
  }

  /** A number that only grows, for the stable order pagination relies on. */
  nextSeq(): number {
    return ++this.seq;
  }

  createSubnet(options: NewSubnet): SubnetRecord {
    return this.addSubnet(this.ids.next('subnet'), options, false);
  }

  private addSubnet(id: string, options: NewSubnet, defaultForAz: boolean): SubnetRecord {
    const cidr = parseIpv4Cidr(options.cidr);
    if (!cidr || cidr.bits < 16 || cidr.bits > 28) {
      throw new RangeError(
        `subnet CIDR '${options.cidr}' must be an IPv4 CIDR between /16 and /28`,
      );
    }
    const inVpc = this.vpc.cidrs.some((text) => {
      const vpcCidr = parseIpv4Cidr(text)!;
      return vpcCidr.bits <= cidr.bits && cidrContains(vpcCidr, cidr.network);
    });
    if (!inVpc)
      throw new RangeError(
        `subnet CIDR '${options.cidr}' is not inside the VPC (${this.vpc.cidrs.join(', ')})`,
      );
    for (const other of this.subnets.values()) {
      const o = parseIpv4Cidr(other.cidr)!;
      if (cidrContains(o, cidr.network) || cidrContains(cidr, o.network)) {
        throw new RangeError(`subnet CIDR '${options.cidr}' overlaps ${other.id} (${other.cidr})`);
      }
    }
    const availabilityZone = options.availabilityZone ?? this.availabilityZone;
    const subnet: SubnetRecord = {
      id,
      vpcId: this.vpc.id,
      cidr: formatCidr(cidr),
      availabilityZone,
      availabilityZoneId: availabilityZoneId(this.region, availabilityZone),
      space: new SubnetAddressSpace(cidr, this.random),
      tags: new Map(Object.entries(options.tags ?? {})),
      defaultForAz,
    };
    this.subnets.set(id, subnet);
    return subnet;
  }

  createSecurityGroup(name: string, description = name): SecurityGroupRecord {
    const group: SecurityGroupRecord = {
      id: this.ids.next('sg'),
      name,
      description,
      vpcId: this.vpc.id,
      tags: new Map(),
    };
    this.securityGroups.set(group.id, group);
    return group;
  }

  getEni(id: string): EniRecord {
    checkIdFormat('networkInterface', id);
    const eni = this.enis.get(id);
    if (!eni) throw notFound('networkInterface', id);
    return eni;
  }

  getInstance(id: string): InstanceRecord {
    checkIdFormat('instance', id);
    const instance = this.instances.get(id);
    if (!instance) throw notFound('instance', id);
    return instance;
  }

  getSubnet(id: string): SubnetRecord {
    checkIdFormat('subnet', id);
    const subnet = this.subnets.get(id);
    if (!subnet) throw notFound('subnet', id);
    return subnet;
  }

  getSecurityGroup(id: string): SecurityGroupRecord {
    checkIdFormat('securityGroup', id);
    const group = this.securityGroups.get(id);
    if (!group) throw notFound('securityGroup', id);
    return group;
  }

  getAttachment(id: string): AttachmentRecord {
    checkIdFormat('attachment', id);
    const attachment = this.attachments.get(id);
    if (!attachment) throw notFound('attachment', id);
    return attachment;
  }

  /** Tags of any taggable resource, by ID. */
  tagsOf(resourceId: string): Tags {
    if (resourceId.startsWith('eni-')) return this.getEni(resourceId).tags;
    if (resourceId.startsWith('i-')) return this.getInstance(resourceId).tags;
    if (resourceId.startsWith('subnet-')) return this.getSubnet(resourceId).tags;
    if (resourceId.startsWith('sg-')) return this.getSecurityGroup(resourceId).tags;
    if (resourceId.startsWith('vpc-')) {
      if (resourceId !== this.vpc.id) throw notFound('vpc', resourceId);
      return this.vpc.tags;
    }
    throw new Ec2Error('InvalidID', `The ID '${resourceId}' is not valid`);
  }

  /**
   * Brings clock-driven state up to date: finished detaches drop their attachment (the ENI is
   * 'available'), IMDS history older than the lag is forgotten, due hooks fire. Called before
   * every request is served, so handlers see exact state and the clock alone decides transitions.
   */
  settle(): void {
    const now = this.now();
    for (const [id, attachment] of this.attachments) {
      if (attachmentStatus(attachment, now) === 'detached') {
        this.attachments.delete(id);
        if (attachment.eni.attachment === attachment) attachment.eni.attachment = undefined;
      }
    }
    for (const instance of this.instances.values()) {
      if (instance.attachments.some((a) => a.imdsHiddenAt !== undefined && a.imdsHiddenAt <= now)) {
        instance.attachments = instance.attachments.filter(
          (a) => a.imdsHiddenAt === undefined || a.imdsHiddenAt > now,
        );
      }
    }
    this.hooks.fireDue();
  }

  /** Forgets instances, ENIs, attachments, extra subnets and security groups; frees the default subnet. */
  clearResources(): void {
    this.instances.clear();
    this.enis.clear();
    this.attachments.clear();
    for (const id of [...this.subnets.keys()]) this.subnets.delete(id);
    for (const id of [...this.securityGroups.keys()]) {
      if (id !== this.defaultSecurityGroupId) this.securityGroups.delete(id);
    }
    this.addSubnet(this.defaultSubnetId, { cidr: this.defaultSubnetCidr }, true);
  }
}
