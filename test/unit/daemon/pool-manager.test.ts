import { describe, expect, it } from 'vitest';
import {
  DECREASE_INTERVAL_MS,
  INSUFFICIENT_CAPACITY_PAUSE_MS,
} from '../../../src/daemon/pool-manager.ts';
import { setup } from './harness.ts';

/** The EC2 calls of one new ENI: create, attach, DeleteOnTermination. */
const NEW_ENI = ['createNetworkInterface', 'attachNetworkInterface', 'setDeleteOnTermination'];

describe('pool manager, interval mode (the reference: one step per pass)', () => {
  it('WARM_ENI_TARGET=1: fills the primary ENI, then adds one ENI per pass as pods arrive', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    await t.pass();
    expect(t.ec2.mutations()).toEqual(['assignPrivateIpAddresses']);
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([['eni-primary', 9]]);
    expect(t.pool.stats().totalIPs).toBe(9);
    await t.pass();
    expect(t.ec2.mutations()).toHaveLength(1); // 9 free = one ENI's worth: not low

    for (let i = 0; i < 5; i++) t.assign(i);
    await t.pass();
    // available 4 < 9 → a new ENI with a full ENI's worth
    expect(t.ec2.callsOf('createNetworkInterface')).toHaveLength(1);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 18, assignedIPs: 5 });
    expect(t.pool.datastore.eniCount).toBe(2);
  });

  it('WARM_IP_TARGET=3 asks for the shortfall only', async () => {
    const t = await setup({ warmPoolMode: 'interval', warmIpTarget: 3, warmEniTarget: 0 });
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([['eni-primary', 3]]);
    t.assign(0);
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([
      ['eni-primary', 3],
      ['eni-primary', 1],
    ]);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 4, assignedIPs: 1 });
  });

  it('decreases in IP-target mode, at most once per 30 s, and never below the target', async () => {
    const t = await setup({ warmPoolMode: 'interval', warmIpTarget: 1, warmEniTarget: 0 });
    await t.actions.growEni(t.pool, 'eni-primary', 4);
    t.assign(0);
    t.assign(1);
    t.scheduler.advance(DECREASE_INTERVAL_MS + 1);
    await t.pass();
    // 4 total, 2 assigned, W=1 → over 1 (TestDecreaseIPPool)
    expect(t.ec2.callsOf('unassignPrivateIpAddresses')).toHaveLength(1);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 3, assignedIPs: 2 });
    t.unassign(1);
    t.scheduler.advance(DECREASE_INTERVAL_MS - 1_000);
    await t.pass();
    expect(t.ec2.callsOf('unassignPrivateIpAddresses')).toHaveLength(1); // within 30 s
    t.scheduler.advance(2_000);
    await t.pass();
    expect(t.ec2.callsOf('unassignPrivateIpAddresses')).toHaveLength(2);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 2, assignedIPs: 1 });
  });

  it('reactive: a decrease keeps addresses still in pod-IP cooldown; interval releases them (reference)', async () => {
    for (const mode of ['reactive', 'interval'] as const) {
      // A cooldown longer than the decrease interval, so the address still cools at the decrease.
      const t = await setup({
        warmPoolMode: mode,
        warmIpTarget: 1,
        warmEniTarget: 0,
        ipCooldownSeconds: 120,
      });
      await t.actions.growEni(t.pool, 'eni-primary', 4);
      t.assign(0);
      t.assign(1);
      const cooling = t.unassign(1).ip;
      t.scheduler.advance(DECREASE_INTERVAL_MS + 1);
      await t.pass();
      // 4 total, 1 assigned, W=1 → over 2.
      const released = t.ec2
        .callsOf('unassignPrivateIpAddresses')
        .flatMap((call) => call[1] as string[]);
      expect(released).toHaveLength(2);
      if (mode === 'reactive') expect(released).not.toContain(cooling);
      else expect(released).toContain(cooling);
    }
  });

  it('a decrease takes the first `over` freeable CIDRs ENI by ENI', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    const first = await t.actions.growEni(t.pool, 'eni-primary', 2);
    await t.actions.createEni(t.pool, 3);
    expect(first).toBe(2);
    const onPrimary = t.pool.datastore.freeableCidrs('eni-primary').map((c) => c.cidr);
    const onSecond = t.pool.datastore.freeableCidrs('eni-1').map((c) => c.cidr);
    t.ec2.calls.length = 0;
    expect(await t.actions.releaseFreeCidrs(t.pool, 3, { includeCooling: true })).toBe(3);
    const strip = (cidrs: string[]) => cidrs.map((cidr) => cidr.replace(/\/32$/, ''));
    expect(t.ec2.callsOf('unassignPrivateIpAddresses')).toEqual([
      ['eni-primary', strip(onPrimary)],
      ['eni-1', strip(onSecond.slice(0, 1))],
    ]);
    expect(await t.actions.releaseFreeCidrs(t.pool, 0, { includeCooling: true })).toBe(0);
  });

  it('a released address enters the 60 s reconcile cooldown', async () => {
    const t = await setup({ warmPoolMode: 'interval', warmIpTarget: 1, warmEniTarget: 0 });
    await t.actions.growEni(t.pool, 'eni-primary', 2);
    t.scheduler.advance(DECREASE_INTERVAL_MS + 1);
    await t.pass();
    const [released] = t.ec2.callsOf('unassignPrivateIpAddresses')[0]![1] as string[];
    expect(t.cooldown.isCooling(`${released}/32`, t.scheduler.now())).toBe(true);
    t.scheduler.advance(60_000);
    expect(t.cooldown.isCooling(`${released}/32`, t.scheduler.now())).toBe(false);
  });
});

