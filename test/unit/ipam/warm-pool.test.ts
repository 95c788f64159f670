import { describe, expect, it } from 'vitest';
import {
  chooseEniToFree as chooseEniToFreeWith,
  type EniUsage,
  isEniDeletable as isEniDeletableWith,
  MIN_ENI_LIFETIME_MS,
  shouldRemoveExtraEnis as shouldRemoveExtraEnisWith,
  statsWithout as statsWithoutIn,
} from '../../../src/ipam/warm-pool/eni-release.ts';
import {
  eniSlotsLeft,
  type GrowthInput,
  type IncreaseStep,
} from '../../../src/ipam/warm-pool/growth-plan.ts';
import { IpTarget } from '../../../src/ipam/warm-pool/ip-target.ts';
import { poolModeFor } from '../../../src/ipam/warm-pool/pool-mode.ts';
import type { PoolSettings, PoolStats } from '../../../src/ipam/warm-pool/pool-numbers.ts';
import { WarmPoolPolicy, warmTargetFor } from '../../../src/ipam/warm-pool/warm-pool-policy.ts';

/*
 * The warm-pool rules, pinned by the reference's own numbers. The reference's functions are
 * spelled out over the one policy object (src/ipam/warm-pool/), so each assertion reads as the
 * rule it checks.
 */
const policy = (s: PoolSettings) => new WarmPoolPolicy(s);
/** "Warm IP targets defined". */
const isIpTargetMode = (s: PoolSettings) => warmTargetFor(s) instanceof IpTarget;
/** `datastoreTargetState`: short and over in units; disabled outside IP-target mode. */
function targetState(st: PoolStats, s: PoolSettings) {
  const target = warmTargetFor(s);
  return target instanceof IpTarget
    ? { ...target.targetState(st), enabled: true }
    : { short: 0, over: 0, enabled: false };
}
/** `isDatastorePoolTooLow` / `isDatastorePoolTooHigh`. */
const isPoolTooLow = (st: PoolStats, s: PoolSettings) => policy(s).isTooLow(st);
const isPoolTooHigh = (st: PoolStats, s: PoolSettings) => policy(s).isTooHigh(st);
/** `getPrefixesNeeded` (PD) and the request on an existing ENI (`tryAssignIPs`). */
const prefixesNeeded = (st: PoolStats, s: PoolSettings) => policy(s).unitsWhenShort(st);
const wantedOnExistingEni = (st: PoolStats, s: PoolSettings) => policy(s).unitsWhenShort(st);
/** `GetENIResourcesToAllocate`. */
const newEniSize = (st: PoolStats, s: PoolSettings) => policy(s).newEniSize(st);
/** The decrease amount (`decreaseDatastorePool`). */
const amountToRelease = (st: PoolStats, s: PoolSettings) => policy(s).excess(st);
/** Reactive mode's demand, in units. */
const reactiveDemand = (st: PoolStats, s: PoolSettings, waiting: number) =>
  policy(s).demand(st, waiting);
/** A growth pass of the given pool mode. */
function planIncrease(
  input: Omit<GrowthInput, 'policy' | 'waitingAdds'> & {
    readonly settings: PoolSettings;
    readonly mode: 'interval' | 'reactive';
    readonly waitingAdds?: number;
  },
): IncreaseStep[] {
  const { settings: s, mode, waitingAdds, ...rest } = input;
  return poolModeFor(mode).planGrowth({
    ...rest,
    policy: policy(s),
    waitingAdds: waitingAdds ?? 0,
  });
}
const shouldRemoveExtraEnis = (st: PoolStats, s: PoolSettings, enis: readonly EniUsage[]) =>
  shouldRemoveExtraEnisWith(st, policy(s), enis);
const isEniDeletable = (
  eni: EniUsage,
  sums: Parameters<typeof isEniDeletableWith>[1],
  s: PoolSettings,
  now: number,
) => isEniDeletableWith(eni, sums, policy(s), now);
const statsWithout = (st: PoolStats, eni: EniUsage, s: PoolSettings) =>
  statsWithoutIn(st, eni, s.prefixDelegation);
const chooseEniToFree = (
  enis: readonly EniUsage[],
  s: PoolSettings,
  now: number,
  options?: Parameters<typeof chooseEniToFreeWith>[3],
) => chooseEniToFreeWith(enis, policy(s), now, options);

