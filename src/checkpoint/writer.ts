import { randomTempSuffix, writeFileAtomic } from './atomic-write.ts';
import { type CheckpointFs, nodeCheckpointFs } from './checkpoint-fs.ts';

export interface CheckpointWriterOptions {
  readonly path: string;
  /** The whole file as it should be now; called synchronously when a write starts. */
  readonly render: () => string;
  readonly fs?: CheckpointFs;
  readonly tempSuffix?: () => string;
  /**
   * Runs `start` later, after pending promise callbacks. Default setImmediate: every change made
   * in the same event-loop turn shares one write, and callers rejected by a failed write undo
   * their changes before the next write renders the state.
   */
  readonly defer?: (start: () => void) => void;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit of one checkpoint file. A caller changes the datastore synchronously and then
 * awaits commit(): the promise settles with the first write that STARTED after the call, so the
 * file it renamed into place contains the change. Calls made while a write is in flight share the
 * next write. When a write fails, every caller of that write is rejected and must undo its own
 * change (Datastore.undoAssign / undoUnassign) before awaiting anything else; the next write is
 * deferred so those undos land first.
 */
export class CheckpointWriter {
  readonly path: string;
  /** The filesystem the checkpoint lives on; side files (`.dropped`) go through it too. */
  readonly fs: CheckpointFs;
  private readonly render: () => string;
  private readonly tempSuffix: () => string;
  private readonly defer: (start: () => void) => void;
  private waiting: Waiter[] = [];
  private inFlight = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private writes = 0;
  private failures = 0;

  constructor(options: CheckpointWriterOptions) {
    this.path = options.path;
    this.render = options.render;
    this.fs = options.fs ?? nodeCheckpointFs;
    this.tempSuffix = options.tempSuffix ?? randomTempSuffix;
    this.defer = options.defer ?? ((start) => setImmediate(start));
  }

  /** Resolves once a write containing every change made before this call is on disk. */
  commit(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is being or waiting to be written (never rejects); for shutdown. */
  idle(): Promise<void> {
    if (!this.inFlight && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Completed and failed writes so far. */
  counts(): { writes: number; failures: number } {
    return { writes: this.writes, failures: this.failures };
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      void this.writeBatch();
    });
  }

  private async writeBatch(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) {
      this.settleIdle();
      return;
    }
    this.inFlight = true;
    let failure: { error: unknown } | undefined;
    try {
      // Rendered here, synchronously, so the file holds exactly the state at the batch's start.
      const data = this.render();
      await writeFileAtomic(this.path, data, this.fs, this.tempSuffix);
      this.writes++;
    } catch (error) {
      this.failures++;
      failure = { error };
    }
    this.inFlight = false;
    for (const waiter of batch) {
      if (failure) waiter.reject(failure.error);
      else waiter.resolve();
    }
    if (this.waiting.length > 0) this.schedule();
    else this.settleIdle();
  }

  private settleIdle(): void {
    if (this.inFlight || this.scheduled) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
