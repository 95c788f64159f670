import type { EniDescription } from '../aws/ec2-port.ts';
import { isEc2Error } from '../aws/errors.ts';
import type { Config } from '../config/types.ts';
import { EniLinkNotFoundError, type HostNetwork } from '../host/host-network.ts';
import { isDatastoreError } from '../ipam/datastore-errors.ts';
import { retryWithBackoff } from '../ipam/eni/backoff.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import { assignAddresses } from './assign-addresses.ts';
import type { CardPool } from './card-pool.ts';
import { describeEni } from './describe-enis.ts';
import type { Ec2Context } from './ec2-context.ts';
import { allocateEni, freeEni } from './eni-lifecycle.ts';
import type { EniPlacement } from './eni-placement.ts';
import type { NodeFacts } from './node-facts.ts';
import type { ReconcileCooldown } from './reconcile-cooldown.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * The EC2 + datastore + host steps that change one card's pool: grow an ENI, create one, adopt
 * one, free one, release CIDRs. Callers hold the card's mutex. EC2's answer is authoritative for
 * what it just did: new addresses go into the pool at once, without waiting for IMDS.
 */

/** An ENI to put into a card's pool: from discovery, reconcile or a fresh allocation. */
export interface EniToAdopt {
  readonly eniId: string;
  readonly mac: string;
  readonly deviceNumber: number;
  readonly isPrimary: boolean;
  readonly subnetId: string;
  /** From IMDS; undefined when only EC2 knew the ENI (then looked up by subnet ID). */
  readonly subnetCidr: string | undefined;
  readonly primaryIp: string;
  readonly secondaryIps: readonly string[];
  readonly prefixes: readonly string[];
  /** 'interface' | 'trunk' | 'efa' | 'efa-only' | … */
  readonly interfaceType: string;
}

/** What an ENI grows with. */
export type AddressKind = 'secondaryIpv4' | 'ipv4Prefix';

export interface EniActionsDeps {
  readonly ec2Context: Ec2Context;
  readonly placement: EniPlacement;
  readonly host: HostNetwork;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  readonly config: Config;
  readonly node: NodeFacts;
  readonly cooldown: ReconcileCooldown;
}

export class EniActions {
  private readonly deps: EniActionsDeps;
  private readonly subnetCidrs = new Map<string, string>();

  constructor(deps: EniActionsDeps) {
    this.deps = deps;
  }

  /** What the mode grows with: /28 prefixes with prefix delegation, else /32 secondary addresses. */
  private modeKind(): AddressKind {
    return this.deps.node.limits.prefixDelegation ? 'ipv4Prefix' : 'secondaryIpv4';
  }

  /** Remembers a subnet's CIDR (from IMDS) so set-up need not ask EC2. */
  noteSubnetCidr(subnetId: string, cidr: string): void {
    this.subnetCidrs.set(subnetId, cidr);
  }

  /**
   * Assigns `count` more addresses (prefixes in PD mode, or `kind` when given) to an ENI;
   * resolves with how many were added.
   */
  async growEni(
    pool: CardPool,
    eniId: string,
    count: number,
    kind: AddressKind = this.modeKind(),
  ): Promise<number> {
    const { ec2Context: ctx, node } = this.deps;
    const prefixes = kind === 'ipv4Prefix';
    let granted: string[];
    try {
      granted = await assignAddresses(ctx, eniId, kind, count, {
        maxCount: node.limits.maxAssignPerEni,
      });
    } catch (error) {
      // EC2 says the ENI is full while the datastore thinks it is not: the datastore is out of
      // sync, so take EC2's list of the ENI's addresses instead (the reference's
      // PrivateIpAddressLimitExceeded handling).
      if (!isEc2Error(error, 'limitExceeded')) throw error;
      this.deps.logger.warn({ eniId }, 'EC2 says the ENI is full; syncing its addresses from EC2');
      const described = await describeEni(ctx, eniId);
      return described
        ? this.addAddresses(
            pool,
            eniId,
            described.privateIpv4.filter((ip) => !ip.primary).map((ip) => ip.address),
            described.ipv4Prefixes,
          )
        : 0;
    }
    return prefixes
      ? this.addAddresses(pool, eniId, [], granted)
      : this.addAddresses(pool, eniId, granted, []);
  }

