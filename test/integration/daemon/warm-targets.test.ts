import { describe, expect, it } from 'vitest';
import { addRequest, cidrsByEni, ipOf, type PoolShape, waitFor, withWorld } from './harness.ts';

/**
 * The pool a node settles at, for each warm-target mode on three instance types, after start and
 * after some pods (the reference's isDatastorePoolTooLow and datastoreTargetState). Every expected
 * number is derived by hand in the case's comment from the reference's rules:
 *   maxIPsPerENI = IPv4Limit − 1 (× 16 addresses with prefixes), maxPods = ENIs × (IPv4Limit − 1) + 2
 *   (with prefixes: × 16, capped at 110 up to 30 vCPUs, 250 above — the max-pods calculator)
 *   t3.small  3 ENIs × 3 secondaries  (PD: 3 prefixes/ENI), maxPods 11 (PD: 110)
 *   m5.large  3 ENIs × 9 secondaries  (PD: 9 prefixes/ENI), maxPods 29 (PD: 110)
 *   p3dn.24xlarge 15 ENIs × 49        (PD: 49 prefixes/ENI), maxPods 737 (PD: 250)
 *   available = total − assigned; WARM_ENI mode wants available ≥ E × maxIPsPerENI and fills a
 *   whole ENI per step; IP-target mode: short = max(W − available, M − total), asks for exactly
 *   that; WARM_PREFIX mode wants available ≥ 16 × P and P whole free prefixes; growth stops once
 *   total ≥ maxPods. Pods are added one at a time (each ADD wakes the pool manager).
 * Reactive mode (the default) reaches these in one plan; the reference reaches the same numbers
 * over several 5 s ticks. After the pods the pool must hold exactly this (no overshoot that a
 * later release hid: no UnassignPrivateIpAddresses call at all) and agree with EC2.
 */

type Shape = Pick<PoolShape, 'enis' | 'totalIPs'> & Partial<PoolShape>;

interface Case {
  readonly instanceType: string;
  readonly env: Record<string, string>;
  readonly atStart: Shape;
  readonly pods: number;
  readonly afterPods: Shape;
}

const CASES: Record<string, Case> = {
  // E=1: available 0 < 3 → fill the primary: 3. Pod 1 leaves 2 < 3 → the primary is full →
  // new ENI filled with 3: 6. Pod 2 leaves 4 ≥ 3.
  't3.small WARM_ENI_TARGET=1': {
    instanceType: 't3.small',
    env: {},
    atStart: { enis: 1, totalIPs: 3, secondaryIps: 3 },
    pods: 2,
    afterPods: { enis: 2, totalIPs: 6, assignedIPs: 2 },
  },
  // W=2 M=4: short = max(2 − 0, 4 − 0) = 4 → 3 on the primary (full) + a new ENI with 1: 4.
  // Pods 1–2 leave 3, 2 ≥ W; pod 3 leaves 1 → short 1 → +1 on the second ENI: 5.
  't3.small WARM_IP_TARGET=2 MINIMUM_IP_TARGET=4': {
    instanceType: 't3.small',
    env: { WARM_IP_TARGET: '2', MINIMUM_IP_TARGET: '4' },
    atStart: { enis: 2, totalIPs: 4 },
    pods: 3,
    afterPods: { enis: 2, totalIPs: 5, assignedIPs: 3 },
  },
  // PD P=1: wants 16 available → 1 prefix: 16 addresses. Pod 1 leaves 15 < 16 and no free
  // prefix → +1 prefix: 32 (maxPods 110 is far). Pod 2 packs into the first prefix.
  't3.small ENABLE_PREFIX_DELEGATION WARM_PREFIX_TARGET=1': {
    instanceType: 't3.small',
    env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' },
    atStart: { enis: 1, totalIPs: 16, prefixes: 1, secondaryIps: 0 },
    pods: 2,
    afterPods: { enis: 1, totalIPs: 32, prefixes: 2, assignedIPs: 2 },
  },
  // E=1: 9 on the primary. Pod 1 leaves 8 < 9 → new ENI with 9: 18. Pod 10 leaves 8 < 9 →
  // third ENI with 9: 27.
  'm5.large WARM_ENI_TARGET=1': {
    instanceType: 'm5.large',
    env: {},
    atStart: { enis: 1, totalIPs: 9, secondaryIps: 9 },
    pods: 10,
    afterPods: { enis: 3, totalIPs: 27, assignedIPs: 10 },
  },
  // W=5 M=12: short = max(5, 12) = 12 → 9 on the primary + new ENI with 3: 12. Pods 1–7 leave
  // ≥ 5; pods 8, 9, 10 each leave 4 → +1 each on the second ENI: 15.
  'm5.large WARM_IP_TARGET=5 MINIMUM_IP_TARGET=12': {
    instanceType: 'm5.large',
    env: { WARM_IP_TARGET: '5', MINIMUM_IP_TARGET: '12' },
    atStart: { enis: 2, totalIPs: 12 },
    pods: 10,
    afterPods: { enis: 2, totalIPs: 15, assignedIPs: 10 },
  },
  // The same in interval mode (the reference): one step per pass. Init: 9 on the primary (one
  // step). The first 5 s tick: short = max(5 − 9, 12 − 9) = 3 → the primary is full → new ENI
  // with 3: 12. After the pods, ticks add the shortfall on the second ENI: 15. Same numbers,
  // reached tick by tick (hence waited for).
  'm5.large WARM_IP_TARGET=5 MINIMUM_IP_TARGET=12, WARM_POOL_MODE=interval': {
    instanceType: 'm5.large',
    env: { WARM_IP_TARGET: '5', MINIMUM_IP_TARGET: '12', WARM_POOL_MODE: 'interval' },
    atStart: { enis: 2, totalIPs: 12 },
    pods: 10,
    afterPods: { enis: 2, totalIPs: 15, assignedIPs: 10 },
  },
  // PD P=1: one prefix (16). Pod 1 leaves 15 < 16 and no free prefix → +1 prefix: 32. Pods
  // 2–10 pack into the first prefix, so the second stays free (= P, not too high).
  'm5.large ENABLE_PREFIX_DELEGATION WARM_PREFIX_TARGET=1': {
    instanceType: 'm5.large',
    env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' },
    atStart: { enis: 1, totalIPs: 16, prefixes: 1 },
    pods: 10,
    afterPods: { enis: 1, totalIPs: 32, prefixes: 2, assignedIPs: 10 },
  },
  // E=1: 49 on the primary. Pod 1 leaves 48 < 49 → new ENI with 49: 98.
  'p3dn.24xlarge WARM_ENI_TARGET=1': {
    instanceType: 'p3dn.24xlarge',
    env: {},
    atStart: { enis: 1, totalIPs: 49, secondaryIps: 49 },
    pods: 10,
    afterPods: { enis: 2, totalIPs: 98, assignedIPs: 10 },
  },
  // W=10 M=60: short = 60 → 49 on the primary + new ENI with 11: 60. Pods 1–50 leave ≥ 10;
  // pods 51–55 each leave 9 → +1 each on the second ENI: 65.
  'p3dn.24xlarge WARM_IP_TARGET=10 MINIMUM_IP_TARGET=60': {
    instanceType: 'p3dn.24xlarge',
    env: { WARM_IP_TARGET: '10', MINIMUM_IP_TARGET: '60' },
    atStart: { enis: 2, totalIPs: 60 },
    pods: 55,
    afterPods: { enis: 2, totalIPs: 65, assignedIPs: 55 },
  },
  // PD P=2: wants 32 available and 2 free prefixes → 2 prefixes: 32. Pod 1 leaves 31 < 32 and
  // 1 free prefix → +1 prefix: 48; pods 2–10 pack into the first prefix, 2 stay free.
  'p3dn.24xlarge ENABLE_PREFIX_DELEGATION WARM_PREFIX_TARGET=2': {
    instanceType: 'p3dn.24xlarge',
    env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '2' },
    atStart: { enis: 1, totalIPs: 32, prefixes: 2 },
    pods: 10,
    afterPods: { enis: 1, totalIPs: 48, prefixes: 3, assignedIPs: 10 },
  },
};

