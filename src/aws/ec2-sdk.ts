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
import { type Clock, systemClock } from '../ipam/clock.ts';
import type { InstanceTypeInfo } from '../ipam/instance-limits.ts';
import { type Ec2ApiObserver, noopEc2ApiObserver } from './api-metrics.ts';
import {
  type BackoffSchedule,
  CREATE_TAGS_BACKOFF,
  DELETE_ENI_BACKOFF,
  DETACH_ENI_BACKOFF,
  DETACH_TO_DELETE_PAUSE_MS,
  type RandomSource,
  realSleep,
  retryWithBackoff,
  type Sleep,
} from './backoff.ts';
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
  AllocatedEni,
  AllocateEniRequest,
  AssignOptions,
  CreateEniRequest,
  DescribeEnisResult,
  Ec2Filter,
  Ec2Filters,
  Ec2Port,
  EniDescription,
  FreeEniResult,
  LeakedEniCleanupReport,
  SubnetDescription,
  SubnetQuery,
  Tags,
} from './ec2-port.ts';
import {
  creationEniTags,
  desiredEniTags,
  type EniTagSettings,
  eniDescription,
  eniTagsToSend,
} from './eni-tags.ts';
import { Ec2Error, type Ec2ErrorKind, isEc2Error, toEc2Error } from './errors.ts';
import { runLeakedEniCleanup } from './leaked-enis.ts';
import { type AwsLog, silentAwsLog } from './log.ts';
import { Ec2RateLimiter } from './rate-limiter.ts';

/** The EC2 port on @aws-sdk/client-ec2. */

/** Device indexes EC2 accepts for an attachment. */
export const MAX_DEVICE_INDEX = 99;
/** Page size of paginated Describe calls. */
export const DESCRIBE_PAGE_SIZE = 1000;
/** DescribeAllENIs: tries of the by-ID describe (NotFound pruning included). */
export const DESCRIBE_ENIS_TRIES = 12;

export interface SdkEc2Schedules {
  readonly detach: BackoffSchedule;
  readonly delete: BackoffSchedule;
  readonly createTags: BackoffSchedule;
  /** Pause between a detach and the first delete. */
  readonly detachToDeletePauseMs: number;
}

export const DEFAULT_SCHEDULES: SdkEc2Schedules = Object.freeze({
  detach: DETACH_ENI_BACKOFF,
  delete: DELETE_ENI_BACKOFF,
  createTags: CREATE_TAGS_BACKOFF,
  detachToDeletePauseMs: DETACH_TO_DELETE_PAUSE_MS,
});

export interface SdkEc2Options {
  readonly client: EC2Client;
  /** This instance (tags, description, attachments). */
  readonly instanceId: string;
  /** CLUSTER_NAME ('' = none). */
  readonly clusterName: string;
  /** ADDITIONAL_ENI_TAGS (reserved keys are dropped again here). */
  readonly additionalEniTags: Tags;
  /** Default: EC2's documented buckets on `clock` and `sleep`. */
  readonly rateLimiter?: Ec2RateLimiter;
  readonly observer?: Ec2ApiObserver;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** In [0, 1); back-off jitter. */
  readonly random?: RandomSource;
  readonly log?: AwsLog;
  readonly schedules?: Partial<SdkEc2Schedules>;
}

function quotedEniIds(message: string): string[] {
  return [...message.matchAll(/eni-[0-9a-zA-Z]+/g)].map((m) => m[0]);
}

function localError(action: string, kind: Ec2ErrorKind, code: string, message: string): Ec2Error {
  return new Ec2Error(action, { kind, code, message, httpStatus: undefined });
}

function clampCount(count: number, max: number | undefined): number {
  const capped = max === undefined ? count : Math.min(count, max);
  return Number.isFinite(capped) ? Math.floor(capped) : 0;
}

const NEVER_RETRIED: ReadonlySet<Ec2ErrorKind> = new Set(['unauthorized']);

export class SdkEc2 implements Ec2Port {
  readonly instanceId: string;
  private readonly client: EC2Client;
  private readonly caller: Ec2Caller;
  private readonly tagSettings: EniTagSettings;
  private readonly clusterName: string;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: RandomSource;
  private readonly log: AwsLog;
  private readonly schedules: SdkEc2Schedules;

  constructor(options: SdkEc2Options) {
    this.client = options.client;
    this.instanceId = options.instanceId;
    this.clusterName = options.clusterName;
    this.tagSettings = {
      instanceId: options.instanceId,
      clusterName: options.clusterName,
      additionalTags: options.additionalEniTags,
    };
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentAwsLog;
    this.schedules = { ...DEFAULT_SCHEDULES, ...(options.schedules ?? {}) };
    const observer = options.observer ?? noopEc2ApiObserver;
    const limiter =
      options.rateLimiter ?? new Ec2RateLimiter({ clock: this.clock, sleep: this.sleep });
    this.caller = new Ec2Caller(limiter, observer, this.clock);
    observeThrottling(this.client, observer);
  }

