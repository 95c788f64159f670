import type { Ec2Port } from '../../aws/ec2-port.ts';
import { type EniPlacementFacts, eniMismatch } from '../../ipam/eni/eni-config.ts';
import type { Logger } from '../../observe/logger.ts';
import type { IpamdMetrics } from '../../observe/metrics.ts';
import type { CardPool } from '../card-pool.ts';
import type { CreatedEni } from '../eni-placement.ts';
import type { NodeLiveFacts } from '../node-facts.ts';
import type { DesiredEniConfig } from './desired-eni-config.ts';
import { wantedPlacement } from './eni-config-placement.ts';

/** An ENI whose subnet or security groups are not what the ENIConfig now says. */
export interface MismatchedEni {
  readonly eniId: string;
  readonly card: number;
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
  readonly reason: string;
}

export interface EniConfigConvergenceDeps {
  readonly desired: DesiredEniConfig;
  readonly node: { readonly live: Pick<NodeLiveFacts, 'securityGroupIds'> };
  readonly ec2: Pick<Ec2Port, 'describeNetworkInterfaces'>;
  readonly logger: Logger;
  readonly metrics: IpamdMetrics;
}

/**
 * Makes a node converge to its ENIConfig without replacement (the reference never migrates: its
 * users replace nodes, #2521). Whenever the desired ENIConfig changes or an ENI appears, every
 * secondary ENI is compared with it; one whose subnet or security groups differ is marked
 * draining in its datastore — no new pods while a matching ENI has room, its addresses out of
 * the pool numbers so matching capacity grows, freed first once empty — and the pool is woken.
 * An ENI that matches again is unmarked. While no ENIConfig is usable, marks stay as they are.
 */
export class EniConfigConvergence {
  private readonly deps: EniConfigConvergenceDeps;
  /** Where each ENI is, from discovery, creation or a DescribeNetworkInterfaces. */
  private readonly facts = new Map<string, EniPlacementFacts>();
  private mismatched: MismatchedEni[] = [];
  private pools: readonly CardPool[] = [];
  private wake: (pool: CardPool) => void = () => {};
  private running: Promise<void> | undefined;
  private again = false;

  constructor(deps: EniConfigConvergenceDeps) {
    this.deps = deps;
  }

  /** Records where an ENI is (its subnet and groups as EC2 reported them). */
  noteEni(eni: CreatedEni): void {
    this.facts.set(eni.eniId, {
      subnetId: eni.subnetId,
      securityGroupIds: [...eni.securityGroupIds].sort(),
    });
  }

  /** An ENI was just created: judge it (the ENIConfig may have changed while it was made). */
  eniCreated(eni: CreatedEni): void {
    this.noteEni(eni);
    void this.evaluate();
  }

  /** Starts judging the cards' ENIs, now and on every change of the desired ENIConfig. */
  start(pools: readonly CardPool[], wake: (pool: CardPool) => void): Promise<void> {
    this.pools = pools;
    this.wake = wake;
    this.deps.desired.onChange(() => void this.evaluate());
    return this.evaluate();
  }

  /** `/v1/eni-config-status`'s list: those of the last evaluation still draining in the pool. */
  mismatchedEnis(): readonly MismatchedEni[] {
    return this.mismatched.filter(
      (eni) =>
        this.pools.find((pool) => pool.card === eni.card)?.datastore.eni(eni.eniId)?.draining,
    );
  }

  /** One evaluation at a time; a request during one runs another right after it. */
  evaluate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.evaluateOnce();
        } while (this.again);
      } catch (error) {
        this.deps.logger.error({ err: error }, 'custom networking: judging the ENIs failed');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async evaluateOnce(): Promise<void> {
    const { desired, node, logger, metrics } = this.deps;
    const wanted = wantedPlacement(desired.current(), node);
    if (!wanted.ok) return;
    await this.learnUnknownEnis();
    const mismatched: MismatchedEni[] = [];
    for (const pool of this.pools) {
      let changed = false;
      for (const eni of pool.datastore.enis()) {
        if (eni.isPrimary || eni.isTrunk || eni.isEfa) continue;
        const facts = this.facts.get(eni.id);
        const reason = facts ? eniMismatch(facts, wanted.placement) : undefined;
        if (facts && reason) mismatched.push({ eniId: eni.id, card: pool.card, ...facts, reason });
        const draining = reason !== undefined;
        if (eni.draining === draining) continue;
        pool.datastore.setDraining(eni.id, draining);
        changed = true;
        if (draining)
          logger.warn(
            { eniId: eni.id, card: pool.card, reason },
            'custom networking: ENI no longer matches the ENIConfig; no new pods on it while another has room, freed once empty',
          );
        else logger.info({ eniId: eni.id }, 'custom networking: ENI matches the ENIConfig again');
      }
      if (changed) this.wake(pool);
    }
    this.mismatched = mismatched;
    metrics.eniConfigMismatchedEnis.set(mismatched.length);
  }

  /** One DescribeNetworkInterfaces for the ENIs whose placement is not known yet. */
  private async learnUnknownEnis(): Promise<void> {
    const inPools = new Set(this.pools.flatMap((pool) => pool.datastore.enis().map((e) => e.id)));
    for (const id of this.facts.keys()) if (!inPools.has(id)) this.facts.delete(id);
    const unknown = this.pools.flatMap((pool) =>
      pool.datastore
        .enis()
        .filter((eni) => !eni.isPrimary && !this.facts.has(eni.id))
        .map((eni) => eni.id),
    );
    if (unknown.length === 0) return;
    try {
      for (const eni of await this.deps.ec2.describeNetworkInterfaces(unknown)) this.noteEni(eni);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, enis: unknown },
        'custom networking: describing ENIs failed; judging them later',
      );
    }
  }
}
