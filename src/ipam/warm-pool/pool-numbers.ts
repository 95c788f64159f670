/** What the warm-pool rules read: one network card's numbers and the settings that apply to it. */

/** One datastore's pool-math stats (the reference's GetIPStats): non-excluded ENIs, CIDRs of the current mode. */
export interface PoolStats {
  /** Addresses in CIDRs of the current mode on non-excluded ENIs. */
  readonly totalIPs: number;
  readonly assignedIPs: number;
  /** Unassigned and still within IP_COOLDOWN_PERIOD (counted as available, not assignable). */
  readonly coolingIPs: number;
  /** /28 prefixes on every ENI, excluded ones included. */
  readonly totalPrefixes: number;
  /** Prefixes with no assigned address, on any ENI. */
  readonly freePrefixes: number;
}

/** The settings one card's pool decisions depend on. */
export interface PoolSettings {
  /** WARM_IP_TARGET (W). */
  readonly warmIpTarget: number;
  /** MINIMUM_IP_TARGET (M). */
  readonly minimumIpTarget: number;
  /** WARM_ENI_TARGET (E). */
  readonly warmEniTarget: number;
  /** WARM_PREFIX_TARGET (P). */
  readonly warmPrefixTarget: number;
  /** Prefix delegation in effect (configured and supported by the instance). */
  readonly prefixDelegation: boolean;
  /** Addresses per ENI (IPv4Limit − 1, ×16 with prefixes). */
  readonly maxIPsPerEni: number;
  /** Prefixes per ENI (IPv4Limit − 1 with prefixes, else 0). */
  readonly maxPrefixesPerEni: number;
  /** Growth stops once the card's total addresses reach this. */
  readonly maxPods: number;
  /** Network card of the datastore; cards > 0 force W = M = 1. */
  readonly networkCard: number;
}

/** Available addresses: cooling ones count as available (the reference since v1.17.1). */
export function available(stats: PoolStats): number {
  return stats.totalIPs - stats.assignedIPs;
}

/** Addresses an ADD could take right now: available and not cooling. */
export function assignableNow(stats: PoolStats): number {
  return available(stats) - stats.coolingIPs;
}
