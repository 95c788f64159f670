import { dirname } from 'node:path';
import type { Datastore } from '../ipam/datastore.ts';
import { formatRfc3339Nano, splitClockMs } from '../ipam/unix-time.ts';
import { appendDurable, renameIntoPlace, writeFileAtomic, writeTempFile } from './atomic-write.ts';
import { type CheckpointFs, nodeCheckpointFs } from './checkpoint-fs.ts';
import { type JournalFound, readDurableCheckpoint } from './durable-checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { encodeGoString } from './go-json.ts';
import { frameBytes } from './journal-frame.ts';
import { encodeBase, snapshotHash } from './journal-records.ts';
import { encodeJsonLossless } from './json-lossless.ts';
import { removeLeftoverTemps } from './leftover-temps.ts';
import { droppedPath, unmatchedJournalPath } from './paths.ts';
import { applyCheckpoint, type DroppedAllocation, type RestoreOutcome } from './restore-plan.ts';
import { renderCheckpoint } from './snapshot.ts';

export interface RestoreOptions {
  /** This network card's checkpoint (see checkpointPath); its journal is `<path>.journal`. */
  readonly path: string;
  /** Already holding every attached ENI and its CIDRs. */
  readonly datastore: Datastore;
  /**
   * Names of the host's network links now (pod veths among them); undefined when they cannot be
   * known (DISABLE_HOST_NETWORKING): then no allocation is judged stale by its veth.
   */
  readonly liveLinkNames: Iterable<string> | undefined;
  readonly fs?: CheckpointFs;
  readonly tempSuffix?: () => string;
}

/** What the restore found in and did with the journal. */
export interface JournalRestoreReport {
  readonly path: string;
  readonly commitsReplayed: number;
  readonly changesReplayed: number;
  /** Bytes cut from its end (a write a crash cut short), recorded in `.dropped`. */
  readonly tornTailBytes?: number;
  /** It did not continue the snapshot: not replayed, kept under this name. */
  readonly keptAs?: string;
}

export interface RestoreReport extends RestoreOutcome {
  /** No checkpoint file: a fresh node. Nothing was written (but a journal without one is kept aside). */
  readonly fresh: boolean;
  /** Where the dropped entries were appended, when there were any. */
  readonly droppedFile?: string;
  /** When there was a journal. */
  readonly journal?: JournalRestoreReport;
  /** Temp files of writes a kill interrupted, removed. */
  readonly removedTempFiles?: readonly string[];
}

/**
 * Restores a datastore from its checkpoint (the reference's ReadBackingStore) — the snapshot and
 * the journal's changes after it — treating the files as evidence: no file is a fresh node; an
 * unreadable, malformed or other-version snapshot, or a journal damaged anywhere but at its end,
 * is an error naming the file, and every file is left exactly as it was; entries that cannot be
 * restored, and the torn end of the journal, are appended with their reason to `<file>.dropped`
 * and fsynced BEFORE the checkpoint is rewritten from the restored state (a whole snapshot, and
 * no journal).
 */
