import { PREFIX_SIZE } from './instance-limits.ts';

/**
 * The warm-pool targets and the too-low / too-high decisions of the reference's pool manager
 * (spec/ipamd.md §4.1–4.4), as pure functions of one network card's stats. Every number here is
 * pinned by a test quoting the spec.
 */

/** One datastore's pool-math stats (spec §4.1): non-excluded ENIs, CIDRs of the current mode. */
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

/** W and M as they apply to a card: cards > 0 always use W = M = 1 and ignore the environment. */
export function cardTargets(settings: PoolSettings): { warmIp: number; minimumIp: number } {
  if (settings.networkCard > 0) return { warmIp: 1, minimumIp: 1 };
  return { warmIp: settings.warmIpTarget, minimumIp: settings.minimumIpTarget };
}

/** "Warm IP targets defined": W > 0 or M > 0, and always on cards > 0. */
export function isIpTargetMode(settings: PoolSettings): boolean {
  const { warmIp, minimumIp } = cardTargets(settings);
  return warmIp > 0 || minimumIp > 0;
}

/** Available addresses: cooling ones count as available (spec §4.1, since v1.17.1). */
export function available(stats: PoolStats): number {
  return stats.totalIPs - stats.assignedIPs;
}

export interface TargetState {
  /** Addresses short, or prefixes short on card 0 in PD mode. */
  readonly short: number;
  /** Addresses over, or prefixes over on card 0 in PD mode. */
  readonly over: number;
  /** False when not in IP-target mode (then short and over are 0). */
  readonly enabled: boolean;
}

/** `datastoreTargetState` (spec §4.2). */
export function targetState(stats: PoolStats, settings: PoolSettings): TargetState {
  if (!isIpTargetMode(settings)) return { short: 0, over: 0, enabled: false };
  const { warmIp, minimumIp } = cardTargets(settings);
  const free = available(stats);
  const short = Math.max(Math.max(warmIp - free, 0), minimumIp - stats.totalIPs);
  const over = Math.max(Math.min(Math.max(free - warmIp, 0), stats.totalIPs - minimumIp), 0);
  // Cards > 0 skip the prefix conversion even in PD mode (a reference quirk kept on purpose:
  // there W = M = 1 and a short of 1 is later read as one prefix, which is what it needs).
  if (!settings.prefixDelegation || settings.networkCard > 0) {
    return { short, over, enabled: true };
  }
  const needForWarm = Math.ceil((stats.assignedIPs + settings.warmIpTarget) / PREFIX_SIZE);
  const needForMinimum = Math.ceil(settings.minimumIpTarget / PREFIX_SIZE);
  const overPrefixes = Math.max(
    0,
    Math.min(
      stats.freePrefixes,
      stats.totalPrefixes - needForWarm,
      stats.totalPrefixes - needForMinimum,
    ),
  );
  return { short: Math.ceil(short / PREFIX_SIZE), over: overPrefixes, enabled: true };
}

/** `isDatastorePoolTooLow` (spec §4.3). */
export function isPoolTooLow(stats: PoolStats, settings: PoolSettings): boolean {
  // The cap compares total, not assigned, addresses (as the reference does).
  if (stats.totalIPs >= settings.maxPods) return false;
  if (isIpTargetMode(settings)) return targetState(stats, settings).short > 0;
  const free = available(stats);
  const { unit, target } = warmUnitAndTarget(settings);
  return free < unit * target || (target === 0 && free === 0);
}

/** `isDatastorePoolTooHigh` (spec §4.4). WARM_ENI mode never releases single addresses. */
export function isPoolTooHigh(stats: PoolStats, settings: PoolSettings): boolean {
  if (isIpTargetMode(settings)) return targetState(stats, settings).over > 0;
  if (settings.prefixDelegation) return stats.freePrefixes > settings.warmPrefixTarget;
  return false;
}

/**
 * Outside IP-target mode the warm target is counted in whole units: WARM_ENI_TARGET ENIs'
 * worth of addresses, or WARM_PREFIX_TARGET prefixes of 16 with prefix delegation.
 */
export function warmUnitAndTarget(settings: PoolSettings): { unit: number; target: number } {
  return settings.prefixDelegation
    ? { unit: PREFIX_SIZE, target: settings.warmPrefixTarget }
    : { unit: settings.maxIPsPerEni, target: settings.warmEniTarget };
}