describe('pool manager, reactive mode', () => {
  it('sizes one plan to waiting ADDs plus the warm target: the whole m5.large at once', async () => {
    const t = await setup();
    const waits = Array.from({ length: 27 }, () => t.pool.waiters.wait(t.scheduler.now() + 10_000));
    await t.pass();
    expect(t.ec2.mutations()).toEqual(['assignPrivateIpAddresses', ...NEW_ENI, ...NEW_ENI]);
    expect(t.pool.stats().totalIPs).toBe(27);
    expect(await Promise.all(waits)).toEqual(Array(27).fill('capacity'));
  });

  it('wakes on an assignment and grows before the next tick', async () => {
    const t = await setup();
    await t.pass();
    for (let i = 0; i < 9; i++) t.assign(i);
    t.manager.wake(t.pool, 'assign');
    await new Promise((resolve) => setImmediate(resolve));
    await t.pool.exclusive(async () => {});
    expect(t.pool.stats().totalIPs).toBe(18);
    expect(
      (await t.metrics.poolWakeups.get()).values.find((v) => v.labels.reason === 'assign')?.value,
    ).toBe(1);
  });

  it('tells waiting ADDs at once when nothing is coming (node full)', async () => {
    const t = await setup();
    await t.pass();
    for (let i = 0; i < 9; i++) t.assign(i);
    await t.pass();
    expect(t.pool.stats().totalIPs).toBe(18);
    for (let i = 9; i < 18; i++) t.assign(i);
    await t.pass();
    expect(t.pool.stats().totalIPs).toBe(27);
    for (let i = 18; i < 27; i++) t.assign(i);
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    expect(await waiting).toBe('noCapacity');
  });

  it('node full and every free address cooling: waiting ADDs retry when the first cooldown ends', async () => {
    const t = await setup({ ipCooldownSeconds: 5 });
    await t.pass();
    for (let i = 0; i < 9; i++) t.assign(i);
    await t.pass();
    for (let i = 9; i < 18; i++) t.assign(i);
    await t.pass();
    for (let i = 18; i < 27; i++) t.assign(i);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 27, assignedIPs: 27 });
    t.unassign(0);
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    t.scheduler.advance(4_999);
    expect(t.pool.waiters.count).toBe(1);
    t.scheduler.advance(1);
    expect(await waiting).toBe('capacity');
    expect(() => t.assign(99)).not.toThrow();
  });

  it('a cooldown ending after ADD_WAIT_SECONDS does not hold ADDs: they fail at once', async () => {
    const t = await setup({ ipCooldownSeconds: 30, addWaitSeconds: 10 });
    await t.pass();
    for (let i = 0; i < 9; i++) t.assign(i);
    await t.pass();
    for (let i = 9; i < 18; i++) t.assign(i);
    await t.pass();
    for (let i = 18; i < 27; i++) t.assign(i);
    t.unassign(0);
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    expect(await waiting).toBe('noCapacity');
  });

  it('WARM_ENI_TARGET=0 with pods filling the ENIs settles (the reference attaches and frees every ~65 s)', async () => {
    for (const mode of ['reactive', 'interval'] as const) {
      const t = await setup({ warmPoolMode: mode, warmEniTarget: 0 });
      await t.pass();
      for (let i = 0; i < 9; i++) t.assign(i);
      for (let tick = 0; tick < 40; tick++) {
        await t.pass();
        t.scheduler.advance(5_000);
      }
      const frees = t.ec2.callsOf('deleteNetworkInterface').length;
      if (mode === 'reactive') expect(frees).toBe(0);
      else expect(frees).toBeGreaterThan(0);
    }
  });

  it('wake() does nothing in interval mode', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    t.manager.wake(t.pool, 'assign');
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.ec2.calls).toEqual([]);
  });
});