  private retryOptions(onRetryMessage: string, fields: object) {
    return {
      sleep: this.sleep,
      random: this.random,
      retryable: (err: unknown) => !NEVER_RETRIED.has(toEc2Error('', err).kind),
      onRetry: (err: unknown, attempt: number, delayMs: number) =>
        this.log.warn(
          { ...fields, attempt, delayMs, err: toEc2Error('', err).message },
          onRetryMessage,
        ),
    };
  }

  // ---- describe -----------------------------------------------------------------------------

  async describeNetworkInterfaces(eniIds: readonly string[]): Promise<DescribeEnisResult> {
    let remaining = [...new Set(eniIds)];
    const notFound: string[] = [];
    for (let attempt = 1; ; attempt++) {
      if (remaining.length === 0) return { enis: [], notFound };
      const input = { NetworkInterfaceIds: remaining };
      try {
        const out = await this.caller.send('DescribeNetworkInterfaces', input, () =>
          this.client.send(new DescribeNetworkInterfacesCommand(input)),
        );
        return { enis: (out.NetworkInterfaces ?? []).map(eniFromSdk), notFound };
      } catch (err) {
        const error = toEc2Error('DescribeNetworkInterfaces', err);
        if (attempt >= DESCRIBE_ENIS_TRIES || error.kind === 'unauthorized') throw error;
        if (error.kind === 'notFound') {
          const missing = quotedEniIds(error.message).filter((id) => remaining.includes(id));
          if (missing.length === 0) throw error;
          this.log.info({ missing }, 'ENIs not found in EC2, describing the others again');
          notFound.push(...missing);
          remaining = remaining.filter((id) => !missing.includes(id));
          continue;
        }
        await this.sleep(attempt * 10);
      }
    }
  }

  async describeNetworkInterface(eniId: string): Promise<EniDescription | undefined> {
    const input = { NetworkInterfaceIds: [eniId] };
    try {
      const out = await this.caller.send('DescribeNetworkInterfaces', input, () =>
        this.client.send(new DescribeNetworkInterfacesCommand(input)),
      );
      const eni = out.NetworkInterfaces?.[0];
      return eni ? eniFromSdk(eni) : undefined;
    } catch (err) {
      if (isEc2Error(err, 'notFound')) return undefined;
      throw err;
    }
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
      throw localError(action, 'other', 'UnboundedDescribe', 'filters must be non-empty');
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

  // ---- ENI lifecycle ------------------------------------------------------------------------

  async createNetworkInterface(request: CreateEniRequest): Promise<EniDescription> {
    const input: CreateNetworkInterfaceCommandInput = {
      SubnetId: request.subnetId,
      Groups: [...request.securityGroupIds].sort(),
      Description: eniDescription(this.instanceId),
      TagSpecifications: [
        {
          ResourceType: 'network-interface',
          Tags: tagsToSdk(creationEniTags(this.tagSettings, this.clock.now())),
        },
      ],
    };
    const addresses = request.addresses;
    if (addresses.kind !== 'none') {
      const count = clampCount(addresses.count, request.maxAddressCount);
      if (count >= 1) {
        if (addresses.kind === 'secondaryIpv4') input.SecondaryPrivateIpAddressCount = count;
        else if (addresses.kind === 'ipv4Prefix') input.Ipv4PrefixCount = count;
        else input.Ipv6AddressCount = count;
      }
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
        'other',
        'EmptyResponse',
        'no network interface in the answer',
      );
    }
    return eniFromSdk(out.NetworkInterface);
  }