function stats(partial: Partial<PoolStats> = {}): PoolStats {
  return {
    totalIPs: 0,
    assignedIPs: 0,
    coolingIPs: 0,
    totalPrefixes: 0,
    freePrefixes: 0,
    ...partial,
  };
}

/** Secondary-IP mode defaults: WARM_ENI_TARGET=1, 14 addresses per ENI, no max-pods cap. */
function settings(partial: Partial<PoolSettings> = {}): PoolSettings {
  return {
    warmIpTarget: 0,
    minimumIpTarget: 0,
    warmEniTarget: 1,
    warmPrefixTarget: 0,
    prefixDelegation: false,
    maxIPsPerEni: 14,
    maxPrefixesPerEni: 0,
    maxPods: 1000,
    networkCard: 0,
    ...partial,
  };
}

/** PD mode on a 14-slot ENI: 14 prefixes = 224 addresses per ENI. */
function pdSettings(partial: Partial<PoolSettings> = {}): PoolSettings {
  return settings({
    prefixDelegation: true,
    maxIPsPerEni: 14 * 16,
    maxPrefixesPerEni: 14,
    ...partial,
  });
}

describe('IP-target mode', () => {
  it('is on when W or M is set, and always on cards > 0', () => {
    expect(isIpTargetMode(settings())).toBe(false);
    expect(isIpTargetMode(settings({ warmIpTarget: 1 }))).toBe(true);
    expect(isIpTargetMode(settings({ minimumIpTarget: 1 }))).toBe(true);
    expect(isIpTargetMode(settings({ networkCard: 1 }))).toBe(true);
  });
});

describe('datastoreTargetState (numbers pinned by the reference unit tests)', () => {
  it('W=5: empty → short 5 / over 0; 2 IPs → short 3; 5 IPs → 0/0', () => {
    const s = settings({ warmIpTarget: 5 });
    expect(targetState(stats(), s)).toEqual({ short: 5, over: 0, enabled: true });
    expect(targetState(stats({ totalIPs: 2 }), s)).toMatchObject({ short: 3, over: 0 });
    expect(targetState(stats({ totalIPs: 5 }), s)).toMatchObject({ short: 0, over: 0 });
  });

  it('is disabled without W and M on card 0', () => {
    expect(targetState(stats({ totalIPs: 50 }), settings())).toEqual({
      short: 0,
      over: 0,
      enabled: false,
    });
  });

  it('PD W=5: empty → short 1 prefix; two free prefixes → over 1; one free prefix → 0/0', () => {
    const s = pdSettings({ warmIpTarget: 5 });
    expect(targetState(stats(), s)).toEqual({ short: 1, over: 0, enabled: true });
    expect(
      targetState(stats({ totalIPs: 32, totalPrefixes: 2, freePrefixes: 2 }), s),
    ).toMatchObject({ short: 0, over: 1 });
    expect(
      targetState(stats({ totalIPs: 16, totalPrefixes: 1, freePrefixes: 1 }), s),
    ).toMatchObject({ short: 0, over: 0 });
  });

  it('TestDecreaseIPPool: 4 IPs, 2 assigned, W=1 → over 1, and 0 after releasing one', () => {
    const s = settings({ warmIpTarget: 1 });
    expect(targetState(stats({ totalIPs: 4, assignedIPs: 2 }), s).over).toBe(1);
    expect(targetState(stats({ totalIPs: 3, assignedIPs: 2 }), s).over).toBe(0);
  });

  it('M raises short to reach the floor and bounds over by it', () => {
    const s = settings({ warmIpTarget: 2, minimumIpTarget: 10 });
    expect(targetState(stats({ totalIPs: 4 }), s).short).toBe(6);
    expect(targetState(stats({ totalIPs: 12 }), s).over).toBe(2);
    expect(targetState(stats({ totalIPs: 11 }), s).over).toBe(1);
  });

  it('cooling addresses count as available', () => {
    const s = settings({ warmIpTarget: 2 });
    expect(targetState(stats({ totalIPs: 4, assignedIPs: 2, coolingIPs: 2 }), s)).toMatchObject({
      short: 0,
      over: 0,
    });
  });

  it('cards > 0 force W = M = 1 and skip the prefix conversion', () => {
    const s = pdSettings({ warmIpTarget: 40, networkCard: 1 });
    expect(targetState(stats(), s)).toEqual({ short: 1, over: 0, enabled: true });
    expect(
      targetState(stats({ totalIPs: 16, totalPrefixes: 1, freePrefixes: 1 }), s),
    ).toMatchObject({ short: 0, over: 15 });
  });

  it('PD over is bounded by W over assigned and by M, in prefixes', () => {
    const s = pdSettings({ warmIpTarget: 5, minimumIpTarget: 40 });
    // 4 free prefixes, 20 assigned: needW = ceil(25/16) = 2, needM = ceil(40/16) = 3 → over = min(4, 5−2, 5−3) = 2.
    const st = stats({ totalIPs: 80, assignedIPs: 20, totalPrefixes: 5, freePrefixes: 4 });
    expect(targetState(st, s).over).toBe(2);
  });
});