export async function restoreCheckpoint(options: RestoreOptions): Promise<RestoreReport> {
  const { path, datastore } = options;
  const fs = options.fs ?? nodeCheckpointFs;
  const durable = await readDurableCheckpoint(path, fs);
  const found = durable.journal;
  const outcome =
    durable.state === undefined
      ? { restored: [], dropped: [], rulesToPrune: [], cooldownsRestored: 0 }
      : applyCheckpoint(datastore, durable.state, options.liveLinkNames, path);

  // Everything is judged; from here on files change.
  const removed = await removeLeftoverTemps(path, fs);
  const now = splitClockMs(datastore.clock.now());
  const time = formatRfc3339Nano(now.ms, now.subMsNs);
  const tornTail = found?.continuesSnapshot ? found.tornTail : undefined;
  const evidence = outcome.dropped.map((d) => droppedLine(d, time));
  if (found && tornTail) evidence.push(tornTailLine(found, tornTail, time));
  let droppedFile: string | undefined;
  if (evidence.length > 0) {
    droppedFile = droppedPath(path);
    try {
      await appendDurable(droppedFile, evidence.join(''), fs);
    } catch (error) {
      throw new CheckpointError(
        'dropped-write',
        path,
        `cannot record ${outcome.dropped.length} dropped allocation(s)${tornTail ? ' and the torn end of the journal' : ''} in ${droppedFile}, so the checkpoint is not rewritten: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  let keptAs: string | undefined;
  if (found && !found.continuesSnapshot) {
    keptAs = `${unmatchedJournalPath(path)}-${now.ms}`;
    await keep(found.path, keptAs, fs);
  }
  const journal: JournalRestoreReport | undefined = found && {
    path: found.path,
    commitsReplayed: found.commitsReplayed,
    changesReplayed: found.changesReplayed,
    ...(tornTail ? { tornTailBytes: tornTail.length } : {}),
    ...(keptAs ? { keptAs } : {}),
  };
  const extras = {
    ...(droppedFile ? { droppedFile } : {}),
    ...(journal ? { journal } : {}),
    ...(removed.length > 0 ? { removedTempFiles: removed } : {}),
  };
  if (durable.snapshotText === undefined) return { ...outcome, fresh: true, ...extras };

  try {
    const text = renderCheckpoint(datastore);
    if (found?.continuesSnapshot) await retireJournal(path, text, found, fs, options.tempSuffix);
    else await writeFileAtomic(path, text, fs, options.tempSuffix);
  } catch (error) {
    throw new CheckpointError(
      'write',
      path,
      `cannot rewrite after restore: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { ...outcome, fresh: false, ...extras };
}

/**
 * Writes the restored snapshot and removes the journal it replaces, so that a crash at any step
 * leaves files that restore to the same state: the torn end is cut first (its bytes are already
 * in `.dropped`), a base naming the new snapshot is appended, then the rename, then the unlink.
 */
async function retireJournal(
  path: string,
  text: string,
  found: JournalFound,
  fs: CheckpointFs,
  tempSuffix: (() => string) | undefined,
): Promise<void> {
  const temp = await writeTempFile(path, text, fs, tempSuffix);
  try {
    const journal = await fs.openJournal(found.path);
    try {
      if (found.tornTail) await journal.truncate(found.validEnd);
      await journal.appendDurably(frameBytes(encodeBase(snapshotHash(text), found.validEnd)));
    } finally {
      await journal.close();
    }
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  await renameIntoPlace(temp, path, fs);
  await fs.unlink(found.path);
  await fs.syncDir(dirname(path));
}

/** Renames a journal that does not continue the snapshot out of the way, keeping its bytes. */
async function keep(journal: string, keptAs: string, fs: CheckpointFs): Promise<void> {
  try {
    await fs.rename(journal, keptAs);
    await fs.syncDir(dirname(journal));
  } catch (error) {
    throw new CheckpointError(
      'write',
      journal,
      `cannot move the journal, which does not continue the snapshot, to ${keptAs}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** One JSON line of the side file: the entry as it was in the checkpoint, why, and when. */
export function droppedLine(dropped: DroppedAllocation, time: string): string {
  return `{"entry":${encodeJsonLossless(dropped.source)},"reason":${encodeGoString(dropped.reason)},"detail":${encodeGoString(dropped.detail)},"time":${encodeGoString(time)}}\n`;
}

/** The bytes cut from the journal's end, verbatim (base64), with where they were. */
function tornTailLine(found: JournalFound, tail: Uint8Array, time: string): string {
  const detail = `${tail.length} byte(s) at offset ${found.validEnd} of ${found.path} after its last whole record: a write a crash cut short, whose commit was never acknowledged`;
  const bytes = Buffer.from(tail.buffer, tail.byteOffset, tail.length).toString('base64');
  return `{"journalTail":${encodeGoString(bytes)},"reason":"torn-journal-tail","detail":${encodeGoString(detail)},"time":${encodeGoString(time)}}\n`;
}
