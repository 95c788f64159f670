import type { Ec2ApiStats } from '../../aws/api-metrics.ts';
import { POOL_TICK_MS } from '../../daemon/ipamd.ts';

/** What settling needs from a node: its time, one pool-loop tick, and its EC2 call counts. */
export interface Settleable {
  readonly scheduler: { advance(ms: number): void };
  readonly ipamd: { tick(): Promise<void> };
  readonly ec2Stats: Ec2ApiStats;
}

/**
 * Quiet ticks that prove the pool is at rest: 14 × 5 s = 70 s without an EC2 mutation covers the
 * longest timer-gated rule (ENI min lifetime 60 s, reconcile after 60 s quiet, decrease interval
 * 30 s, IP cooldown 30 s) with a tick to spare.
 */
export const QUIET_TICKS = 14;
/**
 * A pool still changing after this many ticks (500 simulated seconds) never settles: the longest
 * legitimate sequence (freeing 14 ENIs one per tick after their 60 s lifetime, then the quiet
 * ticks) is about 40 ticks; an oscillating pool goes through several cycles in 100.
 */
export const MAX_SETTLE_TICKS = 100;

export interface SettleOutcome {
  readonly settled: boolean;
  readonly ticks: number;
  /** When it did not settle: the distinct states `sample` gave over the last half of the ticks. */
  readonly cycle: readonly string[];
}

/** EC2 calls that change something (every action but Describe*). */
export function mutationCount(stats: Ec2ApiStats): number {
  let count = 0;
  for (const [action, entry] of Object.entries(stats.snapshot())) {
    if (!action.startsWith('Describe')) count += entry.calls;
  }
  return count;
}

/**
 * Runs a node's pool loop on simulated time (5 s per tick) until it has made no EC2 mutation for
 * QUIET_TICKS ticks. The quiet window is counted from the last mutation, across calls: every
 * timer-gated rule is anchored on a mutation (an ENI's creation, the last decrease, the last pool
 * action), and an ADD only ever makes the pool grow at once, never starts a timer. So after an
 * ADD one tick (the pass that may grow) plus whatever is left of the window is enough — which
 * keeps a 700-pod plan to seconds instead of minutes.
 */
export class Settler {
  private readonly node: Settleable;
  private quietTicks = 0;
  private lastMutations: number;

  constructor(node: Settleable) {
    this.node = node;
    this.lastMutations = mutationCount(node.ec2Stats);
  }

  /**
   * Settles after something happened outside the pool loop (an ADD). `sample` describes the
   * pool's state, for the cycle a pool that never settles goes through.
   */
  async settle(sample: () => string, maxTicks = MAX_SETTLE_TICKS): Promise<SettleOutcome> {
    // Mutations made outside a tick (a reactive pass woken by the ADD) restart the window.
    this.observe(false);
    const cycle = new Set<string>();
    let ticks = 0;
    do {
      if (ticks >= maxTicks) return { settled: false, ticks, cycle: [...cycle] };
      this.node.scheduler.advance(POOL_TICK_MS);
      await this.node.ipamd.tick();
      ticks++;
      if (ticks > maxTicks / 2) cycle.add(sample());
      this.observe(true);
    } while (this.quietTicks < QUIET_TICKS);
    return { settled: true, ticks, cycle: [] };
  }

  /** Restarts the quiet window on a mutation; `ticked` counts one more quiet tick otherwise. */
  private observe(ticked: boolean): void {
    const now = mutationCount(this.node.ec2Stats);
    if (now !== this.lastMutations) this.quietTicks = 0;
    else if (ticked) this.quietTicks++;
    this.lastMutations = now;
  }
}
