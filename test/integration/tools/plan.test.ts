import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observe/logger.ts';
import type { PlanResult } from '../../../src/tools/plan/plan-result.ts';
import { type PlanOutcome, runPlan } from '../../../src/tools/plan/run-plan.ts';

/**
 * `vpc-ipamd plan` rows derived by hand from the reference's rules, each asserted in both pool
 * modes: the reactive pool (ours) must settle exactly where the reference's interval loop does.
 *
 * Notation: E = WARM_ENI_TARGET, W = WARM_IP_TARGET, M = MINIMUM_IP_TARGET, P = WARM_PREFIX_TARGET,
 * avail = total − assigned (cooling counts as available). Limits (misc/eni-max-pods.txt): m5.large
 * 3 ENIs × (10 − 1) = 9 IPs, max pods 29; t3.small 3 × 3, max pods 11; p3dn.24xlarge 15 × 49, max
 * pods 737; PD: 16 per prefix, 9 or 49 prefixes per ENI, default max pods 110 (≤ 30 vCPUs) or 250
 * (the max-pods calculator). "Low" is isDatastorePoolTooLow, "over"
 * datastoreTargetState, ENI removal RemoveUnusedENIFromStore.
 */

type Mode = 'reactive' | 'interval';

async function plan(
  mode: Mode,
  instanceType: string,
  pods: number,
  env: Record<string, string> = {},
  maxPods?: number,
): Promise<PlanOutcome> {
  return runPlan({
    instanceType,
    pods,
    env: { ...env, WARM_POOL_MODE: mode },
    logger: silentLogger(),
    ...(maxPods !== undefined ? { maxPods } : {}),
  });
}

function expected(
  ipsPerEni: number[],
  assigned: number,
  failedPods = 0,
  prefixesPerEni?: number[],
): PlanResult {
  const ips = ipsPerEni.reduce((a, b) => a + b, 0);
  const prefixes = prefixesPerEni ?? ipsPerEni.map(() => 0);
  return {
    enis: ipsPerEni.length,
    ips,
    prefixes: prefixes.reduce((a, b) => a + b, 0),
    ipsPerEni,
    prefixesPerEni: prefixes,
    unusedIps: ips - assigned,
    failedPods,
  };
}

