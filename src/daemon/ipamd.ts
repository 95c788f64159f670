import type { Ec2Port } from '../aws/ec2-port.ts';
import type { InstanceIdentity } from '../aws/imds-port.ts';
import { VpcCidrWatch } from '../host/snat/vpc-cidr-watch.ts';
import { type EnisIntrospection, enisIntrospection } from '../ipam/datastore-view.ts';
import { type EniConfigNameSource, selectEniConfigName } from '../ipam/eni/eni-config.ts';
import {
  LEAKED_ENI_CLEANUP_INTERVAL_MS,
  LEAKED_ENI_FIRST_RUN_MAX_DELAY_MS,
} from '../ipam/eni/leaked.ts';
import { poolModeFor } from '../ipam/warm-pool/pool-mode.ts';
import type { CardPool } from './card-pool.ts';
import type { MismatchedEni } from './custom-networking/eni-config-convergence.ts';
import type { Ec2Context } from './ec2-context.ts';
import type { EniActions } from './eni-actions.ts';
import { cleanUpLeakedEnis } from './leaked-eni-cleanup.ts';
import type { NodeFacts } from './node-facts.ts';
import {
  type CustomNetworkingParts,
  type InitializedNode,
  initNode,
  type NodePorts,
} from './node-init.ts';
import type { MaxPodsView, NodeMaxPods } from './node-max-pods.ts';
import { PodAllocator } from './pod-allocator.ts';
import { PodIpAnnotations } from './pod-ip-annotations.ts';
import { PoolManager } from './pool-manager.ts';
import { Reconciler } from './reconciler.ts';

/** The reference's pool loop period; in reactive mode it is only the safety net. */
export const POOL_TICK_MS = 5_000;
/** VPC CIDRs and security groups are re-read this often. */
export const REFRESH_MS = 30_000;

export interface StartOptions {
  /**
   * Grow every card whose pool is too low before returning (the reference's pre-scaling; default
   * true). Unit tests that drive each pool pass themselves turn it off.
   */
  readonly prescale?: boolean;
}

/**
 * One node's ipamd, composed in one place from its ports (`Ipamd.start`): node init and
 * pre-scaling, then the pool manager, reconcile and the 30 s refreshes on timers (`startTimers`).
 * `vpc-ipamd run` (src/daemon/run-daemon.ts), `plan` and the tests all build their node here;
 * the gRPC, metrics and introspection servers are the caller's and talk to `podNetwork` (the
 * PodAllocator) and `introspectEnis`.
 */
export class Ipamd {
  readonly node: NodeFacts;
  readonly pools: readonly CardPool[];
  readonly podNetwork: PodAllocator;
  readonly poolManager: PoolManager;
  readonly reconciler: Reconciler;
  /** The pool-changing EC2 + host + datastore steps (tests drive them directly). */
  readonly actions: EniActions;
  /** CIDRs released to EC2 in the last 60 s, which reconcile must not re-add from IMDS. */
  readonly cooldown: InitializedNode['cooldown'];
  /** Attached ENIs the daemon does not manage. */
  readonly unmanagedEnis: ReadonlySet<string>;
  /** The node's max pods, following kubelet's capacity. */
  readonly maxPods: NodeMaxPods;
  /** ANNOTATE_POD_IP's updates (absent when off). */
  readonly podIps: PodIpAnnotations | undefined;
  private readonly customNetworking: CustomNetworkingParts | undefined;
  private readonly deps: NodePorts;
  private readonly ec2Context: Ec2Context;
  private readonly stopTimers: (() => void)[] = [];
  private terminating = false;
  private tickRunning = false;

