import { PREFIX_SIZE } from './instance-limits.ts';
import {
  available,
  cardTargets,
  isIpTargetMode,
  isPoolTooLow,
  type PoolSettings,
  type PoolStats,
  targetState,
  warmUnitAndTarget,
} from './pool-targets.ts';

/**
 * How the pool grows (spec/ipamd.md §4.7), as a plan of EC2 steps computed from one card's stats.
 * `interval` reproduces the reference exactly: at most one step per pass (fill the first ENI with
 * room, else create one ENI). `reactive` (ours) covers the whole demand — waiting ADDs plus the
 * warm target — in one plan, capped by ENI, per-ENI and max-pods limits.
 */

/** `getPrefixesNeeded`: prefixes to ask for in PD mode. */
export function prefixesNeeded(stats: PoolStats, settings: PoolSettings): number {
  if (isIpTargetMode(settings)) return Math.max(1, targetState(stats, settings).short);
  return Math.max(1, Math.max(settings.warmPrefixTarget - stats.freePrefixes, 0));
}

/**
 * `GetENIResourcesToAllocate`: how many secondary addresses (or prefixes in PD mode) a new ENI is
 * created with. 0 means no ENI is created.
 */
export function newEniSize(stats: PoolStats, settings: PoolSettings): number {
  if (settings.prefixDelegation) {
    return Math.min(prefixesNeeded(stats, settings), settings.maxPrefixesPerEni);
  }
  if (isIpTargetMode(settings)) {
    return Math.min(targetState(stats, settings).short, settings.maxIPsPerEni);
  }
  return settings.maxIPsPerEni;
}

/**
 * How much `tryAssignIPs` / `tryAssignPrefixes` wants on an existing ENI before the per-ENI room
 * cap: the whole ENI in WARM_ENI mode, the shortfall in IP-target mode, prefixes needed in PD.
 */
export function wantedOnExistingEni(stats: PoolStats, settings: PoolSettings): number {
  if (settings.prefixDelegation) return prefixesNeeded(stats, settings);
  if (isIpTargetMode(settings)) return targetState(stats, settings).short;
  return settings.maxIPsPerEni;
}

/** Secondary-address or prefix slots one ENI offers in the current mode (IPv4Limit − 1). */
export function slotsPerEni(settings: PoolSettings): number {
  return settings.prefixDelegation ? settings.maxPrefixesPerEni : settings.maxIPsPerEni;
}

export interface EniRoomInput {
  /** Datastore ENIs in the current ENI count (excluded ENIs included: they cancel out, §4.7). */
  readonly enisInDatastore: number;
  /** Max ENIs on the card (MAX_ENI applied). */
  readonly maxEni: number;
  /** Attached ENIs of the card that ipamd does not manage. */
  readonly unmanagedEnis: number;
  /** 1 when a slot must stay free for the trunk ENI of security groups for pods. */
  readonly trunkReserve: number;
}

/** How many more ENIs the card may create (0 = `hasRoomForEni` is false). */
export function eniSlotsLeft(input: EniRoomInput): number {
  return Math.max(
    0,
    input.maxEni - input.unmanagedEnis - input.trunkReserve - input.enisInDatastore,
  );
}

/** An ENI that can take more addresses: `GetAllocatableENIs` in the caller's preference order. */
export interface AllocatableEni {
  readonly eniId: string;
  /** Secondary /32s plus /28 prefixes already on the ENI (both share EC2's per-ENI limit). */
  readonly usedSlots: number;
}

export type IncreaseStep =
  | { readonly kind: 'assign'; readonly eniId: string; readonly count: number }
  | { readonly kind: 'createEni'; readonly count: number };

export interface IncreaseInput {
  readonly stats: PoolStats;
  readonly settings: PoolSettings;
  readonly allocatableEnis: readonly AllocatableEni[];
  /** ENIs the card may still create (see `eniSlotsLeft`). */
  readonly newEniSlots: number;
  readonly mode: 'interval' | 'reactive';
  /** ADDs waiting for an address right now (reactive mode only). */
  readonly waitingAdds?: number;
}