describe('ENI release', () => {
  it('frees an empty ENI once it is 60 s old and the others hold the warm target', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    await t.pass();
    for (let i = 0; i < 5; i++) t.assign(i);
    await t.pass(); // second ENI
    for (let i = 0; i < 5; i++) t.unassign(i);
    // 18 free ≥ (E + 1) × 9, but the new ENI is younger than 60 s and addresses are cooling
    await t.pass();
    expect(t.ec2.callsOf('deleteNetworkInterface')).toEqual([]);
    t.scheduler.advance(60_000);
    await t.pass();
    expect(t.ec2.callsOf('detachNetworkInterface')).toEqual([['attach-eni-1']]);
    expect(t.ec2.callsOf('deleteNetworkInterface')).toEqual([['eni-1']]);
    expect(t.pool.datastore.eniCount).toBe(1);
    expect(t.host.calls.filter((c) => c.method === 'teardownEni')).toHaveLength(1);
  });

  it('a failed detach leaves the ENI to reconcile and keeps its host rules', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    await t.pass();
    await t.actions.createEni(t.pool, 9);
    t.scheduler.advance(60_000);
    // Every try of the detach back-off (12) is throttled.
    t.ec2.failNext('detachNetworkInterface', 'throttled', undefined, 12);
    await t.pass();
    expect(t.ec2.callsOf('detachNetworkInterface')).toHaveLength(12);
    expect(t.ec2.callsOf('deleteNetworkInterface')).toHaveLength(0);
    expect(t.pool.datastore.eniCount).toBe(1);
    expect(t.host.calls.filter((c) => c.method === 'teardownEni')).toHaveLength(0);
  });

  it('terminating: no growth and no ENI frees', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    t.terminate();
    await t.pass();
    expect(t.ec2.mutations()).toEqual([]);
  });
});

