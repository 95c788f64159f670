/**
 * The programmatic face of the simulated AWS region (src/sim). Tests, `npm start`, `vpc-ipamd
 * plan` and `vpc-ipamd sim` use it; the daemon never does — the daemon only sees the simulator
 * over HTTP through the real AWS SDK, exactly as in production.
 *
 * Time: every state change (attach/detach completion, IMDS visibility, token refill) is computed
 * lazily from `clock.now()`, never from wall-clock timers, so a ManualClock gives a fully
 * deterministic region (used by `vpc-ipamd plan`). Response latency is spent through `sleep`.
 */
import type { TokenBucketSpec as BucketSpec } from '../config/types.ts';
import type { Clock } from '../ipam/clock.ts';

/** Named latency profiles: 'none' (0 ms everywhere), 'fast' (a few ms), 'realistic' (EC2-like). */
export type LatencyProfileName = 'none' | 'fast' | 'realistic';

/** Latency of one action or state transition, in ms: uniform in [minMs, maxMs]. */
export interface LatencyRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Per-action response latency plus the two state-transition latencies. Keys of `actions` are EC2
 * action names (e.g. 'CreateNetworkInterface'); a missing action uses `defaultAction`.
 */
export interface LatencyModel {
  readonly defaultAction: LatencyRange;
  readonly actions?: Readonly<Record<string, LatencyRange>>;
  /** attaching → attached. */
  readonly attach: LatencyRange;
  /** detaching → available. */
  readonly detach: LatencyRange;
}

export type { BucketSpec };

export interface SimOptions {
  /** Region name reported everywhere; default 'us-west-2'. */
  readonly region?: string;
  /** Availability zone of the default subnet; default `${region}a`. */
  readonly availabilityZone?: string;
  /** VPC CIDR; default '10.0.0.0/16'. */
  readonly vpcCidr?: string;
  /** Additional VPC CIDRs (secondary CIDR blocks); default none. */
  readonly extraVpcCidrs?: readonly string[];
  /** CIDR of the default subnet; default '10.0.0.0/20'. */
  readonly subnetCidr?: string;
  /** Latency profile or model; default 'fast'. */
  readonly latency?: LatencyProfileName | LatencyModel;
  /** IMDS eventual-consistency lag in ms: EC2 changes appear in IMDS this much later; default 0. */
  readonly imdsLagMs?: number;
  /**
   * Account-wide token buckets (EC2's "Request throttling for the Amazon EC2 API",
   * src/config/ec2-buckets.ts): 'ec2-defaults' (default), 'off', or explicit specs per bucket name
   * (missing names use the EC2 defaults). Bucket names and the action → bucket mapping come from
   * src/config/ec2-buckets.ts.
   */
  readonly buckets?: 'ec2-defaults' | 'off' | Readonly<Record<string, BucketSpec>>;
  /** Port of the EC2 + control HTTP server; default 0 (any free port). Host is always 127.0.0.1. */
  readonly port?: number;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
  /** How response latency is spent; default a real setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Seed for the latency/fault random source; default 1 (deterministic). */
  readonly seed?: number;
  /**
   * Called when an ENI attachment reaches 'attached' (host-networking tests create the stand-in
   * veth here), including each instance's primary ENI at launch.
   */
  readonly onEniAttached?: (event: EniAttachmentEvent) => void | Promise<void>;
  /** Called when an ENI attachment reaches 'detached'/'available'. */
  readonly onEniDetached?: (event: EniAttachmentEvent) => void | Promise<void>;
}

export interface EniAttachmentEvent {
  readonly instanceId: string;
  readonly eniId: string;
  readonly macAddress: string;
  readonly deviceIndex: number;
  readonly networkCardIndex: number;
  readonly primaryIp: string;
  readonly subnetId: string;
  readonly subnetCidr: string;
}

export interface LaunchOptions {
  /** Any type in src/ipam/data/instance-types.json; default 'm5.large'. */
  readonly instanceType?: string;
  /** Subnet of the primary ENI; default the region's default subnet. */
  readonly subnetId?: string;
  /** Security groups of the primary ENI; default the VPC's default group. */
  readonly securityGroupIds?: readonly string[];
  /** Serve this instance's IMDS on a fixed port; default 0 (any free port). */
  readonly imdsPort?: number;
}

export interface SimInstance {
  readonly instanceId: string;
  readonly instanceType: string;
  /** Base URL of this instance's IMDS server, e.g. 'http://127.0.0.1:40123' (no trailing slash). */
  readonly imdsEndpoint: string;
  readonly primaryEniId: string;
  readonly primaryMac: string;
  readonly primaryIp: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
}

export interface SubnetOptions {
  readonly cidr: string;
  readonly availabilityZone?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** One injected fault: matching calls fail with `code` (EC2's error code, e.g. 'RequestLimitExceeded'). */
export interface FaultSpec {
  /** EC2 action name, or '*' for every action. */
  readonly action: string;
  readonly code: string;
  /** Error message; default a generic one in EC2's style. */
  readonly message?: string;
  /**
   * HTTP status; default EC2's for the code: 400, 503 for RequestLimitExceeded/Unavailable, 500
   * for InternalError, 403 for UnauthorizedOperation.
   */
  readonly httpStatus?: number;
  /** Fail the next N matching calls, then stop. */
  readonly count?: number;
  /** Or fail each matching call with this probability (0–1) until cleared. */
  readonly probability?: number;
}

export interface ActionCounters {
  readonly calls: number;
  readonly errors: number;
  readonly throttled: number;
}

export interface SimCounters {
  /** Per EC2 action. */
  readonly actions: Readonly<Record<string, ActionCounters>>;
  /** IMDS requests served (all instances). */
  readonly imdsRequests: number;
}

export interface SimulatedRegion {
  readonly region: string;
  readonly vpcId: string;
  /** The default subnet (created at start). */
  readonly subnetId: string;
  /** Base URL of the EC2 Query API, e.g. 'http://127.0.0.1:40100' (no trailing slash). */
  readonly ec2Endpoint: string;
  /** Base URL of the control API ('/_sim/...' on the same server as EC2). */
  readonly controlEndpoint: string;
  /** The default security group of the VPC. */
  readonly defaultSecurityGroupId: string;

  launchInstance(options?: LaunchOptions): Promise<SimInstance>;
  /**
   * Terminates an instance: ENIs whose attachment has DeleteOnTermination are deleted, the
   * others become 'available' (leaked); its IMDS server stops.
   */
  terminateInstance(instanceId: string): Promise<void>;
  createSubnet(options: SubnetOptions): string;
  createSecurityGroup(name: string): string;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  counters(): SimCounters;
  /** A JSON picture of the whole region (what `GET /_sim/state` answers), for debugging and demos. */
  dump(): Record<string, unknown>;
  /**
   * Forget instances, ENIs, subnets other than the default, faults and counters (also security
   * groups other than the default; every token bucket is full again).
   */
  reset(): Promise<void>;
  close(): Promise<void>;
}
