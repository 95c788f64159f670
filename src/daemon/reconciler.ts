import type { EniDescription } from '../aws/ec2-port.ts';
import type { ImdsEni, ImdsPort } from '../aws/imds-port.ts';
import { type RemovalReason, recordRemovedAllocations } from '../checkpoint/evidence.ts';
import type { Config } from '../config/types.ts';
import type { HostNetwork } from '../host/host-network.ts';
import { isEniManaged } from '../ipam/eni/tags.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { CardPool } from './card-pool.ts';
import { describeEni, describeEnis } from './describe-enis.ts';
import type { Ec2Context } from './ec2-context.ts';
import type { EniActions } from './eni-actions.ts';
import { ensureEniTags } from './eni-tagging.ts';
import type { NodeFacts } from './node-facts.ts';
import type { ReconcileCooldown } from './reconcile-cooldown.ts';
import type { Scheduler } from './scheduler.ts';

/** Reconcile runs after this long without a pool action (the reference's 60 s). */
export const RECONCILE_INTERVAL_MS = 60_000;

export interface ReconcilerDeps {
  readonly config: Config;
  readonly node: NodeFacts;
  readonly imds: ImdsPort;
  readonly ec2Context: Ec2Context;
  readonly actions: EniActions;
  readonly host: HostNetwork;
  readonly cooldown: ReconcileCooldown;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  /** Attached ENIs the daemon does not manage (learned at init and here). */
  readonly unmanagedEnis: Set<string>;
}

/**
 * The periodic reconcile with IMDS and EC2 (the reference's nodeIPPoolReconcile). IMDS is read
 * first because it is free; whenever it disagrees with the datastore, EC2 decides. Nothing is taken
 * away on IMDS's word alone: an ENI missing from IMDS is swept only when EC2 confirms it is no
 * longer attached here, and an address only when EC2 no longer lists it (#1967, #3019, #3887).
 */
export class Reconciler {
  private readonly deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  /** Reconciles every card whose pool has been quiet for 60 s (or all, when `force`). */
  async reconcile(pools: readonly CardPool[], force = false): Promise<void> {
    const { imds, scheduler, metrics, logger } = this.deps;
    const due = pools.filter(
      (pool) => force || scheduler.now() - pool.lastPoolActionAt >= RECONCILE_INTERVAL_MS,
    );
    if (due.length === 0) return;
    let attached: ImdsEni[];
    try {
      attached = await imds.listEnis();
    } catch (error) {
      metrics.ipamdErrors.inc({ fn: 'reconcileFailedGetENIs' });
      logger.warn({ err: error }, 'reconcile: cannot list ENIs from IMDS');
      return;
    }
    for (const pool of due) {
      await pool.exclusive(async () => {
        metrics.actionInProgress.inc({ fn: 'nodeIPPoolReconcile' });
        try {
          await this.reconcileCard(
            pool,
            attached.filter((eni) => eni.networkCard === pool.card),
          );
        } catch (error) {
          metrics.ipamdErrors.inc({ fn: 'nodeIPPoolReconcile' });
          logger.error({ err: error, card: pool.card }, 'reconcile failed');
        } finally {
          metrics.actionInProgress.dec({ fn: 'nodeIPPoolReconcile' });
          pool.lastPoolActionAt = scheduler.now();
        }
      });
    }
  }

  private async reconcileCard(pool: CardPool, attached: readonly ImdsEni[]): Promise<void> {
    const managed = attached.filter((eni) => !this.deps.unmanagedEnis.has(eni.eniId));
    for (const eni of managed) {
      if (pool.datastore.hasEni(eni.eniId)) await this.reconcileAddresses(pool, eni);
    }
    await this.adoptNewEnis(
      pool,
      managed.filter((eni) => !pool.datastore.hasEni(eni.eniId)),
    );
    const seen = new Set(attached.map((eni) => eni.eniId));
    for (const eni of pool.datastore.enis()) {
      if (!seen.has(eni.id) && !eni.isPrimary) await this.sweepIfGone(pool, eni.id);
    }
  }

  /** Compares an ENI's CIDRs with IMDS; on any difference EC2's list is the truth. */
  private async reconcileAddresses(pool: CardPool, seen: ImdsEni): Promise<void> {
    const { ec2Context, cooldown, scheduler, metrics } = this.deps;
    const inPool = new Set(pool.datastore.cidrsOf(seen.eniId).map((c) => c.cidr));
    const inImds = cidrSet(seen.ipv4Addresses.slice(1), seen.ipv4Prefixes);
    if (sameSet(inPool, inImds)) return;
    const truth = await describeEni(ec2Context, seen.eniId);
    if (!truth) return;
    const inEc2 = cidrSet(
      truth.privateIpv4.filter((ip) => !ip.primary).map((ip) => ip.address),
      truth.ipv4Prefixes,
    );
    const now = scheduler.now();
    let added = 0;
    for (const cidr of inEc2) {
      if (inPool.has(cidr) || cooldown.isCooling(cidr, now)) continue;
      pool.datastore.addCidr(seen.eniId, cidr, !cidr.endsWith('/32'));
      metrics.reconcileCount.inc({ fn: 'eniDataStorePoolReconcileAdd' });
      added++;
    }
    if (added > 0) pool.waiters.capacityAdded();
    for (const cidr of inPool) {
      if (inEc2.has(cidr)) continue;
      const removed = pool.datastore
        .allocations()
        .filter((a) => a.eniId === seen.eniId && a.cidr === cidr);
      await this.recordAndCommit(
        pool,
        removed,
        'address-gone',
        `EC2 no longer lists ${cidr} on ${seen.eniId}`,
        () => pool.datastore.removeCidr(seen.eniId, cidr, true),
      );
      metrics.reconcileCount.inc({ fn: 'eniIPPoolReconcileDel' });
    }
  }

