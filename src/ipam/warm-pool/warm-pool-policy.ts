import { EniTarget } from './eni-target.ts';
import { IpTarget } from './ip-target.ts';
import { assignableNow, type PoolSettings, type PoolStats } from './pool-numbers.ts';
import { PrefixTarget } from './prefix-target.ts';
import type { WarmTarget } from './warm-target.ts';

/**
 * The warm-pool policy of one network card: the one target its settings choose, plus the limits
 * every target shares (max pods, the per-ENI slots). The pool manager and both pool modes ask it,
 * and only it, whether the pool is too low or too high and how much to ask EC2 for.
 */
export class WarmPoolPolicy {
  readonly settings: PoolSettings;
  readonly target: WarmTarget;

  constructor(settings: PoolSettings) {
    this.settings = settings;
    this.target = warmTargetFor(settings);
  }

  /** Secondary-address or prefix slots one ENI offers in the current mode (IPv4Limit − 1). */
  get slotsPerEni(): number {
    return this.settings.prefixDelegation
      ? this.settings.maxPrefixesPerEni
      : this.settings.maxIPsPerEni;
  }

  /** `isDatastorePoolTooLow`: short of the target, unless total addresses reached max pods. */
  isTooLow(stats: PoolStats): boolean {
    // The cap compares total, not assigned, addresses (as the reference does).
    if (stats.totalIPs >= this.settings.maxPods) return false;
    return this.target.addressesShort(stats, 0) > 0;
  }

  /** `isDatastorePoolTooHigh`. */
  isTooHigh(stats: PoolStats): boolean {
    return this.target.excess(stats) > 0;
  }

  /** CIDRs (addresses, or prefixes in PD mode) to release now; 0 = nothing. */
  excess(stats: PoolStats): number {
    return this.target.excess(stats);
  }

  /** Units one interval pass asks an existing ENI for (before the ENI's room). */
  unitsWhenShort(stats: PoolStats): number {
    return this.target.unitsWhenShort(stats);
  }

  /** `GetENIResourcesToAllocate`: what a new ENI is created with; 0 = no ENI. */
  newEniSize(stats: PoolStats): number {
    return Math.min(this.target.unitsWhenShort(stats), this.slotsPerEni);
  }

  /**
   * Units the card needs now to serve the waiting ADDs and be back at its target, capped so the
   * card's total never passes max pods (reactive mode's demand).
   */
  demand(stats: PoolStats, waitingAdds: number): number {
    const headroom = this.settings.maxPods - stats.totalIPs;
    if (headroom <= 0) return 0;
    return this.target.unitsFor(this.addressesNeeded(stats, waitingAdds), stats, headroom);
  }

  /**
   * Addresses (not units) the card needs now for the waiting ADDs and its target, within max
   * pods: what `demand` converts to units, and what a /32 fallback asks for directly.
   */
  addressesNeeded(stats: PoolStats, waitingAdds: number): number {
    const headroom = this.settings.maxPods - stats.totalIPs;
    if (headroom <= 0) return 0;
    // Cooling addresses count as available for the target, but a waiting ADD can only take one
    // that is assignable now.
    return Math.min(
      Math.max(this.target.addressesShort(stats, waitingAdds), waitingAdds - assignableNow(stats)),
      headroom,
    );
  }
}

/** The one target that applies to a card with these settings. */
export function warmTargetFor(settings: PoolSettings): WarmTarget {
  const ipTargets =
    settings.networkCard > 0 || settings.warmIpTarget > 0 || settings.minimumIpTarget > 0;
  if (ipTargets) return new IpTarget(settings);
  return settings.prefixDelegation ? new PrefixTarget(settings) : new EniTarget(settings);
}
