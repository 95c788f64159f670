import instanceTypeTable from './data/instance-types.json' with { type: 'json' };

/**
 * EC2 networking limits per instance type (the reference's vpc_ip_resource_limit.go) and the values
 * ipamd derives from them. The table ships in src/ipam/data/instance-types.json; a type missing
 * from it is looked up once with DescribeInstanceTypes and added with `registerInstanceType`.
 */

export type Hypervisor = 'nitro' | 'xen' | 'unknown';

export interface NetworkCardLimit {
  readonly networkCardIndex: number;
  readonly maximumNetworkInterfaces: number;
}

export interface InstanceTypeInfo {
  /** Max ENIs on the default network card. */
  readonly eniLimit: number;
  /** IPv4 addresses per ENI, the ENI's primary address included. */
  readonly ipv4Limit: number;
  readonly defaultNetworkCardIndex: number;
  readonly networkCards: readonly NetworkCardLimit[];
  readonly hypervisor: Hypervisor;
  readonly bareMetal: boolean;
}

interface InstanceTypeTable {
  readonly instanceTypes: Readonly<Record<string, InstanceTypeInfo>>;
}

/** Addresses in one IPv4 /28 prefix (all 16 usable for pods). */
export const PREFIX_SIZE = 16;

let table: Map<string, InstanceTypeInfo> | undefined;

function loadTable(): Map<string, InstanceTypeInfo> {
  if (!table) {
    // A JSON module: bundled with the code, so core reads no file and the build copies none.
    const parsed = instanceTypeTable as unknown as InstanceTypeTable;
    table = new Map(Object.entries(parsed.instanceTypes));
  }
  return table;
}

/** The table entry for an instance type, or undefined when it is not known (yet). */
export function lookupInstanceType(instanceType: string): InstanceTypeInfo | undefined {
  return loadTable().get(instanceType);
}

/** Adds (or replaces) a type learned at run time from DescribeInstanceTypes. */
export function registerInstanceType(instanceType: string, info: InstanceTypeInfo): void {
  loadTable().set(instanceType, info);
}

/** Every known instance type name, sorted. */
export function knownInstanceTypes(): string[] {
  return [...loadTable().keys()].sort();
}

/** Prefix delegation needs a Nitro hypervisor or bare metal. */
export function supportsPrefixDelegation(info: InstanceTypeInfo): boolean {
  return info.hypervisor === 'nitro' || info.bareMetal;
}

export interface LimitOptions {
  /** MAX_ENI when ≥1; caps the ENIs per network card. */
  readonly maxEni?: number | undefined;
  /** Prefix delegation as configured; ignored (off) when the type does not support it. */
  readonly prefixDelegation: boolean;
}

/** The per-node values the pool manager works with (maxENI, maxIPsPerENI, maxPrefixesPerENI). */
export interface InstanceLimits {
  /** ENIs per network card: min(MAX_ENI, ENILimit). */
  readonly maxEni: number;
  /** Addresses one ENI can give to pods: IPv4Limit − 1, ×16 with prefixes. */
  readonly maxIPsPerEni: number;
  /** /28 prefixes per ENI: IPv4Limit − 1 with prefixes, else 0. */
  readonly maxPrefixesPerEni: number;
  /** Whether prefix delegation is in effect (configured and supported). */
  readonly prefixDelegation: boolean;
  /** Whether the type could do prefix delegation at all. */
  readonly prefixDelegationSupported: boolean;
  /** Network card indexes of the type, in ascending order. */
  readonly networkCards: readonly number[];
  /** Secondary addresses (or prefixes) EC2 accepts per ENI in one request: IPv4Limit − 1. */
  readonly maxAssignPerEni: number;
}

export function deriveLimits(info: InstanceTypeInfo, options: LimitOptions): InstanceLimits {
  const maxEni =
    options.maxEni !== undefined && options.maxEni >= 1
      ? Math.min(options.maxEni, info.eniLimit)
      : info.eniLimit;
  const supported = supportsPrefixDelegation(info);
  const prefixDelegation = options.prefixDelegation && supported;
  const secondaries = info.ipv4Limit - 1;
  return {
    maxEni,
    maxIPsPerEni: prefixDelegation ? secondaries * PREFIX_SIZE : secondaries,
    maxPrefixesPerEni: prefixDelegation ? secondaries : 0,
    prefixDelegation,
    prefixDelegationSupported: supported,
    networkCards: info.networkCards.map((c) => c.networkCardIndex).sort((a, b) => a - b),
    maxAssignPerEni: secondaries,
  };
}

export interface MaxPodsOptions {
  /** Custom networking: the primary ENI gives no pod addresses, so one ENI fewer counts. */
  readonly customNetworking?: boolean;
  /** Prefix delegation: each secondary slot is a /28 of 16 addresses. */
  readonly prefixDelegation?: boolean;
  /** MAX_ENI when ≥1. */
  readonly maxEni?: number | undefined;
}

/**
 * Max pods for a type: ENIs × (IPv4 − 1) + 2 (the +2 are host-network aws-node and kube-proxy),
 * with ENIs − 1 under custom networking and ×16 per slot with prefix delegation. Without options
 * this is the value the reference's eni-max-pods.txt lists.
 */
export function maxPodsFor(info: InstanceTypeInfo, options: MaxPodsOptions = {}): number {
  const enis =
    (options.maxEni !== undefined && options.maxEni >= 1
      ? Math.min(options.maxEni, info.eniLimit)
      : info.eniLimit) - (options.customNetworking ? 1 : 0);
  const perEni = (info.ipv4Limit - 1) * (options.prefixDelegation ? PREFIX_SIZE : 1);
  return Math.max(enis, 0) * perEni + 2;
}

/**
 * Route table ID for an ENI (the reference's CalculateRouteTableId): card 0 device 0 → 254 (main);
 * card 0 device d → d + 1; card c > 0 → 10000 + 100·c + d.
 */
export function routeTableId(deviceNumber: number, networkCard: number): number {
  if (networkCard > 0) return 10000 + 100 * networkCard + deviceNumber;
  return deviceNumber === 0 ? 254 : deviceNumber + 1;
}