  /** ENIs attached here that the pool does not know yet: tag, set up, adopt (or mark unmanaged). */
  private async adoptNewEnis(pool: CardPool, fresh: readonly ImdsEni[]): Promise<void> {
    if (fresh.length === 0) return;
    const { ec2Context, config, node, logger, metrics, actions } = this.deps;
    let described: readonly EniDescription[] = [];
    if (!config.imdsOnlyMode)
      described = (
        await describeEnis(
          ec2Context,
          fresh.map((eni) => eni.eniId),
        )
      ).enis;
    const byId = new Map(described.map((eni) => [eni.eniId, eni]));
    for (const seen of fresh) {
      const truth = byId.get(seen.eniId);
      if (!config.imdsOnlyMode && !truth) continue; // IMDS lists an ENI EC2 no longer has: ignore it
      const tags = truth?.tags ?? {};
      const interfaceType = truth?.interfaceType ?? 'interface';
      const managed =
        interfaceType !== 'efa-only' &&
        isEniManaged({
          tags,
          instanceId: node.instanceId,
          isPrimary: seen.isPrimary,
          manageUntaggedEni: config.manageUntaggedEni,
        });
      if (!managed) {
        this.deps.unmanagedEnis.add(seen.eniId);
        pool.unmanagedEnis++;
        continue;
      }
      if (!config.disableNetworkResourceProvisioning && interfaceType !== 'trunk') {
        try {
          await ensureEniTags(ec2Context, seen.eniId, tags);
        } catch (error) {
          logger.warn(
            { err: error, eniId: seen.eniId },
            'reconcile: tagging the ENI failed; trying again next time',
          );
          continue;
        }
      }
      const adopted = await actions.adoptEni(pool, {
        eniId: seen.eniId,
        mac: seen.mac,
        deviceNumber: seen.deviceNumber,
        isPrimary: seen.isPrimary,
        subnetId: seen.subnetId,
        subnetCidr: seen.subnetIpv4Cidr,
        primaryIp: seen.ipv4Addresses[0] ?? '',
        secondaryIps: truth
          ? truth.privateIpv4.filter((ip) => !ip.primary).map((ip) => ip.address)
          : seen.ipv4Addresses.slice(1),
        prefixes: truth ? truth.ipv4Prefixes : seen.ipv4Prefixes,
        interfaceType,
      });
      if (adopted) {
        metrics.reconcileCount.inc({ fn: 'eniReconcileAdd' });
        logger.info({ eniId: seen.eniId, card: pool.card }, 'reconcile: adopted an attached ENI');
      }
    }
  }

  /** An ENI IMDS no longer lists: removed only when EC2 agrees it is not attached here. */
  private async sweepIfGone(pool: CardPool, eniId: string): Promise<void> {
    const { ec2Context, node, logger, metrics } = this.deps;
    const truth = await describeEni(ec2Context, eniId);
    const attachment = truth?.attachment;
    if (
      attachment &&
      attachment.instanceId === node.instanceId &&
      attachment.status !== 'detached'
    ) {
      logger.debug(
        { eniId },
        'reconcile: IMDS does not list the ENI yet, EC2 has it attached; keeping it',
      );
      return;
    }
    const removed = pool.datastore.allocations().filter((a) => a.eniId === eniId);
    await this.recordAndCommit(
      pool,
      removed,
      'eni-detached',
      `${eniId} is no longer attached to ${node.instanceId}`,
      () => pool.datastore.removeEni(eniId, true),
    );
    metrics.reconcileCount.inc({ fn: 'eniReconcileDel' });
    if (removed.length > 0) {
      metrics.forceRemovedEnis.inc();
      metrics.forceRemovedIps.inc(removed.length);
    }
    await pool.forgetEniNetwork(this.deps.host, eniId).catch(() => undefined);
    logger.warn(
      { eniId, pods: removed.length },
      'reconcile: removed an ENI that is no longer attached',
    );
  }

  /** Records what a forced removal takes from pods, removes, then makes the checkpoint match. */
  private async recordAndCommit(
    pool: CardPool,
    removed: Parameters<typeof recordRemovedAllocations>[1],
    reason: RemovalReason,
    detail: string,
    remove: () => unknown,
  ): Promise<void> {
    await recordRemovedAllocations(
      pool.checkpoint.path,
      removed,
      reason,
      detail,
      this.deps.scheduler.now(),
      pool.checkpoint.fs,
    );
    remove();
    if (removed.length > 0) await pool.checkpoint.commit();
  }
}

function cidrSet(addresses: readonly string[], prefixes: readonly string[]): Set<string> {
  return new Set([...addresses.map((ip) => `${ip}/32`), ...prefixes]);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
