import { isEc2Error } from '../aws/errors.ts';
import type { Config } from '../config/types.ts';
import {
  chooseEniToFree,
  type EniUsage,
  shouldRemoveExtraEnis,
} from '../ipam/warm-pool/eni-release.ts';
import { eniSlotsLeft, type IncreaseStep } from '../ipam/warm-pool/growth-plan.ts';
import type { PoolMode } from '../ipam/warm-pool/pool-mode.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { CardPool } from './card-pool.ts';
import type { EniActions } from './eni-actions.ts';
import { PlacementUnavailableError } from './eni-placement.ts';
import { PrefixFallback } from './prefix-fallback.ts';
import type { Scheduler } from './scheduler.ts';

/** Pool decreases are at least this far apart (the reference's decreaseIPPoolInterval). */
export const DECREASE_INTERVAL_MS = 30_000;
/** No growth for this long after InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet. */
export const INSUFFICIENT_CAPACITY_PAUSE_MS = 120_000;

/** What woke a pass (a label of vpcipamd_pool_wakeups_total). */
export type WakeReason =
  | 'tick'
  | 'assign'
  | 'unassign'
  | 'empty_add'
  | 'init'
  | 'retry'
  | 'node_config';

/** Reactive mode retries growth that failed on throttling or a timeout after this, doubling. */
const GROWTH_RETRY_FIRST_MS = 500;
const GROWTH_RETRY_MAX_MS = 5_000;

/** How a growth attempt ended. */
type GrowthOutcome = 'grew' | 'nothing' | 'transientFailure';

/** What a run of growth steps did. */
interface StepsResult {
  readonly added: number;
  /** EC2 answered InsufficientFreeAddressesInSubnet / InsufficientCidrBlocks. */
  readonly outOfCapacity: boolean;
  /** Every failure was InsufficientCidrBlocks (no /28 anywhere) and nothing else went wrong. */
  readonly cidrBlocksOnly: boolean;
  /** The last failure was throttling or a timeout. */
  readonly transient: boolean;
}

export interface PoolManagerDeps {
  readonly config: Config;
  /** WARM_POOL_MODE, chosen once. */
  readonly mode: PoolMode;
  readonly scheduler: Scheduler;
  readonly actions: EniActions;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  /** True after SIGTERM: no more growth and no ENI frees (the reference's terminating flag). */
  readonly isTerminating: () => boolean;
  /** Called after every pass, e.g. to refresh the datastore gauges. */
  readonly afterPass?: (pool: CardPool) => void;
}

/**
 * The pool manager: one pass per card runs the reference's `updateIPPoolIfRequired` — grow when
 * too low (or, in reactive mode, when ADDs wait), else shrink when too high (≥30 s apart), and
 * independently free at most one ENI. Passes of a card never overlap (the card's mutex) and
 * wake-ups that arrive during a pass are folded into one more pass.
 */
export class PoolManager {
  private readonly deps: PoolManagerDeps;
  private readonly rerun = new Map<CardPool, WakeReason>();
  private readonly running = new Set<CardPool>();
  private readonly fallback: PrefixFallback;

  constructor(deps: PoolManagerDeps) {
    this.deps = deps;
    this.fallback = new PrefixFallback({
      actions: deps.actions,
      scheduler: deps.scheduler,
      logger: deps.logger,
      metrics: deps.metrics,
      customNetworking: deps.config.customNetworking,
      newEniSlots: (pool) => this.newEniSlots(pool),
    });
  }

  /** Reactive mode: run a pass for the card soon; coalesces with a pass already running. */
  wake(pool: CardPool, reason: WakeReason): void {
    if (!this.deps.mode.wakesOnChanges) return;
    if (this.running.has(pool)) {
      this.rerun.set(pool, reason);
      return;
    }
    this.running.add(pool);
    setImmediate(() => void this.drive(pool, reason));
  }

  private async drive(pool: CardPool, first: WakeReason): Promise<void> {
    let reason: WakeReason | undefined = first;
    try {
      while (reason !== undefined) {
        this.rerun.delete(pool);
        await this.runPass(pool, reason);
        reason = this.rerun.get(pool);
      }
    } finally {
      this.running.delete(pool);
    }
  }

  /** One pass for one card, under the card's mutex. Never rejects. */
  runPass(pool: CardPool, reason: WakeReason): Promise<void> {
    return pool.exclusive(async () => {
      this.deps.metrics.poolWakeups.inc({ reason });
      try {
        await this.pass(pool);
      } catch (error) {
        this.deps.metrics.ipamdErrors.inc({ fn: 'updateIPPoolIfRequired' });
        this.deps.logger.error({ err: error, card: pool.card }, 'pool pass failed');
      } finally {
        this.deps.afterPass?.(pool);
      }
    });
  }

