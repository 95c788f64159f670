import { randomInt } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { CheckpointFs, WritableFile } from './checkpoint-fs.ts';

/** Go's os.CreateTemp puts a random decimal number where the pattern has `*`. */
export function randomTempSuffix(): string {
  return String(randomInt(0, 2 ** 32 - 1));
}

/**
 * Replaces `path` with `data` so that a reader (or a crash) sees either the old file or the new
 * one, never a mix: write `<name>.tmp<random>` in the same directory, fsync it, rename it over
 * the target, fsync the directory. The temp file is removed on any failure before the rename; a
 * failure after it (directory fsync) leaves the new file in place and still rejects.
 */
export async function writeFileAtomic(
  path: string,
  data: string,
  fs: CheckpointFs,
  tempSuffix: () => string = randomTempSuffix,
): Promise<void> {
  const temp = await writeTempFile(path, data, fs, tempSuffix);
  await renameIntoPlace(temp, path, fs);
}

/**
 * The first half of writeFileAtomic: `data` in `<name>.tmp<random>` beside `path`, fsynced and
 * closed; returns the temp file's path. Nothing is left behind when it fails.
 */
export async function writeTempFile(
  path: string,
  data: string,
  fs: CheckpointFs,
  tempSuffix: () => string = randomTempSuffix,
): Promise<string> {
  const temp = join(dirname(path), `${basename(path)}.tmp${tempSuffix()}`);
  let file: WritableFile | undefined;
  let created = false;
  try {
    file = await fs.createExclusive(temp, 0o600);
    created = true;
    await file.write(data);
    await file.sync();
    const closing = file;
    file = undefined;
    await closing.close();
    return temp;
  } catch (error) {
    if (file) await file.close().catch(() => undefined);
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * The second half: renames a temp file written by writeTempFile over `path` and fsyncs the
 * directory. The temp file is removed when the rename fails; a failed directory fsync rejects
 * with the new file in place.
 */
export async function renameIntoPlace(temp: string, path: string, fs: CheckpointFs): Promise<void> {
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  await fs.syncDir(dirname(path));
}

/** Appends and fsyncs (the file is created 0600 when missing). */
export async function appendDurable(path: string, data: string, fs: CheckpointFs): Promise<void> {
  const file = await fs.openAppend(path, 0o600);
  try {
    await file.write(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.syncDir(dirname(path));
}
