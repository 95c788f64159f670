import { type CheckpointFs, nodeCheckpointFs } from './checkpoint-fs.ts';
import { CheckpointError } from './errors.ts';
import {
  CHECKPOINT_VERSION,
  CheckpointFormatError,
  type DecodedCheckpoint,
  decodeCheckpoint,
} from './format.ts';
import { type Frame, scanFrames } from './journal-frame.ts';
import {
  decodeRecord,
  JOURNAL_VERSION,
  type JournalChange,
  type JournalRecord,
  JournalRecordError,
  snapshotHash,
} from './journal-records.ts';
import { replayChanges } from './journal-replay.ts';
import { journalPath } from './paths.ts';

/** The journal as found at start. */
export interface JournalFound {
  readonly path: string;
  /** Where its whole records end. */
  readonly validEnd: number;
  /**
   * The bytes after its last whole record (a commit's write cut short by a crash: that commit
   * was never acknowledged), when there are any.
   */
  readonly tornTail?: Uint8Array;
  /**
   * Whether it continues the snapshot (one of its base records names the snapshot's bytes). One
   * that does not (the snapshot was written by another program, e.g. the reference after a
   * downgrade, or removed) is not replayed.
   */
  readonly continuesSnapshot: boolean;
  /** Commit records and changes replayed onto the snapshot. */
  readonly commitsReplayed: number;
  readonly changesReplayed: number;
}

/** What a network card's checkpoint files hold together. */
export interface DurableCheckpoint {
  /** The snapshot's text (undefined: no snapshot file). */
  readonly snapshotText: string | undefined;
  readonly journal: JournalFound | undefined;
  /** The snapshot with the journal's changes replayed; undefined when neither file exists. */
  readonly state: DecodedCheckpoint | undefined;
}

/**
 * Reads a card's snapshot (`vpc-cni-ipam/1`) and its journal and replays one onto the other,
 * writing nothing. Fails, naming the file, on a snapshot that is unreadable, malformed or of
 * another version (as the reference), and on a journal that is unreadable, of another format, or
 * damaged anywhere but at its end: a whole record after a damaged one means the file was not just
 * cut short by a crash, and replaying around the damage could hand out an address a pod holds.
 */
export async function readDurableCheckpoint(
  path: string,
  fs: CheckpointFs = nodeCheckpointFs,
): Promise<DurableCheckpoint> {
  const snapshotText = await read(path, () => fs.readFile(path));
  const journalFile = journalPath(path);
  const journalBytes = await read(journalFile, () => fs.readBytes(journalFile));
  return combineCheckpoint(path, snapshotText, journalBytes);
}

/** readDurableCheckpoint on contents already read (undefined: no such file). */
export function combineCheckpoint(
  path: string,
  snapshotText: string | undefined,
  journalBytes: Uint8Array | undefined,
): DurableCheckpoint {
  const journalFile = journalPath(path);
  const snapshot = snapshotText === undefined ? undefined : decodeSnapshot(path, snapshotText);
  if (journalBytes === undefined) {
    return { snapshotText, journal: undefined, state: snapshot };
  }

  const scan = scanFrames(journalBytes);
  if (scan.recordAfterDamage !== undefined) {
    throw new CheckpointError(
      'invalid',
      journalFile,
      `damaged record at byte ${scan.validEnd} followed by a whole record at byte ${scan.recordAfterDamage}: not the torn end of a crash; refusing to start (the files are left as they are)`,
    );
  }
  const records = decodeRecords(journalFile, scan.frames);
  const tornTail =
    scan.validEnd < journalBytes.length ? journalBytes.subarray(scan.validEnd) : undefined;
  const base =
    snapshotText === undefined ? undefined : lastBaseNaming(records, snapshotHash(snapshotText));
  const found = {
    path: journalFile,
    validEnd: scan.validEnd,
    ...(tornTail ? { tornTail } : {}),
  };
  if (base === undefined) {
    return {
      snapshotText,
      journal: { ...found, continuesSnapshot: false, commitsReplayed: 0, changesReplayed: 0 },
      state: snapshot,
    };
  }

  const changes: JournalChange[] = [];
  let commits = 0;
  for (const { frame, record } of records) {
    if (record.kind !== 'commit' || frame.offset < base.from) continue;
    commits++;
    changes.push(...record.changes);
  }
  return {
    snapshotText,
    journal: {
      ...found,
      continuesSnapshot: true,
      commitsReplayed: commits,
      changesReplayed: changes.length,
    },
    state: replayChanges(snapshot, changes),
  };
}

async function read<T>(file: string, reading: () => Promise<T>): Promise<T> {
  try {
    return await reading();
  } catch (error) {
    throw new CheckpointError('unreadable', file, `cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function decodeSnapshot(path: string, text: string): DecodedCheckpoint {
  let decoded: DecodedCheckpoint;
  try {
    decoded = decodeCheckpoint(text);
  } catch (error) {
    if (!(error instanceof CheckpointFormatError)) throw error;
    throw new CheckpointError('invalid', path, `not a valid checkpoint: ${error.message}`, {
      cause: error,
    });
  }
  if (decoded.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      'version',
      path,
      `unsupported version ${JSON.stringify(decoded.version)} (this daemon reads ${JSON.stringify(CHECKPOINT_VERSION)})`,
    );
  }
  return decoded;
}

interface Decoded {
  readonly frame: Frame;
  readonly record: JournalRecord;
}

/**
 * Every whole record, checked: the first opens the journal in our format, no other does, and a
 * base's `from` is where a record starts (or ends) before it.
 */
function decodeRecords(file: string, frames: readonly Frame[]): Decoded[] {
  const boundaries = new Set<number>();
  return frames.map((frame, i) => {
    const fail = (detail: string): never => {
      throw new CheckpointError('invalid', file, `record at byte ${frame.offset}: ${detail}`);
    };
    let record: JournalRecord;
    try {
      record = decodeRecord(frame.payload);
    } catch (error) {
      if (!(error instanceof JournalRecordError)) throw error;
      return fail(error.message);
    }
    const version = record.kind === 'base' ? record.version : undefined;
    if (i === 0 && version === undefined) fail('the journal does not start with its header');
    if (i > 0 && version !== undefined) fail('a second header');
    if (version !== undefined && version !== JOURNAL_VERSION) {
      throw new CheckpointError(
        'version',
        file,
        `unsupported journal format ${JSON.stringify(version)} (this daemon reads ${JSON.stringify(JOURNAL_VERSION)})`,
      );
    }
    if (record.kind === 'base' && record.from !== undefined && !boundaries.has(record.from)) {
      fail(`base names byte ${record.from}, where no record starts`);
    }
    boundaries.add(frame.end);
    return { frame, record };
  });
}

/** The last base naming the snapshot, with where the changes that follow it start. */
function lastBaseNaming(records: readonly Decoded[], hash: string): { from: number } | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const { frame, record } = records[i]!;
    if (record.kind === 'base' && record.snapshot === hash) {
      return { from: record.from ?? frame.end };
    }
  }
  return undefined;
}
