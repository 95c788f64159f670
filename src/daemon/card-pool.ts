import type { CheckpointWriter } from '../checkpoint/writer.ts';
import type { EniNetwork, HostNetwork } from '../host/host-network.ts';
import type { Datastore } from '../ipam/datastore.ts';
import type { PoolSettings, PoolStats } from '../ipam/warm-pool/pool-numbers.ts';
import { WarmPoolPolicy } from '../ipam/warm-pool/warm-pool-policy.ts';
import { AddWaiters } from './add-waiters.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * Everything the daemon keeps for one managed network card: its datastore and checkpoint, the
 * ADDs waiting on it, the pool timers, the host view of its ENIs, and a mutex so that no two EC2
 * mutations of the card run at once.
 */
export class CardPool {
  readonly card: number;
  readonly datastore: Datastore;
  readonly checkpoint: CheckpointWriter;
  readonly waiters: AddWaiters;
  /** The card's warm-pool rules (its settings and the one target they choose). */
  policy: WarmPoolPolicy;
  /** ENI slots left for the card = maxEni − unmanaged − trunk reserve − ENIs in the datastore. */
  maxEni: number;
  unmanagedEnis: number;
  /** When the pool last shrank (CIDRs released); decreases are at least 30 s apart. */
  lastDecreaseAt = Number.NEGATIVE_INFINITY;
  /** When EC2 last answered InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet. */
  insufficientCapacityAt = Number.NEGATIVE_INFINITY;
  /** Since when the card grows with /32s because no /28 prefix could be had (undefined: it does not). */
  prefixFallbackSince: number | undefined;
  /** When prefixes were last tried while falling back. */
  lastPrefixTry = Number.NEGATIVE_INFINITY;
  /** Growth attempts in a row that failed on throttling or a timeout (reactive retry back-off). */
  growthRetries = 0;
  /** Last increase, decrease or reconcile; reconcile runs after 60 s without one. */
  lastPoolActionAt: number;
  /** Host-side facts of each ENI set up on this card, for teardown when it is freed. */
  readonly eniNetworks = new Map<string, EniNetwork>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: {
    card: number;
    datastore: Datastore;
    checkpoint: CheckpointWriter;
    settings: PoolSettings;
    maxEni: number;
    unmanagedEnis: number;
    scheduler: Scheduler;
  }) {
    this.card = options.card;
    this.datastore = options.datastore;
    this.checkpoint = options.checkpoint;
    this.policy = new WarmPoolPolicy(options.settings);
    this.maxEni = options.maxEni;
    this.unmanagedEnis = options.unmanagedEnis;
    this.waiters = new AddWaiters(options.scheduler);
    this.lastPoolActionAt = options.scheduler.now();
  }

  get settings(): PoolSettings {
    return this.policy.settings;
  }

  stats(): PoolStats {
    return this.datastore.stats();
  }

  /** Runs `task` after every task queued before it; tasks of one card never overlap. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Tears down host rules of an ENI the card no longer has (best effort). */
  async forgetEniNetwork(host: HostNetwork, eniId: string): Promise<void> {
    const network = this.eniNetworks.get(eniId);
    this.eniNetworks.delete(eniId);
    if (network) await host.teardownEni(network);
  }
}