describe.each<Mode>(['reactive', 'interval'])('plan rows (%s pool)', (mode) => {
  describe('m5.large, WARM_ENI_TARGET=1 (default)', () => {
    it('0 pods: one ENI filled', async () => {
      // Empty: avail 0 < 9 × E = 9 → low; tryAssignIPs fills the primary ENI (toAllocate =
      // maxIPsPerENI = 9). avail 9: not low; removal needs avail ≥ (E+1) × 9 = 18 → no.
      const { result, unsettled } = await plan(mode, 'm5.large', 0);
      expect(result).toEqual(expected([9], 0));
      expect(unsettled).toEqual([]);
    });

    it('5 pods: a second ENI from the first pod on', async () => {
      // 1 pod: avail 8 < 9 → low; primary full → new ENI with 9. avail 17 ≥ 9; 17 < 18 keeps it.
      // 5 pods: avail 13, neither low nor removable.
      const { result } = await plan(mode, 'm5.large', 5);
      expect(result).toEqual(expected([9, 9], 5));
    });

    it('10 pods: the third ENI', async () => {
      // 10 pods: avail 18 − 10 = 8 < 9 → third ENI with 9: total 27, avail 17.
      const { result } = await plan(mode, 'm5.large', 10);
      expect(result).toEqual(expected([9, 9, 9], 10));
    });

    it('20 pods: no fourth ENI (ENI limit 3)', async () => {
      // avail 7 < 9 → low, but every ENI is full and hasRoomForEni is false: stays at 27.
      const { result } = await plan(mode, 'm5.large', 20);
      expect(result).toEqual(expected([9, 9, 9], 20));
    });

    it('30 pods: filled beyond capacity, 3 pods get no address', async () => {
      // Capacity 3 × 9 = 27 (< max pods 29): pods 28–30 fail, even after kubelet's retry.
      const { result } = await plan(mode, 'm5.large', 30);
      expect(result).toEqual(expected([9, 9, 9], 27, 3));
    });

    it('MAX_ENI=2, 20 pods: two ENIs, 2 pods get no address', async () => {
      // maxENI = min(2, 3) = 2 → capacity 18.
      const { result } = await plan(mode, 'm5.large', 20, { MAX_ENI: '2' });
      expect(result).toEqual(expected([9, 9], 18, 2));
    });
  });

  describe('t3.small, WARM_IP_TARGET=5', () => {
    it('0 pods: 3 on the primary, 2 on a second ENI', async () => {
      // short = W − avail = 5 → primary gets min(3, 5) = 3; short 2 → primary full → new ENI
      // with min(short, 3) = 2. over = min(5 − 5, 5 − 0) = 0. Freeing ENI 1 would leave the
      // primary's 3 free < W = 5 → kept.
      const { result } = await plan(mode, 't3.small', 0, { WARM_IP_TARGET: '5' });
      expect(result).toEqual(expected([3, 2], 0));
    });

    it('1 pod: the second ENI grows by one', async () => {
      // avail 4 → short 1 → first ENI with room (ENI 1, 2 of 3) gets 1: [3, 3], avail 5.
      const { result } = await plan(mode, 't3.small', 1, { WARM_IP_TARGET: '5' });
      expect(result).toEqual(expected([3, 3], 1));
    });

    it('2 pods: a third ENI with one address', async () => {
      // avail 4 → short 1 → both ENIs full → new ENI with min(1, 3) = 1: [3, 3, 1], avail 5.
      const { result } = await plan(mode, 't3.small', 2, { WARM_IP_TARGET: '5' });
      expect(result).toEqual(expected([3, 3, 1], 2));
    });

    it('5 pods: full node, only 4 warm', async () => {
      // 3 pods → [3,3,2], 4 pods → [3,3,3] (avail 5); 5 pods: avail 4, short 1, no room left.
      const { result } = await plan(mode, 't3.small', 5, { WARM_IP_TARGET: '5' });
      expect(result).toEqual(expected([3, 3, 3], 5));
    });

    it('10 pods: 9 placed, 1 without an address', async () => {
      const { result } = await plan(mode, 't3.small', 10, { WARM_IP_TARGET: '5' });
      expect(result).toEqual(expected([3, 3, 3], 9, 1));
    });

    it('with MINIMUM_IP_TARGET=10, 0 pods: the whole node', async () => {
      // short = max(W − 0, M − 0) = 10 → 3 on the primary, then ENIs of min(7, 3) = 3 and
      // min(4, 3) = 3; short 1 is left but there is no room (9 < max pods 11). over =
      // max(min(9 − 5, 9 − 10), 0) = 0; no ENI is freeable (others' total 6 < M).
      const { result } = await plan(mode, 't3.small', 0, {
        WARM_IP_TARGET: '5',
        MINIMUM_IP_TARGET: '10',
      });
      expect(result).toEqual(expected([3, 3, 3], 0));
    });
  });

  describe('m5.large, MINIMUM_IP_TARGET=10 alone', () => {
    it('0 pods: 9 on the primary and 1 on a second ENI', async () => {
      // short = max(0 − 0, 10 − 0) = 10 → primary min(9, 10) = 9; short 1 → new ENI with 1.
      // Freeing ENI 1 would leave 9 < M → kept.
      const { result } = await plan(mode, 'm5.large', 0, { MINIMUM_IP_TARGET: '10' });
      expect(result).toEqual(expected([9, 1], 0));
    });
  });

  describe('t3.small, prefix delegation, WARM_PREFIX_TARGET=1, max pods by default', () => {
    it('58 pods: 2 ENIs, 5 prefixes (max pods 110, not 11)', async () => {
      // The calculator: 3 ENIs × 3 × 16 + 2 = 146, capped at 110 (2 vCPUs). 58 pods use 4
      // prefixes (the 4th holds 10): avail 6 < 16 and no free prefix → a 5th. The primary holds
      // 3, the second ENI 2: 80 addresses, 22 unused.
      const outcome = await plan(mode, 't3.small', 58, {
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_PREFIX_TARGET: '1',
      });
      expect(outcome.maxPods).toBe(110);
      expect(outcome.result).toEqual(expected([48, 32], 58, 0, [3, 2]));
    });
  });

  describe('m5.large, prefix delegation, WARM_PREFIX_TARGET=1', () => {
    const PD = { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' };

    it('0 pods: one prefix', async () => {
      // avail 0 < 16 × P → low; prefixes needed = max(1, P − free 0) = 1 → primary gets 1.
      // free prefixes 1 = P: not too high; no empty secondary ENI to free.
      const { result } = await plan(mode, 'm5.large', 0, PD);
      expect(result).toEqual(expected([16], 0, 0, [1]));
    });

    it('1 pod: a second prefix, then the max-pods cap', async () => {
      // avail 15 < 16 → 1 more prefix: 32 addresses.
      const { result } = await plan(mode, 'm5.large', 1, PD);
      expect(result).toEqual(expected([32], 1, 0, [2]));
    });

    it('20 pods: still 2 prefixes, since total 32 ≥ max pods 29 stops growth', async () => {
      // From pod 17 avail < 16, but isDatastorePoolTooLow's cap (total ≥ maxPods → not low) wins.
      // (29 given as kubelet's --max-pods: the default with prefixes is the calculator's 110.)
      const { result } = await plan(mode, 'm5.large', 20, PD, 29);
      expect(result).toEqual(expected([32], 20, 0, [2]));
    });

    it('20 pods with max pods 110: a third prefix at pod 17', async () => {
      // Pod 17: avail 15 < 16 → 48 addresses; at 20 pods 28 unused.
      const { result } = await plan(mode, 'm5.large', 20, PD, 110);
      expect(result).toEqual(expected([48], 20, 0, [3]));
    });

    it('33 pods: 32 placed, 1 without an address', async () => {
      const { result } = await plan(mode, 'm5.large', 33, PD, 29);
      expect(result).toEqual(expected([32], 32, 1, [2]));
    });
  });

  describe('p3dn.24xlarge (15 ENIs × 49)', () => {
    it('WARM_ENI_TARGET=1, 120 pods: four ENIs', async () => {
      // 3 ENIs = 147: avail 27 < 49 → fourth ENI: 196, avail 76 < 98 (not removable).
      const { result } = await plan(mode, 'p3dn.24xlarge', 120);
      expect(result).toEqual(expected([49, 49, 49, 49], 120));
    });

    it('prefix delegation, WARM_PREFIX_TARGET=1, 100 pods: 8 prefixes on the primary ENI', async () => {
      // 100 pods use 7 prefixes (the 7th holds 4): avail 12 < 16 → 1 more (needed = max(1,
      // P − 0) = 1) on the first ENI with room, the primary (49 slots): 128, avail 28, 1 free
      // prefix = P.
      const { result } = await plan(mode, 'p3dn.24xlarge', 100, {
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_PREFIX_TARGET: '1',
      });
      expect(result).toEqual(expected([128], 100, 0, [8]));
    });

    it('prefix delegation, WARM_IP_TARGET=5, MINIMUM_IP_TARGET=100, 0 pods: 7 prefixes', async () => {
      // short = max(5, 100 − 0) = 100 addresses → ceil(100 / 16) = 7 prefixes = 112. Then
      // short 0; over = min(free 7, 7 − ceil((0 + 5)/16) = 6, 7 − ceil(100/16) = 0) = 0.
      const { result } = await plan(mode, 'p3dn.24xlarge', 0, {
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_IP_TARGET: '5',
        MINIMUM_IP_TARGET: '100',
      });
      expect(result).toEqual(expected([112], 0, 0, [7]));
    });

    it('prefix delegation, WARM_IP_TARGET=5, 100 pods: 7 prefixes', async () => {
      // Pod 92: avail 96 − 92 = 4 < 5 → ceil(1/16) = 1 prefix → 112. At 100 pods avail 12 ≥ 5;
      // over = min(free, 7 − ceil((100 + 5)/16) = 0) = 0.
      const { result } = await plan(mode, 'p3dn.24xlarge', 100, {
        ENABLE_PREFIX_DELEGATION: 'true',
        WARM_IP_TARGET: '5',
      });
      expect(result).toEqual(expected([112], 100, 0, [7]));
    });
  });

  it('m4.4xlarge (Xen) with prefix delegation falls back to secondary IPs', async () => {
    // isConfigValid: PD on a non-Nitro type is silently disabled; E = 1 → the primary ENI's 29.
    const outcome = await plan(mode, 'm4.4xlarge', 0, {
      ENABLE_PREFIX_DELEGATION: 'true',
      WARM_PREFIX_TARGET: '1',
    });
    expect(outcome.prefixDelegation).toBe(false);
    expect(outcome.result).toEqual(expected([29], 0));
  });

  describe('WARM_ENI_TARGET=0 on m5.large', () => {
    it('9 pods (primary exactly full): the reference cycles, reactive mode settles', async () => {
      // avail 0 with E = 0 → low (isDatastorePoolTooLow) → a second ENI with 9. Then avail 9 ≥
      // (E+1) × 9 → the new ENI is freed once 60 s old (RemoveUnusedENIFromStore, W = M = 0 guard
      // nothing) → low again. The reference's rules cycle (interval mode reproduces them; the plan
      // reports both states instead of hanging). Reactive mode does not free an ENI whose removal
      // would make the pool too low at once (docs/compat.md), so it settles at [9, 9].
      const outcome = await plan(mode, 'm5.large', 9, { WARM_ENI_TARGET: '0' });
      if (mode === 'interval') {
        expect([...(outcome.finalCycle ?? [])].sort()).toEqual([
          '1 ENI [9], 9 IPs, 0 prefixes',
          '2 ENIs [9,9], 18 IPs, 0 prefixes',
        ]);
        expect(outcome.unsettled.map((step) => step.pods)).toEqual([9]);
      } else {
        expect(outcome.unsettled).toEqual([]);
        expect(outcome.result).toEqual(expected([9, 9], 9));
      }
    });

    it('10 pods: the second ENI holds a pod and stays', async () => {
      // After the cycle at 9 pods, pod 10 lands on ENI 1 (or waits for it): [9, 9], avail 8,
      // not low (8 > 0), not removable (8 < 9).
      const outcome = await plan(mode, 'm5.large', 10, { WARM_ENI_TARGET: '0' });
      expect(outcome.result).toEqual(expected([9, 9], 10));
      expect(outcome.finalCycle).toBeUndefined();
    });
  });
});

describe('where the modes differ on purpose (docs/compat.md)', () => {
  it('MINIMUM_IP_TARGET=10 alone, 11 pods: interval freezes at M, reactive grows for the waiting ADD', async () => {
    // Interval (the reference): at 10 pods short = max(0 − 0, 10 − 10) = 0 → never low, so pod
    // 11 fails at once and again on retry. Reactive: the waiting ADD counts (demand = W + 1 −
    // avail = 1) → ENI 1 gets one more address.
    const interval = await plan('interval', 'm5.large', 11, { MINIMUM_IP_TARGET: '10' });
    expect(interval.result).toEqual(expected([9, 1], 10, 1));
    const reactive = await plan('reactive', 'm5.large', 11, { MINIMUM_IP_TARGET: '10' });
    expect(reactive.result).toEqual(expected([9, 2], 11));
  });
});
