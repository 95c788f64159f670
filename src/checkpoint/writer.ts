import { dirname } from 'node:path';
import {
  randomTempSuffix,
  renameIntoPlace,
  writeFileAtomic,
  writeTempFile,
} from './atomic-write.ts';
import { type CheckpointFs, nodeCheckpointFs } from './checkpoint-fs.ts';
import { frameBytes } from './journal-frame.ts';
import { encodeBase, encodeCommit, encodeHeader, snapshotHash } from './journal-records.ts';
import type { JournaledDatastore } from './journaled-datastore.ts';
import { OpenJournal } from './open-journal.ts';
import { journalPath } from './paths.ts';
import { renderCheckpoint } from './snapshot.ts';
import { WriteLane } from './write-lane.ts';

export interface CheckpointWriterOptions {
  /** The snapshot (`vpc-cni-ipam/1`); the journal is `<path>.journal`. */
  readonly path: string;
  readonly datastore: JournaledDatastore;
  readonly fs?: CheckpointFs;
  readonly tempSuffix?: () => string;
  /**
   * Runs `start` later, after pending promise callbacks. Default setImmediate: every change made
   * in the same event-loop turn shares one write, and callers rejected by a failed write undo
   * their changes before the next write takes them.
   */
  readonly defer?: (start: () => void) => void;
  /** Runs `fn` once after `ms`; returns a cancel function. Default: an unref'd timer. */
  readonly after?: (ms: number, fn: () => void) => () => void;
  /** The snapshot is brought up to date at most this long after a commit (default 1000 ms). */
  readonly compactAfterMs?: number;
  /** …or at once when the commits since the snapshot reach this many bytes (default 1 MiB). */
  readonly compactAtBytes?: number;
  /** A compaction failed; the journal still holds every change, only the snapshot lags. */
  readonly onCompactionError?: (error: unknown) => void;
}

export const DEFAULT_COMPACT_AFTER_MS = 1000;
export const DEFAULT_COMPACT_AT_BYTES = 1 << 20;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** A compaction between its render and its rename. */
interface Compaction {
  /** The journal it rendered against, and its length then: the changes after it follow. */
  readonly journal: OpenJournal;
  readonly from: number;
  /** Commit records appended since the render: the next journal starts with them. */
  readonly carry: Buffer[];
}

const realAfter = (ms: number, fn: () => void): (() => void) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Group commit of one network card's checkpoint: a snapshot in the reference's `vpc-cni-ipam/1`
 * format and a journal beside it (docs/compat.md, "Checkpoint journal").
 *
 * A caller changes the datastore synchronously and then awaits commit(): the promise settles
 * with the first journal write that STARTED after the call, which holds the change. Calls made
 * while a write is in flight share the next write: one write of one small record, made durable
 * (O_DSYNC), per event-loop turn, whatever the node holds. When a write fails, every caller of
 * that write is rejected and must undo its own change (Datastore.undoAssign / undoUnassign)
 * before awaiting anything else; the next write is deferred so those undos land first.
 *
 * The first commit writes a whole snapshot and opens a fresh journal. Then compaction renders
 * the snapshot again at most compactAfterMs after a commit, writes it aside while commits go on,
 * and puts it in place without a moment where a crash would lose or double a change: a base
 * record naming the new snapshot's hash is appended first, then the rename, then the journal is
 * rewritten as a header and the commits since the render (see readDurableCheckpoint).
 *
 * Everything that touches the journal file or the snapshot's name runs one at a time in the
 * writer's WriteLane: commits, and the steps of compaction, close and snapshotEveryCommit.
 */
export class CheckpointWriter {
  readonly path: string;
  readonly journalPath: string;
  /** The filesystem the checkpoint lives on; side files (`.dropped`) go through it too. */
  readonly fs: CheckpointFs;
  private readonly datastore: JournaledDatastore;
  private readonly tempSuffix: () => string;
  private readonly after: (ms: number, fn: () => void) => () => void;
  private readonly compactAfterMs: number;
  private readonly compactAtBytes: number;
  private readonly onCompactionError: (error: unknown) => void;

  private waiting: Waiter[] = [];
  private readonly lane: WriteLane;

  /** Undefined until the first commit, and after close or a lost journal: the next starts one. */
  private journal: OpenJournal | undefined;
  /** Bytes of commit records the snapshot does not hold yet. */
  private sinceSnapshot = 0;
  private compaction: Compaction | undefined;
  private compacting: Promise<void> | undefined;
  private cancelCompactionTimer: (() => void) | undefined;
  /** The last compaction failed: the next one waits for the timer, whatever the journal's size. */
  private compactionFailed = false;
  /**
   * A write failed: the changes it carried and the undos of its callers are to be written
   * without waiting for the next commit (a crash must not find a failed change in a snapshot
   * without its undo for longer than that).
   */
  private repairDue = false;
  private cancelRepairTimer: (() => void) | undefined;
  private snapshotOnly = false;
  private readonly stats = { writes: 0, failures: 0, compactions: 0, compactionFailures: 0 };