  /**
   * Creates, attaches and sets up a new ENI with `count` addresses (prefixes in PD mode) and puts
   * it into the pool; resolves with how many addresses were added (0 when it did not attach in
   * time: reconcile adopts it later).
   */
  async createEni(
    pool: CardPool,
    count: number,
    kind: AddressKind = this.modeKind(),
  ): Promise<number> {
    if (count <= 0) return 0;
    const { ec2Context: ctx, node, config } = this.deps;
    const placement = await this.deps.placement.placeNewEni(pool.card);
    for (const subnet of placement.subnets)
      if (subnet.cidrBlock) this.subnetCidrs.set(subnet.subnetId, subnet.cidrBlock);
    const allocated = await allocateEni(ctx, {
      subnetIds: placement.subnets.map((subnet) => subnet.subnetId),
      securityGroupIds: placement.securityGroupIds,
      addresses: { kind, count },
      maxAddressCount: node.limits.maxAssignPerEni,
      networkCardIndex: pool.card,
      ...(node.connectionTracking ? { connectionTracking: node.connectionTracking } : {}),
    });
    const eni = await this.waitUntilAttached(allocated.eni.eniId);
    if (!eni) {
      this.deps.metrics.ipamdErrors.inc({ fn: 'waitENIAttachedMaxRetryExceeded' });
      this.deps.logger.error(
        { eniId: allocated.eni.eniId },
        'new ENI did not reach attached; reconcile will adopt it',
      );
      return 0;
    }
    const before = pool.datastore.inventory().totalAddresses;
    const adopted = await this.adoptEni(pool, {
      eniId: eni.eniId,
      mac: eni.macAddress,
      deviceNumber: allocated.deviceIndex,
      isPrimary: false,
      subnetId: eni.subnetId,
      subnetCidr: await this.subnetCidr(eni.subnetId),
      primaryIp: eni.primaryIpv4 ?? '',
      secondaryIps: eni.privateIpv4.filter((ip) => !ip.primary).map((ip) => ip.address),
      prefixes: eni.ipv4Prefixes,
      interfaceType: eni.interfaceType,
    });
    if (adopted) this.deps.placement.eniCreated?.(eni);
    if (adopted)
      this.deps.logger.info(
        {
          eniId: eni.eniId,
          card: pool.card,
          subnet: eni.subnetId,
          customNetworking: config.customNetworking,
        },
        'ENI added to the pool',
      );
    return pool.datastore.inventory().totalAddresses - before;
  }

  /**
   * Sets up an attached ENI on the host and puts it and its addresses into the pool (the
   * reference's setupENI). False when its Linux link never showed up.
   */
  async adoptEni(pool: CardPool, eni: EniToAdopt): Promise<boolean> {
    const { host, logger, metrics } = this.deps;
    const network = {
      eniId: eni.eniId,
      mac: eni.mac,
      primaryIp: eni.primaryIp,
      subnetCidr: eni.subnetCidr ?? (await this.subnetCidr(eni.subnetId)),
      deviceNumber: eni.deviceNumber,
      networkCard: pool.card,
      isTrunk: eni.interfaceType === 'trunk',
      maxEnisPerCard: this.deps.node.limits.maxEni,
    };
    let routeTableId: number;
    try {
      routeTableId = (await host.setupEni(network)).routeTableId;
    } catch (error) {
      if (!(error instanceof EniLinkNotFoundError)) throw error;
      metrics.ipamdErrors.inc({ fn: 'waitENIAttachedMaxRetryExceeded' });
      logger.error(
        { eniId: eni.eniId, mac: eni.mac },
        'no Linux link has the ENI MAC; skipping the ENI for now',
      );
      return false;
    }
    pool.eniNetworks.set(eni.eniId, network);
    try {
      pool.datastore.addEni({
        id: eni.eniId,
        deviceNumber: eni.deviceNumber,
        isPrimary: eni.isPrimary,
        isTrunk: eni.interfaceType === 'trunk',
        isEfa: eni.interfaceType === 'efa',
        subnetId: eni.subnetId,
        routeTableId,
      });
    } catch (error) {
      if (!isDatastoreError(error, 'duplicate-eni')) throw error;
    }
    this.addAddresses(pool, eni.eniId, eni.secondaryIps, eni.prefixes);
    return true;
  }

  /**
   * Frees an ENI with no assigned address: out of the datastore first (so nothing is assigned from
   * it meanwhile), then detach + delete in EC2, then its host rules.
   */
  async freeEni(pool: CardPool, eniId: string): Promise<boolean> {
    const { ec2Context: ctx, host, logger, metrics } = this.deps;
    try {
      pool.datastore.removeEni(eniId, false);
    } catch (error) {
      logger.warn({ eniId, err: error }, 'ENI not freed: it is in use or unknown');
      return false;
    }
    try {
      const result = await freeEni(ctx, eniId);
      logger.info({ eniId, result }, 'ENI freed');
    } catch (error) {
      metrics.ipamdErrors.inc({ fn: 'decreaseIPPool' });
      logger.error({ eniId, err: error }, 'freeing the ENI in EC2 failed');
      // Still attached when detaching failed: reconcile re-adopts it. After a failed delete it is
      // detached, so its host rules must go either way (the reference's tryFreeENI).
      if (!isEc2Error(error) || error.action !== 'DeleteNetworkInterface') return false;
    }
    await pool
      .forgetEniNetwork(host, eniId)
      .catch((error: unknown) => logger.warn({ eniId, err: error }, 'ENI host teardown failed'));
    return true;
  }

