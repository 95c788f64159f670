import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import type { Clock } from '../ipam/clock.ts';
import { systemClock } from '../system-clock.ts';
import { type ImdsEni, ImdsError, type ImdsPort, type InstanceIdentity } from './imds-port.ts';

export interface ImdsClientOptions {
  /** Base URL of IMDS; '' or undefined = the SDK's own (AWS_EC2_METADATA_SERVICE_ENDPOINT, else 169.254.169.254). */
  readonly endpoint?: string;
  /** IMDSv2 session token lifetime; default 21600 s (the SDK's default and IMDS's maximum). */
  readonly tokenTtlSeconds?: number;
  /** Per-request timeout; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Attempts per read for 5xx and connection errors; default 3. */
  readonly maxAttempts?: number;
  /** Tells when the cached token is about to expire; default the system clock. */
  readonly clock?: Clock;
  /** Waits between attempts; default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const META = 'latest/meta-data';
const MACS = `${META}/network/interfaces/macs`;

interface HttpFailure {
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly message?: string;
}

function statusOf(error: unknown): number | undefined {
  return (error as HttpFailure | undefined)?.$metadata?.httpStatusCode;
}

function lines(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(/\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The IMDS adapter on `@aws-sdk/ec2-metadata-service`. It keeps one IMDSv2 token until shortly
 * before the token's TTL ends (by the injected clock) instead of fetching one per read as the
 * SDK would, and fetches a new one at once when IMDS answers 401 (token expired or IMDS
 * restarted). Paths are given without a leading '/', which is what the SDK needs for a custom
 * endpoint.
 */
export class ImdsClient implements ImdsPort {
  private readonly service: MetadataService;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly ttlSeconds: number;
  private readonly maxAttempts: number;
  private token: { value: string; refreshAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;
  private identity: InstanceIdentity | undefined;

  constructor(options: ImdsClientOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.ttlSeconds = options.tokenTtlSeconds ?? 21600;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.service = new MetadataService({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      httpOptions: { timeout: options.timeoutMs ?? 5000 },
      tokenTtl: this.ttlSeconds,
      // We fetch and attach the token ourselves; the SDK would fetch a new one for every read.
      disableFetchToken: true,
      ec2MetadataV1Disabled: false,
      // Retries are ours too: the SDK would retry a 401 with the same stale token.
      retries: 0,
    });
  }

  async getInstanceIdentity(): Promise<InstanceIdentity> {
    if (this.identity) return this.identity;
    const [instanceId, instanceType, availabilityZone, primaryIpv4, primaryMac, document] =
      await Promise.all([
        this.required(`${META}/instance-id`),
        this.required(`${META}/instance-type`),
        this.required(`${META}/placement/availability-zone`),
        this.required(`${META}/local-ipv4`),
        this.required(`${META}/mac`),
        this.required('latest/dynamic/instance-identity/document'),
      ]);
    let parsed: { region?: unknown; accountId?: unknown };
    try {
      parsed = JSON.parse(document) as { region?: unknown; accountId?: unknown };
    } catch (error) {
      throw new ImdsError('latest/dynamic/instance-identity/document', 'is not JSON', undefined, {
        cause: error,
      });
    }
    if (typeof parsed.region !== 'string' || parsed.region === '') {
      throw new ImdsError('latest/dynamic/instance-identity/document', 'has no region');
    }
    this.identity = {
      instanceId: instanceId.trim(),
      instanceType: instanceType.trim(),
      availabilityZone: availabilityZone.trim(),
      region: parsed.region,
      accountId: typeof parsed.accountId === 'string' ? parsed.accountId : '',
      primaryIpv4: primaryIpv4.trim(),
      primaryMac: primaryMac.trim(),
    };
    return this.identity;
  }

  async getPrimaryIpv6(): Promise<string | undefined> {
    return (await this.get(`${META}/ipv6`))?.trim() || undefined;
  }

  async listMacs(): Promise<string[]> {
    return lines(await this.get(`${MACS}/`)).map((mac) => mac.replace(/\/$/, ''));
  }

  async getEni(mac: string): Promise<ImdsEni | undefined> {
    const { primaryMac } = await this.getInstanceIdentity();
    const base = `${MACS}/${mac}`;
    const listing = await this.get(`${base}/`);
    if (listing === undefined) return undefined;
    const fields = new Set(lines(listing).map((f) => f.replace(/\/$/, '')));
    const optional = (field: string) =>
      fields.has(field) ? this.get(`${base}/${field}`) : Promise.resolve(undefined);
    const [eniId, device, subnetId, subnetCidr, vpcId, ipv4s, prefixes, card, ipv6s, ipv6Prefixes] =
      await Promise.all([
        this.get(`${base}/interface-id`),
        this.get(`${base}/device-number`),
        this.get(`${base}/subnet-id`),
        this.get(`${base}/subnet-ipv4-cidr-block`),
        this.get(`${base}/vpc-id`),
        optional('local-ipv4s'),
        optional('ipv4-prefix'),
        optional('network-card'),
        optional('ipv6s'),
        optional('ipv6-prefix'),
      ]);
    // A required field gone between the listing and the read: the ENI is being detached.
    if (
      eniId === undefined ||
      device === undefined ||
      subnetId === undefined ||
      vpcId === undefined
    ) {
      return undefined;
    }
    const ipv6Addresses = lines(ipv6s);
    const subnetIpv6Cidrs =
      ipv6Addresses.length > 0 ? lines(await optional('subnet-ipv6-cidr-blocks')) : [];
    const isPrimary = mac === primaryMac;
    return {
      mac,
      eniId: eniId.trim(),
      deviceNumber: isPrimary ? 0 : this.integer(`${base}/device-number`, device),
      networkCard: card === undefined ? 0 : this.integer(`${base}/network-card`, card),
      isPrimary,
      subnetId: subnetId.trim(),
      subnetIpv4Cidr: (subnetCidr ?? '').trim(),
      vpcId: vpcId.trim(),
      ipv4Addresses: lines(ipv4s),
      ipv4Prefixes: lines(prefixes),
      ipv6Addresses,
      ipv6Prefixes: lines(ipv6Prefixes),
      subnetIpv6Cidrs,
    };
  }

  async listEnis(): Promise<ImdsEni[]> {
    const macs = await this.listMacs();
    const enis = await Promise.all(macs.map((mac) => this.getEni(mac)));
    return enis.filter((eni): eni is ImdsEni => eni !== undefined);
  }

  async getVpcIpv4Cidrs(): Promise<string[]> {
    const { primaryMac } = await this.getInstanceIdentity();
    return lines(await this.get(`${MACS}/${primaryMac}/vpc-ipv4-cidr-blocks`));
  }

  async getVpcIpv6Cidrs(): Promise<string[]> {
    const { primaryMac } = await this.getInstanceIdentity();
    return lines(await this.get(`${MACS}/${primaryMac}/vpc-ipv6-cidr-blocks`));
  }

  async getSecurityGroupIds(): Promise<string[]> {
    const { primaryMac } = await this.getInstanceIdentity();
    return lines(await this.get(`${MACS}/${primaryMac}/security-group-ids`));
  }

  private integer(path: string, text: string): number {
    const value = Number(text.trim());
    if (!Number.isInteger(value) || value < 0)
      throw new ImdsError(path, `unexpected value '${text}'`);
    return value;
  }

  private async required(path: string): Promise<string> {
    const value = await this.get(path);
    if (value === undefined) throw new ImdsError(path, 'not found (404)', 404);
    return value;
  }

  /** One metadata read: the body, or undefined on 404. */
  private async get(path: string): Promise<string | undefined> {
    let renewedToken = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.currentToken(path);
      try {
        return await this.service.request(path, { headers: { 'x-aws-ec2-metadata-token': token } });
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return undefined;
        if (status === 401 && !renewedToken) {
          // The token expired or IMDS forgot it (restart): one fresh token, then an honest failure.
          this.dropToken(token);
          renewedToken = true;
          attempt -= 1;
          continue;
        }
        const retryable = status === undefined || status >= 500;
        if (!retryable || attempt >= this.maxAttempts) {
          throw new ImdsError(path, (error as HttpFailure).message ?? String(error), status, {
            cause: error,
          });
        }
        await this.sleep(100 * 2 ** (attempt - 1));
      }
    }
  }