  constructor(options: CheckpointWriterOptions) {
    this.path = options.path;
    this.journalPath = journalPath(options.path);
    this.datastore = options.datastore;
    this.fs = options.fs ?? nodeCheckpointFs;
    this.tempSuffix = options.tempSuffix ?? randomTempSuffix;
    this.after = options.after ?? realAfter;
    this.compactAfterMs = options.compactAfterMs ?? DEFAULT_COMPACT_AFTER_MS;
    this.compactAtBytes = options.compactAtBytes ?? DEFAULT_COMPACT_AT_BYTES;
    this.onCompactionError = options.onCompactionError ?? (() => undefined);
    this.lane = new WriteLane({
      defer: options.defer ?? ((start) => setImmediate(start)),
      batch: { due: () => this.batchDue(), write: () => this.commitBatch() },
      busyElsewhere: () => this.compacting !== undefined,
    });
  }

  /** Resolves once a write holding every change made before this call is durable. */
  commit(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.lane.kick();
    });
  }

  /** Resolves when nothing is being or waiting to be written (never rejects). */
  idle(): Promise<void> {
    return this.lane.idle();
  }

  /**
   * Commits (successful and failed) so far; compactions (snapshot rewrites in the background)
   * separately.
   */
  counts(): { writes: number; failures: number; compactions: number; compactionFailures: number } {
    return { ...this.stats };
  }

  /**
   * For a clean stop: waits for the writes in progress, then writes the whole snapshot and
   * removes the journal, so the files are exactly what the reference reads. A later commit
   * starts a new journal. Never rejects (a failure is reported to onCompactionError, and the
   * journal then still holds every change).
   */
  async close(): Promise<void> {
    this.stopCompactionTimer();
    await this.idle();
    await this.lane
      .run(() => this.writeWholeSnapshot())
      .catch((error: unknown) => {
        this.stats.compactionFailures++;
        this.onCompactionError(error);
      });
  }

  /**
   * From now on every commit rewrites the whole snapshot, as the reference does, and the journal
   * is retired at once. For a daemon told to terminate (SIGTERM): whatever replaces it, maybe
   * the reference after a downgrade, then finds an exact snapshot even if this process is killed
   * at the end of its grace period.
   */
  snapshotEveryCommit(): void {
    if (this.snapshotOnly) return;
    this.snapshotOnly = true;
    this.stopCompactionTimer();
    void this.lane
      .run(() => this.writeWholeSnapshot())
      .catch((error: unknown) => {
        this.stats.compactionFailures++;
        this.onCompactionError(error);
      });
  }

  private batchDue(): boolean {
    return this.waiting.length > 0 || this.repairDue;
  }

  // ---------------------------------------------------------------- commits

  private async commitBatch(): Promise<() => void> {
    const batch = this.waiting;
    this.waiting = [];
    this.repairDue = false;
    let failure: { error: unknown } | undefined;
    try {
      let wrote = true;
      if (this.snapshotOnly) await this.writeWholeSnapshot();
      else if (this.journal === undefined) await this.startJournal();
      else wrote = await this.appendCommit(this.journal);
      if (wrote) this.stats.writes++;
    } catch (error) {
      this.stats.failures++;
      failure = { error };
      if (batch.length > 0) this.repairDue = true;
      else this.retryRepairLater();
    }
    return () => {
      for (const waiter of batch) {
        if (failure) waiter.reject(failure.error);
        else waiter.resolve();
      }
    };
  }

  /** A repair write failed too (the disk is failing): try again after a pause, not in a loop. */
  private retryRepairLater(): void {
    this.cancelRepairTimer ??= this.after(this.compactAfterMs, () => {
      this.cancelRepairTimer = undefined;
      this.repairDue = true;
      this.lane.kick();
    });
  }

  /**
   * False when there was nothing to write: every change made before the commit() calls of this
   * batch is then in a record an earlier write made durable.
   */
  private async appendCommit(journal: OpenJournal): Promise<boolean> {
    const changes = this.datastore.takeChanges();
    if (changes.length === 0) return false;
    const frame = frameBytes(encodeCommit(changes));
    try {
      await journal.append(frame);
    } catch (error) {
      // Kept in order for the next write: the journal must hold every change, also those of
      // callers that do not wait (a CIDR leaving the pool) and those an undo will revert.
      this.datastore.restoreChanges(changes);
      throw error;
    }
    this.sinceSnapshot += frame.length;
    this.compaction?.carry.push(frame);
    this.scheduleCompaction();
    return true;
  }

  /** A whole snapshot, then a journal that continues it (the snapshot holds every change so far). */
  private async startJournal(): Promise<void> {
    const taken = this.datastore.takeChanges();
    const text = renderCheckpoint(this.datastore);
    try {
      await writeFileAtomic(this.path, text, this.fs, this.tempSuffix);
      const header = frameBytes(encodeHeader(snapshotHash(text)));
      await writeFileAtomic(this.journalPath, header.toString('utf8'), this.fs, this.tempSuffix);
      this.journal = new OpenJournal(await this.fs.openJournal(this.journalPath), header.length);
      this.sinceSnapshot = 0;
    } catch (error) {
      this.datastore.restoreChanges(taken);
      throw error;
    }
  }

  /**
   * The whole snapshot, and no journal after it: a base naming the snapshot goes into the
   * journal before the rename (a crash then leaves a journal that continues the new snapshot
   * with nothing), the journal is removed after it.
   */
  private async writeWholeSnapshot(): Promise<void> {
    const taken = this.datastore.takeChanges();
    const text = renderCheckpoint(this.datastore);
    const journal = this.journal;
    try {
      if (journal === undefined) {
        await writeFileAtomic(this.path, text, this.fs, this.tempSuffix);
        // A journal this writer lost track of (a failed rotation) is held by the snapshot now.
        if (await this.fs.unlink(this.journalPath).then(() => true, ignoreMissing)) {
          await this.fs.syncDir(dirname(this.path));
        }
      } else {
        const temp = await writeTempFile(this.path, text, this.fs, this.tempSuffix);
        await this.installSnapshot(journal, temp, text, journal.length);
        this.journal = undefined;
        await journal.close().catch(() => undefined);
        await this.fs.unlink(this.journalPath);
        await this.fs.syncDir(dirname(this.path));
      }
      this.sinceSnapshot = 0;
    } catch (error) {
      this.datastore.restoreChanges(taken);
      throw error;
    }
  }

  /** Base record first, then the rename (the temp file is removed when either fails). */
  private async installSnapshot(
    journal: OpenJournal,
    temp: string,
    text: string,
    from: number,
  ): Promise<void> {
    try {
      await journal.append(frameBytes(encodeBase(snapshotHash(text), from)));
    } catch (error) {
      await this.fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    await renameIntoPlace(temp, this.path, this.fs);
  }

  // ---------------------------------------------------------------- compaction

  private scheduleCompaction(): void {
    if (this.compacting || this.snapshotOnly || this.sinceSnapshot === 0) return;
    if (this.sinceSnapshot >= this.compactAtBytes && !this.compactionFailed) {
      this.stopCompactionTimer();
      void this.compact();
      return;
    }
    this.cancelCompactionTimer ??= this.after(this.compactAfterMs, () => {
      this.cancelCompactionTimer = undefined;
      void this.compact();
    });
  }

  private stopCompactionTimer(): void {
    this.cancelCompactionTimer?.();
    this.cancelCompactionTimer = undefined;
  }

  private compact(): Promise<void> {
    if (this.compacting) return this.compacting;
    const journal = this.journal;
    if (journal === undefined || this.snapshotOnly) return Promise.resolve();
    this.compacting = this.runCompaction(journal).finally(() => {
      this.compacting = undefined;
      this.compaction = undefined;
      this.scheduleCompaction();
      this.lane.settleIdle();
    });
    return this.compacting;
  }

  private async runCompaction(journal: OpenJournal): Promise<void> {
    // Rendered now, synchronously: the snapshot holds every change made before this line, and
    // every commit written from here on is carried into the next journal.
    const text = renderCheckpoint(this.datastore);
    const compaction: Compaction = { journal, from: journal.length, carry: [] };
    this.compaction = compaction;
    try {
      const temp = await writeTempFile(this.path, text, this.fs, this.tempSuffix);
      await this.lane.run(async () => {
        if (this.journal !== compaction.journal) {
          // Closed or replaced meanwhile, with a newer snapshot: this one is stale.
          await this.fs.unlink(temp).catch(() => undefined);
          return;
        }
        await this.installSnapshot(compaction.journal, temp, text, compaction.from);
        await this.rotate(compaction, snapshotHash(text));
        this.stats.compactions++;
        this.compactionFailed = false;
      });
    } catch (error) {
      this.compactionFailed = true;
      this.stats.compactionFailures++;
      this.onCompactionError(error);
    }
  }

  /**
   * Rewrites the journal as a header naming the new snapshot and the commits written since its
   * render. A failure before the rename leaves the old journal in use (it continues the new
   * snapshot through the base just appended); after it, whether a restart would read the old or
   * the new file is not certain until the directory is synced, so when that fails the next
   * commit starts a new journal.
   */
  private async rotate(compaction: Compaction, hash: string): Promise<void> {
    const content = Buffer.concat([frameBytes(encodeHeader(hash)), ...compaction.carry]);
    const temp = await writeTempFile(
      this.journalPath,
      content.toString('utf8'),
      this.fs,
      this.tempSuffix,
    );
    try {
      await this.fs.rename(temp, this.journalPath);
    } catch (error) {
      await this.fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    // The old handle now writes to a file that no longer has the journal's name.
    this.journal = undefined;
    await compaction.journal.close().catch(() => undefined);
    await this.fs.syncDir(dirname(this.journalPath));
    this.journal = new OpenJournal(await this.fs.openJournal(this.journalPath), content.length);
    this.sinceSnapshot = compaction.carry.reduce((n, frame) => n + frame.length, 0);
  }
}

/** False for a file that was not there; rethrows anything else. */
function ignoreMissing(error: unknown): false {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  return false;
}
