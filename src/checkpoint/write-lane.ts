/**
 * One write at a time, for the files of one checkpoint: queued steps first, then a group commit
 * whenever one is due. Each write starts a turn of the event loop after it is asked for (the
 * `defer`), and the next one is scheduled before the callers of the last one run on: a caller
 * rejected by a failed write undoes its change (a microtask) before the next write takes the
 * changes (a later turn).
 */
export class WriteLane {
  private readonly defer: (start: () => void) => void;
  private readonly batch: {
    readonly due: () => boolean;
    /** Writes the batch; returns how to settle its callers. */
    readonly write: () => Promise<() => void>;
  };
  /** Work outside the lane that idle() also waits for (a snapshot being written aside). */
  private readonly busyElsewhere: () => boolean;
  private readonly steps: (() => Promise<() => void>)[] = [];
  private busy = false;
  private kicked = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: {
    defer: (start: () => void) => void;
    batch: { due: () => boolean; write: () => Promise<() => void> };
    busyElsewhere: () => boolean;
  }) {
    this.defer = options.defer;
    this.batch = options.batch;
    this.busyElsewhere = options.busyElsewhere;
  }

  /** Runs `step` when the lane is free, before any batch; settles with it. */
  run(step: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.steps.push(() =>
        step().then(
          () => resolve,
          (error: unknown) => () => reject(error),
        ),
      );
      this.kick();
    });
  }

  /** Something may be due: schedules the next write unless one is running or scheduled. */
  kick(): void {
    if (this.busy || this.kicked) return;
    if (!this.batch.due() && this.steps.length === 0) {
      this.settleIdle();
      return;
    }
    this.kicked = true;
    this.defer(() => {
      this.kicked = false;
      void this.runNext();
    });
  }

  /** Resolves when nothing is being or waiting to be written (never rejects). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves idle() waiters if nothing is left (also for the work outside the lane). */
  settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async runNext(): Promise<void> {
    if (this.busy) return;
    const write = this.steps.shift() ?? (this.batch.due() ? this.batch.write : undefined);
    if (!write) {
      this.settleIdle();
      return;
    }
    this.busy = true;
    let settle: (() => void) | undefined;
    try {
      settle = await write();
    } finally {
      this.busy = false;
      this.kick();
    }
    settle();
  }

  private isIdle(): boolean {
    return (
      !this.busy &&
      !this.kicked &&
      this.steps.length === 0 &&
      !this.batch.due() &&
      !this.busyElsewhere()
    );
  }
}