  private async currentToken(path: string): Promise<string> {
    if (this.token && this.clock.now() < this.token.refreshAt) return this.token.value;
    this.tokenRequest ??= this.fetchToken().finally(() => {
      this.tokenRequest = undefined;
    });
    try {
      return await this.tokenRequest;
    } catch (error) {
      throw new ImdsError(
        path,
        `no IMDSv2 token: ${(error as HttpFailure).message ?? String(error)}`,
        statusOf(error),
        {
          cause: error,
        },
      );
    }
  }

  private async fetchToken(): Promise<string> {
    const requestedAt = this.clock.now();
    const value = await this.service.fetchMetadataToken();
    // Renew a little before IMDS would expire it, so a read never races the expiry.
    const marginMs = Math.min(60_000, (this.ttlSeconds * 1000) / 10);
    this.token = { value, refreshAt: requestedAt + this.ttlSeconds * 1000 - marginMs };
    return value;
  }

  private dropToken(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }
}

/** The IMDS adapter for a Config: AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the endpoint. */
export function createImdsClient(
  config: { readonly imdsEndpoint: string },
  options: Omit<ImdsClientOptions, 'endpoint'> = {},
): ImdsPort {
  return new ImdsClient({
    ...options,
    ...(config.imdsEndpoint ? { endpoint: config.imdsEndpoint } : {}),
  });
}