describe('isDatastorePoolTooLow (TestIPAMContext_nodeIPPoolTooLow table)', () => {
  const unit3 = (p: Partial<PoolSettings>) => settings({ maxIPsPerEni: 3, ...p });

  it.each([
    ['empty, E=1', stats(), settings(), true],
    ['empty, E=0', stats(), settings({ warmEniTarget: 0 }), true],
    ['empty, W=3', stats(), settings({ warmIpTarget: 3 }), true],
    ['3 free, W=1', stats({ totalIPs: 3 }), settings({ warmIpTarget: 1 }), false],
    ['1 used of 3, E=1 (unit 3)', stats({ totalIPs: 3, assignedIPs: 1 }), unit3({}), true],
    [
      '1 used of 3, E=0',
      stats({ totalIPs: 3, assignedIPs: 1 }),
      unit3({ warmEniTarget: 0 }),
      false,
    ],
    ['3 used of 3, E=0', stats({ totalIPs: 3, assignedIPs: 3 }), unit3({ warmEniTarget: 0 }), true],
    [
      '3 used of 3, maxPods 3',
      stats({ totalIPs: 3, assignedIPs: 3 }),
      unit3({ maxPods: 3 }),
      false,
    ],
  ])('%s → %s', (_label, st, s, low) => {
    expect(isPoolTooLow(st, s)).toBe(low);
  });

  it.each([
    [
      '1 free prefix, P=1',
      stats({ totalIPs: 16, totalPrefixes: 1, freePrefixes: 1 }),
      pdSettings({ warmPrefixTarget: 1 }),
      false,
    ],
    [
      '1 of 16 used, P=1',
      stats({ totalIPs: 16, assignedIPs: 1, totalPrefixes: 1 }),
      pdSettings({ warmPrefixTarget: 1 }),
      true,
    ],
    [
      '1 of 16 used, P=0',
      stats({ totalIPs: 16, assignedIPs: 1, totalPrefixes: 1 }),
      pdSettings({ warmPrefixTarget: 0 }),
      false,
    ],
    [
      'maxPods 4, 16 total',
      stats({ totalIPs: 16, assignedIPs: 16, totalPrefixes: 1 }),
      pdSettings({ warmPrefixTarget: 1, maxPods: 4 }),
      false,
    ],
  ])('PD: %s → %s', (_label, st, s, low) => {
    expect(isPoolTooLow(st, s)).toBe(low);
  });

  it('the max-pods cap compares total, not assigned, addresses', () => {
    expect(
      isPoolTooLow(
        stats({ totalIPs: 29, assignedIPs: 0 }),
        settings({ maxPods: 29, warmIpTarget: 100 }),
      ),
    ).toBe(false);
  });
});

describe('isDatastorePoolTooHigh', () => {
  it('IP-target mode: over > 0', () => {
    expect(
      isPoolTooHigh(stats({ totalIPs: 4, assignedIPs: 2 }), settings({ warmIpTarget: 1 })),
    ).toBe(true);
    expect(
      isPoolTooHigh(stats({ totalIPs: 3, assignedIPs: 2 }), settings({ warmIpTarget: 1 })),
    ).toBe(false);
  });

  it('PD without IP targets: free prefixes above P', () => {
    const s = pdSettings({ warmPrefixTarget: 1 });
    expect(isPoolTooHigh(stats({ totalPrefixes: 2, freePrefixes: 2, totalIPs: 32 }), s)).toBe(true);
    expect(isPoolTooHigh(stats({ totalPrefixes: 2, freePrefixes: 1, totalIPs: 32 }), s)).toBe(
      false,
    );
  });

  it('WARM_ENI mode never releases single addresses', () => {
    expect(isPoolTooHigh(stats({ totalIPs: 100 }), settings())).toBe(false);
  });
});