  async findFreeDeviceIndex(networkCardIndex: number): Promise<number> {
    // A filter, not InstanceIds, so the call is unambiguously in the filtered bucket.
    const input = { Filters: [{ Name: 'instance-id', Values: [this.instanceId] }] };
    const out = await this.caller.send('DescribeInstances', input, () =>
      this.client.send(new DescribeInstancesCommand(input)),
    );
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const instance = instances.find((i) => i.InstanceId === this.instanceId);
    if (!instance) {
      throw localError(
        'DescribeInstances',
        'notFound',
        'InvalidInstanceID.NotFound',
        `instance ${this.instanceId} not found`,
      );
    }
    const used = new Set<number>();
    for (const eni of instance.NetworkInterfaces ?? []) {
      const attachment = eni.Attachment;
      if (attachment?.DeviceIndex === undefined) continue;
      if ((attachment.NetworkCardIndex ?? 0) === networkCardIndex) used.add(attachment.DeviceIndex);
    }
    for (let index = 0; index <= MAX_DEVICE_INDEX; index++) {
      if (!used.has(index)) return index;
    }
    throw localError(
      'DescribeInstances',
      'other',
      'NoFreeDeviceIndex',
      `no free device index on network card ${networkCardIndex}`,
    );
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
      throw localError(
        'AttachNetworkInterface',
        'other',
        'EmptyResponse',
        'no attachment ID in the answer',
      );
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

  async allocateEni(request: AllocateEniRequest): Promise<AllocatedEni> {
    const eni = await this.createInFirstSubnet(request);
    let attachmentId: string;
    let deviceIndex: number;
    try {
      deviceIndex = await this.findFreeDeviceIndex(request.networkCardIndex);
      attachmentId = await this.attachNetworkInterface(
        eni.eniId,
        deviceIndex,
        request.networkCardIndex,
      );
    } catch (err) {
      await this.undoAllocation(eni.eniId, 'attach failed');
      throw err;
    }
    try {
      await this.setDeleteOnTermination(eni.eniId, attachmentId);
    } catch (err) {
      await this.undoAllocation(eni.eniId, 'setting DeleteOnTermination failed');
      throw err;
    }
    return { eni, attachmentId, deviceIndex, networkCardIndex: request.networkCardIndex };
  }

  private async createInFirstSubnet(request: AllocateEniRequest): Promise<EniDescription> {
    if (request.subnetIds.length === 0) {
      throw localError(
        'CreateNetworkInterface',
        'other',
        'NoValidSubnet',
        'no subnet to create the ENI in',
      );
    }
    let lastError: Ec2Error | undefined;
    for (const subnetId of request.subnetIds) {
      try {
        return await this.createNetworkInterface({ ...request, subnetId });
      } catch (err) {
        lastError = toEc2Error('CreateNetworkInterface', err);
        // Another subnet does not help against throttling or missing permissions, and after a
        // timeout the first ENI may exist: stop (the leaked-ENI cleanup reaps such an orphan).
        if (['throttled', 'unauthorized', 'timeout'].includes(lastError.kind)) throw lastError;
        this.log.warn(
          { subnetId, err: lastError.message },
          'creating an ENI failed, trying the next subnet',
        );
      }
    }
    throw lastError;
  }

  /** Frees a half-set-up ENI; a failure is only logged (the leaked-ENI cleanup is the safety net). */
  private async undoAllocation(eniId: string, why: string): Promise<void> {
    this.log.warn({ eniId }, `${why}: freeing the new ENI`);
    try {
      await this.freeEni(eniId);
    } catch (err) {
      this.log.error(
        { eniId, err: toEc2Error('FreeENI', err).message },
        'could not free the new ENI',
      );
    }
  }

  async freeEni(eniId: string): Promise<FreeEniResult> {
    const eni = await this.describeNetworkInterface(eniId);
    if (!eni) {
      this.log.info({ eniId }, 'ENI not found in EC2: already freed');
      return 'alreadyGone';
    }
    const attachment = eni.attachment;
    if (attachment) {
      if (attachment.instanceId !== undefined && attachment.instanceId !== this.instanceId) {
        throw localError(
          'DetachNetworkInterface',
          'other',
          'AttachedElsewhere',
          `${eniId} is attached to ${attachment.instanceId}, not ${this.instanceId}`,
        );
      }
      if (attachment.deviceIndex === 0 && attachment.networkCardIndex === 0) {
        throw localError(
          'DetachNetworkInterface',
          'other',
          'PrimaryEni',
          `${eniId} is the primary ENI`,
        );
      }
      if (attachment.status === 'attaching' || attachment.status === 'attached') {
        await this.detachNetworkInterface(attachment.attachmentId);
      }
      await this.sleep(this.schedules.detachToDeletePauseMs);
    }
    await this.deleteNetworkInterface(eniId);
    return 'freed';
  }

  async detachNetworkInterface(attachmentId: string): Promise<void> {
    const input = { AttachmentId: attachmentId };
    await retryWithBackoff(
      this.schedules.detach,
      this.retryOptions('detaching the ENI failed, retrying', { attachmentId }),
      async () => {
        try {
          await this.caller.send('DetachNetworkInterface', input, () =>
            this.client.send(new DetachNetworkInterfaceCommand(input)),
          );
        } catch (err) {
          if (!isEc2Error(err, 'notFound')) throw err;
        }
      },
    );
  }

  async deleteNetworkInterface(eniId: string): Promise<void> {
    const input = { NetworkInterfaceId: eniId };
    await retryWithBackoff(
      this.schedules.delete,
      this.retryOptions('deleting the ENI failed, retrying', { eniId }),
      async () => {
        try {
          await this.caller.send('DeleteNetworkInterface', input, () =>
            this.client.send(new DeleteNetworkInterfaceCommand(input)),
          );
        } catch (err) {
          if (!isEc2Error(err, 'notFound')) throw err;
        }
      },
    );
  }

  async setSecurityGroups(eniId: string, securityGroupIds: readonly string[]): Promise<void> {
    const input = { NetworkInterfaceId: eniId, Groups: [...securityGroupIds].sort() };
    await this.caller.send('ModifyNetworkInterfaceAttribute', input, () =>
      this.client.send(new ModifyNetworkInterfaceAttributeCommand(input)),
    );
  }

  // ---- addresses ----------------------------------------------------------------------------

  assignPrivateIpv4Addresses(
    eniId: string,
    count: number,
    options: AssignOptions = {},
  ): Promise<string[]> {
    return this.assignWithRetry(eniId, count, options, async (n) => {
      const input = { NetworkInterfaceId: eniId, SecondaryPrivateIpAddressCount: n };
      const out = await this.caller.send('AssignPrivateIpAddresses', input, () =>
        this.client.send(new AssignPrivateIpAddressesCommand(input)),
      );
      return (out.AssignedPrivateIpAddresses ?? []).flatMap((a) =>
        a.PrivateIpAddress ? [a.PrivateIpAddress] : [],
      );
    });
  }

  assignIpv4Prefixes(eniId: string, count: number, options: AssignOptions = {}): Promise<string[]> {
    return this.assignWithRetry(eniId, count, options, async (n) => {
      const input = { NetworkInterfaceId: eniId, Ipv4PrefixCount: n };
      const out = await this.caller.send('AssignPrivateIpAddresses', input, () =>
        this.client.send(new AssignPrivateIpAddressesCommand(input)),
      );
      return (out.AssignedIpv4Prefixes ?? []).flatMap((p) => (p.Ipv4Prefix ? [p.Ipv4Prefix] : []));
    });
  }

  /** spec/ipamd.md §4.7: cap the count, and after a failure try once more for a single one. */
  private async assignWithRetry(
    eniId: string,
    count: number,
    options: AssignOptions,
    assign: (count: number) => Promise<string[]>,
  ): Promise<string[]> {
    const n = clampCount(count, options.maxCount);
    if (n < 1) return [];
    try {
      return await assign(n);
    } catch (err) {
      const error = toEc2Error('AssignPrivateIpAddresses', err);
      const noRetry = error.kind === 'limitExceeded' || error.kind === 'unauthorized';
      if (options.retryWithOne === false || n === 1 || noRetry) throw error;
      this.log.warn(
        { eniId, count: n, err: error.message },
        'assigning failed, retrying with a count of 1',
      );
      return assign(1);
    }
  }

  async unassignPrivateIpv4Addresses(eniId: string, addresses: readonly string[]): Promise<void> {
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

  // ---- tags and cleanup ---------------------------------------------------------------------

  async tagNetworkInterface(eniId: string, tags: Tags): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    const input = { Resources: [eniId], Tags: tagsToSdk(tags) };
    await retryWithBackoff(
      this.schedules.createTags,
      {
        ...this.retryOptions('tagging the ENI failed, retrying', { eniId }),
        // A deleted ENI will not come back.
        retryable: (err: unknown) =>
          !['unauthorized', 'notFound'].includes(toEc2Error('', err).kind),
      },
      () =>
        this.caller.send('CreateTags', input, () => this.client.send(new CreateTagsCommand(input))),
    );
  }

  async ensureEniTags(eniId: string, currentTags: Tags): Promise<Tags> {
    const missing = eniTagsToSend(desiredEniTags(this.tagSettings), currentTags);
    if (Object.keys(missing).length === 0) return {};
    await this.tagNetworkInterface(eniId, missing);
    return missing;
  }

  async cleanUpLeakedEnis(vpcId: string): Promise<LeakedEniCleanupReport> {
    const report = await runLeakedEniCleanup(this, {
      vpcId,
      clusterName: this.clusterName,
      clock: this.clock,
    });
    if (report.deleted.length > 0 || report.tagged.length > 0 || report.failed.length > 0) {
      this.log.info(
        {
          deleted: report.deleted,
          tagged: report.tagged,
          failed: report.failed.map((f) => ({ eniId: f.eniId, err: f.error.message })),
        },
        'leaked-ENI cleanup',
      );
    }
    return report;
  }
}

/** The EC2 port from Config: SDK client (endpoint, timeout, user agent, retries) + client-side buckets. */
export interface CreateSdkEc2Options extends Ec2ClientOptions {
  readonly instanceId: string;
  readonly observer?: Ec2ApiObserver;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly random?: RandomSource;
  readonly log?: AwsLog;
}

export type SdkEc2Config = Ec2ClientConfig &
  Pick<Config, 'clusterName' | 'additionalEniTags' | 'ec2RateLimits'>;

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
    clusterName: config.clusterName,
    additionalEniTags: config.additionalEniTags,
    rateLimiter,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { ec2, client, rateLimiter };
}
