import type { ConnectionTracking } from '../aws/ec2-port.ts';
import type { InstanceLimits, InstanceTypeInfo } from '../ipam/instance-limits.ts';

/** What node init learned about this instance; the rest of the daemon reads it. */
export interface NodeFacts {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly vpcId: string;
  readonly primaryMac: string;
  readonly primaryIp: string;
  readonly primaryEniId: string;
  readonly primarySubnetId: string;
  readonly typeInfo: InstanceTypeInfo;
  readonly limits: InstanceLimits;
  /** Copied to new ENIs, as the reference does. */
  readonly connectionTracking: ConnectionTracking | undefined;
  /** Mutable views refreshed every 30 s. */
  readonly live: NodeLiveFacts;
}

export interface NodeLiveFacts {
  /** VPC IPv4 CIDRs of the primary ENI (IMDS), normalised. */
  vpcCidrs: readonly string[];
  /** Security groups of the primary ENI (IMDS), sorted; new ENIs get these. */
  securityGroupIds: readonly string[];
  /** Max pods for the node (the cap on total addresses per card); follows kubelet's capacity. */
  maxPods: number;
}