describe('sizes (getPrefixesNeeded, GetENIResourcesToAllocate, hasRoomForEni)', () => {
  it('getPrefixesNeeded: ≥1; short prefixes in IP-target mode; P − free otherwise', () => {
    expect(prefixesNeeded(stats(), pdSettings({ warmIpTarget: 40 }))).toBe(3);
    expect(
      prefixesNeeded(
        stats({ totalIPs: 16, totalPrefixes: 1, freePrefixes: 1 }),
        pdSettings({ warmIpTarget: 1 }),
      ),
    ).toBe(1);
    expect(prefixesNeeded(stats(), pdSettings({ warmPrefixTarget: 3 }))).toBe(3);
    expect(
      prefixesNeeded(
        stats({ totalPrefixes: 3, freePrefixes: 3, totalIPs: 48 }),
        pdSettings({ warmPrefixTarget: 3 }),
      ),
    ).toBe(1);
  });

  it('a new ENI: 14 IPs on maxIPs 14 by default; W=3 → 3 IPs; PD capped at max prefixes', () => {
    expect(newEniSize(stats(), settings())).toBe(14);
    expect(newEniSize(stats(), settings({ warmIpTarget: 3 }))).toBe(3);
    expect(newEniSize(stats(), settings({ warmIpTarget: 30 }))).toBe(14);
    expect(newEniSize(stats(), pdSettings({ warmPrefixTarget: 20 }))).toBe(14);
    expect(newEniSize(stats(), pdSettings({ warmPrefixTarget: 1 }))).toBe(1);
  });

  it('IP-target mode with nothing short asks for nothing on an existing ENI', () => {
    expect(wantedOnExistingEni(stats({ totalIPs: 5 }), settings({ warmIpTarget: 5 }))).toBe(0);
    expect(wantedOnExistingEni(stats(), settings())).toBe(14);
  });

  it('ENI slots: max − unmanaged − trunk reserve − existing, never negative', () => {
    expect(eniSlotsLeft({ enisInDatastore: 1, maxEni: 3, unmanagedEnis: 0, trunkReserve: 0 })).toBe(
      2,
    );
    expect(eniSlotsLeft({ enisInDatastore: 1, maxEni: 3, unmanagedEnis: 1, trunkReserve: 1 })).toBe(
      0,
    );
    expect(eniSlotsLeft({ enisInDatastore: 3, maxEni: 3, unmanagedEnis: 1, trunkReserve: 0 })).toBe(
      0,
    );
  });
});

describe('planIncrease, interval mode (the reference, one step per pass)', () => {
  const base = { newEniSlots: 2, mode: 'interval' as const };

  it('fills the first ENI with room in WARM_ENI mode', () => {
    const plan = planIncrease({
      ...base,
      stats: stats({ totalIPs: 14, assignedIPs: 14 }),
      settings: settings(),
      allocatableEnis: [
        { eniId: 'eni-a', usedSlots: 14 },
        { eniId: 'eni-b', usedSlots: 4 },
      ],
    });
    expect(plan).toEqual([{ kind: 'assign', eniId: 'eni-b', count: 10 }]);
  });

  it('TestTryAddIPToENI: W=3 with no ENI room → a new ENI with 3 IPs', () => {
    const plan = planIncrease({
      ...base,
      stats: stats(),
      settings: settings({ warmIpTarget: 3 }),
      allocatableEnis: [],
    });
    expect(plan).toEqual([{ kind: 'createEni', count: 3 }]);
  });

  it('asks an existing ENI for the shortfall only in IP-target mode', () => {
    const plan = planIncrease({
      ...base,
      stats: stats({ totalIPs: 2 }),
      settings: settings({ warmIpTarget: 5 }),
      allocatableEnis: [{ eniId: 'eni-a', usedSlots: 2 }],
    });
    expect(plan).toEqual([{ kind: 'assign', eniId: 'eni-a', count: 3 }]);
  });

  it('PD: asks for the missing prefixes on the first ENI', () => {
    const plan = planIncrease({
      ...base,
      stats: stats(),
      settings: pdSettings({ warmPrefixTarget: 2 }),
      allocatableEnis: [{ eniId: 'eni-a', usedSlots: 0 }],
    });
    expect(plan).toEqual([{ kind: 'assign', eniId: 'eni-a', count: 2 }]);
  });

  it('does nothing when the pool is not low, or when no ENI has room and none may be created', () => {
    expect(
      planIncrease({
        ...base,
        stats: stats({ totalIPs: 14 }),
        settings: settings(),
        allocatableEnis: [],
      }),
    ).toEqual([]);
    expect(
      planIncrease({
        ...base,
        newEniSlots: 0,
        stats: stats(),
        settings: settings(),
        allocatableEnis: [],
      }),
    ).toEqual([]);
  });
});

