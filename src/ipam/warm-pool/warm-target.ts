import type { PoolStats } from './pool-numbers.ts';

/**
 * What one warm-pool setting keeps: WARM_IP_TARGET/MINIMUM_IP_TARGET (ip-target.ts),
 * WARM_ENI_TARGET (eni-target.ts) or WARM_PREFIX_TARGET (prefix-target.ts). Exactly one applies
 * to a card (`warmTargetFor`, warm-pool-policy.ts). Each answers every question the pool manager
 * asks of a target from one definition, `addressesShort`: the interval loop's "too low" and
 * request size, reactive mode's demand, the decrease and which ENIs may be freed. Changing what a
 * setting keeps means changing its one file.
 *
 * Units: EC2 requests count addresses, or /28 prefixes with prefix delegation.
 */
export interface WarmTarget {
  /** The environment variable(s) this target is set by, for logs and plans. */
  readonly setting: 'WARM_IP_TARGET/MINIMUM_IP_TARGET' | 'WARM_ENI_TARGET' | 'WARM_PREFIX_TARGET';
  /**
   * Addresses the pool lacks to give `waitingAdds` pods an address and still meet the target
   * (0 = nothing lacking). With no ADD waiting this is the reference's `isDatastorePoolTooLow`
   * (before the max-pods cap): short ⇔ > 0.
   */
  addressesShort(stats: PoolStats, waitingAdds: number): number;
  /**
   * Units one interval pass asks an existing ENI for when the pool is short (the reference's
   * tryAssignIPs / getPrefixesNeeded); a new ENI gets the same, capped at one ENI.
   */
  unitsWhenShort(stats: PoolStats): number;
  /** Units for `addresses` more addresses (reactive demand), within `headroom` addresses. */
  unitsFor(addresses: number, stats: PoolStats, headroom: number): number;
  /** Units to give back now (0 = not too high): `isDatastorePoolTooHigh` and the decrease amount. */
  excess(stats: PoolStats): number;
  /** Growth fills whole ENIs (an ENI's worth is what the setting counts in). */
  readonly fillsWholeEnis: boolean;
  /** The reference's `shouldRemoveExtraENIs`: whether to look for an ENI to free at all. */
  mayHaveExtraEnis(stats: PoolStats, anyEmptyOrdinaryEni: boolean): boolean;
  /** What the card's other ENIs must still hold when one is freed (`RemoveUnusedENIFromStore`). */
  readonly keptWhenFreeingAnEni: KeptOnOtherEnis;
}

export interface KeptOnOtherEnis {
  /** Free addresses (0 = no rule). */
  readonly warmIp: number;
  /** Total addresses (0 = no rule). */
  readonly minimumIp: number;
  /** Prefixes with nothing assigned (0 = no rule). */
  readonly warmPrefixes: number;
}

/**
 * A target of 0 whole units still keeps one address free when none is (the reference's
 * `target == 0 and available == 0`).
 */
export function keepOneFree(short: number, target: number, free: number): number {
  return target === 0 && free === 0 && short === 0 ? 1 : short;
}
