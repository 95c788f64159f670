import {
  type _InstanceType,
  AssignIpv6AddressesCommand,
  AssignPrivateIpAddressesCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  UnassignIpv6AddressesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import type { Config } from '../config/types.ts';
import type { Clock } from '../ipam/clock.ts';
import type { InstanceTypeInfo } from '../ipam/instance-limits.ts';
import { systemClock } from '../system-clock.ts';
import { type Ec2ApiObserver, noopEc2ApiObserver } from './api-metrics.ts';
import { Ec2Caller } from './ec2-call.ts';
import {
  createEc2SdkClient,
  type Ec2ClientConfig,
  type Ec2ClientOptions,
  observeThrottling,
} from './ec2-client.ts';
import {
  eniFromSdk,
  filtersToSdk,
  instanceTypeFromSdk,
  subnetFromSdk,
  tagsToSdk,
} from './ec2-mapping.ts';
import type {
  CreateEniRequest,
  Ec2Filter,
  Ec2Filters,
  Ec2Port,
  EniDescription,
  InstanceAttachment,
  SubnetDescription,
  SubnetQuery,
  Tags,
} from './ec2-port.ts';
import { Ec2Error } from './errors.ts';
import { Ec2RateLimiter } from './rate-limiter.ts';

/**
 * The EC2 port on @aws-sdk/client-ec2: each method is one EC2 action (pagination aside), sent
 * through the client-side buckets and reported to the metrics. No retries beyond the SDK's own
 * and no decisions: those are the daemon's.
 */

/** Page size of paginated Describe calls. */
export const DESCRIBE_PAGE_SIZE = 1000;

export interface SdkEc2Options {
  readonly client: EC2Client;
  /** This instance (DescribeInstances, AttachNetworkInterface). */
  readonly instanceId: string;
  /** Default: EC2's documented buckets on `clock`. */
  readonly rateLimiter?: Ec2RateLimiter;
  readonly observer?: Ec2ApiObserver;
  readonly clock?: Clock;
}

function localError(action: string, code: string, message: string): Ec2Error {
  return new Ec2Error(action, { kind: 'other', code, message, httpStatus: undefined });
}

export class SdkEc2 implements Ec2Port {
  readonly instanceId: string;
  private readonly client: EC2Client;
  private readonly caller: Ec2Caller;

  constructor(options: SdkEc2Options) {
    this.client = options.client;
    this.instanceId = options.instanceId;
    const clock = options.clock ?? systemClock;
    const observer = options.observer ?? noopEc2ApiObserver;
    const limiter = options.rateLimiter ?? new Ec2RateLimiter({ clock });
    this.caller = new Ec2Caller(limiter, observer, clock);
    observeThrottling(this.client, observer);
  }

  // ---- describe -----------------------------------------------------------------------------

  async describeNetworkInterfaces(eniIds: readonly string[]): Promise<EniDescription[]> {
    if (eniIds.length === 0) return [];
    const input = { NetworkInterfaceIds: [...new Set(eniIds)] };
    const out = await this.caller.send('DescribeNetworkInterfaces', input, () =>
      this.client.send(new DescribeNetworkInterfacesCommand(input)),
    );
    return (out.NetworkInterfaces ?? []).map(eniFromSdk);
  }

  async listNetworkInterfaces(filters: Ec2Filters): Promise<EniDescription[]> {
    const checked = this.requireFilters('DescribeNetworkInterfaces', filters);
    const enis: EniDescription[] = [];
    let nextToken: string | undefined;
    do {
      const input = { Filters: checked, MaxResults: DESCRIBE_PAGE_SIZE, NextToken: nextToken };
      const out = await this.caller.send('DescribeNetworkInterfaces', input, () =>
        this.client.send(new DescribeNetworkInterfacesCommand(input)),
      );
      enis.push(...(out.NetworkInterfaces ?? []).map(eniFromSdk));
      nextToken = out.NextToken || undefined;
    } while (nextToken);
    return enis;
  }

  private requireFilters(action: string, filters: readonly Ec2Filter[]) {
    if (filters.length === 0 || filters.some((f) => f.values.length === 0)) {
      throw localError(action, 'UnboundedDescribe', 'filters must be non-empty');
    }
    return filtersToSdk(filters);
  }

  async describeSubnets(query: SubnetQuery): Promise<SubnetDescription[]> {
    let filters: Ec2Filter[];
    if ('subnetIds' in query) {
      // A filter rather than SubnetIds: an unknown (e.g. cross-account) subnet is then simply
      // absent instead of failing the whole call with InvalidSubnetID.NotFound.
      if (query.subnetIds.length === 0) return [];
      filters = [{ name: 'subnet-id', values: [...new Set(query.subnetIds)] }];
    } else {
      filters = [
        { name: 'vpc-id', values: [query.vpcId] },
        { name: 'availability-zone', values: [query.availabilityZone] },
      ];
    }
    const checked = this.requireFilters('DescribeSubnets', filters);
    const subnets: SubnetDescription[] = [];
    let nextToken: string | undefined;
    do {
      const input = { Filters: checked, MaxResults: DESCRIBE_PAGE_SIZE, NextToken: nextToken };
      const out = await this.caller.send('DescribeSubnets', input, () =>
        this.client.send(new DescribeSubnetsCommand(input)),
      );
      subnets.push(...(out.Subnets ?? []).map(subnetFromSdk));
      nextToken = out.NextToken || undefined;
    } while (nextToken);
    return subnets;
  }

  async describeInstanceType(instanceType: string): Promise<InstanceTypeInfo | undefined> {
    const input = { InstanceTypes: [instanceType as _InstanceType] };
    const out = await this.caller.send('DescribeInstanceTypes', input, () =>
      this.client.send(new DescribeInstanceTypesCommand(input)),
    );
    const info =
      out.InstanceTypes?.find((t) => t.InstanceType === instanceType) ?? out.InstanceTypes?.[0];
    return info ? instanceTypeFromSdk(info) : undefined;
  }

  async describeInstanceAttachments(): Promise<InstanceAttachment[]> {
    // A filter, not InstanceIds, so the call is unambiguously in the filtered bucket.
    const input = { Filters: [{ Name: 'instance-id', Values: [this.instanceId] }] };
    const out = await this.caller.send('DescribeInstances', input, () =>
      this.client.send(new DescribeInstancesCommand(input)),
    );
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const instance = instances.find((i) => i.InstanceId === this.instanceId);
    if (!instance) {
      throw new Ec2Error('DescribeInstances', {
        kind: 'notFound',
        code: 'InvalidInstanceID.NotFound',
        message: `instance ${this.instanceId} not found`,
        httpStatus: undefined,
      });
    }
    return (instance.NetworkInterfaces ?? []).flatMap((eni) =>
      eni.Attachment?.DeviceIndex === undefined
        ? []
        : [
            {
              eniId: eni.NetworkInterfaceId ?? '',
              deviceIndex: eni.Attachment.DeviceIndex,
              networkCardIndex: eni.Attachment.NetworkCardIndex ?? 0,
            },
          ],
    );
  }

  // ---- ENIs ---------------------------------------------------------------------------------

  async createNetworkInterface(request: CreateEniRequest): Promise<EniDescription> {
    const input: CreateNetworkInterfaceCommandInput = {
      SubnetId: request.subnetId,
      Groups: [...request.securityGroupIds].sort(),
      Description: request.description,
    };
    if (Object.keys(request.tags).length > 0) {
      input.TagSpecifications = [
        { ResourceType: 'network-interface', Tags: tagsToSdk(request.tags) },
      ];
    }
    const addresses = request.addresses;
    if (addresses.kind !== 'none' && addresses.count >= 1) {
      if (addresses.kind === 'secondaryIpv4')
        input.SecondaryPrivateIpAddressCount = addresses.count;
      else if (addresses.kind === 'ipv4Prefix') input.Ipv4PrefixCount = addresses.count;
      else input.Ipv6AddressCount = addresses.count;
    }
    const tracking = request.connectionTracking;
    if (tracking && Object.keys(tracking).length > 0) {
      input.ConnectionTrackingSpecification = {
        TcpEstablishedTimeout: tracking.tcpEstablishedTimeout,
        UdpStreamTimeout: tracking.udpStreamTimeout,
        UdpTimeout: tracking.udpTimeout,
      };
    }
    const out = await this.caller.send('CreateNetworkInterface', input, () =>
      this.client.send(new CreateNetworkInterfaceCommand(input)),
    );
    if (!out.NetworkInterface?.NetworkInterfaceId) {
      throw localError(
        'CreateNetworkInterface',
        'EmptyResponse',
        'no network interface in the answer',
      );
    }
    return eniFromSdk(out.NetworkInterface);
  }

  async attachNetworkInterface(
    eniId: string,
    deviceIndex: number,
    networkCardIndex: number,
  ): Promise<string> {
    const input = {
      NetworkInterfaceId: eniId,
      InstanceId: this.instanceId,
      DeviceIndex: deviceIndex,
      NetworkCardIndex: networkCardIndex,
    };
    const out = await this.caller.send('AttachNetworkInterface', input, () =>
      this.client.send(new AttachNetworkInterfaceCommand(input)),
    );
    if (!out.AttachmentId) {
      throw localError('AttachNetworkInterface', 'EmptyResponse', 'no attachment ID in the answer');
    }
    return out.AttachmentId;
  }

  async setDeleteOnTermination(eniId: string, attachmentId: string): Promise<void> {
    const input = {
      NetworkInterfaceId: eniId,
      Attachment: { AttachmentId: attachmentId, DeleteOnTermination: true },
    };
    await this.caller.send('ModifyNetworkInterfaceAttribute', input, () =>
      this.client.send(new ModifyNetworkInterfaceAttributeCommand(input)),
    );
  }

  async setSecurityGroups(eniId: string, securityGroupIds: readonly string[]): Promise<void> {
    const input = { NetworkInterfaceId: eniId, Groups: [...securityGroupIds].sort() };
    await this.caller.send('ModifyNetworkInterfaceAttribute', input, () =>
      this.client.send(new ModifyNetworkInterfaceAttributeCommand(input)),
    );
  }

  async detachNetworkInterface(attachmentId: string): Promise<void> {
    const input = { AttachmentId: attachmentId };
    await this.caller.send('DetachNetworkInterface', input, () =>
      this.client.send(new DetachNetworkInterfaceCommand(input)),
    );
  }

  async deleteNetworkInterface(eniId: string): Promise<void> {
    const input = { NetworkInterfaceId: eniId };
    await this.caller.send('DeleteNetworkInterface', input, () =>
      this.client.send(new DeleteNetworkInterfaceCommand(input)),
    );
  }

  async createTags(eniId: string, tags: Tags): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    const input = { Resources: [eniId], Tags: tagsToSdk(tags) };
    await this.caller.send('CreateTags', input, () =>
      this.client.send(new CreateTagsCommand(input)),
    );
  }

  // ---- addresses ----------------------------------------------------------------------------

  async assignPrivateIpAddresses(eniId: string, count: number): Promise<string[]> {
    const input = { NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: count };
    const out = await this.caller.send('AssignPrivateIpAddresses', input, () =>
      this.client.send(new AssignPrivateIpAddressesCommand(input)),
    );
    return (out.AssignedPrivateIpAddresses ?? []).flatMap((a) =>
      a.PrivateIpAddress ? [a.PrivateIpAddress] : [],
    );
  }

  async assignIpv4Prefixes(eniId: string, count: number): Promise<string[]> {
    const input = { NetworkInterfaceId: eniId, Ipv4PrefixCount: count };
    const out = await this.caller.send('AssignPrivateIpAddresses', input, () =>
      this.client.send(new AssignPrivateIpAddressesCommand(input)),
    );
    return (out.AssignedIpv4Prefixes ?? []).flatMap((p) => (p.Ipv4Prefix ? [p.Ipv4Prefix] : []));
  }

  async unassignPrivateIpAddresses(eniId: string, addresses: readonly string[]): Promise<void> {
    if (addresses.length === 0) return;
    const input = { NetworkInterfaceId: eniId, PrivateIpAddresses: [...addresses] };
    await this.caller.send('UnassignPrivateIpAddresses', input, () =>
      this.client.send(new UnassignPrivateIpAddressesCommand(input)),
    );
  }

  async unassignIpv4Prefixes(eniId: string, prefixes: readonly string[]): Promise<void> {
    if (prefixes.length === 0) return;
    const input = { NetworkInterfaceId: eniId, Ipv4Prefixes: [...prefixes] };
    await this.caller.send('UnassignPrivateIpAddresses', input, () =>
      this.client.send(new UnassignPrivateIpAddressesCommand(input)),
    );
  }

  async assignIpv6Prefix(eniId: string): Promise<string[]> {
    const input = { NetworkInterfaceId: eniId, Ipv6PrefixCount: 1 };
    const out = await this.caller.send('AssignIpv6Addresses', input, () =>
      this.client.send(new AssignIpv6AddressesCommand(input)),
    );
    return [...(out.AssignedIpv6Prefixes ?? [])];
  }

  async unassignIpv6Prefixes(eniId: string, prefixes: readonly string[]): Promise<void> {
    if (prefixes.length === 0) return;
    const input = { NetworkInterfaceId: eniId, Ipv6Prefixes: [...prefixes] };
    await this.caller.send('UnassignIpv6Addresses', input, () =>
      this.client.send(new UnassignIpv6AddressesCommand(input)),
    );
  }
}

/** The EC2 port from Config: SDK client (endpoint, timeout, user agent, retries) + client-side buckets. */
export interface CreateSdkEc2Options extends Ec2ClientOptions {
  readonly instanceId: string;
  readonly observer?: Ec2ApiObserver;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type SdkEc2Config = Ec2ClientConfig & Pick<Config, 'ec2RateLimits'>;

export function createSdkEc2(
  config: SdkEc2Config,
  options: CreateSdkEc2Options,
): { ec2: SdkEc2; client: EC2Client; rateLimiter: Ec2RateLimiter } {
  const client = createEc2SdkClient(config, options);
  const rateLimiter = new Ec2RateLimiter({
    buckets: config.ec2RateLimits,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const ec2 = new SdkEc2({
    client,
    instanceId: options.instanceId,
    rateLimiter,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { ec2, client, rateLimiter };
}