  private constructor(deps: NodePorts, init: InitializedNode) {
    this.deps = deps;
    this.node = init.node;
    this.pools = init.pools;
    this.actions = init.actions;
    this.cooldown = init.cooldown;
    this.unmanagedEnis = init.unmanagedEnis;
    this.ec2Context = init.ec2Context;
    this.maxPods = init.maxPods;
    this.customNetworking = init.customNetworking;
    const { config, scheduler, logger, metrics } = deps;
    this.podIps =
      config.annotatePodIp && deps.podAnnotator
        ? new PodIpAnnotations({ annotator: deps.podAnnotator, logger, metrics })
        : undefined;
    this.poolManager = new PoolManager({
      config,
      mode: poolModeFor(config.warmPoolMode),
      scheduler,
      actions: init.actions,
      logger,
      metrics,
      isTerminating: () => this.terminating,
    });
    this.reconciler = new Reconciler({
      config,
      node: init.node,
      imds: deps.imds,
      ec2Context: init.ec2Context,
      actions: init.actions,
      host: deps.host,
      cooldown: init.cooldown,
      scheduler,
      logger,
      metrics,
      unmanagedEnis: init.unmanagedEnis,
    });
    this.podNetwork = new PodAllocator({
      config,
      node: init.node,
      pools: init.pools,
      scheduler,
      logger,
      metrics,
      wakePool: (pool, reason) => this.poolManager.wake(pool, reason),
      releaseUnusedPrefixes: (pool, eniId) => {
        void pool.exclusive(() =>
          this.actions.releaseCidrs(
            pool,
            eniId,
            pool.datastore.freeableCidrs(eniId).filter((c) => c.isPrefix),
          ),
        );
      },
      ...(this.podIps ? { podIps: this.podIps } : {}),
    });
  }

  /**
   * Follows the Kubernetes side from now on: kubelet's capacity (max pods) and, with custom
   * networking, the node's ENIConfig — a change wakes the pools and re-judges the ENIs.
   */
  private async followNodeConfig(): Promise<void> {
    const wake = (pool: CardPool) => this.poolManager.wake(pool, 'node_config');
    this.maxPods.follow(this.node, this.pools, wake);
    const custom = this.customNetworking;
    if (!custom) return;
    custom.desired.onChange(() => {
      for (const pool of this.pools) wake(pool);
    });
    await custom.convergence.start(this.pools, wake);
  }

  /** Node init, then pre-scaling of every card whose pool is too low (the reference's nodeInit). */
  static async start(deps: NodePorts, options: StartOptions = {}): Promise<Ipamd> {
    const { metrics, scheduler, logger } = deps;
    const started = scheduler.now();
    metrics.actionInProgress.inc({ fn: 'nodeInit' });
    let ipamd: Ipamd;
    try {
      ipamd = new Ipamd(deps, await initNode(deps));
      await ipamd.followNodeConfig();
      if (options.prescale !== false && !deps.config.disableNetworkResourceProvisioning) {
        for (const pool of ipamd.pools) {
          if (pool.policy.isTooLow(pool.stats())) await ipamd.poolManager.runPass(pool, 'init');
        }
      }
      metrics.nodeInitDuration.observe({ success: 'true' }, (scheduler.now() - started) / 1000);
    } catch (error) {
      metrics.nodeInitDuration.observe({ success: 'false' }, (scheduler.now() - started) / 1000);
      throw error;
    } finally {
      metrics.actionInProgress.dec({ fn: 'nodeInit' });
    }
    logger.info(
      {
        instanceId: ipamd.node.instanceId,
        instanceType: ipamd.node.instanceType,
        cards: ipamd.pools.map((p) => ({ card: p.card, ...p.stats() })),
      },
      'node initialised',
    );
    return ipamd;
  }

