/**
 * Where a new ENI goes: which subnets to try, in order, and which security groups it gets. The
 * daemon declares this port; subnet discovery (the default) implements it today, and an
 * ENIConfig source (custom networking) supplies it per ENI.
 */
export interface EniPlacement {
  /** Throws PlacementUnavailableError when no ENI may be created now (e.g. no ENIConfig). */
  placeNewEni(networkCard: number): Promise<EniPlacementChoice>;
  /** Hears where the ENI its choice produced really went (EC2's answer), once it is in the pool. */
  eniCreated?(eni: CreatedEni): void;
}

export interface CreatedEni {
  readonly eniId: string;
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
}

/**
 * No new ENI may be created now, for a reason the placement already reports (logs, events,
 * metrics): the pool manager stops growing quietly instead of logging a failure every pass.
 */
export class PlacementUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementUnavailableError';
  }
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
