import type { PoolStats } from './pool-numbers.ts';
import type { WarmPoolPolicy } from './warm-pool-policy.ts';

/**
 * How the pool grows (the reference's increaseDatastorePool), as a plan of EC2 steps computed
 * from one card's numbers by the pool mode's planner (pool-mode.ts).
 */

export interface EniRoomInput {
  /** Datastore ENIs in the current ENI count (excluded ENIs included: they cancel out). */
  readonly enisInDatastore: number;
  /** Max ENIs on the card (MAX_ENI applied). */
  readonly maxEni: number;
  /** Attached ENIs of the card that ipamd does not manage. */
  readonly unmanagedEnis: number;
  /** 1 when a slot must stay free for the trunk ENI of security groups for pods. */
  readonly trunkReserve: number;
}

/** How many more ENIs the card may create (0 = the reference's `hasRoomForEni` is false). */
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

export interface GrowthInput {
  readonly stats: PoolStats;
  readonly policy: WarmPoolPolicy;
  readonly allocatableEnis: readonly AllocatableEni[];
  /** ENIs the card may still create (see `eniSlotsLeft`). */
  readonly newEniSlots: number;
  /** ADDs waiting for an address right now (reactive mode only). */
  readonly waitingAdds: number;
}

/**
 * The reference: when the pool is too low, one step per pass — fill the first ENI with room,
 * and only when none has room, create one ENI.
 */
export function planOneStep(input: GrowthInput): IncreaseStep[] {
  const { stats, policy } = input;
  if (!policy.isTooLow(stats)) return [];
  const perEni = policy.slotsPerEni;
  const wanted = policy.unitsWhenShort(stats);
  const first = input.allocatableEnis.find((eni) => eni.usedSlots < perEni);
  if (first && wanted > 0) {
    return [
      { kind: 'assign', eniId: first.eniId, count: Math.min(perEni - first.usedSlots, wanted) },
    ];
  }
  if (input.newEniSlots > 0) {
    const size = policy.newEniSize(stats);
    if (size > 0) return [{ kind: 'createEni', count: size }];
  }
  return [];
}

/**
 * Ours: the whole demand — waiting ADDs plus the target — in one plan across ENIs, capped by the
 * ENI, per-ENI and max-pods limits. A target counted in whole ENIs fills whole ENIs.
 */
export function planWholeDemand(input: GrowthInput): IncreaseStep[] {
  const { stats, policy } = input;
  let remaining = policy.demand(stats, input.waitingAdds);
  if (remaining <= 0) return [];
  const fillWholeEnis = policy.target.fillsWholeEnis;
  const perEni = policy.slotsPerEni;
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