  private async pass(pool: CardPool): Promise<void> {
    const { config, scheduler, metrics, mode } = this.deps;
    if (config.disableNetworkResourceProvisioning) {
      this.releaseWaiters(pool);
      return;
    }
    const growth = await this.increase(pool);
    if (growth === 'transientFailure' && mode.retriesTransientGrowth) {
      // Throttled or timed out: EC2 will answer soon. Waiting ADDs keep waiting for the retry.
      const delay = Math.min(GROWTH_RETRY_FIRST_MS * 2 ** pool.growthRetries, GROWTH_RETRY_MAX_MS);
      pool.growthRetries++;
      scheduler.after(delay, () => this.wake(pool, 'retry'));
    } else if (growth !== 'grew') {
      this.releaseWaiters(pool);
      const now = scheduler.now();
      if (pool.policy.isTooHigh(pool.stats()) && now - pool.lastDecreaseAt > DECREASE_INTERVAL_MS) {
        metrics.actionInProgress.inc({ fn: 'decreaseDatastorePool' });
        try {
          const over = pool.policy.excess(pool.stats());
          await this.deps.actions.releaseFreeCidrs(pool, over, {
            includeCooling: mode.releasesCoolingAddresses,
          });
        } finally {
          metrics.actionInProgress.dec({ fn: 'decreaseDatastorePool' });
          pool.lastDecreaseAt = scheduler.now();
          pool.lastPoolActionAt = scheduler.now();
        }
      }
    }
    await this.freeOneEni(pool);
    await this.fallback.tidy(pool);
  }

  /**
   * No growth is on its way. Waiting ADDs fail now instead of at their deadline, unless an address
   * leaves its cooldown before that deadline: then they retry at that moment.
   */
  private releaseWaiters(pool: CardPool): void {
    if (pool.waiters.count === 0) return;
    const { scheduler, config, mode } = this.deps;
    const cooldownEnd = pool.datastore.nextCooldownEnd();
    const wait =
      cooldownEnd === undefined ? Number.POSITIVE_INFINITY : cooldownEnd - scheduler.now();
    if (mode.waitsForCooldowns && wait <= config.addWaitSeconds * 1000) {
      scheduler.after(Math.max(0, wait), () => pool.waiters.capacityAdded());
      return;
    }
    pool.waiters.nothingComing();
  }

  /** Runs the growth plan (and the /32 fallback when prefixes cannot be had). */
  private async increase(pool: CardPool): Promise<GrowthOutcome> {
    const { scheduler, metrics } = this.deps;
    if (this.deps.isTerminating()) return 'nothing';
    if (scheduler.now() - pool.insufficientCapacityAt < INSUFFICIENT_CAPACITY_PAUSE_MS)
      return 'nothing';
    const steps = this.plan(pool);
    if (steps.length === 0) return 'nothing';
    metrics.actionInProgress.inc({ fn: 'increaseDatastorePool' });
    let result: StepsResult = {
      added: 0,
      outOfCapacity: false,
      cidrBlocksOnly: false,
      transient: false,
    };
    try {
      const prefixes = pool.policy.settings.prefixDelegation;
      const triesPrefixes = !prefixes || this.fallback.triesPrefixes(pool);
      if (triesPrefixes) {
        if (prefixes) this.fallback.notePrefixTry(pool);
        result = await this.runSteps(pool, steps);
      }
      if (prefixes && result.added > 0) this.fallback.prefixesBack(pool);
      if (prefixes && result.added === 0 && (!triesPrefixes || result.cidrBlocksOnly)) {
        const addresses = Math.max(
          pool.policy.addressesNeeded(pool.stats(), pool.waiters.count),
          1,
        );
        result = { ...result, ...(await this.runFallback(pool, addresses)) };
      }
    } finally {
      metrics.actionInProgress.dec({ fn: 'increaseDatastorePool' });
      pool.lastPoolActionAt = scheduler.now();
    }
    // Out of subnet space and nothing found elsewhere: pause growth for 120 s, as the reference.
    if (result.outOfCapacity && result.added === 0) pool.insufficientCapacityAt = scheduler.now();
    if (result.transient) return 'transientFailure';
    pool.growthRetries = 0;
    return result.added > 0 ? 'grew' : 'nothing';
  }

