import { PREFIX_SIZE } from '../instance-limits.ts';
import type { PoolStats } from './pool-numbers.ts';
import type { WarmPoolPolicy } from './warm-pool-policy.ts';

/**
 * Which ENI, if any, may be freed (the reference's `shouldRemoveExtraENIs` and the nine
 * conditions of `RemoveUnusedENIFromStore`); what the other ENIs must keep comes from the
 * card's warm target.
 */

/** An ENI must have been in the datastore this long before it may be freed. */
export const MIN_ENI_LIFETIME_MS = 60_000;

/** What the release rules need to know about one ENI of the card. */
export interface EniUsage {
  readonly eniId: string;
  readonly deviceNumber: number;
  readonly isPrimary: boolean;
  readonly isTrunk: boolean;
  readonly isEfa: boolean;
  /**
   * Subnet-excluded or draining: its addresses don't count for the others, but it is not
   * protected.
   */
  readonly excluded: boolean;
  /** No longer matches the node's ENIConfig: freed before any other once empty. */
  readonly draining: boolean;
  /** When the ENI was added to the datastore (ms; also reset by an ipamd restart). */
  readonly addedAt: number;
  /** Addresses in CIDRs of the current mode. */
  readonly totalIPs: number;
  readonly assignedIPs: number;
  /** Addresses still in pod-IP cooldown. */
  readonly coolingIPs: number;
  /** CIDRs of the current mode with no assigned address. */
  readonly zeroAssignedCidrs: number;
}

/** A non-primary, non-trunk, non-EFA ENI with no assigned address (`CheckFreeableENIexists`). */
function isEmptyOrdinaryEni(eni: EniUsage): boolean {
  return !eni.isPrimary && !eni.isTrunk && !eni.isEfa && eni.assignedIPs === 0;
}

/**
 * `shouldRemoveExtraENIs`: whether it is worth looking for an ENI to free at all. An empty
 * draining ENI always is (its addresses are not in the numbers the targets look at).
 */
export function shouldRemoveExtraEnis(
  stats: PoolStats,
  policy: WarmPoolPolicy,
  enis: readonly EniUsage[],
): boolean {
  if (enis.some((eni) => eni.draining && isEmptyOrdinaryEni(eni))) return true;
  return policy.target.mayHaveExtraEnis(stats, enis.some(isEmptyOrdinaryEni));
}

/**
 * Whether `eni` passes all nine conditions of the reference's RemoveUnusedENIFromStore given the
 * card's other ENIs. `sums` are over the card's non-excluded ENIs, `eni` included (it is subtracted
 * here when it counts).
 */
export function isEniDeletable(
  eni: EniUsage,
  sums: { totalIPs: number; assignedIPs: number; zeroAssignedCidrs: number },
  policy: WarmPoolPolicy,
  now: number,
): boolean {
  if (eni.isPrimary || eni.isTrunk || eni.isEfa) return false;
  if (now - eni.addedAt < MIN_ENI_LIFETIME_MS) return false;
  if (eni.coolingIPs > 0 || eni.assignedIPs > 0) return false;
  const own = eni.excluded
    ? { totalIPs: 0, assignedIPs: 0, zeroAssignedCidrs: 0 }
    : {
        totalIPs: eni.totalIPs,
        assignedIPs: eni.assignedIPs,
        zeroAssignedCidrs: eni.zeroAssignedCidrs,
      };
  const otherTotal = sums.totalIPs - own.totalIPs;
  const otherFree = otherTotal - (sums.assignedIPs - own.assignedIPs);
  const { warmIp, minimumIp, warmPrefixes } = policy.target.keptWhenFreeingAnEni;
  if (warmIp !== 0 && otherFree < warmIp) return false;
  if (minimumIp !== 0 && otherTotal < minimumIp) return false;
  if (warmPrefixes !== 0 && sums.zeroAssignedCidrs - own.zeroAssignedCidrs < warmPrefixes) {
    return false;
  }
  return true;
}

/** The card's stats as they would be without `eni` (which has no assigned or cooling address). */
export function statsWithout(
  stats: PoolStats,
  eni: EniUsage,
  prefixDelegation: boolean,
): PoolStats {
  const prefixes = prefixDelegation ? eni.totalIPs / PREFIX_SIZE : 0;
  return {
    totalIPs: eni.excluded ? stats.totalIPs : stats.totalIPs - eni.totalIPs,
    assignedIPs: stats.assignedIPs,
    coolingIPs: stats.coolingIPs,
    totalPrefixes: stats.totalPrefixes - prefixes,
    freePrefixes: stats.freePrefixes - (prefixDelegation ? eni.zeroAssignedCidrs : 0),
  };
}

export interface ChooseOptions {
  /**
   * Reactive mode: skip an ENI whose removal would make the pool too low at once, so the next pass
   * would attach an ENI again (the reference frees and re-attaches every ~65 s when, e.g., pods
   * exactly fill the ENIs with WARM_ENI_TARGET=0).
   */
  readonly keepPoolAboveLow?: { readonly stats: PoolStats };
}

/**
 * The ENI to free now, or undefined. The reference takes the first that qualifies in (random)
 * map order; we take a draining one first (so the node converges to its ENIConfig), then the one
 * attached last (highest device number), which is deterministic and leaves the long-lived
 * low-numbered ENIs in place.
 */
export function chooseEniToFree(
  enis: readonly EniUsage[],
  policy: WarmPoolPolicy,
  now: number,
  options: ChooseOptions = {},
): EniUsage | undefined {
  const sums = { totalIPs: 0, assignedIPs: 0, zeroAssignedCidrs: 0 };
  for (const eni of enis) {
    if (eni.excluded) continue;
    sums.totalIPs += eni.totalIPs;
    sums.assignedIPs += eni.assignedIPs;
    sums.zeroAssignedCidrs += eni.zeroAssignedCidrs;
  }
  let chosen: EniUsage | undefined;
  const keep = options.keepPoolAboveLow;
  for (const eni of enis) {
    if (!isEniDeletable(eni, sums, policy, now)) continue;
    // An ENI whose addresses are not in the numbers (excluded, draining) cannot lower the pool.
    if (
      keep &&
      !eni.excluded &&
      policy.isTooLow(statsWithout(keep.stats, eni, policy.settings.prefixDelegation))
    )
      continue;
    if (!chosen || freeBefore(eni, chosen)) chosen = eni;
  }
  return chosen;
}

function freeBefore(a: EniUsage, b: EniUsage): boolean {
  if (a.draining !== b.draining) return a.draining;
  return a.deviceNumber > b.deviceNumber;
}
