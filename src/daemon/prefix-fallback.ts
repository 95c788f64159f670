import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { CardPool } from './card-pool.ts';
import type { EniActions } from './eni-actions.ts';
import type { Scheduler } from './scheduler.ts';

/** While falling back, prefixes are tried again at most this often. */
export const PREFIX_RETRY_MS = 30_000;

export interface PrefixFallbackDeps {
  readonly actions: EniActions;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  readonly customNetworking: boolean;
  /** ENIs the card may still create. */
  readonly newEniSlots: (pool: CardPool) => number;
}

/**
 * Beyond the reference (whose users with fragmented subnets see pods pending on
 * `InsufficientCidrBlocks`, #2749, #2842): when prefix delegation can get no /28 from any subnet,
 * the card grows with /32 secondary addresses on the same ENIs — the datastore then assigns and
 * counts both kinds, prefixes first — logged once, counted in
 * `vpcipamd_prefix_fallback_addresses_total`. Prefixes are tried again every 30 s of growth; once
 * one is granted the card is back on prefixes, and its /32s go back to EC2 as they empty.
 */
export class PrefixFallback {
  private readonly deps: PrefixFallbackDeps;

  constructor(deps: PrefixFallbackDeps) {
    this.deps = deps;
  }

  /** Whether this growth should try prefixes (always, unless falling back and tried lately). */
  triesPrefixes(pool: CardPool): boolean {
    const since = pool.prefixFallbackSince;
    return since === undefined || this.deps.scheduler.now() - pool.lastPrefixTry >= PREFIX_RETRY_MS;
  }

  notePrefixTry(pool: CardPool): void {
    pool.lastPrefixTry = this.deps.scheduler.now();
  }

  /** Grows the card by `addresses` /32s (existing ENIs first, then new ones); throws EC2's errors. */
  async grow(pool: CardPool, addresses: number): Promise<number> {
    const { actions, logger, metrics, scheduler, customNetworking } = this.deps;
    if (pool.prefixFallbackSince === undefined) {
      pool.prefixFallbackSince = scheduler.now();
      pool.datastore.setAssignsBothKinds(true);
      metrics.prefixFallback.set({ card: String(pool.card) }, 1);
      logger.warn(
        { card: pool.card },
        'no /28 prefix left in any subnet (InsufficientCidrBlocks): using /32 secondary addresses on the same ENIs until a prefix can be had again',
      );
    }
    const slots = pool.policy.slotsPerEni;
    let remaining = addresses;
    let added = 0;
    for (const eni of pool.datastore.allocatableEnis(slots, customNetworking)) {
      if (remaining <= 0) break;
      const count = Math.min(slots - eni.cidrCount, remaining);
      if (count <= 0) continue;
      const got = await actions.growEni(pool, eni.id, count, 'secondaryIpv4');
      added += got;
      remaining -= got;
    }
    for (let left = this.deps.newEniSlots(pool); left > 0 && remaining > 0; left--) {
      const got = await actions.createEni(pool, Math.min(slots, remaining), 'secondaryIpv4');
      added += got;
      remaining -= got;
    }
    metrics.prefixFallbackAddresses.inc(added);
    return added;
  }

  /** A prefix was granted: back on prefixes. */
  prefixesBack(pool: CardPool): void {
    if (pool.prefixFallbackSince === undefined) return;
    pool.prefixFallbackSince = undefined;
    this.deps.metrics.prefixFallback.set({ card: String(pool.card) }, 0);
    this.deps.logger.info({ card: pool.card }, 'a /28 prefix could be had again: back to prefixes');
  }

  /**
   * Back on prefixes: gives /32s back to EC2 as they empty (and out of cooldown); once none is
   * left the datastore assigns prefixes only again.
   */
  async tidy(pool: CardPool): Promise<void> {
    if (pool.prefixFallbackSince !== undefined || !pool.datastore.assignsBothKinds) return;
    let left = 0;
    for (const eni of pool.datastore.enis()) {
      const free = pool.datastore
        .freeableCidrs(eni.id, { includeCooling: false })
        .filter((c) => !c.isPrefix);
      await this.deps.actions.releaseCidrs(pool, eni.id, free);
      left += pool.datastore.cidrsOf(eni.id).filter((c) => !c.isPrefix).length;
    }
    if (left === 0) pool.datastore.setAssignsBothKinds(false);
  }
}
