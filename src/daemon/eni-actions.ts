import { retryWithBackoff, WAIT_FOR_ATTACHMENT_BACKOFF } from '../aws/backoff.ts';
import type { Ec2Port, EniDescription } from '../aws/ec2-port.ts';
import { isEc2Error } from '../aws/errors.ts';
import { isSubnetExcluded, subnetsForNewEni } from '../aws/subnet-selection.ts';
import type { Config } from '../config/types.ts';
import { EniLinkNotFoundError, type HostNetwork } from '../host/host-network.ts';
import { isDatastoreError } from '../ipam/datastore-errors.ts';
import type { Logger } from '../observe/logger.ts';
import type { IpamdMetrics } from '../observe/metrics.ts';
import type { CardPool } from './card-pool.ts';
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

export interface EniActionsDeps {
  readonly ec2: Ec2Port;
  readonly host: HostNetwork;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
  readonly config: Config;
  readonly node: NodeFacts;
  readonly cooldown: ReconcileCooldown;
  readonly random?: () => number;
}

export class EniActions {
  private readonly deps: EniActionsDeps;
  private readonly subnetCidrs = new Map<string, string>();

  constructor(deps: EniActionsDeps) {
    this.deps = deps;
  }

  /** Remembers a subnet's CIDR (from IMDS) so set-up need not ask EC2. */
  noteSubnetCidr(subnetId: string, cidr: string): void {
    this.subnetCidrs.set(subnetId, cidr);
  }

  /** Assigns `count` more addresses (prefixes in PD mode) to an ENI; resolves with how many were added. */
  async growEni(pool: CardPool, eniId: string, count: number): Promise<number> {
    const { ec2, node } = this.deps;
    const prefixes = node.limits.prefixDelegation;
    let granted: string[];
    try {
      granted = prefixes
        ? await ec2.assignIpv4Prefixes(eniId, count, { maxCount: node.limits.maxAssignPerEni })
        : await ec2.assignPrivateIpv4Addresses(eniId, count, {
            maxCount: node.limits.maxAssignPerEni,
          });
    } catch (error) {
      // EC2 says the ENI is full while the datastore thinks it is not: the datastore is out of
      // sync, so take EC2's list of the ENI's addresses instead (spec/ipamd.md §4.7).
      if (!isEc2Error(error, 'limitExceeded')) throw error;
      this.deps.logger.warn({ eniId }, 'EC2 says the ENI is full; syncing its addresses from EC2');
      const described = await ec2.describeNetworkInterface(eniId);
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
  async createEni(pool: CardPool, count: number): Promise<number> {
    if (count <= 0) return 0;
    const { ec2, node, config } = this.deps;
    const allocated = await ec2.allocateEni({
      subnetIds: await this.subnetsForNewEni(),
      securityGroupIds: node.live.securityGroupIds,
      addresses: node.limits.prefixDelegation
        ? { kind: 'ipv4Prefix', count }
        : { kind: 'secondaryIpv4', count },
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
    const { ec2, host, logger, metrics } = this.deps;
    try {
      pool.datastore.removeEni(eniId, false);
    } catch (error) {
      logger.warn({ eniId, err: error }, 'ENI not freed: it is in use or unknown');
      return false;
    }
    try {
      const result = await ec2.freeEni(eniId);
      logger.info({ eniId, result }, 'ENI freed');
    } catch (error) {
      metrics.ipamdErrors.inc({ fn: 'decreaseIPPool' });
      logger.error({ eniId, err: error }, 'freeing the ENI in EC2 failed');
      // Still attached when detaching failed: reconcile re-adopts it. After a failed delete it is
      // detached, so its host rules must go either way (spec/ipamd.md §4.6).
      if (!isEc2Error(error) || error.action !== 'DeleteNetworkInterface') return false;
    }
    await pool
      .forgetEniNetwork(host, eniId)
      .catch((error: unknown) => logger.warn({ eniId, err: error }, 'ENI host teardown failed'));
    return true;
  }

  /**
   * Releases up to `over` CIDRs with no assigned address, ENI by ENI (spec/ipamd.md §4.8). The
   * reference also releases addresses still in pod-IP cooldown, so EC2 may give a just-deleted
   * pod's address to another node at once; reactive mode keeps them until the cooldown ends.
   */
  async releaseFreeCidrs(pool: CardPool, over: number): Promise<number> {
    const includeCooling = this.deps.config.warmPoolMode === 'interval';
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
    const { ec2, logger, scheduler, cooldown } = this.deps;
    const current = await ec2.describeNetworkInterface(eniId);
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
      await ec2.unassignIpv4Prefixes(eniId, prefixes);
      await ec2.unassignPrivateIpv4Addresses(eniId, addresses);
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

  /** The subnets a new ENI may go to, best first (spec/ipamd.md §6.6). */
  private async subnetsForNewEni(): Promise<string[]> {
    const { ec2, config, node, logger } = this.deps;
    if (config.enableSubnetDiscovery) {
      try {
        const subnets = await ec2.describeSubnets({
          vpcId: node.vpcId,
          availabilityZone: node.availabilityZone,
        });
        for (const subnet of subnets) this.subnetCidrs.set(subnet.subnetId, subnet.cidrBlock);
        const usable = subnetsForNewEni(subnets, {
          primarySubnetId: node.primarySubnetId,
          clusterName: config.clusterName,
        });
        if (usable.length === 0)
          throw new Error(
            `no valid subnet for a new ENI in ${node.vpcId}/${node.availabilityZone}`,
          );
        return usable.map((subnet) => subnet.subnetId);
      } catch (error) {
        if (!isEc2Error(error)) throw error;
        logger.warn({ err: error }, 'DescribeSubnets failed; falling back to the primary subnet');
      }
    }
    // Without discovery only the primary subnet is used, unless it is tagged out (spec §6.6); a
    // failed lookup here is not a reason to stop.
    try {
      const [primary] = await ec2.describeSubnets({ subnetIds: [node.primarySubnetId] });
      if (isSubnetExcluded(primary, config.clusterName)) {
        throw new Error(
          `the primary subnet ${node.primarySubnetId} is excluded from pod IPs and no other subnet is allowed`,
        );
      }
    } catch (error) {
      if (!isEc2Error(error)) throw error;
    }
    return [node.primarySubnetId];
  }

  private async subnetCidr(subnetId: string): Promise<string> {
    const known = this.subnetCidrs.get(subnetId);
    if (known) return known;
    const [subnet] = await this.deps.ec2.describeSubnets({ subnetIds: [subnetId] });
    if (!subnet) throw new Error(`subnet ${subnetId} is unknown to EC2`);
    this.subnetCidrs.set(subnetId, subnet.cidrBlock);
    return subnet.cidrBlock;
  }

  /** Polls EC2 (not IMDS) until the attachment is 'attached'. */
  private async waitUntilAttached(eniId: string): Promise<EniDescription | undefined> {
    const { ec2, scheduler } = this.deps;
    try {
      return await retryWithBackoff(
        WAIT_FOR_ATTACHMENT_BACKOFF,
        { sleep: (ms) => scheduler.sleep(ms), random: this.deps.random ?? Math.random },
        async () => {
          const eni = await ec2.describeNetworkInterface(eniId);
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