  private async runSteps(pool: CardPool, steps: IncreaseStep[]): Promise<StepsResult> {
    const { config } = this.deps;
    const result = { added: 0, outOfCapacity: false, cidrBlocksOnly: true, transient: false };
    for (const step of steps) {
      try {
        result.added +=
          step.kind === 'assign'
            ? await this.deps.actions.growEni(pool, step.eniId, step.count)
            : await this.deps.actions.createEni(pool, step.count);
      } catch (error) {
        // The placement reports why (e.g. no ENIConfig) itself; no failure line every pass.
        if (error instanceof PlacementUnavailableError) {
          result.cidrBlocksOnly = false;
          break;
        }
        if (this.outOfCapacity(pool, error)) {
          result.outOfCapacity = true;
          if (!isEc2Error(error, 'insufficientCapacity') || error.code !== 'InsufficientCidrBlocks')
            result.cidrBlocksOnly = false;
          // With subnet discovery the next step may use another subnet; otherwise stop here.
          if (!config.enableSubnetDiscovery) break;
          // The ENI's own subnet is full: a new ENI may find room in another one.
          if (step.kind === 'assign' && !steps.some((s) => s.kind === 'createEni')) {
            if (this.newEniSlots(pool) > 0) steps.push({ kind: 'createEni', count: step.count });
          }
          continue;
        }
        result.cidrBlocksOnly = false;
        result.transient = this.failed(pool, error, step.kind);
        break;
      }
    }
    if (!result.outOfCapacity) result.cidrBlocksOnly = false;
    return result;
  }

  /** Grows with /32s in place of prefixes. */
  private async runFallback(pool: CardPool, addresses: number): Promise<Partial<StepsResult>> {
    try {
      return { added: await this.fallback.grow(pool, addresses) };
    } catch (error) {
      if (this.outOfCapacity(pool, error)) return { outOfCapacity: true };
      return { transient: this.failed(pool, error, 'assign') };
    }
  }

  /** Logs an insufficient-capacity answer; false for any other error. */
  private outOfCapacity(pool: CardPool, error: unknown): boolean {
    if (!isEc2Error(error, 'insufficientCapacity')) return false;
    this.deps.logger.warn(
      { card: pool.card, code: error.code },
      'the subnet is out of addresses or /28 blocks; consider another subnet or a subnet CIDR reservation',
    );
    return true;
  }

  /** Counts and logs a failed step; true when it is worth retrying soon (throttled, timeout). */
  private failed(pool: CardPool, error: unknown, kind: IncreaseStep['kind']): boolean {
    this.deps.metrics.ipamdErrors.inc({
      fn: kind === 'assign' ? 'increaseIPPoolAssign' : 'increaseIPPoolAllocENI',
    });
    this.deps.logger.error({ err: error, card: pool.card, kind }, 'growing the pool failed');
    return isEc2Error(error, 'throttled') || isEc2Error(error, 'timeout');
  }

  private plan(pool: CardPool): IncreaseStep[] {
    const { config, mode } = this.deps;
    const policy = pool.policy;
    const allocatable = pool.datastore
      .allocatableEnis(policy.slotsPerEni, config.customNetworking)
      .map((eni) => ({ eniId: eni.id, usedSlots: eni.cidrCount }));
    return mode.planGrowth({
      stats: pool.stats(),
      policy,
      allocatableEnis: allocatable,
      newEniSlots: this.newEniSlots(pool),
      waitingAdds: pool.waiters.count,
    });
  }

  private newEniSlots(pool: CardPool): number {
    return eniSlotsLeft({
      enisInDatastore: pool.datastore.eniCount,
      maxEni: pool.maxEni,
      unmanagedEnis: pool.unmanagedEnis,
      trunkReserve: 0,
    });
  }

  private async freeOneEni(pool: CardPool): Promise<void> {
    if (this.deps.isTerminating()) return;
    const usage = this.eniUsage(pool);
    if (!shouldRemoveExtraEnis(pool.stats(), pool.policy, usage)) return;
    const victim = chooseEniToFree(
      usage,
      pool.policy,
      this.deps.scheduler.now(),
      this.deps.mode.keepsEnisThePoolNeeds ? { keepPoolAboveLow: { stats: pool.stats() } } : {},
    );
    if (!victim) return;
    if (await this.deps.actions.freeEni(pool, victim.eniId)) {
      pool.lastPoolActionAt = this.deps.scheduler.now();
    }
  }

  private eniUsage(pool: CardPool): EniUsage[] {
    return pool.datastore.enis().map((eni) => ({
      eniId: eni.id,
      deviceNumber: eni.deviceNumber,
      isPrimary: eni.isPrimary,
      isTrunk: eni.isTrunk,
      isEfa: eni.isEfa,
      excluded: eni.excludedForPodIps || eni.draining,
      draining: eni.draining,
      addedAt: eni.createTimeMs,
      totalIPs: eni.inMode.capacity,
      assignedIPs: eni.assigned,
      coolingIPs: eni.cooling,
      zeroAssignedCidrs: eni.inMode.zeroAssignedCidrs,
    }));
  }
}