describe('planIncrease, reactive mode (waiting ADDs + warm target in one plan)', () => {
  // m5.large: 3 ENIs of 9 secondary addresses; max pods 29.
  const m5 = settings({ maxIPsPerEni: 9, maxPods: 29 });

  it('a burst of 29 ADDs on a cold m5.large fills the primary ENI and creates both others at once', () => {
    const plan = planIncrease({
      stats: stats(),
      settings: m5,
      allocatableEnis: [{ eniId: 'eni-primary', usedSlots: 0 }],
      newEniSlots: 2,
      mode: 'reactive',
      waitingAdds: 29,
    });
    expect(plan).toEqual([
      { kind: 'assign', eniId: 'eni-primary', count: 9 },
      { kind: 'createEni', count: 9 },
      { kind: 'createEni', count: 9 },
    ]);
  });

  it('demand is waiting ADDs plus the warm target minus what is free, capped by max pods', () => {
    expect(reactiveDemand(stats({ totalIPs: 9, assignedIPs: 9 }), m5, 0)).toBe(9);
    expect(reactiveDemand(stats({ totalIPs: 9, assignedIPs: 5 }), m5, 3)).toBe(8);
    expect(reactiveDemand(stats(), m5, 100)).toBe(29);
    expect(reactiveDemand(stats({ totalIPs: 29 }), m5, 5)).toBe(0);
  });

  it('IP-target mode asks for exactly what is missing, across ENIs', () => {
    const plan = planIncrease({
      stats: stats({ totalIPs: 2, assignedIPs: 2 }),
      settings: settings({ maxIPsPerEni: 9, warmIpTarget: 2 }),
      allocatableEnis: [{ eniId: 'eni-a', usedSlots: 7 }],
      newEniSlots: 2,
      mode: 'reactive',
      waitingAdds: 4,
    });
    expect(plan).toEqual([
      { kind: 'assign', eniId: 'eni-a', count: 2 },
      { kind: 'createEni', count: 4 },
    ]);
  });

  it('M without W still grows for waiting ADDs (the reference freezes at M)', () => {
    const s = settings({ minimumIpTarget: 10 });
    expect(reactiveDemand(stats({ totalIPs: 10, assignedIPs: 10 }), s, 3)).toBe(3);
    expect(isPoolTooLow(stats({ totalIPs: 10, assignedIPs: 10 }), s)).toBe(false);
  });

  it('PD: converts the demand to prefixes and keeps WARM_PREFIX_TARGET free', () => {
    const s = pdSettings({ warmPrefixTarget: 1 });
    expect(reactiveDemand(stats(), s, 20)).toBe(3); // ceil((20 + 16) / 16)
    expect(reactiveDemand(stats({ totalIPs: 16, totalPrefixes: 1, freePrefixes: 1 }), s, 0)).toBe(
      0,
    );
    expect(reactiveDemand(stats({ totalIPs: 16, assignedIPs: 1, totalPrefixes: 1 }), s, 0)).toBe(1);
  });

  it('waiting ADDs need addresses that are assignable now, not ones still cooling', () => {
    // 18 free but all cooling: the warm target is met, the waiting ADD is not.
    const cooling = stats({ totalIPs: 18, coolingIPs: 18 });
    expect(reactiveDemand(cooling, settings({ maxIPsPerEni: 9, maxPods: 29 }), 1)).toBe(1);
    expect(reactiveDemand(cooling, settings({ maxIPsPerEni: 9, maxPods: 29 }), 0)).toBe(0);
    expect(
      reactiveDemand(
        stats({ totalIPs: 18, coolingIPs: 17 }),
        settings({ maxIPsPerEni: 9, maxPods: 29 }),
        1,
      ),
    ).toBe(0);
  });

  it('target 0 still keeps one address free when nothing is free', () => {
    expect(
      reactiveDemand(
        stats({ totalIPs: 9, assignedIPs: 9 }),
        settings({ warmEniTarget: 0, maxIPsPerEni: 9 }),
        0,
      ),
    ).toBe(1);
    expect(
      reactiveDemand(
        stats({ totalIPs: 9, assignedIPs: 8 }),
        settings({ warmEniTarget: 0, maxIPsPerEni: 9 }),
        0,
      ),
    ).toBe(0);
  });

  it('never plans more ENIs than the card may create', () => {
    const plan = planIncrease({
      stats: stats(),
      settings: m5,
      allocatableEnis: [],
      newEniSlots: 1,
      mode: 'reactive',
      waitingAdds: 29,
    });
    expect(plan).toEqual([{ kind: 'createEni', count: 9 }]);
  });
});