describe('EC2 faults', () => {
  // A failed assign step is two calls: the count asked for, then the retry with a count of 1
  // (the reference's tryAssignIPs), so a fault for the whole step fails both.
  const STEP = 2;

  it('insufficient capacity pauses growth for 120 s and fails waiting ADDs at once', async () => {
    const t = await setup({ enableSubnetDiscovery: false });
    t.ec2.failNext('assignPrivateIpAddresses', 'insufficientCapacity', undefined, STEP);
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([
      ['eni-primary', 9],
      ['eni-primary', 1],
    ]);
    expect(t.ec2.mutations()).toHaveLength(STEP);
    await t.pass();
    expect(await waiting).toBe('noCapacity');
    t.scheduler.advance(INSUFFICIENT_CAPACITY_PAUSE_MS - 5_000);
    await t.pass();
    expect(t.ec2.mutations()).toHaveLength(STEP);
    t.scheduler.advance(5_000);
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toHaveLength(STEP + 1);
    expect(t.pool.stats().totalIPs).toBe(9);
  });

  it('with subnet discovery, a full subnet for one step does not stop the next (another subnet)', async () => {
    const t = await setup();
    t.ec2.failNext('assignPrivateIpAddresses', 'insufficientCapacity', undefined, STEP);
    const waits = Array.from({ length: 10 }, () => t.pool.waiters.wait(t.scheduler.now() + 10_000));
    await t.pass();
    expect(t.ec2.mutations()).toEqual([
      'assignPrivateIpAddresses',
      'assignPrivateIpAddresses',
      ...NEW_ENI,
      ...NEW_ENI,
    ]);
    expect(t.pool.stats().totalIPs).toBe(18);
    await Promise.all(waits);
  });

  it("with subnet discovery, the ENI's subnet full: a new ENI is tried for the same count", async () => {
    const t = await setup({ warmIpTarget: 2 });
    await t.pass();
    t.assign(1);
    t.assign(2);
    t.ec2.failNext('assignPrivateIpAddresses', 'insufficientCapacity', undefined, STEP);
    await t.pass();
    expect(t.ec2.mutations()).toEqual([
      'assignPrivateIpAddresses',
      ...Array.from({ length: STEP }, () => 'assignPrivateIpAddresses'),
      ...NEW_ENI,
    ]);
    expect(t.ec2.secondaryEnis()[0]?.privateIpv4.filter((ip) => !ip.primary)).toHaveLength(2);
    // It worked: growth is not paused.
    expect(t.pool.insufficientCapacityAt).toBe(Number.NEGATIVE_INFINITY);
  });

  it('without subnet discovery the same failure pauses growth, no new ENI', async () => {
    const t = await setup({ warmIpTarget: 2, enableSubnetDiscovery: false });
    await t.pass();
    t.assign(1);
    t.assign(2);
    t.ec2.failNext('assignPrivateIpAddresses', 'insufficientCapacity', undefined, STEP);
    await t.pass();
    expect(t.ec2.callsOf('createNetworkInterface')).toEqual([]);
    expect(t.pool.insufficientCapacityAt).toBe(t.scheduler.now());
  });

  it('a failure of the full count is retried once with a count of 1 in the same step', async () => {
    const t = await setup({ warmPoolMode: 'interval' });
    t.ec2.failNext('assignPrivateIpAddresses', 'other');
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toEqual([
      ['eni-primary', 9],
      ['eni-primary', 1],
    ]);
    expect(t.pool.stats().totalIPs).toBe(1);
  });

  it('reactive: throttled growth is retried with back-off while ADDs keep waiting', async () => {
    const t = await setup();
    t.ec2.failNext('assignPrivateIpAddresses', 'throttled', undefined, STEP);
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    expect(t.pool.waiters.count).toBe(1);
    t.scheduler.advance(499);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toHaveLength(STEP);
    t.scheduler.advance(1);
    expect(await waiting).toBe('capacity');
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toHaveLength(STEP + 1);
    expect(
      (await t.metrics.poolWakeups.get()).values.find((v) => v.labels.reason === 'retry')?.value,
    ).toBe(1);
  });

  it('interval: throttled growth fails waiting ADDs at once, as the reference (the next tick retries)', async () => {
    const t = await setup({ warmPoolMode: 'interval', addWaitSeconds: 10 });
    t.ec2.failNext('assignPrivateIpAddresses', 'throttled', undefined, STEP);
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    expect(await waiting).toBe('noCapacity');
  });

  it('other EC2 errors do not pause growth', async () => {
    const t = await setup();
    t.ec2.failNext('assignPrivateIpAddresses', 'throttled', undefined, STEP);
    await t.pass();
    await t.pass();
    expect(t.ec2.callsOf('assignPrivateIpAddresses')).toHaveLength(STEP + 1);
    expect(t.pool.stats().totalIPs).toBe(9);
    expect(
      (await t.metrics.ipamdErrors.get()).values.find((v) => v.labels.fn === 'increaseIPPoolAssign')
        ?.value,
    ).toBe(1);
  });

  it('PrivateIpAddressLimitExceeded: the datastore takes the ENI addresses EC2 has', async () => {
    const t = await setup();
    // EC2 already holds 9 secondaries the datastore does not know about.
    await t.ec2.assignPrivateIpAddresses('eni-primary', 9);
    t.ec2.calls.length = 0;
    await t.pass();
    expect(t.ec2.callsOf('describeNetworkInterfaces')).toContainEqual([['eni-primary']]);
    expect(t.pool.stats().totalIPs).toBe(9);
  });

  it('a failed release puts the addresses back into the pool', async () => {
    const t = await setup({ warmPoolMode: 'interval', warmIpTarget: 1, warmEniTarget: 0 });
    await t.actions.growEni(t.pool, 'eni-primary', 3);
    t.scheduler.advance(DECREASE_INTERVAL_MS + 1);
    t.ec2.failNext('unassignPrivateIpAddresses', 'throttled');
    await t.pass();
    expect(t.pool.stats().totalIPs).toBe(3);
    expect(t.ec2.enis.get('eni-primary')!.privateIpv4).toHaveLength(4);
  });

  it('provisioning disabled: no EC2 mutation at all', async () => {
    const t = await setup({ disableNetworkResourceProvisioning: true });
    const waiting = t.pool.waiters.wait(t.scheduler.now() + 10_000);
    await t.pass();
    expect(t.ec2.calls).toEqual([]);
    expect(await waiting).toBe('noCapacity');
  });
});

describe('prefix delegation', () => {
  it('WARM_PREFIX_TARGET=1 keeps one free /28 and asks for prefixes, not addresses', async () => {
    const t = await setup({ enablePrefixDelegation: true, warmPrefixTarget: 1, warmEniTarget: 0 });
    await t.pass();
    expect(t.ec2.callsOf('assignIpv4Prefixes')).toEqual([['eni-primary', 1]]);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 16, totalPrefixes: 1, freePrefixes: 1 });
    t.assign(0);
    await t.pass();
    expect(t.ec2.callsOf('assignIpv4Prefixes')).toEqual([
      ['eni-primary', 1],
      ['eni-primary', 1],
    ]);
    expect(t.pool.stats()).toMatchObject({ totalIPs: 32, totalPrefixes: 2, freePrefixes: 1 });
  });
});