  /**
   * Releases up to `over` CIDRs with no assigned address, ENI by ENI (the reference's
   * tryUnassignCidrsFromAll). `includeCooling`: a /32 whose address is still in pod-IP cooldown
   * may go too (the reference; EC2 may then give a just-deleted pod's address to another node).
   */
  async releaseFreeCidrs(
    pool: CardPool,
    over: number,
    options: { readonly includeCooling: boolean },
  ): Promise<number> {
    const { includeCooling } = options;
    let released = 0;
    for (const eni of pool.datastore.enis()) {
      if (released >= over) break;
      const freeable = pool.datastore
        .freeableCidrs(eni.id, { includeCooling })
        .slice(0, over - released);
      released += await this.releaseCidrs(pool, eni.id, freeable);
    }
    return released;
  }

  /**
   * Gives CIDRs of one ENI back to EC2: only those EC2 still lists on it (re-checked first), each
   * taken out of the datastore before the call (refused when a pod got it meanwhile) and put back
   * if the call fails. Released ones enter the 60 s reconcile cooldown.
   */
  async releaseCidrs(
    pool: CardPool,
    eniId: string,
    cidrs: readonly { cidr: string; isPrefix: boolean }[],
  ): Promise<number> {
    if (cidrs.length === 0) return 0;
    const { ec2Context: ctx, logger, scheduler, cooldown } = this.deps;
    const current = await describeEni(ctx, eniId);
    if (!current) return 0;
    const onEni = new Set([
      ...current.privateIpv4.map((ip) => `${ip.address}/32`),
      ...current.ipv4Prefixes,
    ]);
    const taken: { cidr: string; isPrefix: boolean }[] = [];
    for (const item of cidrs) {
      if (!onEni.has(item.cidr)) continue;
      try {
        pool.datastore.removeCidr(eniId, item.cidr, false);
        taken.push(item);
      } catch (error) {
        if (!isDatastoreError(error)) throw error;
      }
    }
    const prefixes = taken.filter((item) => item.isPrefix).map((item) => item.cidr);
    const addresses = taken
      .filter((item) => !item.isPrefix)
      .map((item) => item.cidr.replace(/\/32$/, ''));
    try {
      await ctx.ec2.unassignIpv4Prefixes(eniId, prefixes);
      await ctx.ec2.unassignPrivateIpAddresses(eniId, addresses);
    } catch (error) {
      logger.error(
        { eniId, err: error },
        'releasing addresses to EC2 failed; keeping them in the pool',
      );
      this.deps.metrics.ipamdErrors.inc({ fn: 'decreaseIPPool' });
      for (const item of taken) this.addCidr(pool, eniId, item.cidr, item.isPrefix);
      return 0;
    }
    const now = scheduler.now();
    for (const item of taken) cooldown.add(item.cidr, now);
    if (taken.length > 0)
      logger.info({ eniId, cidrs: taken.map((item) => item.cidr) }, 'released addresses to EC2');
    return taken.length;
  }

  private async subnetCidr(subnetId: string): Promise<string> {
    const known = this.subnetCidrs.get(subnetId);
    if (known) return known;
    const [subnet] = await this.deps.ec2Context.ec2.describeSubnets({ subnetIds: [subnetId] });
    if (!subnet) throw new Error(`subnet ${subnetId} is unknown to EC2`);
    this.subnetCidrs.set(subnetId, subnet.cidrBlock);
    return subnet.cidrBlock;
  }

  /** Polls EC2 (not IMDS) until the attachment is 'attached'. */
  private async waitUntilAttached(eniId: string): Promise<EniDescription | undefined> {
    const { ec2Context: ctx } = this.deps;
    try {
      return await retryWithBackoff(
        ctx.schedules.waitForAttachment,
        { sleep: (ms) => ctx.scheduler.sleep(ms), random: ctx.random },
        async () => {
          const eni = await describeEni(ctx, eniId);
          if (eni?.attachment?.status !== 'attached')
            throw new Error(`ENI ${eniId} is not attached yet`);
          return eni;
        },
      );
    } catch {
      return undefined;
    }
  }

  private addAddresses(
    pool: CardPool,
    eniId: string,
    secondaryIps: readonly string[],
    prefixes: readonly string[],
  ): number {
    let added = 0;
    for (const ip of secondaryIps) added += this.addCidr(pool, eniId, `${ip}/32`, false);
    for (const prefix of prefixes) added += this.addCidr(pool, eniId, prefix, true);
    if (added > 0) pool.waiters.capacityAdded();
    return added;
  }

  /** 1 when added, 0 when it was already there. */
  private addCidr(pool: CardPool, eniId: string, cidr: string, isPrefix: boolean): number {
    try {
      pool.datastore.addCidr(eniId, cidr, isPrefix);
      return 1;
    } catch (error) {
      if (isDatastoreError(error, 'ip-already-in-store')) return 0;
      throw error;
    }
  }
}