describe('decrease (decreaseDatastorePool)', () => {
  it('over in IP-target mode, free prefixes above P in PD, nothing in WARM_ENI mode', () => {
    expect(
      amountToRelease(stats({ totalIPs: 4, assignedIPs: 2 }), settings({ warmIpTarget: 1 })),
    ).toBe(1);
    expect(
      amountToRelease(
        stats({ totalPrefixes: 4, freePrefixes: 3, totalIPs: 64 }),
        pdSettings({ warmPrefixTarget: 1 }),
      ),
    ).toBe(2);
    expect(amountToRelease(stats({ totalIPs: 100 }), settings())).toBe(0);
  });
});

describe('ENI release (shouldRemoveExtraENIs, RemoveUnusedENIFromStore)', () => {
  const now = 1_000_000;
  function eni(partial: Partial<EniUsage>): EniUsage {
    return {
      eniId: 'eni-x',
      deviceNumber: 1,
      isPrimary: false,
      isTrunk: false,
      isEfa: false,
      excluded: false,
      draining: false,
      addedAt: now - MIN_ENI_LIFETIME_MS,
      totalIPs: 14,
      assignedIPs: 0,
      coolingIPs: 0,
      zeroAssignedCidrs: 14,
      ...partial,
    };
  }
  const primary = eni({
    eniId: 'eni-p',
    deviceNumber: 0,
    isPrimary: true,
    assignedIPs: 3,
    zeroAssignedCidrs: 11,
  });

  it('shouldRemoveExtraENIs: WARM_ENI needs (E + 1) ENIs worth free', () => {
    expect(shouldRemoveExtraEnis(stats({ totalIPs: 28 }), settings(), [])).toBe(true);
    expect(shouldRemoveExtraEnis(stats({ totalIPs: 28, assignedIPs: 1 }), settings(), [])).toBe(
      false,
    );
    expect(shouldRemoveExtraEnis(stats(), settings({ warmIpTarget: 1 }), [])).toBe(true);
    expect(shouldRemoveExtraEnis(stats(), settings({ networkCard: 1 }), [])).toBe(true);
  });

  it('shouldRemoveExtraENIs in PD: whole-ENI capacity free, or any empty ordinary ENI', () => {
    const s = pdSettings({ warmPrefixTarget: 1 });
    expect(shouldRemoveExtraEnis(stats({ totalIPs: 448 }), s, [])).toBe(true);
    expect(shouldRemoveExtraEnis(stats({ totalIPs: 32 }), s, [primary])).toBe(false);
    expect(shouldRemoveExtraEnis(stats({ totalIPs: 32 }), s, [primary, eni({})])).toBe(true);
    expect(
      shouldRemoveExtraEnis(stats({ totalIPs: 32 }), s, [primary, eni({ isTrunk: true })]),
    ).toBe(false);
  });

  const sums = (list: EniUsage[]) => ({
    totalIPs: list.filter((e) => !e.excluded).reduce((n, e) => n + e.totalIPs, 0),
    assignedIPs: list.filter((e) => !e.excluded).reduce((n, e) => n + e.assignedIPs, 0),
    zeroAssignedCidrs: list.filter((e) => !e.excluded).reduce((n, e) => n + e.zeroAssignedCidrs, 0),
  });

  it.each([
    ['1. the primary ENI', eni({ isPrimary: true })],
    ['2. younger than 60 s', eni({ addedAt: now - MIN_ENI_LIFETIME_MS + 1 })],
    ['3. an address in cooldown', eni({ coolingIPs: 1 })],
    ['4. an assigned address', eni({ assignedIPs: 1, zeroAssignedCidrs: 13 })],
    ['8. the trunk ENI', eni({ isTrunk: true })],
    ['9. an EFA ENI', eni({ isEfa: true })],
  ])('condition %s blocks freeing', (_label, candidate) => {
    expect(isEniDeletable(candidate, sums([primary, candidate]), settings(), now)).toBe(false);
  });

  it('an empty, old, ordinary ENI qualifies in WARM_ENI mode', () => {
    const candidate = eni({});
    expect(isEniDeletable(candidate, sums([primary, candidate]), settings(), now)).toBe(true);
  });

  it('5. W: the other ENIs must keep W free addresses', () => {
    const candidate = eni({});
    // The primary has 11 free: W=11 passes, W=12 does not.
    expect(
      isEniDeletable(candidate, sums([primary, candidate]), settings({ warmIpTarget: 11 }), now),
    ).toBe(true);
    expect(
      isEniDeletable(candidate, sums([primary, candidate]), settings({ warmIpTarget: 12 }), now),
    ).toBe(false);
  });

  it('6. M: the other ENIs must keep M addresses in total', () => {
    const candidate = eni({});
    expect(
      isEniDeletable(candidate, sums([primary, candidate]), settings({ minimumIpTarget: 14 }), now),
    ).toBe(true);
    expect(
      isEniDeletable(candidate, sums([primary, candidate]), settings({ minimumIpTarget: 15 }), now),
    ).toBe(false);
  });

  it('5–6 in PD round W and M up to whole prefixes', () => {
    const pdPrimary = eni({
      eniId: 'eni-p',
      isPrimary: true,
      deviceNumber: 0,
      totalIPs: 32,
      assignedIPs: 17,
      zeroAssignedCidrs: 0,
    });
    const candidate = eni({ totalIPs: 16, zeroAssignedCidrs: 1 });
    // Others have 15 free; W=1 rounds to 16 → blocked.
    expect(
      isEniDeletable(candidate, sums([pdPrimary, candidate]), pdSettings({ warmIpTarget: 1 }), now),
    ).toBe(false);
  });

  it('7. PD with P: the other ENIs must keep P empty prefixes', () => {
    const pdPrimary = eni({
      eniId: 'eni-p',
      isPrimary: true,
      deviceNumber: 0,
      totalIPs: 32,
      assignedIPs: 1,
      zeroAssignedCidrs: 1,
    });
    const candidate = eni({ totalIPs: 16, zeroAssignedCidrs: 1 });
    expect(
      isEniDeletable(
        candidate,
        sums([pdPrimary, candidate]),
        pdSettings({ warmPrefixTarget: 1 }),
        now,
      ),
    ).toBe(true);
    expect(
      isEniDeletable(
        candidate,
        sums([pdPrimary, candidate]),
        pdSettings({ warmPrefixTarget: 2 }),
        now,
      ),
    ).toBe(false);
  });

  it('cards > 0 keep one free and one total address on the other ENIs', () => {
    const candidate = eni({});
    const full = eni({
      eniId: 'eni-p',
      isPrimary: true,
      deviceNumber: 0,
      totalIPs: 1,
      assignedIPs: 1,
      zeroAssignedCidrs: 0,
    });
    expect(
      isEniDeletable(candidate, sums([full, candidate]), settings({ networkCard: 1 }), now),
    ).toBe(false);
  });

  it('an excluded ENI is not protected, and its addresses do not count for the others', () => {
    const excluded = eni({ eniId: 'eni-ex', excluded: true, deviceNumber: 2 });
    const candidate = eni({ eniId: 'eni-c', deviceNumber: 1 });
    const list = [primary, candidate, excluded];
    expect(isEniDeletable(excluded, sums(list), settings({ warmIpTarget: 11 }), now)).toBe(true);
    expect(isEniDeletable(candidate, sums(list), settings({ warmIpTarget: 12 }), now)).toBe(false);
  });

  it('reactive mode keeps an ENI whose removal would make the pool too low again (no attach/free cycle)', () => {
    // WARM_ENI_TARGET=0, pods exactly fill the primary: freeing the empty ENI leaves 0 available,
    // which is "too low" and would attach an ENI again on the next pass.
    const s = settings({ warmEniTarget: 0 });
    const full = eni({
      eniId: 'eni-p',
      isPrimary: true,
      deviceNumber: 0,
      assignedIPs: 14,
      zeroAssignedCidrs: 0,
    });
    const spare = eni({ eniId: 'eni-1', deviceNumber: 1 });
    const st = stats({ totalIPs: 28, assignedIPs: 14 });
    expect(shouldRemoveExtraEnis(st, s, [full, spare])).toBe(true);
    expect(chooseEniToFree([full, spare], s, now)?.eniId).toBe('eni-1');
    expect(
      chooseEniToFree([full, spare], s, now, { keepPoolAboveLow: { stats: st } }),
    ).toBeUndefined();
    // With room to spare on the primary it may go.
    const roomy = eni({
      eniId: 'eni-p',
      isPrimary: true,
      deviceNumber: 0,
      assignedIPs: 10,
      zeroAssignedCidrs: 4,
    });
    expect(
      chooseEniToFree([roomy, spare], s, now, {
        keepPoolAboveLow: { stats: stats({ totalIPs: 28, assignedIPs: 10 }) },
      })?.eniId,
    ).toBe('eni-1');
  });

  it('statsWithout removes the ENI from totals (and its prefixes in PD)', () => {
    const pd = pdSettings({ warmPrefixTarget: 1 });
    const candidate = eni({ totalIPs: 32, zeroAssignedCidrs: 2 });
    expect(
      statsWithout(
        stats({ totalIPs: 64, assignedIPs: 3, totalPrefixes: 4, freePrefixes: 3 }),
        candidate,
        pd,
      ),
    ).toEqual({
      totalIPs: 32,
      assignedIPs: 3,
      coolingIPs: 0,
      totalPrefixes: 2,
      freePrefixes: 1,
    });
  });

  it('chooses the qualifying ENI attached last, or none', () => {
    const list = [
      primary,
      eni({ eniId: 'eni-1', deviceNumber: 1 }),
      eni({ eniId: 'eni-2', deviceNumber: 2 }),
      eni({ eniId: 'eni-3', deviceNumber: 3, assignedIPs: 1 }),
    ];
    expect(chooseEniToFree(list, settings(), now)?.eniId).toBe('eni-2');
    expect(chooseEniToFree([primary], settings(), now)).toBeUndefined();
  });

  it('an empty draining ENI (no longer its ENIConfig) is looked for and freed first', () => {
    const draining = eni({ eniId: 'eni-old', deviceNumber: 1, excluded: true, draining: true });
    const spare = eni({ eniId: 'eni-2', deviceNumber: 2 });
    // WARM_ENI_TARGET=1 with one ENI's worth free: no reason to free by the target alone.
    const st = stats({ totalIPs: 28, assignedIPs: 14 });
    expect(shouldRemoveExtraEnis(st, settings(), [primary, spare])).toBe(false);
    expect(shouldRemoveExtraEnis(st, settings(), [primary, spare, draining])).toBe(true);
    expect(chooseEniToFree([primary, draining, spare], settings(), now)?.eniId).toBe('eni-old');
    // Its addresses are not in the numbers, so freeing it never makes the pool too low.
    expect(
      chooseEniToFree([primary, draining], settings(), now, {
        keepPoolAboveLow: { stats: stats({ totalIPs: 14, assignedIPs: 3 }) },
      })?.eniId,
    ).toBe('eni-old');
    // Still not before its pods and cooling addresses are gone.
    const busy = eni({ ...draining, assignedIPs: 1 });
    expect(shouldRemoveExtraEnis(st, settings(), [primary, spare, busy])).toBe(false);
  });
});
