import type { Scheduler } from './scheduler.ts';

/** Why a waiting ADD woke up ('cancelled': its caller went away). */
export type WakeReason = 'capacity' | 'noCapacity' | 'timeout' | 'cancelled';

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

  /**
   * Waits until woken, until `deadline` (clock ms), or until `signal` aborts; a cancelled waiter
   * leaves at once so it no longer counts as demand.
   */
  wait(deadline: number, signal?: AbortSignal): Promise<WakeReason> {
    if (signal?.aborted) return Promise.resolve('cancelled');
    const remaining = deadline - this.scheduler.now();
    if (remaining <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      let cancelTimer = () => {};
      const onAbort = () => waiter.settle('cancelled');
      const waiter: Waiter = {
        settle: (reason) => {
          if (!this.waiters.delete(waiter)) return;
          cancelTimer();
          signal?.removeEventListener('abort', onAbort);
          resolve(reason);
        },
      };
      this.waiters.add(waiter);
      cancelTimer = this.scheduler.after(remaining, () => waiter.settle('timeout'));
      signal?.addEventListener('abort', onAbort, { once: true });
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
