import type { Datastore } from '../ipam/datastore.ts';
import { formatRfc3339Nano, splitClockMs } from '../ipam/unix-time.ts';
import { appendDurable, writeFileAtomic } from './atomic-write.ts';
import { type CheckpointFs, nodeCheckpointFs } from './checkpoint-fs.ts';
import { CheckpointError } from './errors.ts';
import {
  CHECKPOINT_VERSION,
  CheckpointFormatError,
  type DecodedCheckpoint,
  decodeCheckpoint,
} from './format.ts';
import { encodeGoString } from './go-json.ts';
import { encodeJsonLossless } from './json-lossless.ts';
import { droppedPath } from './paths.ts';
import { applyCheckpoint, type DroppedAllocation, type RestoreOutcome } from './restore-plan.ts';
import { renderCheckpoint } from './snapshot.ts';

export interface RestoreOptions {
  /** This network card's checkpoint (see checkpointPath). */
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

export interface RestoreReport extends RestoreOutcome {
  /** No checkpoint file: a fresh node. Nothing was written. */
  readonly fresh: boolean;
  /** Where the dropped entries were appended, when there were any. */
  readonly droppedFile?: string;
}

/**
 * Restores a datastore from its checkpoint (the reference's ReadBackingStore), treating the file as evidence:
 * a missing file is a fresh node; an unreadable, malformed or other-version file is an error
 * naming it, and the file is left exactly as it was; entries that cannot be restored are appended
 * with their reason to `<file>.dropped` and fsynced BEFORE the checkpoint is rewritten from the
 * restored state.
 */
export async function restoreCheckpoint(options: RestoreOptions): Promise<RestoreReport> {
  const { path, datastore } = options;
  const fs = options.fs ?? nodeCheckpointFs;
  let text: string | undefined;
  try {
    text = await fs.readFile(path);
  } catch (error) {
    throw new CheckpointError('unreadable', path, `cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (text === undefined) {
    return { fresh: true, restored: [], dropped: [], rulesToPrune: [], cooldownsRestored: 0 };
  }

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

  const outcome = applyCheckpoint(datastore, decoded, options.liveLinkNames, path);

  let droppedFile: string | undefined;
  if (outcome.dropped.length > 0) {
    droppedFile = droppedPath(path);
    const now = splitClockMs(datastore.clock.now());
    const time = formatRfc3339Nano(now.ms, now.subMsNs);
    const lines = outcome.dropped.map((d) => droppedLine(d, time)).join('');
    try {
      await appendDurable(droppedFile, lines, fs);
    } catch (error) {
      throw new CheckpointError(
        'dropped-write',
        path,
        `cannot record ${outcome.dropped.length} dropped allocation(s) in ${droppedFile}, so the checkpoint is not rewritten: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  try {
    await writeFileAtomic(path, renderCheckpoint(datastore), fs, options.tempSuffix);
  } catch (error) {
    throw new CheckpointError(
      'write',
      path,
      `cannot rewrite after restore: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return { ...outcome, fresh: false, ...(droppedFile ? { droppedFile } : {}) };
}

/** One JSON line of the side file: the entry as it was in the checkpoint, why, and when. */
export function droppedLine(dropped: DroppedAllocation, time: string): string {
  return `{"entry":${encodeJsonLossless(dropped.source)},"reason":${encodeGoString(dropped.reason)},"detail":${encodeGoString(dropped.detail)},"time":${encodeGoString(time)}}\n`;
}
