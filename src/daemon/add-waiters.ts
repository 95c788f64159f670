import type { Scheduler } from './scheduler.ts';

/** Why a waiting ADD woke up. */
export type WakeReason = 'capacity' | 'noCapacity' | 'timeout';

interface Waiter {
  settle(reason: WakeReason): void;
}

/**
 * ADDs that found no free address and wait, bounded, for capacity the pool manager is already
 * getting. The pool manager wakes them with `capacityAdded` after each step that added addresses
 * (they retry) or with `nothingComing` when it planned no growth (they fail at once, as the
 * reference would have).
 */
export class AddWaiters {
  private readonly waiters = new Set<Waiter>();
  private readonly scheduler: Scheduler;

  constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  get count(): number {
    return this.waiters.size;
  }

  /** Waits until woken or until `deadline` (clock ms). */
  wait(deadline: number): Promise<WakeReason> {
    const remaining = deadline - this.scheduler.now();
    if (remaining <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      let cancelTimer = () => {};
      const waiter: Waiter = {
        settle: (reason) => {
          if (!this.waiters.delete(waiter)) return;
          cancelTimer();
          resolve(reason);
        },
      };
      this.waiters.add(waiter);
      cancelTimer = this.scheduler.after(remaining, () => waiter.settle('timeout'));
    });
  }

  capacityAdded(): void {
    this.settleAll('capacity');
  }

  nothingComing(): void {
    this.settleAll('noCapacity');
  }

  private settleAll(reason: WakeReason): void {
    for (const waiter of [...this.waiters]) waiter.settle(reason);
  }
}