  /** Starts the pool loop, the 30 s refreshes and the hourly leaked-ENI cleanup. */
  startTimers(): void {
    const { scheduler, config } = this.deps;
    this.stopTimers.push(scheduler.every(POOL_TICK_MS, () => void this.tick()));
    const watch = new VpcCidrWatch({
      source: () => this.deps.imds.getVpcIpv4Cidrs(),
      apply: async (cidrs) => {
        await this.deps.host.updateSnat(cidrs);
        this.node.live.vpcCidrs = cidrs;
      },
      initial: this.node.live.vpcCidrs,
      intervalMs: REFRESH_MS,
      scheduler: {
        setTimeout: (callback, ms) => scheduler.after(ms, callback),
        clearTimeout: (cancel) => (cancel as () => void)(),
      },
      log: this.deps.logger,
    });
    watch.start();
    this.stopTimers.push(() => watch.stop());
    if (!config.disableNetworkResourceProvisioning) {
      this.stopTimers.push(scheduler.every(REFRESH_MS, () => void this.refreshSecurityGroups()));
    }
    if (!config.disableLeakedEniCleanup) {
      const firstDelay = Math.floor(
        (this.deps.random ?? Math.random)() * LEAKED_ENI_FIRST_RUN_MAX_DELAY_MS,
      );
      this.stopTimers.push(
        scheduler.after(firstDelay, () => {
          void this.cleanUpLeakedEnis();
          this.stopTimers.push(
            scheduler.every(LEAKED_ENI_CLEANUP_INTERVAL_MS, () => void this.cleanUpLeakedEnis()),
          );
        }),
      );
    }
  }

  /** SIGTERM: no more growth and no ENI frees; ADDs and DELs are still served (the reference). */
  terminate(): void {
    this.terminating = true;
    // Whatever replaces this daemon (the reference too, after a downgrade) reads an exact snapshot.
    for (const pool of this.pools) pool.checkpoint.snapshotEveryCommit();
    this.deps.logger.info('terminating: pool growth and ENI frees stopped; still serving pods');
  }

  get isTerminating(): boolean {
    return this.terminating;
  }

  /** Stops the timers, waits until every checkpoint write has landed, writes whole snapshots. */
  async stop(): Promise<void> {
    for (const stop of this.stopTimers.splice(0)) stop();
    await Promise.all(this.pools.map((pool) => pool.checkpoint.close()));
  }

  /** One tick of the reference's loop: pool passes, then reconcile when the pool was quiet 60 s. */
  async tick(): Promise<void> {
    if (this.tickRunning) return;
    this.tickRunning = true;
    try {
      for (const pool of this.pools) await this.poolManager.runPass(pool, 'tick');
      await this.reconciler.reconcile(this.pools);
      // ENIs reconcile adopted are judged against the ENIConfig too (a Describe only for those).
      await this.customNetworking?.convergence.evaluate();
    } finally {
      this.tickRunning = false;
    }
  }

  /** `/v1/enis`: card index → the datastore view, as the reference shows it. */
  introspectEnis(): EnisIntrospection {
    return enisIntrospection(
      this.pools.map((pool) => ({ networkCard: pool.card, snapshot: pool.datastore.describe() })),
    );
  }

  /**
   * `/v1/eni-configs`: the ENIConfig name the node's labels and annotation choose (whether or not
   * custom networking is on, as the reference); undefined when the Node cannot be read (→ 404).
   */
  eniConfigName(): string | undefined {
    const node = this.deps.nodeInfo?.current();
    if (!node) return undefined;
    const { eniConfigLabelKey, eniConfigAnnotationKey } = this.deps.config;
    return selectEniConfigName(node, {
      labelKey: eniConfigLabelKey,
      annotationKey: eniConfigAnnotationKey,
    }).name;
  }

  /** `/v1/eni-config-status` (ours): what custom networking uses now, or why nothing. */
  eniConfigStatus(): EniConfigStatus {
    const custom = this.customNetworking;
    if (!custom) return { customNetworking: false };
    const desired = custom.desired.current();
    return {
      customNetworking: true,
      state: desired.state,
      ...('choice' in desired ? { name: desired.choice.name, source: desired.choice.source } : {}),
      ...(desired.state === 'ready'
        ? { subnet: desired.spec.subnetId, securityGroups: desired.spec.securityGroupIds }
        : { reason: desired.reason }),
      mismatchedEnis: custom.convergence.mismatchedEnis(),
    };
  }

