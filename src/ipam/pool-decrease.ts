import { isIpTargetMode, type PoolSettings, type PoolStats, targetState } from './pool-targets.ts';

/**
 * How the pool shrinks (spec/ipamd.md §4.8): how many CIDRs to give back, and which ones.
 * Individual addresses are never released in WARM_ENI mode; only whole ENIs are (eni-release.ts).
 */

/** CIDRs (addresses, or prefixes in PD mode) to release now; 0 = nothing. */
export function amountToRelease(stats: PoolStats, settings: PoolSettings): number {
  if (isIpTargetMode(settings)) return targetState(stats, settings).over;
  if (settings.prefixDelegation) return Math.max(stats.freePrefixes - settings.warmPrefixTarget, 0);
  return 0;
}

export interface FreeableCidrs {
  readonly eniId: string;
  /** CIDRs of the ENI with no assigned address (a /32 still in pod-IP cooldown is freeable). */
  readonly cidrs: readonly string[];
}

export interface CidrRelease {
  readonly eniId: string;
  readonly cidrs: readonly string[];
}

/** Takes the first `over` freeable CIDRs, ENI by ENI in the given order, as the reference does. */
export function planCidrRelease(enis: readonly FreeableCidrs[], over: number): CidrRelease[] {
  const plan: CidrRelease[] = [];
  let left = over;
  for (const eni of enis) {
    if (left <= 0) break;
    if (eni.cidrs.length === 0) continue;
    const cidrs = eni.cidrs.slice(0, left);
    plan.push({ eniId: eni.eniId, cidrs });
    left -= cidrs.length;
  }
  return plan;
}