describe.concurrent('warm targets reached', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      await withWorld({}, async (world) => {
        const node = await world.node({ instanceType: c.instanceType });
        const daemon = await node.start(c.env);
        if (c.env.WARM_POOL_MODE === 'interval') {
          await waitFor(
            `the pool to reach ${JSON.stringify(c.atStart)}`,
            () => daemon.pool().then((pool) => (matches(pool, c.atStart) ? pool : undefined)),
            30_000,
          );
        } else {
          // Pre-scaling is done before the daemon serves.
          expect(await daemon.pool()).toMatchObject(c.atStart);
        }

        const ips = new Set<string>();
        for (let i = 0; i < c.pods; i++) {
          ips.add(ipOf(await daemon.client.addNetwork(addRequest(`pod-${i}`))));
        }
        expect(ips.size).toBe(c.pods);
        // The last ADD's wake-up may still be growing the pool: wait for the expected shape.
        const settled = await waitFor(
          `the pool to settle at ${JSON.stringify(c.afterPods)}`,
          () => daemon.pool().then((pool) => (matches(pool, c.afterPods) ? pool : undefined)),
          30_000,
        ).catch(async (error: unknown) => {
          throw new Error(
            `${(error as Error).message}; it is ${JSON.stringify(await daemon.pool())}`,
          );
        });
        expect(settled).toMatchObject(c.afterPods);

        // What the datastore holds is exactly what EC2 has on the instance's ENIs.
        const inPool = cidrsByEni(await daemon.enis());
        const inEc2 = await node.ec2Cidrs();
        expect(new Map([...inEc2].filter(([eni]) => inPool.has(eni)))).toEqual(inPool);
        expect(inEc2.size).toBe(inPool.size);
        expect(world.calls('UnassignPrivateIpAddresses')).toBe(0);
        const metrics = await daemon.metrics();
        expect(metrics.value('awscni_total_ip_addresses')).toBe(c.afterPods.totalIPs);
        expect(metrics.value('awscni_eni_allocated')).toBe(c.afterPods.enis);
        if (c.afterPods.prefixes !== undefined)
          expect(metrics.value('awscni_total_ipv4_prefixes')).toBe(c.afterPods.prefixes);
      });
    }, 60_000);
  }
});

function matches(pool: PoolShape, want: Shape): boolean {
  return Object.entries(want).every(([key, value]) => pool[key as keyof PoolShape] === value);
}