  /** `/v1/max-pods` (ours). */
  maxPodsView(): MaxPodsView {
    return this.maxPods.view();
  }

  /**
   * Refreshes the datastore gauges, summed over cards (the reference's last-writer-wins per card
   * is replaced by a node total; docs/compat.md).
   */
  refreshMetrics(): void {
    const { metrics } = this.deps;
    let enis = 0;
    let total = 0;
    let assigned = 0;
    let prefixes = 0;
    let eniMax = 0;
    metrics.assignedIpPerCidr.reset();
    metrics.assignedIpPerEni.reset();
    for (const pool of this.pools) {
      const inventory = pool.datastore.inventory();
      enis += pool.datastore.eniCount;
      total += inventory.totalAddresses;
      assigned += inventory.assignedAddresses;
      prefixes += inventory.prefixes;
      eniMax += pool.maxEni - pool.unmanagedEnis;
      for (const use of pool.datastore.assignedPerCidr())
        metrics.assignedIpPerCidr.set({ cidr: use.cidr }, use.assigned);
      for (const use of pool.datastore.assignedPerEni())
        metrics.assignedIpPerEni.set({ eni: use.eniId }, use.assigned);
      metrics.checkpointWrites.set(
        { card: String(pool.card), result: 'success' },
        pool.checkpoint.counts().writes,
      );
      metrics.checkpointWrites.set(
        { card: String(pool.card), result: 'error' },
        pool.checkpoint.counts().failures,
      );
    }
    metrics.enisAllocated.set(enis);
    metrics.totalIpAddresses.set(total);
    metrics.assignedIpAddresses.set(assigned);
    metrics.totalIpv4Prefixes.set(prefixes);
    metrics.eniMax.set(eniMax);
    metrics.ipMax.set(eniMax * this.node.limits.maxIPsPerEni);
    metrics.waitingAdds.set(this.pools.reduce((n, pool) => n + pool.waiters.count, 0));
    if (this.customNetworking)
      metrics.eniConfigMismatchedEnis.set(
        this.customNetworking.convergence.mismatchedEnis().length,
      );
  }

  private async refreshSecurityGroups(): Promise<void> {
    const { imds, ec2, config, logger } = this.deps;
    try {
      const groups = [...(await imds.getSecurityGroupIds())].sort();
      if (groups.join(',') === this.node.live.securityGroupIds.join(',')) return;
      this.node.live.securityGroupIds = groups;
      logger.info({ securityGroups: groups }, 'primary ENI security groups changed');
      // Custom networking leaves ENIs' groups alone; an ENIConfig without groups means these,
      // so ENIs are judged again.
      if (config.customNetworking) {
        await this.customNetworking?.convergence.evaluate();
        return;
      }
      for (const pool of this.pools) {
        for (const eni of pool.datastore.enis()) {
          if (eni.isPrimary) continue;
          await ec2
            .setSecurityGroups(eni.id, groups)
            .catch((error: unknown) =>
              logger.warn({ err: error, eniId: eni.id }, 'updating ENI security groups failed'),
            );
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'reading security groups from IMDS failed');
    }
  }

  private async cleanUpLeakedEnis(): Promise<void> {
    try {
      const report = await cleanUpLeakedEnis(this.ec2Context, this.node.vpcId);
      this.deps.logger.info(
        { deleted: report.deleted, tagged: report.tagged, failed: report.failed.length },
        'leaked-ENI cleanup',
      );
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'leaked-ENI cleanup failed');
    }
  }
}

export type { Ec2Port, InstanceIdentity };

/** `/v1/eni-config-status`. */
export interface EniConfigStatus {
  readonly customNetworking: boolean;
  readonly state?: string;
  readonly name?: string;
  readonly source?: EniConfigNameSource;
  readonly reason?: string;
  readonly subnet?: string;
  readonly securityGroups?: readonly string[];
  readonly mismatchedEnis?: readonly MismatchedEni[];
}