/** The EC2 steps that grow the pool now; empty when it needs nothing (or cannot grow). */
export function planIncrease(input: IncreaseInput): IncreaseStep[] {
  return input.mode === 'interval' ? planIntervalIncrease(input) : planReactiveIncrease(input);
}

function planIntervalIncrease(input: IncreaseInput): IncreaseStep[] {
  const { stats, settings } = input;
  if (!isPoolTooLow(stats, settings)) return [];
  const perEni = slotsPerEni(settings);
  const wanted = wantedOnExistingEni(stats, settings);
  const first = input.allocatableEnis.find((eni) => eni.usedSlots < perEni);
  if (first && wanted > 0) {
    return [
      { kind: 'assign', eniId: first.eniId, count: Math.min(perEni - first.usedSlots, wanted) },
    ];
  }
  // The reference only creates an ENI when nothing was added to an existing one.
  if (input.newEniSlots > 0) {
    const size = newEniSize(stats, settings);
    if (size > 0) return [{ kind: 'createEni', count: size }];
  }
  return [];
}

/**
 * Units (addresses, or prefixes in PD mode) the card needs now to serve the waiting ADDs and be
 * back at its warm target, capped so the card's total never passes max pods.
 */
export function reactiveDemand(
  stats: PoolStats,
  settings: PoolSettings,
  waitingAdds: number,
): number {
  const headroom = settings.maxPods - stats.totalIPs;
  if (headroom <= 0) return 0;
  const free = available(stats);
  let addresses: number;
  if (isIpTargetMode(settings)) {
    const { warmIp, minimumIp } = cardTargets(settings);
    // Waiting ADDs count on top of W; unlike the reference, M without W no longer freezes growth
    // while pods are waiting (docs/compat.md).
    addresses = Math.max(warmIp + waitingAdds - free, minimumIp - stats.totalIPs, 0);
  } else {
    const { unit, target } = warmUnitAndTarget(settings);
    addresses = Math.max(waitingAdds + unit * target - free, 0);
    // Target 0 still keeps one address free (the reference's "target == 0 and available == 0").
    if (target === 0 && free === 0 && addresses === 0) addresses = 1;
  }
  // Cooling addresses count as available for the warm target, but a waiting ADD can only take one
  // that is assignable now.
  addresses = Math.max(addresses, waitingAdds - (free - stats.coolingIPs));
  addresses = Math.min(addresses, headroom);
  if (!settings.prefixDelegation) return addresses;
  const prefixes = Math.ceil(addresses / PREFIX_SIZE);
  if (isIpTargetMode(settings)) return prefixes;
  const warmPrefixesMissing = Math.max(settings.warmPrefixTarget - stats.freePrefixes, 0);
  return Math.min(Math.max(prefixes, warmPrefixesMissing), Math.ceil(headroom / PREFIX_SIZE));
}

function planReactiveIncrease(input: IncreaseInput): IncreaseStep[] {
  const { stats, settings } = input;
  let remaining = reactiveDemand(stats, settings, input.waitingAdds ?? 0);
  if (remaining <= 0) return [];
  // WARM_ENI mode fills whole ENIs per request (that is what the setting asks for); the other
  // modes ask for exactly what is missing.
  const fillWholeEnis = !settings.prefixDelegation && !isIpTargetMode(settings);
  const perEni = slotsPerEni(settings);
  const steps: IncreaseStep[] = [];
  for (const eni of input.allocatableEnis) {
    if (remaining <= 0) break;
    const room = perEni - eni.usedSlots;
    if (room <= 0) continue;
    const count = fillWholeEnis ? room : Math.min(room, remaining);
    steps.push({ kind: 'assign', eniId: eni.eniId, count });
    remaining -= count;
  }
  for (let created = 0; created < input.newEniSlots && remaining > 0; created++) {
    const count = fillWholeEnis ? perEni : Math.min(perEni, remaining);
    steps.push({ kind: 'createEni', count });
    remaining -= count;
  }
  return steps;
}
