/**
 * Where a new ENI goes: which subnets to try, in order, and which security groups it gets. The
 * daemon declares this port; subnet discovery (the default) implements it today, and an
 * ENIConfig source (custom networking) supplies it per ENI.
 */
export interface EniPlacement {
  placeNewEni(networkCard: number): Promise<EniPlacementChoice>;
}

export interface EniPlacementChoice {
  /** Tried in order; the first where CreateNetworkInterface succeeds wins. Never empty. */
  readonly subnets: readonly PlacementSubnet[];
  readonly securityGroupIds: readonly string[];
}

export interface PlacementSubnet {
  readonly subnetId: string;
  /** When the placement already knows it (saves a DescribeSubnets when the ENI is set up). */
  readonly cidrBlock?: string;
}
